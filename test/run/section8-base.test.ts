// The bugs of kernel-model §8, shown on the v5.14 base as wrong bytes and
// wrong state: once by driving the model directly, as a driver would, and
// once through the fixture that states the scenario.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_FROM_DEVICE, DMA_MAPPING_ERROR, DMA_TO_DEVICE } from '../../harness/machine/dma.js';
import type { scatterlist } from '../../harness/machine/scatterlist.js';
import { iovadOf, makeMachine } from '../helpers.js';
import { iommuOps, run } from '../corpus.js';

const BUF = 0x8000_0000;

describe('kernel-model §8 on v5.14', () => {
  it('§8.1 after map_sg with SKIP_CPU_SYNC, sync_sg_for_device copies nothing: the device reads zeros', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: true, untrusted: true });
    withMachine(m, () => {
      const sg: scatterlist[] = [{ page: BUF, offset: 0x10, length: 100, dma_address: 0, dma_length: 0 }];
      expect(ops.map_sg(m.dev, sg, 1, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)).toBe(1);
      const payload = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
      m.cache.cpuWrite(BUF + 0x10, payload);
      ops.sync_sg_for_device(m.dev, sg, 1, DMA_TO_DEVICE);
      const seen = m.dma().read(sg[0]!.dma_address, 100);
      expect(seen.faults).toEqual([]);
      expect([...seen.data]).toEqual(new Array(100).fill(0));
    });
    const r = await run('map_sg+untrusted+coherent+to_device+skip_sync', 'v5.14');
    expect(r.verdict).toEqual(['device-read-stale']);
  });

  it('§8.1 sync_sg_for_cpu copies nothing back: the CPU still reads the old contents', async () => {
    const r = await run('map_sg+untrusted+coherent+from_device+sync_for_cpu', 'v5.14');
    expect(r.verdict).toEqual(['cpu-read-stale']);
    expect(r.trace.find((l) => l.startsWith('4 cpu read'))).toContain('256 bytes aa aa aa aa');
    // The data arrives only with unmap_sg.
    expect(r.trace.find((l) => l.startsWith('6 cpu read'))).toContain('(as expected)');
  });

  it('§8.2 a non-coherent device reads stale DRAM from a bounced DMA_TO_DEVICE map_page', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: false, untrusted: true });
    withMachine(m, () => {
      const payload = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 3) & 0xff);
      m.cache.cpuWrite(BUF + 0x800, payload);
      const h = ops.map_page(m.dev, BUF, 0x800, 512, DMA_TO_DEVICE, 0);
      expect(h).not.toBe(DMA_MAPPING_ERROR);
      const bounce = m.domain.translate(h, false).phys!;
      // The payload is in the bounce, but only in dirty cache lines...
      expect([...m.cache.snoopRead(bounce, 512)]).toEqual([...payload]);
      // ...so the device, which reads DRAM, sees zeros, while the original was cleaned.
      expect([...m.dma().read(h, 512).data]).toEqual(new Array(512).fill(0));
      expect([...m.dram.read(BUF + 0x800, 512)]).toEqual([...payload]);
    });
    const r = await run('map_page+untrusted+noncoherent+to_device+unaligned', 'v5.14');
    expect(r.verdict).toEqual(['device-read-stale']);
  });

  it('§8.3 unmap of a bounced DMA_FROM_DEVICE mapping copies twice, once on each side of the IOMMU unmap', async () => {
    const r = await run('map_page+untrusted+coherent+from_device+unaligned', 'v5.14');
    const unmap = r.trace.filter((l) => l.startsWith('3 '));
    const copies = unmap.map((l, i) => [l, i] as const).filter(([l]) => l.includes('memcpy 0x40000000+0x200 -> 0x80000200'));
    const iommuUnmap = unmap.findIndex((l) => l.includes('iommu unmap'));
    expect(copies).toHaveLength(2);
    expect(copies[0]![1]).toBeLessThan(iommuUnmap);
    expect(copies[1]![1]).toBeGreaterThan(iommuUnmap);
    expect(r.costs.bounce_copies).toBe(2);
    expect(r.verdict).toEqual([]);
  });

  it('§8.5 a 512-byte map at 0x800 with min_align_mask 0xfff leaves a live entry after unmap, and a later map collides', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { coherent: true, untrusted: true, minAlignMask: 0xfff });
    withMachine(m, () => {
      const h = ops.map_page(m.dev, BUF, 0x800, 512, DMA_FROM_DEVICE, 0);
      expect(h % 0x1000).toBe(0x800);
      ops.unmap_page(m.dev, h, 512, DMA_FROM_DEVICE, 0);
      const second = h - 0x800 + 0x1000;
      // The second page the map created is still there, pointing into the pool.
      expect(m.domain.translate(h, true)).toEqual({ fault: 'unmapped' });
      expect(m.domain.translate(second, true).phys).toBe(0x4000_1000);
      expect(m.swiotlb!.used).toBe(0);
    });
    const arm = await run('map_page+untrusted+nvme+512b+offset_0x800+iova_reuse+arm', 'v5.14');
    expect(arm.verdict).toEqual(expect.arrayContaining(['stale-pte', 'iommu-collision', 'map-refused']));
    expect(arm.trace.some((l) => l.includes('-> DMA_MAPPING_ERROR'))).toBe(true);
    const intel = await run('map_page+untrusted+nvme+512b+offset_0x800+iova_reuse+intel', 'v5.14');
    expect(intel.verdict).toEqual(expect.arrayContaining(['stale-pte', 'iommu-collision']));
    expect(intel.verdict).not.toContain('map-refused');
    expect(intel.trace.some((l) => l.includes('already set') && l.includes('old entry kept'))).toBe(true);
  });

  it.each([
    'map_page+trusted+coherent+to_device+unaligned',
    'map_sg+trusted+coherent+to_device+skip_sync',
    'map_sg+trusted+coherent+from_device+sync_for_cpu',
    'map_page+trusted+nvme+512b+offset_0x800',
    'map_page+trusted+nvme+512b+offset_0x800+iova_reuse+arm',
  ])('the trusted, coherent twin %s shows no violation', async (id) => {
    const r = await run(id, 'v5.14');
    expect(r.violations).toEqual([]);
  });
});
