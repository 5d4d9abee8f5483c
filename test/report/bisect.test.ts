// Bisection over the v3 series puts each patch's reproduction fixture (the
// first fixture its metadata names) at that patch.

import { beforeAll, describe, expect, it } from 'vitest';
import { bisect, renderBisection } from '../../harness/cli/bisect.js';
import { zeroCosts } from '../../harness/run/costs.js';
import type { CaseResult, ViolationKind } from '../../harness/run/result.js';
import { runCase } from '../../harness/runner/run-case.js';
import { seriesOf } from '../../harness/variants/registry.js';
import { allVariants, fixture } from '../corpus.js';

const variants = await allVariants();
const v3 = seriesOf(variants.map((v) => v.meta)).find((s) => s.name === 'v3')!;
const cases = new Map<string, CaseResult>();

beforeAll(async () => {
  for (const id of v3.variants) {
    const f = await fixture(variants.find((v) => v.meta.id === id)!.meta.effects[0]!.fixture);
    for (const v of variants.filter((x) => v3.chain!.includes(x.meta.id))) cases.set(`${f.id}@${v.meta.id}`, runCase(f, v));
  }
});

describe('bisection over the v3 series', () => {
  it.each(v3.variants)('finds %s for its reproduction fixture', (id) => {
    const effect = variants.find((v) => v.meta.id === id)!.meta.effects[0]!;
    // A fix or regression is a verdict change; a cost change shows in the trace.
    const mode = effect.fixes !== undefined || effect.regresses !== undefined ? 'verdict' : 'trace';
    const b = bisect(effect.fixture, 'v3', v3.chain!, cases, mode);
    expect(b.change_points[0]).toBe(id);
    expect(b.outcomes).toHaveLength(v3.chain!.length);
  });

  it('says so when a fixture changes more than once', () => {
    const ok = (variant: string, verdict: ViolationKind[]): CaseResult => ({
      id: `f@${variant}`, fixture: 'f', variant, status: 'ok', verdict, violations: [], notes: [], costs: zeroCosts(), trace: [], final: EMPTY_FINAL,
    });
    const m = new Map([['f@a', ok('a', [])], ['f@b', ok('b', ['stale-pte'])], ['f@c', ok('c', [])]]);
    const b = bisect('f', 's', ['a', 'b', 'c'], m, 'verdict');
    expect(b.change_points).toEqual(['b', 'c']);
    expect(renderBisection(b, new Map([['b', 'subject b']]))).toMatch(/the verdict changes 2 times along the series; the first change is at b, and it changes again at: c/);
  });
});

const EMPTY_FINAL = { ptes: [], pte_pages: 0, iovas: [], iova_ranges: 0, rcache: {}, swiotlb_slots: [], swiotlb_used: 0, dirty_lines: 0, live_handles: [] };
