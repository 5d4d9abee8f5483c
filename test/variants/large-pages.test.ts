// Sven Peter's series for IOMMU pages larger than CPU pages, and what its
// review said, as bytes and state: with 3/8 the display driver's flow stops
// at dma_get_sgtable; without it the flow works when both IOMMUs have the
// same page size, and a second device on another page size or no IOMMU gets
// a DMA range that is not one block, shown by the bytes it reads; a 512-byte
// map exposes the rest of its 16 KiB granule; an unmanaged domain is refused
// at attach; mainline's DART works untranslated.

import { describe, expect, it } from 'vitest';
import { run } from '../corpus.js';

const FLOW = 'dma_alloc_coherent+cross_device+16k_granule';

describe('large IOMMU pages: the thread\'s claims', () => {
  it('without 3/8 the flow works with both DARTs at 16 KiB: one segment over scattered blocks, the right bytes', async () => {
    const r = await run(FLOW, 'lpv2-2-fail-unaligned');
    expect(r.verdict).toEqual([]);
    // The buffer is two runs of 16 KiB blocks with someone else's (f2) between them...
    expect(r.trace).toContain('9 dma_get_sgtable sgt = fb -> 0: 2 entries 0x20000000+0x4000 0x20008000+0x8000');
    // ...and the second DART maps them back to back.
    expect(r.trace).toContain('10 map_sg pio on piodma = table sgt DMA_BIDIRECTIONAL attrs=0 -> 1 segment 0xffff0000+0xc000');
    expect(r.trace).toContain('11 device read pio[0x0..+0xc000] 49152 bytes 01 02 03 04 05 06 07 08… (as expected)');
  });

  it('with 3/8 dma_get_sgtable returns -ENXIO, the table stays empty and the driver refuses to map it', async () => {
    const r = await run(FLOW, 'lpv2-3-no-sgtable');
    expect(r.verdict).toEqual(['driver-assumption']);
    expect(r.trace).toContain('9 dma_get_sgtable sgt = fb -> -6 (ENXIO), 0 entries');
    expect(r.trace).toContain('10 map_sg pio on piodma = table sgt: denied by the driver, the table has no entries');
    expect(r.trace).toContain('11 device_read pio: skipped, the mapping failed');
    expect(r.violations.map((v) => v.sentence)).toEqual([
      'device driver failed to check the error a DMA API call returned [call=dma_get_sgtable] [device=dev] [table=sgt] [ret=-ENXIO]',
    ]);
    // v3 1/6 is the same patch.
    expect((await run(FLOW, 'lpv3-series')).verdict).toEqual(['driver-assumption']);
  });

  it('a second device without an IOMMU gets two segments, and reading them as one range it reads someone else\'s block', async () => {
    const r = await run('dma_alloc_coherent+cross_device+16k_granule+second_no_iommu', 'lpv2-2-fail-unaligned');
    expect(r.trace).toContain('10 map_sg pio on piodma = table sgt DMA_BIDIRECTIONAL attrs=0 -> 2 segments 0x20000000+0x4000 0x20008000+0x8000');
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.sentence).toBe(
      'device driver reads a mapping of several DMA segments as one contiguous range [handle=pio] [segments=0x20000000+0x4000 0x20008000+0x8000] [device read=0x20000000+0xc000] [differing=16320 bytes] [at=+0x4000] [read=f2 f2 f2 f2 f2 f2 f2 f2…] [expected=01 02 03 04 05 06 07 08…] [reached=0x20004000 (allocation "f2"+0x0)]',
    );
  });

  it('a second device on a 16 KiB IOMMU, the buffer\'s on a 4 KiB one: refused before 4/8, a gap in the device\'s range after it', async () => {
    const before = await run('dma_alloc_coherent+cross_device+4k_granule+second_16k_granule', 'lpv2-3-no-sgtable');
    expect(before.verdict).toEqual(['map-refused']);
    expect(before.trace).toContain('8   kernel: __iommu_map: unaligned: iova 0xffff4000 pa 0x20002000 size 0xc000 min_pagesz 0x4000');
    const after = await run('dma_alloc_coherent+cross_device+4k_granule+second_16k_granule', 'lpv2-4-map-sg-phys');
    expect(after.trace).toContain('8 map_sg pio on piodma = table sgt DMA_BIDIRECTIONAL attrs=0 -> 2 segments 0xffff0000+0x1000 0xffff6000+0xa000');
    expect(after.violations[0]!.sentence).toContain('[at=+0x1000] [read=bb bb bb bb bb bb bb bb…] [expected=01 02 03 04 05 06 07 08…] [reached=0x20001000 (allocation "b"+0x0)]');
  });

  it('a 512-byte map inside a 16 KiB granule exposes the rest of the granule to an untrusted device', async () => {
    const r = await run('map_page+untrusted+16k_granule+512b+no_swiotlb', 'lpv2-7-lp-domains');
    expect(r.trace).toContain('1 map_page h = buf[0x0..+0x200] DMA_TO_DEVICE attrs=0 -> 0xfffff200');
    expect(r.trace).toContain('1   iommu map 0xffffc000+0x4000 -> 0x80000000 R-');
    expect(r.violations.map((v) => `${v.kind}: ${v.sentence}`)).toEqual([
      'reach-other-allocation: device can reach memory that is not its own [iova=0xffffc000] [phys=0x80000000+0x1000] [what=buffer "neighbour"] [via=entry of "h"]',
      'reach-unowned: device can reach memory that is not its own [iova=0xffffd000] [phys=0x80001000+0x2200] [what=memory outside any buffer] [via=entry of "h"]',
      'reach-unowned: device can reach memory that is not its own [iova=0xfffff400] [phys=0x80003400+0xc00] [what=memory outside any buffer] [via=entry of "h"]',
    ]);
  });

  it('an unmanaged domain with 16 KiB pages attaches and refuses a 4 KiB map without the series, and is refused at attach with it', async () => {
    expect((await run('iommu_attach_device+unmanaged+16k_granule', 'v5.15-rc3')).verdict).toEqual(['map-refused']);
    const r = await run('iommu_attach_device+unmanaged+16k_granule', 'lpv2-7-lp-domains');
    expect(r.verdict).toEqual([]);
    expect(r.trace.slice(0, 3)).toEqual([
      '1 iommu_attach_device dev to unmanaged domain dev.1 -> -14',
      '1   kernel: iommu_check_page_size: IOMMU page size cannot represent CPU pages.',
      '2 iommu_map m = buf[0x0..+0x1000] at iova 0x10000 DMA_BIDIRECTIONAL -> skipped, the device has no domain of its own',
    ]);
  });

  it('mainline\'s DART keeps the devices in bypass: the DMA addresses are the physical ones, on every variant', async () => {
    for (const v of ['v5.14', 'lpv2-3-no-sgtable']) {
      const r = await run('dma_alloc_coherent+cross_device+apple_dart+16k_granule', v);
      expect(r.verdict).toEqual([]);
      expect(r.trace).toContain('7 dma_alloc_coherent fb = 0xc000 bytes attrs=0 -> cpu 0x20010000 dma 0x20010000');
      expect(r.final['domain dev']).toEqual({ type: 'identity (bypass)' });
    }
  });

  it('before the series a DMA domain with 16 KiB pages BUGs at boot, and nothing else runs', async () => {
    const r = await run(FLOW, 'v5.14');
    expect(r.verdict).toEqual(['kernel-oops']);
    expect(r.trace).toEqual(['boot   !! kernel-oops: kernel BUG: the simulated kernel stopped [at=kernel BUG in init_iova_domain: BUG_ON((granule > PAGE_SIZE) || !is_power_of_2(granule))]']);
  });
});
