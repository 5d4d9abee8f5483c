// Differential search over a series, on every core: generate correct-driver
// scenarios, run each on every variant of the chain, and keep what behaves
// differently from one variant to the next (a verdict or a cost counter
// changes) or still violates the contract on the last variant. Each class of
// finding is shrunk, by fast-check, to a smallest scenario that still shows
// it, so a run reports a handful of findings, not thousands of duplicates.
//
// The seed stream is cut into shares (fuzz/share.ts): share s is the
// SHARE_SIZE scenarios fast-check generates from seed + s. Worker threads
// run shares and shrinks; the main thread only schedules and merges. A class
// is shrunk from the first scenario that showed it, in share order, so what
// a run finds depends on the seed and the run count alone, never on how many
// threads ran it, in which order they finished, or how the shares were split
// between machines (--shard): mergeParts() turns the parts of any split into
// the same findings.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { compiledFile, projectRoot } from '../paths.js';
import { WORKER_LIMITS } from '../runner/pool.js';
import type { VariantMeta } from '../variants/registry.js';
import { originOfSpace, type SearchSpace } from './generate.js';
import { SHARE_SIZE, type FuzzTask, type ShareOutcome, type ShareTask, type ShrinkTask, type Shrunk } from './share.js';
import { addCounts, emptyCounts, type Counts } from './stats.js';
import type { FuzzWorkerInit } from './worker.js';
import { inShard, type Shard } from '../shard.js';

export interface Finding {
  /** What it was kept for, e.g. "v3-2-arch-sync fixes device-read-stale" or "5.16-7-min-align still shows reach-free-slot". */
  class: string;
  /** Every class the shrunk scenario shows that no earlier finding did. */
  classes: string[];
  /** The variant where it shows (the child of the step, or the last variant). */
  variant: string;
  kind: 'change' | 'violation';
  fixture: Fixture;
  /** Verdict (or status) on every variant of the chain. */
  outcomes: Record<string, string[]>;
  seed: number;
  path: string;
  /** fast-check's replay path of the commands, needed with path to replay. */
  commandsPath: string;
  /** Steps of the shrunk fixture (a repeat block's body counted once). */
  steps: number;
}

export interface SearchOptions {
  seed: number;
  /** Scenarios to generate in all, over every shard (shrinking not counted). */
  runs?: number;
  /** Or stop starting shares after this many seconds (then the result depends on the machine's speed). */
  seconds?: number;
  /** Only the shares of this shard. */
  shard?: Shard;
  /** Worker threads. */
  workers: number;
  /** Scenarios run so far (of this shard), and classes shrunk. */
  onProgress?: (runs: number, shrunk: number) => void;
  /** A class shrunk (for the benchmark's time to first report). */
  onShrunk?: (s: Shrunk) => void;
  /** Asked before each share: true to start no more (the shrinks of what was found still run). */
  stop?: () => boolean;
}

/** What a search (or one shard of it) produced, before its findings are chosen: a plain value. */
export interface SearchParts {
  seed: number;
  /** Shares done, in share order. */
  shares: ShareOutcome[];
  /** Classes shrunk, each from the first scenario of these shares to show it. */
  shrunk: Shrunk[];
}

export interface SearchResult {
  findings: Finding[];
  runs: number;
  counts: Counts;
}

/** The chain and space a search runs on. */
export interface SearchTarget {
  /** The search's name: a series, or `C-against-MODEL`. */
  series: string;
  chain: Array<{ meta: VariantMeta; dir: string }>;
  space: SearchSpace;
  /** fuzz --against: the chain is a model and a C variant (built already); a finding is a disagreement. */
  against?: { timeoutMs: number };
}

/** Steps of a fixture, counting a repeat block's body once (not the repeat itself). */
export function stepCount(steps: Fixture['steps']): number {
  return steps.reduce((n, s) => n + (s.op === 'repeat' ? stepCount(s.steps as Fixture['steps']) : 1), 0);
}

