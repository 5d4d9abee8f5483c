// The estimate prices each event by its size, and only the work the counters
// count; a fixture or a command line naming a profile that does not exist is
// bad input.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateOf } from '../../harness/costs/estimate.js';
import { costProfile, costProfiles } from '../../harness/costs/profiles.js';
import { loadFixtures } from '../../harness/fixtures/load.js';
import { InputError } from '../../harness/input-error.js';
import type { MachineEvent } from '../../harness/machine/events.js';
import type { BouncePool } from '../../harness/machine/swiotlb-slots.js';
import { cli } from '../cli/cli.js';

const strict = costProfile('bare-metal-strict')!;
const pool = { start: 0x4000_0000, end: 0x4400_0000 } as BouncePool;
const price = (events: MachineEvent[]): ReturnType<typeof estimateOf> => estimateOf(events, strict, 4096, 64, { pools: [pool], pages: null });

describe('the estimate', () => {
  it('prices IOMMU work per call and per page, so a 1 MiB unmap is not a 4 KiB one', () => {
    const small = price([{ t: 'iommu_unmap', iova: 0, size: 4096, unmapped: 4096 }, { t: 'iotlb_sync', pages: 1 }]);
    const large = price([{ t: 'iommu_unmap', iova: 0, size: 1 << 20, unmapped: 1 << 20 }, { t: 'iotlb_sync', pages: 256 }]);
    expect(small.iommu_ns).toBeCloseTo(97 + 2.7 + 422 + 78, 5);
    expect(large.iommu_ns).toBeCloseTo(97 + 2.7 * 256 + 422 + 78 * 256, 5);
    // The dma_map_benchmark figures the profile is fitted to: 0.6 us and 21.2 us an unmap.
    expect(small.ns / 1000).toBeCloseTo(0.6, 1);
    expect(large.ns / 1000).toBeCloseTo(21.2, 0);
  });

  it('prices copies only to or from bounce memory, and cache maintenance by the lines it covers', () => {
    const e = price([
      { t: 'memcpy', dst: 0x8000_0000, src: 0x8001_0000, size: 4096 },
      { t: 'memcpy', dst: 0x4000_0000, src: 0x8000_0000, size: 1000 },
      { t: 'cache', op: 'clean', addr: 60, size: 8, lines: 2, written: 0, dropped: 0 },
    ]);
    expect(e.copy_ns).toBeCloseTo(1000 * 0.4, 5);
    expect(e.cache_ns).toBeCloseTo(2 * 25.6, 5);
    expect(e.iommu_ns).toBe(0);
  });

  it('knows the three platforms, each checked against the schema', () => {
    expect([...costProfiles().keys()]).toEqual(['bare-metal-lazy', 'bare-metal-strict', 'virtio-iommu-guest']);
  });
});

describe('a cost profile that does not exist', () => {
  it('is a fixture problem at /platform/cost_profile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixture-'));
    const f = {
      id: 'x',
      question: 'Does a fixture naming an unknown cost profile load?',
      platform: { cost_profile: 'mainframe' },
      device: { coherent: true, untrusted: false },
      buffers: { buf: { size: 64 } },
      steps: [{ op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_TO_DEVICE' }, { op: 'unmap_page', handle: 'h' }],
      expect: {},
    };
    await writeFile(join(dir, 'x.json'), JSON.stringify(f));
    const e = await loadFixtures([join(dir, 'x.json')]).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).problems).toEqual([{ file: expect.stringMatching(/x\.json$/), pointer: '/platform/cost_profile', message: expect.stringContaining('no cost profile "mainframe"') }]);
  });

  it('on the command line ends in exit 2 before anything runs', () => {
    const r = cli(['explain', 'map_page+trusted+100k+offset_0xc00', '--variant', 'pools-v1', '--cost-profile', 'mainframe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/cost-profile: no cost profile "mainframe"/);
  });
});
