// What the line-by-line audit of the models against the C found, each shown
// by a corpus fixture as the bytes or the state on the variants concerned.

import { describe, expect, it } from 'vitest';
import { run } from '../corpus.js';

const lines = async (fixture: string, variant: string, pattern: RegExp): Promise<string[]> => (await run(fixture, variant)).trace.filter((l) => pattern.test(l));

describe('the models run the C of their own tree', () => {
  it("v5.15-rc3's swiotlb_bounce refuses an access before the mapping's start; v5.14's lets the offset wrap and copies 4 GiB away", async () => {
    const fixture = 'map_page+untrusted+nvme+3000b+offset_0x100+sync_in_second_slot';
    expect(await lines(fixture, 'v5.14', /^3 /)).toEqual([
      '3 sync_single_for_cpu h[0x700..+0x200] at 0xffffe800',
      '3   iova_to_phys 0xffffe800 = 0x40000800',
      '3   memcpy 0x40000800+0x200 -> 0x180000800',
      '3   !! memory-corruption: kernel copy wrote outside the mapping and its bounce slots [op=memcpy] [dst=0x180000800+0x200] [handle=h]',
    ]);
    for (const v of ['v5.15-rc3', '5.16-1-sync-sg']) {
      const step3 = await lines(fixture, v, /^3 /);
      expect(step3).toContain('3   WARNING: swiotlb_bounce: Access before mapping start detected. orig offset 256, requested offset 0.');
      expect(step3.some((l) => l.includes('memcpy'))).toBe(false);
    }
  });

  it('a map over a live entry WARNs on both IOMMUs', async () => {
    expect(await lines('map_page+untrusted+nvme+512b+offset_0x800+iova_reuse+arm', 'v5.14', /^1#8\.1 {3}WARNING/)).toEqual(['1#8.1   WARNING: arm_lpae_init_pte: WARN_ON(!selftest_running)']);
    expect((await lines('map_page+untrusted+nvme+512b+offset_0x800+iova_reuse+intel', 'v5.14', /WARNING: __domain_mapping/)).length).toBeGreaterThan(0);
  });

  it('5.14 maps page by page and unrolls what it wrote; from 5.15 io-pgtable-arm checks the batch first and the core unrolls 0 bytes', async () => {
    const fixture = 'map_page+untrusted+nvme+512b+offset_0x800+iova_reuse+arm';
    const unroll = /^1#8\.1 {3}(iommu (un)?map|iotlb sync)/;
    expect(await lines(fixture, 'v5.14', unroll)).toEqual(['1#8.1   iommu map 0xe000+0x2000 -> 0x4000e000 -W = -17', '1#8.1   iommu unmap 0xe000+0x1000', '1#8.1   iotlb sync']);
    expect(await lines(fixture, 'v5.15-rc3', unroll)).toEqual(['1#8.1   iommu map 0xe000+0x2000 -> 0x4000e000 -W = -17', '1#8.1   iommu unmap 0xe000+0x0', '1#8.1   iotlb sync (nothing gathered)']);
  });

  it("__finalise_sg's unsigned arithmetic merges the entry after an over-long one into a single segment, as C does", async () => {
    expect(await lines('map_sg+trusted+entry_longer_than_max_seg_size', 'v5.14', /^1 map_sg|segment-limits/)).toEqual([
      '1 map_sg sg = {a[0x0..+0x2000] b[0x0..+0x1000]} DMA_TO_DEVICE attrs=0 -> 1 segment 0xffffc000+0x3000',
      '1   !! segment-limits: mapping sg segment longer than device claims to support [handle=sg] [len=12288] [max=4096]',
    ]);
  });

  it("a driver's kept sg_table maps again from what the first map left in it", async () => {
    expect(await lines('map_sg+trusted+noncoherent+kept_table+mapped_twice', '5.16-7-min-align', / map_sg h|device read/)).toEqual([
      '1 map_sg h1 = table t {a[0x0..+0x12c] b[0x0..+0x1000]} DMA_TO_DEVICE attrs=0 -> 2 segments 0xffffe040+0x12c 0xfffff000+0x1000',
      '2 device read h1[0x0..+0x112c] 4396 bytes 01 02 03 04 05 06 07 08… (as expected)',
      '5 map_sg h2 = table t again {a[0x0..+0x12c] b[0x0..+0x1000]} DMA_TO_DEVICE attrs=0 -> 2 segments 0xffffe040+0x12c 0xfffff000+0x1000',
      '6 device read h2[0x0..+0x112c] 4396 bytes 42 42 42 42 42 42 42 42… (as expected)',
    ]);
  });

  it("names another owner's data reaching the device and the CPU, and cache maintenance outside the mapping", async () => {
    expect(await lines('map_page+direct+32bit_mask+from_device+slot_reuse', 'v5.14', /data-leak/)).toEqual([
      '4   !! data-leak: device read data that belongs to another owner [handle=hb] [offset=0x0] [bytes=512] [from=buffer "a"]',
      '7   !! data-leak: CPU read data that belongs to another owner [buffer=b] [offset=0x64] [bytes=412] [from=buffer "a"]',
    ]);
    const fixture = 'map_sg+untrusted+noncoherent+to_device+unaligned';
    expect(await lines(fixture, 'v3-1-sync-sg', /cache-outside/)).toEqual([
      '3   !! cache-outside: cache clean outside the mapping and its bounce slots [range=0x0+0x12c] [handle=sg]',
      '3   !! cache-outside: cache clean outside the mapping and its bounce slots [range=0x0+0x2bc] [handle=sg]',
    ]);
    expect(await lines(fixture, 'v3-2-arch-sync', /cache-outside/)).toEqual([]);
  });

  it("Robin Murphy's \"else\" on the unmap-time sync leaves the bounce's stale lines for swiotlb's copy-back", async () => {
    const fixture = 'map_page+untrusted+noncoherent+bidirectional+unaligned';
    expect(await lines(fixture, 'alt-robin-else-unmap', /^6 cpu read/)).toEqual([
      '6 cpu read buf[0x0..+0x5dc] 1500 bytes 48 9e 4f 59 60 b3 fa 8f… (64 of 1500 bytes differ; expected c0 ff ee c0 ff ee c0 ff…)',
    ]);
    expect(await lines(fixture, 'v3-2-arch-sync', /^6 cpu read/)).toEqual(['6 cpu read buf[0x0..+0x5dc] 1500 bytes c0 ff ee c0 ff ee c0 ff… (as expected)']);
  });
});
