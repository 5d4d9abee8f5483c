// The two pieces of work a fuzz run is made of, each a pure function of its
// task, so that any thread (or any machine) can do it and get the same value:
//
//   a share    the scenarios fast-check generates from one seed of the seed
//              stream (share s uses seed + s): each runs on the whole chain,
//              is counted in the statistics, and the first scenario to show
//              each class is remembered by its index in the share;
//   a shrink   one class, from the scenario of a share where it first showed:
//              fast-check shrinks it while it still shows the class, running
//              only the variants that decide the class.

import fc from 'fast-check';
import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { resolveFixture } from '../fixtures/load.js';
import type { Scenario } from '../fixtures/scenario.js';
import { Workspace } from '../machine/workspace.js';
import { outcomeKinds, type CaseResult } from '../run/result.js';
import { runCase } from '../runner/run-case.js';
import type { CallCosts } from '../run/execute.js';
import type { Variant } from '../variants/registry.js';
import { classesOf, type CallCostMap, type ClassInfo } from './classes.js';
import { disagreementClasses } from '../ckernel/model-check.js';
import { isCVariant } from '../ckernel/variant.js';
import { buildFixture, commandsPathOf, scenarioArb, type Generated, type SearchSpace } from './generate.js';
import { countScenario, emptyCounts, type Counts } from './stats.js';

/** Scenarios in one share of the seed stream. */
export const SHARE_SIZE = 100;
/** Scenarios tried while shrinking one class; beyond this, the smallest so far is kept. */
export const SHRINK_BUDGET = 1000;

/** What a worker knows: the chain it runs and the space it generates from. */
export interface FuzzContext {
  chain: readonly Variant[];
  space: SearchSpace;
  /** `fuzz --against`: the chain is a model and a C variant, and a class is a disagreement between them. */
  against?: boolean;
  /** Runs a case of a C variant of the chain (in a child process); absent when the chain has none. */
  runC?: (scenario: Scenario, index: number) => Promise<CaseResult>;
}

/** The classes a scenario shows on the context's chain: along a series, or where a C variant and its model disagree. */
export function classesIn(ctx: FuzzContext, ids: readonly string[], results: ReadonlyArray<CaseResult | undefined>, calls?: ReadonlyArray<CallCostMap | undefined>): Map<string, ClassInfo> {
  if (ctx.against !== true) return classesOf(ids, results, calls);
  const [model, c] = results;
  const out = new Map<string, ClassInfo>();
  if (model === undefined || c === undefined) return out;
  for (const [cls, at] of disagreementClasses(ids[1]!, ids[0]!, c, model)) out.set(cls, { ...at, needs: [0, 1] });
  return out;
}

export interface ShareTask {
  kind: 'share';
  seed: number;
  share: number;
  /** Scenarios to generate (SHARE_SIZE but for the last share). */
  runs: number;
}

/** The first scenario of a share to show a class. */
export interface FirstSeen {
  class: string;
  /** Its index in the share (fast-check's path to it). */
  index: number;
}

export interface ShareOutcome {
  share: number;
  runs: number;
  counts: Counts;
  /** In the order they first showed (index, then class name). */
  firsts: FirstSeen[];
}

export interface ShrinkTask {
  kind: 'shrink';
  seed: number;
  share: number;
  index: number;
  class: string;
}

/** A class shrunk: the smallest scenario found that still shows it, run on the whole chain. */
export interface Shrunk {
  class: string;
  share: number;
  index: number;
  info: Omit<ClassInfo, 'needs'>;
  /** The fixture, without id or question yet. */
  fixture: Fixture;
  /** Verdict (or status) on every variant of the chain. */
  outcomes: Record<string, string[]>;
  /** Every class the shrunk scenario shows, sorted. */
  classes: string[];
  seed: number;
  path: string;
  commandsPath: string;
}

export type FuzzTask = ShareTask | ShrinkTask;

/** A share's fast-check seed. */
export function shareSeed(seed: number, share: number): number {
  return (seed + share) | 0;
}

/** Results on some variants of a chain, with their costs by kind of call; undefined where a variant did not run. */
export interface Evaluated {
  results: Array<CaseResult | undefined>;
  calls: Array<Map<string, CallCosts> | undefined>;
}

/** Runs generated scenarios on some variants of the chain, remembering the last few. */
export class Evaluator {
  private readonly workspace = new Workspace();
  private readonly ids: string[];
  private cache = new Map<string, Evaluated>();

  constructor(readonly context: FuzzContext) {
    this.ids = context.chain.map((v) => v.meta.id);
  }

  get chainIds(): readonly string[] {
    return this.ids;
  }

  async scenario(g: Generated): Promise<{ doc: Fixture; scenario: Scenario }> {
    const doc = buildFixture(g, 'generated', 'A generated scenario.');
    return { doc, scenario: await resolveFixture(doc, 'generated.json') };
  }

