// Properties of the comparison engine, over generated results.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareResults, firstDivergence } from '../../harness/compare/grade.js';
import { normalizeResult } from '../../harness/compare/normalize.js';
import { COST_KEYS, type CaseResult, type Costs } from '../../harness/run/result.js';
import { VIOLATION_KINDS } from '../../harness/contract/kinds.js';

const FINAL = { ptes: [], pte_pages: 0, iovas: [], iova_ranges: 0, rcache: {}, swiotlb_slots: [], swiotlb_used: 0, dirty_lines: 0, live_handles: [] };

const costs = fc.record(Object.fromEntries(COST_KEYS.map((k) => [k, fc.nat(5)])) as Record<keyof Costs, fc.Arbitrary<number>>);
const trace = fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom('map', 'unmap', 'memcpy', 'iotlb sync')).map(([n, w]) => `${n} ${w}`), { maxLength: 8 });
const result: fc.Arbitrary<CaseResult> = fc.oneof(
  fc.record({ verdict: fc.subarray(VIOLATION_KINDS), trace, costs }).map(
    ({ verdict, trace, costs }): CaseResult => ({ id: 'f@v', fixture: 'f', variant: 'v', status: 'ok', verdict, violations: [], notes: [], costs, trace, final: FINAL }),
  ),
  fc.string().map((m): CaseResult => ({ id: 'f@v', fixture: 'f', variant: 'v', status: 'error', message: `${m} (at variants/x/dma-iommu.ts:12)` })),
  fc.nat(5000).map((ms): CaseResult => ({ id: 'f@v', fixture: 'f', variant: 'v', status: 'timeout', budget_ms: ms })),
);

describe('comparison engine (properties)', () => {
  it('compares any result with itself as identical, with nothing removed, added or costed', () => {
    fc.assert(
      fc.property(result, (r) => {
        const c = compareResults(r, structuredClone(r));
        expect(c).toMatchObject({ grade: 'identical', removed: [], added: [], costs: [], divergence: null });
      }),
    );
  });

  it('normalises idempotently', () => {
    fc.assert(
      fc.property(result, (r) => {
        expect(normalizeResult(normalizeResult(r))).toEqual(normalizeResult(r));
      }),
    );
  });

  it('is antisymmetric: what one direction removes the other adds', () => {
    fc.assert(
      fc.property(result, result, (a, b) => {
        const ab = compareResults(a, b);
        const ba = compareResults(b, a);
        expect(ab.removed.sort()).toEqual(ba.added.sort());
        expect(ab.added.sort()).toEqual(ba.removed.sort());
        expect(ab.divergence === null).toBe(ba.divergence === null);
      }),
    );
  });

  it('grades a verdict change as fixed, regressed or mixed exactly by what was removed and added', () => {
    fc.assert(
      fc.property(result, result, (a, b) => {
        const c = compareResults(a, b);
        const changed = c.removed.length > 0 || c.added.length > 0;
        expect(['fixed', 'regressed', 'mixed'].includes(c.grade)).toBe(changed);
        if (c.grade === 'fixed') expect(c.added).toEqual([]);
        if (c.grade === 'regressed') expect(c.removed).toEqual([]);
      }),
    );
  });

  it('finds no divergence exactly when two traces are equal, and otherwise the label of the first differing line', () => {
    fc.assert(
      fc.property(trace, trace, (a, b) => {
        const d = firstDivergence(a, b);
        if (a.join('\n') === b.join('\n')) expect(d).toBeNull();
        else {
          const i = a.findIndex((l, k) => l !== b[k]);
          const at = i === -1 ? a.length : i;
          expect(d).toBe(((at < a.length ? a[at] : b[at]) ?? '').split(' ')[0]);
        }
      }),
    );
  });
});
