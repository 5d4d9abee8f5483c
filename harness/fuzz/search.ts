// Differential search over a series: generate correct-driver scenarios, run
// each on every variant of the chain, and keep what behaves differently from
// one variant to the next (a verdict or a cost counter changes) or still
// violates the contract on the last variant. Each new kind of finding is
// shrunk, by fast-check, to a smallest scenario that still shows it, and
// grouped under a class (the step or variant where it shows, and what it is),
// so a run reports a handful of findings, not thousands of duplicates.
//
// Everything is deterministic for a seed and a run count: round r uses seed
// + r, and a finding records the seed and fast-check path that replay it.

import fc from 'fast-check';
import { compareResults } from '../compare/grade.js';
import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { resolveFixture } from '../fixtures/load.js';
import type { Scenario } from '../fixtures/scenario.js';
import { outcomeKinds, type CaseResult } from '../run/result.js';
import { runCase } from '../runner/run-case.js';
import type { Variant } from '../variants/registry.js';
import { buildFixture, commandsPathOf, DEFAULT_SPACE, scenarioArb, type Generated, type SearchSpace } from './generate.js';
import { Statistics } from './stats.js';

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
  /** Scenarios to generate in all (shrinking not counted). */
  runs?: number;
  /** Or stop after this many seconds (then the result depends on the machine's speed). */
  seconds?: number;
  space?: SearchSpace;
  onProgress?: (runs: number, findings: number) => void;
}

export interface SearchResult {
  findings: Finding[];
  runs: number;
  stats: Statistics;
}

const ROUND = 100;
/** Scenarios tried while shrinking one finding; beyond this, the smallest so far is kept. */
const SHRINK_BUDGET = 1000;

/**
 * The classes a scenario shows along a chain: each violation kind a step
 * fixes or regresses, a step that changes only costs, and each kind the last
 * variant still shows.
 */
export function classesOf(chain: readonly string[], results: readonly CaseResult[]): Map<string, { variant: string; kind: 'change' | 'violation' }> {
  const out = new Map<string, { variant: string; kind: 'change' | 'violation' }>();
  for (let i = 1; i < chain.length; i++) {
    const c = compareResults(results[i - 1]!, results[i]!);
    const v = chain[i]!;
    for (const k of c.removed) out.set(`${v} fixes ${k}`, { variant: v, kind: 'change' });
    for (const k of c.added) out.set(`${v} regresses ${k}`, { variant: v, kind: 'change' });
    if (c.removed.length === 0 && c.added.length === 0 && c.costs.length > 0) out.set(`${v} changes costs`, { variant: v, kind: 'change' });
  }
  const last = chain[chain.length - 1]!;
  for (const k of outcomeKinds(results[results.length - 1]!)) out.set(`${last} still shows ${k}`, { variant: last, kind: 'violation' });
  return out;
}

/** What makes a finding, and how a case runs: along a series by default; `fuzz --against` puts a model and a C variant in their place. */
export interface SearchHooks {
  /** The classes a scenario shows, from the results on the chain. */
  classify(chain: readonly string[], results: readonly CaseResult[]): Map<string, { variant: string; kind: 'change' | 'violation' }>;
  /** The question a finding of a class asks. */
  question(cls: string, where: { variant: string; kind: 'change' | 'violation' }, series: string): string;
  /** Run one case (in this thread by default; a C variant's in a child process). */
  run(scenario: Scenario, variant: Variant): Promise<CaseResult>;
}

export const SERIES_HOOKS: SearchHooks = {
  classify: classesOf,
  question: (cls, where, series) =>
    where.kind === 'change'
      ? `Found by fuzzing ${series}: does this scenario behave differently on ${where.variant} than on its parent (${cls.slice(where.variant.length + 1)})?`
      : `Found by fuzzing ${series}: does this scenario still show ${cls.split(' still shows ')[1]} on ${where.variant}?`,
  run: async (scenario, variant) => runCase(scenario, variant),
};

export class Searcher {
  private readonly cache = new Map<string, { scenario: Scenario; results: CaseResult[] }>();

  constructor(
    readonly series: string,
    readonly chain: readonly Variant[],
    readonly space: SearchSpace = DEFAULT_SPACE,
    readonly stats = new Statistics(),
    readonly hooks: SearchHooks = SERIES_HOOKS,
  ) {}

