// What the generated scenarios covered: how many bounced, were non-coherent,
// used scatterlists, reused an IOVA, and hit each violation kind (on any
// variant of the chain). Counts are plain values, so that the counts of
// shares (from any thread or machine) add up to those of the whole run.

import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { allSteps, type Scenario } from '../fixtures/scenario.js';
import type { CaseResult } from '../run/result.js';
import { VIOLATION_KINDS } from '../contract/kinds.js';

export const FEATURES = [
  'bounced',
  'non-coherent',
  'untrusted',
  'scatterlist',
  're-mapped sg_table',
  'reused an IOVA',
  'CONFIG_SWIOTLB=n',
  'DMA mask <= 16 bits',
  'allocation failed',
  'skip_cpu_sync',
  'partial sync',
  'read back',
  'device read FROM_DEVICE',
] as const;
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

export function countScenario(c: Counts, doc: Fixture, scenario: Scenario, results: ReadonlyArray<CaseResult | undefined>): void {
  c.scenarios++;
  let bounced = false;
  let reused = false;
  for (const r of results) {
    if (r?.status !== 'ok') continue;
    for (const l of r.trace) {
      bounced ||= l.includes('swiotlb map ');
      reused ||= l.includes('from rcache');
    }
  }
  const steps = allSteps(scenario.steps);
  const docSteps = flattenDoc(doc.steps);
  const fromDevice = new Set(docSteps.flatMap((s) => ((s.op === 'map_page' || s.op === 'map_sg') && s.dir === 'DMA_FROM_DEVICE' ? [s.handle] : [])));
  const counted: Record<Feature, boolean> = {
    bounced,
    'non-coherent': !scenario.device.coherent,
    untrusted: scenario.device.untrusted,
    scatterlist: steps.some((s) => s.op === 'map_sg'),
    're-mapped sg_table': docSteps.some((s) => s.op === 'map_sg' && s.segments === undefined),
    'reused an IOVA': reused,
    'CONFIG_SWIOTLB=n': !scenario.platform.swiotlb,
    'DMA mask <= 16 bits': (doc.device.dma_mask_bits ?? 64) <= 16,
    'allocation failed': results.some((r) => r?.status === 'ok' && (r.faults?.injected ?? 0) > 0),
    skip_cpu_sync: steps.some((s) => 'attrs' in s && s.attrs !== 0),
    'partial sync': docSteps.some((s) => (s.op === 'sync_single_for_cpu' || s.op === 'sync_single_for_device') && s.offset !== undefined),
    'read back': docSteps.some((s, i) => s.op === 'cpu_read' && i > 0 && /^(unmap|sync)_/.test(docSteps[i - 1]!.op)),
    'device read FROM_DEVICE': docSteps.some((s) => s.op === 'device_read' && fromDevice.has(s.handle)),
  };
  for (const f of FEATURES) if (counted[f]) c.features[f]++;
  const kinds = new Set(results.flatMap((r) => (r?.status === 'ok' ? r.verdict : [])));
  for (const k of kinds) c.kinds[k] = (c.kinds[k] ?? 0) + 1;
}

function flattenDoc(steps: Fixture['steps']): Fixture['steps'] {
  return steps.flatMap((s) => (s.op === 'repeat' ? [s, ...flattenDoc(s.steps as Fixture['steps'])] : [s])) as Fixture['steps'];
}