  /** Results on the variants at `which` (every variant by default); the others are undefined. */
  async run(g: Generated, which?: readonly number[]): Promise<Evaluated> {
    const { doc, scenario } = await this.scenario(g);
    const key = JSON.stringify(doc);
    const hit = this.cache.get(key);
    const e = hit ?? { results: new Array<CaseResult | undefined>(this.ids.length), calls: new Array<Map<string, CallCosts> | undefined>(this.ids.length) };
    for (let i = 0; i < this.ids.length; i++) {
      if (e.results[i] === undefined && (which === undefined || which.includes(i))) await this.runOne(scenario, i, e);
    }
    if (hit === undefined) {
      if (this.cache.size >= 2000) this.cache = new Map();
      this.cache.set(key, e);
    }
    return e;
  }

  async runOne(scenario: Scenario, i: number, into: Evaluated): Promise<void> {
    const v = this.context.chain[i]!;
    if (isCVariant(v.meta)) {
      if (this.context.runC === undefined) throw new Error(`${v.meta.id} is a C variant and this search has no child process for it`);
      into.results[i] = await this.context.runC(scenario, i);
      into.calls[i] = undefined;
      return;
    }
    const costsByCall = new Map<string, CallCosts>();
    into.results[i] = runCase(scenario, v, { workspace: this.workspace, costsByCall });
    into.calls[i] = costsByCall;
  }

  classes(results: ReadonlyArray<CaseResult | undefined>, calls?: ReadonlyArray<CallCostMap | undefined>): Map<string, ClassInfo> {
    return classesIn(this.context, this.ids, results, calls);
  }

  forget(): void {
    this.cache = new Map();
  }
}

/** Generate and run one share of the seed stream. */
export async function runShare(ev: Evaluator, task: ShareTask): Promise<ShareOutcome> {
  const arb = scenarioArb(ev.context.space);
  const counts = emptyCounts();
  const firsts: FirstSeen[] = [];
  const seen = new Set<string>();
  let index = 0;
  await fc.check(
    fc.asyncProperty(arb, async (g) => {
      const { doc, scenario } = await ev.scenario(g);
      const e: Evaluated = { results: [], calls: [] };
      for (let i = 0; i < ev.chainIds.length; i++) await ev.runOne(scenario, i, e);
      countScenario(counts, doc, scenario, e.results);
      const fresh = [...ev.classes(e.results, e.calls).keys()].filter((c) => !seen.has(c)).sort();
      for (const c of fresh) {
        seen.add(c);
        firsts.push({ class: c, index });
      }
      index++;
      return true;
    }),
    { seed: shareSeed(task.seed, task.share), numRuns: task.runs },
  );
  return { share: task.share, runs: task.runs, counts, firsts };
}

/** Shrink one class from the scenario where it first showed. */
export async function shrinkClass(ev: Evaluator, task: ShrinkTask): Promise<Shrunk> {
  const arb = scenarioArb(ev.context.space);
  const seed = shareSeed(task.seed, task.share);
  const path = String(task.index);
  // The variants that decide the class, from the scenario it was found in.
  const found = fc.sample(arb, { seed, path, numRuns: 1 })[0]!;
  const start = await ev.run(found);
  const info = ev.classes(start.results, start.calls).get(task.class);
  if (info === undefined) throw new Error(`share ${task.share} scenario ${task.index} does not show "${task.class}"`);
  let tries = 0;
  const shrunk = await fc.check(
    fc.asyncProperty(arb, async (g) => {
      if (tries++ > SHRINK_BUDGET) return true;
      const e = await ev.run(g, info.needs);
      return !ev.classes(e.results, e.calls).has(task.class);
    }),
    { seed, path, endOnFailure: false },
  );
  const g = shrunk.failed ? shrunk.counterexample![0] : found;
  // Read it now: fast-check keeps it in the arbitrary, and the next check resets it.
  const commandsPath = shrunk.failed ? commandsPathOf(g) : '';
  const shrunkPath = shrunk.failed && shrunk.counterexamplePath !== null ? shrunk.counterexamplePath : path;
  const end = await ev.run(g);
  ev.forget();
  const all = end.results as CaseResult[];
  const shown = ev.classes(all, end.calls);
  const fixture = buildFixture(g, '', '');
  fixture.expect = Object.fromEntries(ev.chainIds.map((v, i) => [v, all[i]!.status === 'ok' ? (all[i] as { verdict: Fixture['expect'][string] }).verdict : []]));
  return {
    class: task.class,
    share: task.share,
    index: task.index,
    info: { variant: info.variant, kind: info.kind, ...(shown.get(task.class)?.detail !== undefined ? { detail: shown.get(task.class)!.detail } : {}) },
    fixture,
    outcomes: Object.fromEntries(ev.chainIds.map((v, i) => [v, outcomeKinds(all[i]!)])),
    classes: [...shown.keys()].sort(),
    seed,
    path: shrunkPath,
    commandsPath,
  };
}

export async function runTask(ev: Evaluator, task: FuzzTask): Promise<ShareOutcome | Shrunk> {
  return task.kind === 'share' ? runShare(ev, task) : shrinkClass(ev, task);
}
