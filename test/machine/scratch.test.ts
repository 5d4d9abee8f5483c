// Step and case scratch bytes: views that must not share bytes while they are
// valid, and must come back zeroed.

import { describe, expect, it } from 'vitest';
import { caseCopy, releaseCaseBytes, scratch, SLOT } from '../../harness/machine/scratch.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('scratch bytes', () => {
  it('hands out a zeroed view of the asked length, even after a dirty use', () => {
    scratch(SLOT.actual, 5000).fill(0xaa);
    const again = scratch(SLOT.actual, 3000);
    expect(again.length).toBe(3000);
    expect(again.every((b) => b === 0)).toBe(true);
  });

  it('keeps the slots apart', () => {
    const a = scratch(SLOT.actual, 100);
    const e = scratch(SLOT.expected, 100);
    a.fill(1);
    expect(e.every((b) => b === 0)).toBe(true);
  });

  it('case copies stay intact across chunk boundaries until the case ends', () => {
    releaseCaseBytes();
    const sources = Array.from({ length: 40 }, (_, k) => bytes(5000 + k * 97, k));
    const copies = sources.map((s) => caseCopy(s));
    // Overwrite the sources: the copies must not follow.
    for (const s of sources) s.fill(0);
    copies.forEach((c, k) => expect(c).toEqual(bytes(5000 + k * 97, k)));
    releaseCaseBytes();
    const next = caseCopy(bytes(100, 7));
    expect(next).toEqual(bytes(100, 7));
  });

  it('copies larger than a chunk share nothing with the chunks', () => {
    releaseCaseBytes();
    const big = caseCopy(bytes(100_000, 3));
    const small = caseCopy(bytes(64, 9));
    expect(big).toEqual(bytes(100_000, 3));
    expect(small).toEqual(bytes(64, 9));
    releaseCaseBytes();
  });
});
