// The buddy allocator coherent allocations come from, in the style of the
// kernel's self-tests, over the three page sizes: a fresh zone hands out
// ascending, adjacent, naturally aligned blocks; freed blocks merge back
// with their buddies; the free lists are last-in first-out, so a series of
// frees leaves the next allocation fragmented the way the kernel's is.

import { describe, expect, it } from 'vitest';
import { Recorder } from '../../harness/machine/events.js';
import { maxOrderFor, PageAllocator } from '../../harness/machine/page-alloc.js';

const BASE = 0x2000_0000;

function zone(pageSize: number, blocks = 2): { a: PageAllocator; r: Recorder } {
  const r = new Recorder();
  const top = pageSize * 2 ** (maxOrderFor(pageSize) - 1);
  return { a: new PageAllocator({ pageSize, base: BASE, bytes: blocks * top }, r), r };
}

describe.each([4096, 16384, 65536])('the page allocator with %i-byte pages', (p) => {
  it('hands out ascending, adjacent blocks from a fresh zone, each aligned to its size', () => {
    const { a } = zone(p);
    const blocks = [a.alloc(2, false), a.alloc(2, false), a.alloc(0, false), a.alloc(1, false), a.alloc(2, false)];
    expect(blocks).toEqual([BASE, BASE + 4 * p, BASE + 8 * p, BASE + 10 * p, BASE + 12 * p]);
    for (const [i, order] of [2, 2, 0, 1, 2].entries()) expect(blocks[i]! % (p * 2 ** order)).toBe(0);
  });

  it('merges a freed block with its free buddy, back to whole top-order blocks', () => {
    const { a } = zone(p);
    const total = a.freePages;
    const got = [a.alloc(0, false), a.alloc(3, false), a.alloc(1, false)];
    expect(a.freePages).toBe(total - 1 - 8 - 2);
    for (const [i, order] of [0, 3, 1].entries()) a.free(got[i]!, order);
    expect(a.freePages).toBe(total);
    const top = a.maxOrder - 1;
    for (let o = 0; o < top; o++) expect(a.freeList(o)).toEqual([]);
    expect(a.freeList(top)).toHaveLength(2);
  });

  it('frees a split block page by page, and the pages merge again', () => {
    const { a, r } = zone(p);
    const block = a.alloc(2, false);
    a.split(block, 2);
    for (let i = 3; i >= 0; i--) a.free(block + i * p, 0);
    expect(a.alloc(2, false)).toBe(block);
    // One trace event for the four pages freed one after the other.
    expect(r.events.filter((e) => e.t === 'page_free')).toEqual([{ t: 'page_free', phys: block, size: 4 * p }]);
  });

  it('gives the block freed last to the next allocation of its order (LIFO), so a fragmented zone hands out scattered blocks', () => {
    const { a } = zone(p);
    const [x, y, z] = [a.alloc(2, false), a.alloc(2, false), a.alloc(2, false)];
    a.free(x, 2);
    a.free(z, 2);
    // x is alone (its buddy y is held); z merged with the free block after it.
    const first = a.alloc(2, false);
    const second = a.alloc(2, false);
    const third = a.alloc(2, false);
    expect(first).toBe(x);
    expect([second, third]).toEqual([z, z + 4 * p]);
    expect(second).not.toBe(first + 4 * p);
    expect(y).toBe(x + 4 * p);
  });

  it('reports a free of a block it did not hand out, and frees nothing', () => {
    const { a, r } = zone(p);
    const block = a.alloc(1, false);
    const free = a.freePages;
    a.free(block, 0);
    a.free(block + 64 * p, 0);
    expect(a.freePages).toBe(free);
    expect(r.events.filter((e) => e.t === 'warn').map((e) => e.t === 'warn' && e.message)).toEqual([
      expect.stringContaining('Bad page state'),
      expect.stringContaining('not allocated'),
    ]);
  });

  it('fails an allocation no free block can serve, and names every page it handed out by its owner', () => {
    const { a, r } = zone(p, 1);
    r.owner = 7;
    const all = a.alloc(a.maxOrder - 1, false);
    expect(all).toBe(BASE);
    expect(a.alloc(0, false)).toBe(0);
    expect(r.events.at(-1)).toEqual({ t: 'page_alloc_fail', order: 0 });
    expect(a.ownerOf(BASE + 5 * p)).toBe(7);
    expect(a.allocatedRuns()).toEqual([{ phys: BASE, pages: 2 ** (a.maxOrder - 1), owner: 7 }]);
    a.free(all, a.maxOrder - 1);
    expect(a.ownerOf(BASE + 5 * p)).toBeUndefined();
  });
});
