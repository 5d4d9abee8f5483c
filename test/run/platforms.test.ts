// Devices behind different translations: dma-direct (no IOMMU), an IOMMU
// domain of a device's own, one shared with another device. Each device's
// DMA goes through its own translation, and the final state shows every
// domain.

import { describe, expect, it } from 'vitest';
import { run } from '../corpus.js';

describe('devices and their translations', () => {
  it('dma-direct maps a reachable buffer in place and bounces one the device cannot reach, with the right bytes', async () => {
    const inPlace = await run('map_page+direct+noncoherent+to_device', 'v5.14');
    expect(inPlace.verdict).toEqual([]);
    expect(inPlace.trace).toContain('2 map_page h = buf[0x0..+0x258] DMA_TO_DEVICE attrs=0 -> 0x80000100');
    expect(inPlace.trace.some((l) => /swiotlb|iommu/.test(l))).toBe(false);
    expect(inPlace.trace).toContain('3 device read h[0x0..+0x258] 600 bytes 01 02 03 04 05 06 07 08… (as expected)');
    expect(Object.keys(inPlace.final)).toEqual(['swiotlb', 'cpu', 'driver']);

    const bounced = await run('map_page+direct+32bit_mask+bidirectional+bounced', 'v5.14');
    expect(bounced.verdict).toEqual([]);
    expect(bounced.trace).toContain('2   swiotlb map 0x120000100 -> 0x40000000 (slots 0..0, alloc 600)');
    expect(bounced.trace).toContain('3 device read h[0x0..+0x258] 600 bytes 01 02 03 04 05 06 07 08… (as expected)');
    expect(bounced.trace).toContain('6 cpu read buf[0x0..+0x258] 600 bytes 01 02 03 04 05 06 07 08… (as expected)');
    // v5.14's dma_direct_unmap_page copies the bounce back in its sync and again in swiotlb's unmap.
    expect(bounced.costs.bounce_copies).toBe(3);
  });

  it('translates each device through its own domain, and a shared domain for two devices', async () => {
    const r = await run('map_page+three_devices+two_domains', 'v5.14');
    expect(r.verdict).toEqual([]);
    // dev and gpu get the same IOVA, each in its own domain; nic shares dev's and gets the next one down.
    expect(r.trace).toContain('1 map_page a = buf[0x0..+0x100] DMA_TO_DEVICE attrs=0 -> 0xfffff040');
    expect(r.trace).toContain('2 map_page b on gpu = buf[0x0..+0x100] DMA_TO_DEVICE attrs=0 -> 0xfffff040');
    expect(r.trace).toContain('3 map_page c on nic = buf[0x0..+0x100] DMA_TO_DEVICE attrs=0 -> 0xffffe040');
    for (const h of ['a', 'b', 'c']) expect(r.trace.some((l) => l.startsWith(`device read ${h}[`, l.indexOf(' ') + 1) && l.endsWith('(as expected)'))).toBe(true);
    expect(r.final['domain dev']).toMatchObject({ pte_pages: 2, iova_ranges: 2 });
    expect(r.final['domain gpu']).toMatchObject({ pte_pages: 0, iova_ranges: 1, rcache: { order0: [0xfffff] } });
  });

  it('a DMA_FROM_DEVICE mapping is readable through SMMU stage-1 tables and faults reads through stage-2 tables', async () => {
    for (const v of ['v5.14', '5.16-7-min-align']) {
      const s1 = await run('map_page+trusted+from_device+device_reads+stage1', v);
      expect(s1.trace).toContain('1   iommu map 0xfffff000+0x1000 -> 0x80000000 -W');
      expect(s1.trace).toContain('2 device read h[0x0..+0x40] 64 bytes aa aa aa aa aa aa aa aa… (nothing to check)');
      const s2 = await run('map_page+trusted+from_device+device_reads+stage2', v);
      expect(s2.trace).toContain('2 device read h[0x0..+0x40] (1 faults) 64 bytes 00 00 00 00 00 00 00 00… (nothing to check)');
      // Both let the device write, and the CPU reads what it wrote.
      for (const r of [s1, s2]) {
        expect(r.verdict).toEqual([]);
        expect(r.trace).toContain('5 cpu read buf[0x0..+0x40] 64 bytes 01 01 01 01 01 01 01 01… (as expected)');
      }
    }
  });
});