  /** Build, validate and run one generated scenario on the whole chain (memoised). */
  async evaluate(g: Generated): Promise<{ scenario: Scenario; results: CaseResult[] }> {
    const doc = buildFixture(g, 'generated', 'A generated scenario.');
    const key = JSON.stringify(doc);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const scenario = await resolveFixture(doc, 'generated.json');
    const results: CaseResult[] = [];
    for (const v of this.chain) results.push(await this.hooks.run(scenario, v));

    const entry = { scenario, results };
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(key, entry);
    return entry;
  }
}

/** Steps of a fixture, counting a repeat block's body once (not the repeat itself). */
export function stepCount(steps: Fixture['steps']): number {
  return steps.reduce((n, s) => n + (s.op === 'repeat' ? stepCount(s.steps as Fixture['steps']) : 1), 0);
}

export async function search(searcher: Searcher, options: SearchOptions): Promise<SearchResult> {
  const arb = scenarioArb(searcher.space);
  const chainIds = searcher.chain.map((v) => v.meta.id);
  const classesOf = (ids: readonly string[], results: readonly CaseResult[]): ReturnType<SearchHooks['classify']> => searcher.hooks.classify(ids, results);
  const known = new Set<string>();
  const findings: Finding[] = [];
  const started = performance.now();
  let runs = 0;
  const budgetRuns = options.runs ?? Number.POSITIVE_INFINITY;
  const budgetMs = (options.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const outOfBudget = (): boolean => runs >= budgetRuns || performance.now() - started >= budgetMs;

  for (let round = 0; !outOfBudget(); round++) {
    const seed = options.seed + round;
    const numRuns = Math.min(ROUND, budgetRuns - runs);
    let counted = 0;
    // Look for a scenario with a class not seen yet; stop at the first one, unshrunk.
    const found = await fc.check(
      fc.asyncProperty(arb, async (g) => {
        if (counted >= numRuns || performance.now() - started >= budgetMs) return true;
        counted++;
        const { scenario, results } = await searcher.evaluate(g);
        searcher.stats.count(scenario, results);
        return [...classesOf(chainIds, results).keys()].every((k) => known.has(k));
      }),
      { seed, numRuns, endOnFailure: true },
    );
    runs += counted;
    if (!found.failed || found.counterexamplePath === null) {
      options.onProgress?.(runs, findings.length);
      continue;
    }
    const first = await searcher.evaluate(found.counterexample![0]);
    const fresh = [...classesOf(chainIds, first.results).entries()].filter(([k]) => !known.has(k)).sort(([a], [b]) => a.localeCompare(b));
    for (const [cls, where] of fresh) {
      if (known.has(cls)) continue;
      // Replay the same scenario and shrink it while it still shows this class.
      let tries = 0;
      const shrunk = await fc.check(
        fc.asyncProperty(arb, async (g) => {
          if (tries++ > SHRINK_BUDGET) return true;
          const { results } = await searcher.evaluate(g);
          return !classesOf(chainIds, results).has(cls);
        }),
        { seed, path: found.counterexamplePath, endOnFailure: false },
      );
      const g = shrunk.failed ? shrunk.counterexample![0] : found.counterexample![0];
      const path = shrunk.failed && shrunk.counterexamplePath !== null ? shrunk.counterexamplePath : found.counterexamplePath;
      // Read it now: fast-check keeps it in the arbitrary, and the next check resets it.
      const commandsPath = shrunk.failed ? commandsPathOf(g) : '';
      const { results } = await searcher.evaluate(g);
      const id = `fuzz+${searcher.series}+${findings.length + 1}`;
      const question = searcher.hooks.question(cls, where, searcher.series);
      const fixture = buildFixture(g, id, question);
      fixture.origin = { tool: 'fuzz', series: searcher.series, seed, path, commands_path: commandsPath, swiotlb: searcher.space.swiotlb, max_commands: searcher.space.maxCommands, class: cls };
      fixture.expect = Object.fromEntries(chainIds.map((v, i) => [v, results[i]!.status === 'ok' ? (results[i] as { verdict: Fixture['expect'][string] }).verdict : []]));
      const classes = [...classesOf(chainIds, results).keys()].filter((k) => !known.has(k)).sort();
      findings.push({
        class: cls,
        classes,
        variant: where.variant,
        kind: where.kind,
        fixture,
        outcomes: Object.fromEntries(chainIds.map((v, i) => [v, outcomeKinds(results[i]!)])),
        seed,
        path,
        commandsPath,
        steps: stepCount(fixture.steps),
      });
      for (const k of classes) known.add(k);
    }
    for (const [k] of classesOf(chainIds, first.results)) known.add(k);
    options.onProgress?.(runs, findings.length);
  }
  return { findings, runs, stats: searcher.stats };
}
