// Robin Murphy's objection to "iommu/dma: Respect SWIOTLB force_bounce"
// (T.J. Mercier, May 2024), as figures: the patch (tj-force-bounce)
// against its base (v6.9-rc) and the LTS before it (v6.1).

import { describe, expect, it } from 'vitest';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir } from '../../harness/paths.js';
import { executeScenario } from '../../harness/run/execute.js';
import { allVariants, run } from '../corpus.js';

const PATCH = 'tj-force-bounce';
const BASES = ['v6.1', 'v6.9-rc'];

describe('Robin Murphy\'s objection, reproduced', () => {
  it('adds a bounce copy per unaligned map in a confidential guest, changing no verdict', async () => {
    for (const v of BASES) {
      const o = await run('map_page+cc_guest+trusted+1500b+offset_0x42+stream', v);
      expect(o.verdict, v).toEqual([]);
      expect(o.costs.bounce_copies, v).toBe(0);
    }
    const o = await run('map_page+cc_guest+trusted+1500b+offset_0x42+stream', PATCH);
    expect(o.verdict).toEqual([]);
    expect(o.costs.bounce_copies).toBe(50);
    expect(o.costs.bounce_bytes).toBe(50 * 1500);
    expect(o.costs.zeroed_bytes).toBe(50 * (4096 - 1500));
  });

  it('costs the same per map under swiotlb=force on bare metal', async () => {
    expect((await run('map_page+trusted+swiotlb_force+1500b+offset_0x42', 'v6.9-rc')).costs.bounce_copies).toBe(0);
    const o = await run('map_page+trusted+swiotlb_force+1500b+offset_0x42', PATCH);
    expect(o.verdict).toEqual([]);
    expect([o.costs.bounce_copies, o.costs.bounce_bytes, o.costs.zeroed_bytes]).toEqual([1, 1500, 2596]);
  });

  it('fails a 1 MiB unaligned map against the segment limit, with CONFIG_SWIOTLB_DYNAMIC or without', async () => {
    for (const id of ['map_page+cc_guest+trusted+1m+offset_0x42', 'map_page+cc_guest+trusted+1m+offset_0x42+swiotlb_dynamic']) {
      for (const v of BASES) expect((await run(id, v)).verdict, `${id}@${v}`).toEqual([]);
      const o = await run(id, PATCH);
      expect(o.verdict, id).toEqual(['map-refused']);
      expect(o.trace.join('\n')).toMatch(/swiotlb buffer is full \(sz: 1048576 bytes\)/);
      // No transient pool is made for it: nothing is ever bounced.
      expect(o.costs.bounce_copies).toBe(0);
      expect(o.trace.some((l) => l.includes('swiotlb map '))).toBe(false);
    }
  });

  it('fails a map that finds the pool full without CONFIG_SWIOTLB_DYNAMIC, and gives it a transient pool with it', async () => {
    const without = await run('map_page+cc_guest+trusted+200k+offset_0x42+full_pool', PATCH);
    expect(without.verdict).toEqual([]);
    expect(without.trace.some((l) => /map_page he = e\[.*-> DMA_MAPPING_ERROR$/.test(l))).toBe(true);
    expect(without.notes.some((n) => n.includes('refused: the swiotlb pool is full'))).toBe(true);
    expect(without.costs.bounce_copies).toBe(4);

    const withDynamic = await run('map_page+cc_guest+trusted+200k+offset_0x42+full_pool+swiotlb_dynamic', PATCH);
    expect(withDynamic.verdict).toEqual([]);
    expect(withDynamic.costs.bounce_copies).toBe(5);
    // The fifth bounce is in a pool past the default one's 512 slots, and its read is the buffer's.
    const fifth = withDynamic.trace.filter((l) => l.includes('swiotlb map '))[4]!;
    const first = Number(/slots (\d+)\.\./.exec(fifth)![1]);
    expect(first).toBeGreaterThanOrEqual(512);
    expect(withDynamic.trace.find((l) => l.includes('device read he'))).toMatch(/\(as expected\)/);
  });

  it('improves no verdict of the corpus where the IOMMU gives a decrypted view or memory is not private', async () => {
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const variants = await allVariants();
    const base = variants.find((v) => v.meta.id === 'v6.9-rc')!;
    const patch = variants.find((v) => v.meta.id === PATCH)!;
    const improved: string[] = [];
    const privateBehindIommu: string[] = [];
    for (const s of scenarios) {
      const before = executeScenario(s, base.kernel).verdict;
      const after = executeScenario(s, patch.kernel).verdict;
      const gone = before.filter((k) => !after.includes(k));
      if (gone.length === 0) continue;
      if (s.platform.memoryEncryption !== 'none' && !s.platform.iommuDecrypts) privateBehindIommu.push(s.id);
      else improved.push(`${s.id}: -${gone.join(',')}`);
    }
    expect(improved).toEqual([]);
    // Behind an IOMMU that does not decrypt (the pseries secure-guest
    // fixtures, as the SMMU models run them), bouncing through the shared
    // pool is what lets an unaligned map reach the device.
    expect(privateBehindIommu.sort()).toEqual(['pseries+secure_guest+64bit+ddw+no_multi_tce', 'pseries+secure_guest+64bit+ddw+stream', 'pseries+secure_guest+64bit+disable_ddw', 'pseries+secure_guest+mask64+coherent32']);
  });
});

describe('what no force can bounce', () => {
  it('never bounces an aligned buffer, on any variant without the IOMMU bounce pools', async () => {
    // The pools (io-buffer-pool.c, io-bounce-buffers.c) bounce what fits a slot whatever its alignment.
    const hasPools = (files: object): boolean => 'io-buffer-pool' in files || 'io-bounce-buffers' in files;
    const pooled: string[] = [];
    for (const v of await allVariants()) {
      for (const id of ['map_page+trusted+swiotlb_force+8k+aligned', 'map_sg+trusted+swiotlb_force+three_pages']) {
        const o = await run(id, v.meta.id);
        expect(o.verdict, `${id}@${v.meta.id}`).toEqual([]);
        if (hasPools(v.kernel.files)) {
          if (o.costs.bounce_copies > 0) pooled.push(`${id}@${v.meta.id}`);
        } else expect(o.costs.bounce_copies, `${id}@${v.meta.id}`).toBe(0);
      }
    }
    // v1 bounces both in its 16 and 128 KiB classes; v2 only up to a page, so neither.
    expect(pooled).toEqual(['map_page+trusted+swiotlb_force+8k+aligned@pools-v1', 'map_sg+trusted+swiotlb_force+three_pages@pools-v1']);
  });

  it('maps the aligned list one entry at a time with the patch: three segments instead of one', async () => {
    const segments = (trace: string[]): string => /-> (\d+ segments?)/.exec(trace.find((l) => l.includes('map_sg l'))!)![1]!;
    expect(segments((await run('map_sg+trusted+swiotlb_force+three_pages', 'v6.9-rc')).trace)).toBe('1 segment');
    expect(segments((await run('map_sg+trusted+swiotlb_force+three_pages', PATCH)).trace)).toBe('3 segments');
  });

  it('attaches a restricted DMA pool only to a device without an IOMMU, as of_dma_configure does', async () => {
    for (const v of [...BASES, PATCH]) {
      expect((await run('map_page+restricted_dma_pool+iommu+1500b+offset_0x42', v)).costs.bounce_copies, v).toBe(0);
      const direct = await run('map_page+direct+restricted_dma_pool+1500b+offset_0x42', v);
      expect(direct.verdict, v).toEqual([]);
      expect(direct.costs.bounce_copies, v).toBe(1);
      // The bounce is in the restricted pool, not in the default pool's 32768 slots.
      const first = Number(/slots (\d+)\.\./.exec(direct.trace.find((l) => l.includes('swiotlb map '))!)![1]);
      expect(first).toBeGreaterThanOrEqual(32768);
    }
  });
});
