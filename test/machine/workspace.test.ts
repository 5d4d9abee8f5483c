// A thread's workspace: scratch views that must not share bytes while they
// are valid and come back zeroed, case copies that stay intact until the
// case ends, and frames that go back for the next case.

import { describe, expect, it } from 'vitest';
import { SLOT, Workspace } from '../../harness/machine/workspace.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('a workspace', () => {
  it('hands out a zeroed scratch view of the asked length, even after a dirty use', () => {
    const w = new Workspace();
    w.scratch(SLOT.actual, 5000).fill(0xaa);
    const again = w.scratch(SLOT.actual, 3000);
    expect(again.length).toBe(3000);
    expect(again.every((b) => b === 0)).toBe(true);
  });

  it('keeps the scratch slots apart, and two workspaces apart', () => {
    const w = new Workspace();
    const other = new Workspace();
    const a = w.scratch(SLOT.actual, 100);
    const e = w.scratch(SLOT.expected, 100);
    const o = other.scratch(SLOT.actual, 100);
    a.fill(1);
    expect(e.every((b) => b === 0)).toBe(true);
    expect(o.every((b) => b === 0)).toBe(true);
  });

  it('keeps case copies intact across chunk boundaries until the case ends', () => {
    const w = new Workspace();
    const sources = Array.from({ length: 40 }, (_, k) => bytes(5000 + k * 97, k));
    const copies = sources.map((s) => w.caseCopy(s));
    // Overwrite the sources: the copies must not follow.
    for (const s of sources) s.fill(0);
    copies.forEach((c, k) => expect(c).toEqual(bytes(5000 + k * 97, k)));
    w.endCase();
    expect(w.caseCopy(bytes(100, 7))).toEqual(bytes(100, 7));
  });

  it('gives copies larger than a chunk bytes of their own', () => {
    const w = new Workspace();
    const big = w.caseCopy(bytes(100_000, 3));
    const small = w.caseCopy(bytes(64, 9));
    expect(big).toEqual(bytes(100_000, 3));
    expect(small).toEqual(bytes(64, 9));
  });

  it('hands a case\'s frames to the next case, and zeroes what it promises to', () => {
    const w = new Workspace();
    const frame = w.take();
    const flags = w.takeBytes(64);
    frame.fill(7);
    flags.fill(1);
    w.endCase();
    expect(w.take()).toBe(frame);
    const again = w.takeBytes(64);
    expect(again).toBe(flags);
    expect(again.every((b) => b === 0)).toBe(true);
    // Still taken: the next frame is a new one.
    expect(w.take()).not.toBe(frame);
  });
});
