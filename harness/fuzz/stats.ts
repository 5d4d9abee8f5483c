// What the generated scenarios covered: how many bounced, were non-coherent,
// used scatterlists, reused an IOVA, and hit each violation kind (on any
// variant of the chain). Counts are plain values, so that the counts of
// shares (from any thread or machine) add up to those of the whole run.

import type { Fixture } from '../fixtures/fixture-types.generated.js';
import type { Scenario, ScenarioStep } from '../fixtures/scenario.js';
import type { CaseResult } from '../run/result.js';
import { VIOLATION_KINDS } from '../contract/kinds.js';

export const FEATURES = ['bounced', 'non-coherent', 'untrusted', 'scatterlist', 'reused an IOVA', 'CONFIG_SWIOTLB=n', 'skip_cpu_sync', 'partial sync'] as const;
export type Feature = (typeof FEATURES)[number];

export interface Counts {
  scenarios: number;
  features: Record<Feature, number>;
  kinds: Record<string, number>;
}

export function emptyCounts(): Counts {
  return {
    scenarios: 0,
    features: Object.fromEntries(FEATURES.map((f) => [f, 0])) as Record<Feature, number>,
    kinds: Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0])),
  };
}

/** Add b's counts to a's. */
export function addCounts(a: Counts, b: Counts): void {
  a.scenarios += b.scenarios;
  for (const f of FEATURES) a.features[f] += b.features[f];
  for (const [k, n] of Object.entries(b.kinds)) a.kinds[k] = (a.kinds[k] ?? 0) + n;
}

export function countScenario(c: Counts, _doc: Fixture, scenario: Scenario, results: ReadonlyArray<CaseResult | undefined>): void {
  c.scenarios++;
  const traces = results.flatMap((r) => (r?.status === 'ok' ? r.trace : []));
  const has = (s: string): boolean => traces.some((l) => l.includes(s));
  const steps = flatten(scenario.steps);
  if (has('swiotlb map ')) c.features['bounced']++;
  if (!scenario.device.coherent) c.features['non-coherent']++;
  if (scenario.device.untrusted) c.features['untrusted']++;
  if (steps.some((s) => s.op === 'map_sg')) c.features['scatterlist']++;
  if (has('from rcache')) c.features['reused an IOVA']++;
  if (!scenario.platform.swiotlb) c.features['CONFIG_SWIOTLB=n']++;
  if (steps.some((s) => 'attrs' in s && s.attrs !== 0)) c.features['skip_cpu_sync']++;
  if (steps.some((s) => s.op === 'sync_single_for_cpu' && s.offset !== undefined)) c.features['partial sync']++;
  const kinds = new Set(results.flatMap((r) => (r?.status === 'ok' ? r.verdict : [])));
  for (const k of kinds) c.kinds[k] = (c.kinds[k] ?? 0) + 1;
}

function flatten(steps: readonly ScenarioStep[]): ScenarioStep[] {
  return steps.flatMap((s) => (s.op === 'repeat' ? [s, ...flatten(s.steps)] : [s]));
}