/** The shares a run of `runs` scenarios is cut into (unbounded for a time budget), this shard's only. */
function* sharesOf(seed: number, runs: number | undefined, shard: Shard | undefined): Generator<ShareTask> {
  const count = runs === undefined ? Number.POSITIVE_INFINITY : Math.ceil(runs / SHARE_SIZE);
  for (let share = 0; share < count; share++) {
    if (shard !== undefined && !inShard(share, shard)) continue;
    yield { kind: 'share', seed, share, runs: runs === undefined ? SHARE_SIZE : Math.min(SHARE_SIZE, runs - share * SHARE_SIZE) };
  }
}

/** Scenarios a shard of a run of `runs` generates. */
export function runsOfShard(runs: number, shard: Shard | undefined): number {
  let n = 0;
  for (const s of sharesOf(0, runs, shard)) n += s.runs;
  return n;
}

/**
 * Which shrinks go first (lower first): verdict changes, then what the last
 * variant still shows, then cost changes. The order changes when a finding
 * is reported, never what is found.
 */
function urgency(cls: string): number {
  return / (fixes|regresses) /.test(cls) ? 0 : / still shows /.test(cls) ? 1 : 2;
}

function workerEntry(): string {
  const filename = compiledFile(join(projectRoot, 'harness', 'fuzz', 'worker-main.ts'));
  if (!existsSync(filename)) throw new Error(`${filename} is missing: run npm run build first`);
  return filename;
}

/**
 * Run the shares (of a shard) on worker threads; a class is shrunk as soon as
 * every share before the one where it first showed is done. Shrinks go first,
 * so that findings are reported early.
 */
export async function search(target: SearchTarget, options: SearchOptions): Promise<SearchParts> {
  const init: FuzzWorkerInit = { chain: target.chain, space: target.space, ...(target.against !== undefined ? { against: target.against } : {}) };
  const pool = new Piscina({ filename: workerEntry(), workerData: init, minThreads: options.workers, maxThreads: options.workers, concurrentTasksPerWorker: 1, resourceLimits: WORKER_LIMITS });
  const started = performance.now();
  const outOfTime = (): boolean => options.seconds !== undefined && performance.now() - started >= options.seconds * 1000;
  const pending = sharesOf(options.seed, options.runs, options.shard);
  const order: number[] = [];
  const done = new Map<number, ShareOutcome>();
  const shares: ShareOutcome[] = [];
  const shrinks: ShrinkTask[] = [];
  const shrunk: Shrunk[] = [];
  const firstSeen = new Set<string>();
  let runs = 0;
  let noMoreShares = false;

  /** Take the shares done in order, and queue a shrink for each class none of them showed before. */
  const advance = (): void => {
    while (order.length > shares.length && done.has(order[shares.length]!)) {
      const s = done.get(order[shares.length]!)!;
      shares.push(s);
      runs += s.runs;
      for (const f of s.firsts) {
        if (firstSeen.has(f.class)) continue;
        firstSeen.add(f.class);
        const task: ShrinkTask = { kind: 'shrink', seed: options.seed, share: s.share, index: f.index, class: f.class };
        const at = shrinks.findIndex((t) => urgency(t.class) > urgency(f.class));
        shrinks.splice(at === -1 ? shrinks.length : at, 0, task);
      }
    }
  };
  const next = (): FuzzTask | undefined => {
    const t = shrinks.shift();
    if (t !== undefined) return t;
    if (noMoreShares || outOfTime() || options.stop?.() === true) return undefined;
    const s = pending.next();
    if (s.done === true) {
      noMoreShares = true;
      return undefined;
    }
    order.push(s.value.share);
    return s.value;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      const pump = (): void => {
        for (let t = active < options.workers ? next() : undefined; t !== undefined; t = active < options.workers ? next() : undefined) {
          active++;
          const task = t;
          (pool.run(task) as Promise<ShareOutcome | Shrunk>).then((out) => {
            active--;
            if (task.kind === 'share') {
              done.set(task.share, out as ShareOutcome);
              advance();
            } else {
              shrunk.push(out as Shrunk);
              options.onShrunk?.(out as Shrunk);
            }
            options.onProgress?.(runs, shrunk.length);
            pump();
          }, reject);
        }
        if (active === 0) resolve();
      };
      pump();
    });
  } finally {
    await pool.destroy();
  }
  // A time budget may leave shares done after one that was not started: only the prefix counts.
  const kept = new Set(shares.map((s) => s.share));
  return { seed: options.seed, shares, shrunk: shrunk.filter((s) => kept.has(s.share)).sort(byOccurrence) };
}

