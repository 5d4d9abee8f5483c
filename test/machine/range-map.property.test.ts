// RangeMap against a plain array model, over random operation sequences.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeMap } from '../../harness/machine/range-map.js';

const SIZE = 64;
type Op = { kind: 'set' | 'clear'; start: number; len: number; value: number };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('set' as const, 'clear' as const),
  start: fc.nat(SIZE - 1),
  len: fc.integer({ min: 0, max: 20 }),
  value: fc.nat(3),
});

describe('RangeMap (properties)', () => {
  it('agrees with a per-unit array after any sequence of sets and clears, with offset-aware slicing and merging', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        // Values are "base + position", so slicing must shift them, and touching runs with continuing values merge.
        const m = new RangeMap<number>({ slice: (v, d) => v + d, canMerge: (l, r) => l.value + (l.end - l.start) === r.value });
        const model: Array<number | undefined> = new Array(SIZE + 20).fill(undefined);
        for (const o of ops) {
          const end = o.start + o.len;
          if (o.kind === 'set') {
            m.set(o.start, end, o.value * 100 + o.start);
            for (let i = o.start; i < end; i++) model[i] = o.value * 100 + i;
          } else {
            m.clear(o.start, end);
            for (let i = o.start; i < end; i++) model[i] = undefined;
          }
        }
        for (let i = 0; i < model.length; i++) {
          const run = m.get(i);
          expect(run === undefined ? undefined : run.value + (i - run.start)).toBe(model[i]);
        }
        const runs = m.all();
        for (let k = 1; k < runs.length; k++) expect(runs[k]!.start).toBeGreaterThanOrEqual(runs[k - 1]!.end);
      }),
    );
  });
});
