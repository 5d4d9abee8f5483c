// What the generated scenarios covered: how many bounced, were non-coherent,
// used scatterlists, reused an IOVA, and hit each violation kind (on any
// variant of the chain).

import type { Scenario, ScenarioStep } from '../fixtures/scenario.js';
import type { CaseResult } from '../run/result.js';
import { VIOLATION_KINDS } from '../contract/kinds.js';

export const FEATURES = ['bounced', 'non-coherent', 'untrusted', 'scatterlist', 'reused an IOVA', 'CONFIG_SWIOTLB=n', 'skip_cpu_sync', 'partial sync'] as const;

export class Statistics {
  scenarios = 0;
  readonly features: Record<(typeof FEATURES)[number], number> = Object.fromEntries(FEATURES.map((f) => [f, 0])) as never;
  readonly kinds: Record<string, number> = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0]));

  count(scenario: Scenario, results: readonly CaseResult[]): void {
    this.scenarios++;
    const traces = results.flatMap((r) => (r.status === 'ok' ? r.trace : []));
    const has = (s: string): boolean => traces.some((l) => l.includes(s));
    const steps = flatten(scenario.steps);
    if (has('swiotlb map ')) this.features['bounced']++;
    if (!scenario.device.coherent) this.features['non-coherent']++;
    if (scenario.device.untrusted) this.features['untrusted']++;
    if (steps.some((s) => s.op === 'map_sg')) this.features['scatterlist']++;
    if (has('from rcache')) this.features['reused an IOVA']++;
    if (!scenario.platform.swiotlb) this.features['CONFIG_SWIOTLB=n']++;
    if (steps.some((s) => 'attrs' in s && s.attrs !== 0)) this.features['skip_cpu_sync']++;
    if (steps.some((s) => s.op === 'sync_single_for_cpu' && s.offset !== undefined)) this.features['partial sync']++;
    const kinds = new Set(results.flatMap((r) => (r.status === 'ok' ? r.verdict : [])));
    for (const k of kinds) this.kinds[k] = (this.kinds[k] ?? 0) + 1;
  }
}

function flatten(steps: readonly ScenarioStep[]): ScenarioStep[] {
  return steps.flatMap((s) => (s.op === 'repeat' ? [s, ...flatten(s.steps)] : [s]));
}
