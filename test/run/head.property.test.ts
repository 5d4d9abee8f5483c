// A result's head written as bytes (head.ts) reads back as the same values,
// in the same order of fields, whatever they hold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeadWriter, readHead } from '../../harness/run/head.js';
import { COST_KEYS, type Costs, type FinalState } from '../../harness/run/result.js';
import type { Head } from '../../harness/run/text-result.js';

/** Write a head, copy it out at an offset into a larger array, read it back. */
function roundTrip(w: HeadWriter, head: Head, offset = 7): Head {
  w.write(head);
  const out = Buffer.alloc(offset + w.size + 5, 0xee);
  w.copyTo(out, offset);
  return readHead(new Uint8Array(out.buffer, out.byteOffset, out.length), offset, w.size);
}

/** Strings as the head holds them: any text, without lone surrogates (names in fixtures are identifiers). */
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '…', 'é', '😀'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 30 });
const count = fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32, 2 ** 53 - 1, 0x1_0000_0000_0000));
const costsArb = fc.tuple(...COST_KEYS.map(() => count)).map((values) => Object.fromEntries(COST_KEYS.map((k, i) => [k, values[i]!])) as unknown as Costs);
const finalArb: fc.Arbitrary<FinalState> = fc.record({
  ptes: fc.array(text, { maxLength: 17 }),
  pte_pages: count,
  iovas: fc.array(text, { maxLength: 17 }),
  iova_ranges: count,
  rcache: fc.dictionary(fc.constantFrom('order0', 'order1', 'order5', 'x"y'), fc.array(count, { maxLength: 6 })),
  swiotlb_slots: fc.array(text, { maxLength: 40 }),
  swiotlb_used: count,
  dirty_lines: count,
  live_handles: fc.array(text, { maxLength: 5 }),
});
const headArb: fc.Arbitrary<Head> = fc.tuple(
  fc.array(fc.constantFrom('device-read-stale', 'stale-pte', 'resource-leak') as fc.Arbitrary<Head[0][number]>, { maxLength: 3 }),
  fc.array(text, { maxLength: 3 }),
  costsArb,
  finalArb,
);

describe('result heads as bytes', () => {
  it('read back as the values written, fields in the same order, for generated heads', () => {
    const w = new HeadWriter();
    fc.assert(
      fc.property(headArb, (head) => {
        const back = roundTrip(w, head);
        expect(back).toEqual(head);
        expect(JSON.stringify(back)).toBe(JSON.stringify(head));
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });

  it('keep numbers exactly as they were, and grow for a head far larger than the writer starts with', () => {
    const w = new HeadWriter();
    const costs = Object.fromEntries(COST_KEYS.map((k, i) => [k, i === 0 ? 2 ** 53 - 1 : i === 1 ? 0.5 : i === 2 ? -3 : 2 ** 40 + i])) as unknown as Costs;
    // 5,000 slot runs: their lengths alone are 20 KB of numbers.
    const slots = Array.from({ length: 5000 }, (_, i) => `${i * 4}+${(i % 3) + 1}`);
    const big: Head = [
      ['stale-pte'],
      ['a note with "quotes", a \\ and an … ellipsis'],
      costs,
      { ptes: ['0xfffff000+0x1000 -> 0x40001000 R-'], pte_pages: 1, iovas: [], iova_ranges: 0, rcache: { order0: [1048575, 1048574], order3: [] }, swiotlb_slots: slots, swiotlb_used: 10000, dirty_lines: 0, live_handles: ['h0'] },
    ];
    const back = roundTrip(w, big);
    expect(back).toEqual(big);
    expect(back[2].bounce_copies).toBe(2 ** 53 - 1);
    expect(back[2].bounce_bytes).toBe(0.5);
    expect(back[3].swiotlb_slots[4999]).toBe('19996+2');
    // The same writer, reused for a small head, writes only that one.
    const small: Head = [[], [], costs, { ptes: [], pte_pages: 0, iovas: ['0xfffff-0xfffff'], iova_ranges: 1, rcache: {}, swiotlb_slots: [], swiotlb_used: 0, dirty_lines: 8, live_handles: [] }];
    w.write(small);
    expect(w.size).toBeLessThan(200);
    expect(roundTrip(w, small)).toEqual(small);
  });

  it('refuses a head cut short or with bytes left over', () => {
    const w = new HeadWriter();
    const head: Head = [[], ['n'], Object.fromEntries(COST_KEYS.map((k) => [k, 1])) as unknown as Costs, { ptes: ['p'], pte_pages: 1, iovas: [], iova_ranges: 0, rcache: {}, swiotlb_slots: [], swiotlb_used: 0, dirty_lines: 0, live_handles: [] }];
    w.write(head);
    const out = Buffer.alloc(w.size + 1);
    w.copyTo(out, 0);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.length);
    expect(readHead(bytes, 0, w.size)).toEqual(head);
    expect(() => readHead(bytes, 0, w.size + 1)).toThrow(/not read to its end/);
    expect(() => readHead(bytes, 0, w.size - 1)).toThrow(/not read to its end/);
    expect(() => readHead(bytes, 0, 8)).toThrow(/numbers take/);
  });
});
