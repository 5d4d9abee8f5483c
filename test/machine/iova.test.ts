import { describe, expect, it } from 'vitest';
import { alloc_iova_fast, free_iova_fast } from '../../variants/v5.14/iova.js';
import { iovadOf, onMachine } from '../helpers.js';

const LIMIT_32 = 0xfffff; // 32-bit limit in 4 KiB pfns

describe('IOVA allocator (kernel-model §3.3)', () => {
  it('§3.3 allocates top-down, naturally aligned to the size rounded to a power of two', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      expect(alloc_iova_fast(iovad, 1, LIMIT_32, true)).toBe(0xfffff);
      expect(alloc_iova_fast(iovad, 4, LIMIT_32, true)).toBe(0xffff8);
      expect(alloc_iova_fast(iovad, 3, LIMIT_32, true)).toBe(0xffff4);
      // The walk starts below the last allocation (the cached node), so the
      // gap at 0xffffc-0xffffe is used only by the retry pass.
      expect(alloc_iova_fast(iovad, 2, LIMIT_32, true)).toBe(0xffff2);
      expect(iovad.allocated().map((n) => [n.pfn_lo, n.pfn_hi])).toEqual([
        [0xffff2, 0xffff3],
        [0xffff4, 0xffff6],
        [0xffff8, 0xffffb],
        [0xfffff, 0xfffff],
      ]);
    });
  });

  it('§3.3 hands out the most recently freed IOVA of a size class first', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      const a = alloc_iova_fast(iovad, 1, LIMIT_32, true);
      const b = alloc_iova_fast(iovad, 1, LIMIT_32, true);
      const c = alloc_iova_fast(iovad, 1, LIMIT_32, true);
      free_iova_fast(iovad, a, 1);
      free_iova_fast(iovad, c, 1);
      free_iova_fast(iovad, b, 1);
      expect(alloc_iova_fast(iovad, 1, LIMIT_32, true)).toBe(b);
      expect(alloc_iova_fast(iovad, 1, LIMIT_32, true)).toBe(c);
      expect(alloc_iova_fast(iovad, 1, LIMIT_32, true)).toBe(a);
    });
  });

  it('§3.3 a cached pfn keeps its node allocated, in the bin of the size it was freed with', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      const pfn = alloc_iova_fast(iovad, 2, LIMIT_32, true);
      free_iova_fast(iovad, pfn, 1);
      expect(iovad.allocated()).toEqual([{ pfn_lo: pfn, pfn_hi: pfn + 1 }]);
      expect(iovad.cachedPfns()[0]).toEqual([pfn]);
      expect(iovad.cachedPfns()[1]).toEqual([]);
      // A 2-page request does not see it; the next pair down comes from the tree.
      expect(alloc_iova_fast(iovad, 2, LIMIT_32, true)).toBe(pfn - 2);
    });
  });

  it('§3.3 an rcache pop respects the limit and falls back to the tree', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      const high = alloc_iova_fast(iovad, 1, LIMIT_32, true);
      free_iova_fast(iovad, high, 1);
      expect(alloc_iova_fast(iovad, 1, 0xfff, true)).toBe(0xfff);
    });
  });

  it('§3.3 a full depot releases a magazine: its nodes leave the tree whole', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      const recorder = m.recorder;
      const pfns: number[] = [];
      for (let i = 0; i < 128 * 34 + 1; i++) pfns.push(alloc_iova_fast(iovad, 1, LIMIT_32, true));
      for (const p of pfns) free_iova_fast(iovad, p, 1);
      const released = recorder.events.filter((e) => e.t === 'iova_rcache_release');
      expect(released).toHaveLength(1);
      expect(released[0]).toMatchObject({ reason: 'depot-full' });
      expect(iovad.allocated()).toHaveLength(pfns.length - 128);
    });
  });

  it('§3.3 when the space runs out, the caches are flushed and the allocation retried once', () => {
    onMachine((m) => {
      const iovad = iovadOf(m);
      const recorder = m.recorder;
      const limit = 0xff; // 255 pages above pfn 0
      const got: number[] = [];
      for (;;) {
        const p = alloc_iova_fast(iovad, 1, limit, true);
        if (p === 0) break;
        got.push(p);
      }
      expect(got).toHaveLength(255);
      free_iova_fast(iovad, got[10]!, 1);
      // The freed pfn is cached, so the next 1-page request pops it without a flush...
      expect(alloc_iova_fast(iovad, 1, limit, true)).toBe(got[10]);
      free_iova_fast(iovad, got[10]!, 1);
      // ...while a 2-page request finds no room, flushes the caches and gets it from the tree.
      expect(alloc_iova_fast(iovad, 2, limit, true)).toBe(0);
      expect(recorder.events.some((e) => e.t === 'iova_rcache_release' && e.reason === 'flush')).toBe(true);
    });
  });
});