function byOccurrence(a: { share: number; index: number; class: string }, b: { share: number; index: number; class: string }): number {
  return a.share - b.share || a.index - b.index || (a.class < b.class ? -1 : a.class > b.class ? 1 : 0);
}

/**
 * The findings of a search from its parts (one, or one per shard): each class
 * from the first scenario to show it over all shares, skipped when an earlier
 * finding already shows it, then in series order.
 */
export function mergeParts(target: Pick<SearchTarget, 'series' | 'space' | 'against'>, chainIds: readonly string[], parts: readonly SearchParts[]): SearchResult {
  const shares = parts.flatMap((p) => p.shares).sort((a, b) => a.share - b.share);
  const counts = emptyCounts();
  for (const s of shares) addCounts(counts, s.counts);
  const first = new Map<string, { share: number; index: number; class: string }>();
  for (const s of shares) for (const f of s.firsts) if (!first.has(f.class)) first.set(f.class, { share: s.share, index: f.index, class: f.class });
  const shrunkOf = new Map(parts.flatMap((p) => p.shrunk).map((s) => [`${s.share}/${s.index}/${s.class}`, s]));
  const known = new Set<string>();
  const chosen: Array<{ s: Shrunk; classes: string[] }> = [];
  for (const o of [...first.values()].sort(byOccurrence)) {
    if (known.has(o.class)) continue;
    const s = shrunkOf.get(`${o.share}/${o.index}/${o.class}`);
    if (s === undefined) throw new Error(`no shrunk scenario for "${o.class}" (share ${o.share}, scenario ${o.index})`);
    // The shrunk scenario still shows its class, and maybe others no earlier finding showed.
    const classes = s.classes.filter((c) => !known.has(c));
    for (const c of classes) known.add(c);
    chosen.push({ s, classes });
  }
  const rank = (x: { s: Shrunk }): number => chainIds.indexOf(x.s.info.variant) * 2 + (x.s.info.kind === 'change' ? 0 : 1);
  chosen.sort((a, b) => rank(a) - rank(b) || (a.s.class < b.s.class ? -1 : a.s.class > b.s.class ? 1 : 0));
  const findings = chosen.map(({ s, classes }, i) => findingOf(target, s, classes, `fuzz+${target.series}+${i + 1}`));
  return { findings, runs: shares.reduce((n, s) => n + s.runs, 0), counts };
}

function findingOf(target: Pick<SearchTarget, 'series' | 'space' | 'against'>, s: Shrunk, classes: string[], id: string): Finding {
  const { variant, kind, detail } = s.info;
  const question =
    target.against !== undefined
      ? `Found by fuzzing ${target.series.replace('-against-', ' against ')}: do the C and its model agree here (${s.class})?`
      : kind === 'change'
      ? `Found by fuzzing ${target.series}: does this scenario behave differently on ${variant} than on its parent (${detail ?? s.class.slice(variant.length + 1)})?`
      : `Found by fuzzing ${target.series}: does this scenario still show ${s.class.split(' still shows ')[1]} on ${variant}?`;
  const fixture: Fixture = {
    ...s.fixture,
    id,
    question,
    origin: { tool: 'fuzz', series: target.series, seed: s.seed, path: s.path, commands_path: s.commandsPath, ...originOfSpace(target.space), class: s.class },
  };
  return { class: s.class, classes, variant, kind, fixture, outcomes: s.outcomes, seed: s.seed, path: s.path, commandsPath: s.commandsPath, steps: stepCount(fixture.steps) };
}
