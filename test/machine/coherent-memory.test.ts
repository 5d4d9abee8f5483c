// The pieces a coherent allocation is made of, below the kernel code that
// uses them: vmap areas (cacheable or not) and the CPU's accesses through
// them, arch_dma_prep_coherent's flush, and sg tables built from pages.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { kernelReadInto, kernelWrite, memset } from '../../harness/machine/cpu.js';
import { alloc_pages_node, arch_dma_prep_coherent, GFP_KERNEL, __GFP_ZERO } from '../../harness/machine/pages.js';
import { __sg_alloc_table_from_pages, emptySgTable, sg_alloc_table_from_pages } from '../../harness/machine/scatterlist.js';
import {
  dma_common_contiguous_remap,
  dma_common_find_pages,
  dma_common_free_remap,
  dma_common_pages_remap,
  is_vmalloc_addr,
  PAGE_KERNEL,
  vmalloc_to_page,
} from '../../harness/machine/vmalloc.js';
import { filled, onMachine } from '../helpers.js';

const P = 4096;

describe('vmap areas for coherent buffers', () => {
  it('maps scattered pages contiguously and keeps the page array only for dma_common_pages_remap', () =>
    onMachine((m) => {
      const pages = [0x2000_3000, 0x2000_1000, 0x2000_2000];
      const v = dma_common_pages_remap(pages, 3 * P - 100, PAGE_KERNEL, 'test');
      expect(is_vmalloc_addr(v)).toBe(true);
      expect(dma_common_find_pages(v + 5)).toBe(pages);
      expect(vmalloc_to_page(v + P + 7)).toBe(0x2000_1000);
      // A store across the first two pages lands in both, through the cache.
      kernelWrite(m, v + P - 2, filled(4, 0x5a));
      expect([...m.cache.cpuRead(0x2000_3000 + P - 2, 2)]).toEqual([0x5a, 0x5a]);
      expect([...m.cache.cpuRead(0x2000_1000, 2)]).toEqual([0x5a, 0x5a]);
      const c = dma_common_contiguous_remap(0x2001_0000, 2 * P, PAGE_KERNEL, 'test');
      expect(dma_common_find_pages(c)).toBeNull();
      expect(vmalloc_to_page(c + P)).toBe(0x2001_1000);
      dma_common_free_remap(v, 3 * P);
      expect(m.vmalloc.find_vm_area(v)).toBeUndefined();
      dma_common_free_remap(0x2000_0000, P);
      expect(m.recorder.events.at(-1)).toMatchObject({ t: 'warn', site: 'dma_common_free_remap' });
    }));

  it('a non-cacheable mapping reads and writes DRAM, past any line a cacheable alias holds; memset lands in each page', () =>
    onMachine((m) => {
      const nc = dma_common_contiguous_remap(0x2000_0000, P, 'PAGE_KERNEL_NC', 'test');
      m.cache.cpuWrite(0x2000_0000, filled(64, 0x11));
      kernelWrite(m, nc, filled(8, 0x22));
      expect([...m.dram.read(0x2000_0000, 8)]).toEqual(new Array(8).fill(0x22));
      const seen = new Uint8Array(8);
      kernelReadInto(m, nc + 8, seen, 0, 8);
      expect([...seen]).toEqual(new Array(8).fill(0));
      const v = dma_common_pages_remap([0x2000_5000, 0x2000_9000], 2 * P, PAGE_KERNEL, 'test');
      memset(v + P - 4, 0x33, 8);
      expect(m.recorder.events.filter((e) => e.t === 'memset')).toEqual([
        { t: 'memset', addr: 0x2000_5000 + P - 4, size: 4 },
        { t: 'memset', addr: 0x2000_9000, size: 4 },
      ]);
    }));

  it('arch_dma_prep_coherent writes back and drops the lines of the linear alias; __GFP_ZERO zeroes through the cache', () =>
    onMachine((m) => {
      const page = alloc_pages_node(0, GFP_KERNEL | __GFP_ZERO, 1);
      expect(page).toBe(0x2000_0000);
      expect(m.cache.dirtyCount()).toBe((2 * P) / 64);
      m.cache.cpuWrite(page, filled(64, 0x44));
      arch_dma_prep_coherent(page, 2 * P);
      expect(m.cache.cachedLineCount).toBe(0);
      expect(m.dram.read(page, 1)[0]).toBe(0x44);
      expect(m.recorder.events.at(-1)).toMatchObject({ t: 'cache', op: 'flush', lines: (2 * P) / 64, written: (2 * P) / 64 });
    }));
});

describe('sg tables from pages (lib/scatterlist.c)', () => {
  it('makes one entry per run of consecutive pages, the first at the offset, the total clipped to the size', () =>
    onMachine(() => {
      const sgt = emptySgTable();
      const pages = [0x2000_0000, 0x2000_1000, 0x2000_3000, 0x2000_4000, 0x2000_2000];
      expect(sg_alloc_table_from_pages(sgt, pages, 5, 0x100, 5 * P - 0x300, GFP_KERNEL)).toBe(0);
      expect(sgt.sgl.map((s) => [s.page, s.offset, s.length])).toEqual([
        [0x2000_0000, 0x100, 2 * P - 0x100],
        [0x2000_3000, 0, 2 * P],
        [0x2000_2000, 0, P - 0x200],
      ]);
      expect([sgt.nents, sgt.orig_nents]).toEqual([3, 3]);
    }));

  it('returns its last entry, and splits runs at max_segment', () =>
    onMachine(() => {
      const sgt = emptySgTable();
      const pages = [0x2000_0000, 0x2000_1000, 0x2000_2000];
      expect(__sg_alloc_table_from_pages(sgt, pages, 3, 0, 3 * P, 2 * P, null, 0, GFP_KERNEL)).toBe(1);
      expect(sgt.sgl.map((s) => s.length)).toEqual([2 * P, P]);
      expect(__sg_alloc_table_from_pages(sgt, pages, 3, 0, 3 * P, P - 1, null, 0, GFP_KERNEL)).toBe(-22);
    }));
});

describe('the machine runs one zone of pages per case', () => {
  it('below the swiotlb pool, so that every device can reach it', () => {
    const m = onMachine((x) => x);
    expect(m.pages.base + (m.pages.end - m.pages.base)).toBeLessThanOrEqual(m.platform.swiotlbBase);
    withMachine(m, () => expect(alloc_pages_node(0, GFP_KERNEL, 0)).toBe(m.pages.base));
  });
});
