// v5.14's coherent allocations, driven as a driver would: iommu_dma_alloc's
// two paths (pages in blocks remapped for the CPU; one contiguous block),
// iommu_dma_free, iommu_dma_get_sgtable, and dma-direct's for a device
// without an IOMMU. The bytes and the page-table entries show each.

import { describe, expect, it } from 'vitest';
import { kernelReadInto, kernelWrite } from '../../harness/machine/cpu.js';
import { withMachine } from '../../harness/machine/current.js';
import { DMA_ATTR_FORCE_CONTIGUOUS } from '../../harness/machine/dma.js';
import { GFP_KERNEL } from '../../harness/machine/pages.js';
import { emptySgTable } from '../../harness/machine/scatterlist.js';
import { is_vmalloc_addr } from '../../harness/machine/vmalloc.js';
import type { dma_map_ops, ptr } from '../../harness/variant-api.js';
import { filled, makeMachine } from '../helpers.js';
import { iommuOps, variant } from '../corpus.js';

const P = 4096;
const ZONE = 0x2000_0000;

async function directOps(): Promise<dma_map_ops> {
  return (await variant('v5.14')).kernel.files['direct']!['dma_direct_ops'] as dma_map_ops;
}

describe('v5.14 coherent allocations behind an IOMMU', () => {
  it('the remap path maps pages in blocks at one IOVA range, zeroed, and the CPU sees them through a vmap', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: true });
    withMachine(m, () => {
      // Something else holds the second page: the buffer's pages are not all adjacent.
      const other = m.pages.alloc(0, false);
      const gap = m.pages.alloc(0, false);
      m.pages.free(other, 0);
      const handle: ptr<number> = { value: 0 };
      m.dram.write(ZONE, filled(P, 0xee));
      const cpu = ops.alloc!(m.dev, 3 * P, handle, GFP_KERNEL, 0);
      expect(is_vmalloc_addr(cpu)).toBe(true);
      // Single pages (the domain's only size is a page), the freed one first.
      const area = m.vmalloc.find_vm_area(cpu)!;
      expect(area.pagesPhys).toEqual([ZONE, gap + P, gap + 2 * P]);
      // One IOVA range maps them back to back, read-write.
      expect(m.domain.entries().map((e) => [e.start * P, (e.end - e.start) * P, e.value.phys])).toEqual([
        [handle.value, P, ZONE],
        [handle.value + P, 2 * P, gap + P],
      ]);
      // Zeroed (the 0xee was overwritten), and what the CPU writes the device reads.
      const seen = new Uint8Array(3 * P);
      kernelReadInto(m, cpu, seen, 0, 3 * P);
      expect(seen.every((b) => b === 0)).toBe(true);
      kernelWrite(m, cpu + P - 2, filled(4, 0x5a));
      expect([...m.dma().read(handle.value + P - 2, 4).data]).toEqual([0x5a, 0x5a, 0x5a, 0x5a]);
      // get_sgtable describes the CPU pages, physically adjacent ones merged, with no DMA address.
      const sgt = emptySgTable();
      expect(ops.get_sgtable!(m.dev, sgt, cpu, handle.value, 3 * P, 0)).toBe(0);
      expect(sgt.sgl.map((s) => [s.page, s.offset, s.length, s.dma_address])).toEqual([
        [ZONE, 0, P, 0],
        [gap + P, 0, 2 * P, 0],
      ]);
      // Free: the entries, the IOVA range, the vmap area and every page go.
      const free = m.pages.freePages;
      ops.free!(m.dev, 3 * P, cpu, handle.value, 0);
      expect(m.domain.entries()).toEqual([]);
      expect(m.vmalloc.areaCount).toBe(0);
      expect(m.pages.freePages).toBe(free + 3);
    });
  });

  it('DMA_ATTR_FORCE_CONTIGUOUS takes one block of get_order(size) and maps it whole, at its in-granule offset', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: true });
    withMachine(m, () => {
      const handle: ptr<number> = { value: 0 };
      const cpu = ops.alloc!(m.dev, 3 * P, handle, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
      // A coherent device's block is used through the linear map.
      expect(cpu).toBe(ZONE);
      expect(m.domain.entries().map((e) => [(e.end - e.start) * P, e.value.phys])).toEqual([[3 * P, ZONE]]);
      const sgt = emptySgTable();
      expect(ops.get_sgtable!(m.dev, sgt, cpu, handle.value, 3 * P - 100, 0)).toBe(0);
      expect(sgt.sgl.map((s) => [s.page, s.length])).toEqual([[ZONE, 3 * P]]);
      ops.free!(m.dev, 3 * P, cpu, handle.value, 0);
      // The whole order-2 block goes back.
      expect(m.pages.allocatedRuns()).toEqual([]);
    });
  });

  it("a non-coherent device's block is remapped uncached and its cacheable alias flushed", async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: false });
    withMachine(m, () => {
      const handle: ptr<number> = { value: 0 };
      const cpu = ops.alloc!(m.dev, P, handle, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
      expect(is_vmalloc_addr(cpu)).toBe(true);
      expect(m.vmalloc.find_vm_area(cpu)!.cached).toBe(false);
      // __GFP_ZERO dirtied the linear alias; prep_coherent wrote it back and dropped it.
      expect(m.cache.dirtyCount()).toBe(0);
      kernelWrite(m, cpu, filled(16, 0x42));
      // The device does not snoop, and the write went to DRAM.
      expect([...m.dma().read(handle.value, 4).data]).toEqual([0x42, 0x42, 0x42, 0x42]);
    });
  });
});

describe('v5.14 dma-direct coherent allocations', () => {
  it('one block at its own physical address, one table entry of PAGE_ALIGN(size)', async () => {
    const ops = await directOps();
    const m = makeMachine({}, { domain: null, coherent: true });
    withMachine(m, () => {
      expect(m.dev.dma_ops).toBeNull();
      const handle: ptr<number> = { value: 0 };
      const cpu = ops.alloc!(m.dev, 5 * P + 1, handle, GFP_KERNEL, 0);
      expect([cpu, handle.value]).toEqual([ZONE, ZONE]);
      const sgt = emptySgTable();
      expect(ops.get_sgtable!(m.dev, sgt, cpu, handle.value, 5 * P + 1, 0)).toBe(0);
      expect(sgt.sgl.map((s) => [s.page, s.length])).toEqual([[ZONE, 6 * P]]);
      ops.free!(m.dev, 5 * P + 1, cpu, handle.value, 0);
      expect(m.pages.allocatedRuns()).toEqual([]);
    });
  });
});
