// The address helpers against BigInt arithmetic, on values where the fast
// paths (one side below 2^32, powers of two above 2^31) and the general path
// meet.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { __ffs, and, andNot, BIT, fls_long, hex, isPowerOfTwo, or } from '../../harness/machine/bits.js';

const TWO_32 = 2 ** 32;

/** Non-negative integers below 2^53, weighted to the edges that matter. */
const address = fc.oneof(
  fc.integer({ min: 0, max: TWO_32 - 1 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 0, max: 53 }).map((k) => 2 ** k),
  fc.integer({ min: 1, max: 53 }).map((k) => 2 ** k - 1),
  fc.constantFrom(2 ** 31, 2 ** 31 + 1, 3 * 2 ** 30, TWO_32, TWO_32 + 1, 0x1_0000_0800, Number.MAX_SAFE_INTEGER),
);

const big = (f: (a: bigint, b: bigint) => bigint) => (a: number, b: number) => Number(f(BigInt(a), BigInt(b)));

describe('bit operations on addresses', () => {
  it('and, or and andNot agree with BigInt for every pair below 2^53', () => {
    fc.assert(
      fc.property(address, address, (a, b) => {
        expect(and(a, b)).toBe(big((x, y) => x & y)(a, b));
        expect(or(a, b)).toBe(big((x, y) => x | y)(a, b));
        expect(andNot(a, b)).toBe(big((x, y) => x & ~y)(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('isPowerOfTwo agrees with BigInt, including 2^53 - 1, which is not one', () => {
    fc.assert(
      fc.property(address, (x) => {
        const b = BigInt(x);
        expect(isPowerOfTwo(x)).toBe(b > 0n && (b & (b - 1n)) === 0n);
      }),
      { numRuns: 20_000 },
    );
    expect(isPowerOfTwo(2 ** 53)).toBe(true);
    expect(isPowerOfTwo(Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
  });

  it('fls_long and __ffs agree with BigInt for every integer from 1 to 2^53 - 1', () => {
    fc.assert(
      fc.property(address.filter((x) => x > 0), (x) => {
        const b = BigInt(x);
        expect(fls_long(x)).toBe(b.toString(2).length);
        let low = 0;
        while (((b >> BigInt(low)) & 1n) === 0n) low++;
        expect(__ffs(x)).toBe(low);
      }),
      { numRuns: 20_000 },
    );
    expect(fls_long(0)).toBe(0);
    expect(fls_long(Number.MAX_SAFE_INTEGER)).toBe(53);
  });

  it('BIT(n) is 2 ** n, table or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8, max: 100 }), fc.double({ noNaN: true, min: -100, max: 100 })), (n) => {
        expect(BIT(n)).toBe(2 ** n);
      }),
      { numRuns: 5_000 },
    );
  });

  it('hex gives the same text on a second call as on the first', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (x) => {
        const expected = (x < 0 ? '-0x' : '0x') + Math.abs(x).toString(16);
        expect(hex(x)).toBe(expected);
        expect(hex(x)).toBe(expected);
      }),
    );
  });
});
