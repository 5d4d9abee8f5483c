// The byte comparison behind every read check: run by run in native code,
// it must count exactly what a byte-by-byte loop over the defined bytes counts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../harness/contract/bytes.js';

function reference(actual: Uint8Array, expected: Uint8Array, defined: Uint8Array): { differ: number; first: number; checked: number } {
  let differ = 0;
  let first = -1;
  let checked = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!defined[i]) continue;
    checked++;
    if (actual[i] !== expected[i]) {
      differ++;
      if (first < 0) first = i;
    }
  }
  return { differ, first, checked };
}

/** Bytes that mostly agree with `base`, in runs long and short (the native path needs 64 or more). */
const near = (base: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.array(fc.tuple(fc.nat(base.length), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
    const out = base.slice();
    for (const [at, v] of edits) if (at < out.length) out[at] = v;
    return out;
  });

const flags = (length: number): fc.Arbitrary<Uint8Array> =>
  fc
    .array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 150 })), { maxLength: 12 })
    .map((runs) => Uint8Array.from(runs.flatMap(([on, n]) => new Array<number>(n).fill(on ? 1 : 0))).slice(0, length + 20));

describe('compareBytes', () => {
  it('counts the differing and the checked bytes, and finds the first difference, as a byte loop does', () => {
    const cases = fc
      .uint8Array({ minLength: 0, maxLength: 600 })
      .chain((expected) => fc.tuple(near(expected), fc.constant(expected), flags(expected.length), fc.nat(40)));
    fc.assert(
      fc.property(cases, ([actual, expected, defined, cut]) => {
        // Sometimes the expectation or the flags end early: missing flags mean undefined bytes.
        const exp = cut % 3 === 0 ? expected.subarray(0, Math.max(0, expected.length - cut)) : expected;
        expect(compareBytes(actual, exp, defined)).toEqual(reference(actual, exp, defined));
      }),
      { numRuns: 2000 },
    );
  });
});
