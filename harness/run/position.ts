// Where a running case is, kept in shared memory so that the pool's
// watchdog can say where a case was when its time ran out: the step, with
// the round of every repeat around it, as the trace labels steps ("3#2.1":
// the first step of round 2 of the repeat at step 3).
//
// Layout of the Int32Array, from `base`: [levels, then for each level the
// step's index (from 1) and the round of the repeat at that step (0 when
// it is not a repeat under way)]. levels 0: booting; -1: after the last step.

import type { ScenarioStep } from '../fixtures/scenario.js';

/** Repeats nested deeper than this are not followed (a fixture nests at most 64 levels of JSON: about 30 repeats). */
export const POSITION_LEVELS = 32;

/** Int32 slots a position takes. */
export const POSITION_SLOTS = 1 + 2 * POSITION_LEVELS;

export const BOOTING = 0;
export const AFTER_LAST_STEP = -1;

export class Position {
  constructor(
    private readonly slots: Int32Array,
    private readonly base: number,
  ) {}

  /** Step `index` (from 1) at `level` (0 outside any repeat), in `round` of its repeat (0: none). */
  at(level: number, index: number, round: number): void {
    if (level >= POSITION_LEVELS) return;
    this.slots[this.base] = level + 1;
    this.slots[this.base + 1 + 2 * level] = index;
    this.slots[this.base + 2 + 2 * level] = round;
  }

  set(levels: typeof BOOTING | typeof AFTER_LAST_STEP): void {
    this.slots[this.base] = levels;
  }
}

export interface Reached {
  /** The step, as the trace labels it ("3#41234.2"), or "boot", or "end". */
  step: string;
  /** Each repeat around it: its own label, the round reached, and how many it has. */
  rounds: Array<{ repeat: string; round: number; count: number }>;
}

/** Read a position back, naming its repeats from the scenario's steps. */
export function readPosition(slots: Int32Array, base: number, steps: readonly ScenarioStep[]): Reached {
  const levels = Atomics.load(slots, base);
  if (levels === BOOTING) return { step: 'boot', rounds: [] };
  if (levels === AFTER_LAST_STEP) return { step: 'end', rounds: [] };
  let label = '';
  let list: readonly ScenarioStep[] = steps;
  const rounds: Reached['rounds'] = [];
  for (let level = 0; level < Math.min(levels, POSITION_LEVELS); level++) {
    const index = slots[base + 1 + 2 * level]!;
    const round = slots[base + 2 + 2 * level]!;
    label += String(index);
    const step = list[index - 1];
    // A plain step ends the label; a repeat under way adds its round, and the step inside it if there is one.
    if (step?.op !== 'repeat' || round === 0) break;
    rounds.push({ repeat: label, round, count: step.count });
    label += `#${round}`;
    if (level === levels - 1) break;
    label += '.';
    list = step.steps;
  }
  return { step: label, rounds };
}
