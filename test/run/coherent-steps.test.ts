// Coherent allocations as fixture steps: the CPU and the allocating device
// see each other's writes without a sync; dma_get_sgtable's table is what a
// second device maps; a driver's assumptions (one contiguous DMA range, a
// return value ignored) are reported with the bytes the device reached; an
// owner's unmanaged domain and its iommu_map. On v5.14, and on kernels made
// to fail in one place.

import { describe, expect, it } from 'vitest';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { executeScenario } from '../../harness/run/execute.js';
import type { Kernel } from '../../harness/variant-api.js';
import { iommuOps, run, variant } from '../corpus.js';

const base = {
  question: 'What do a coherent allocation and its table give the CPU and two devices?',
  device: { coherent: true, untrusted: false },
  devices: { gpu: { coherent: true, untrusted: false } },
  buffers: { unused: { size: 64 } },
  expect: {},
};

describe('coherent allocations as fixture steps', () => {
  it('shares the bytes between the CPU and the allocating device at once, both ways, and frees everything', async () => {
    const s = await resolveFixture(
      {
        ...base,
        id: 'coherent',
        steps: [
          { op: 'dma_alloc_coherent', handle: 'fb', size: '0x3000' },
          { op: 'cpu_read', buffer: 'fb', note: 'zeroed' },
          { op: 'cpu_write', buffer: 'fb', offset: '0x100', size: '0x200', fill: { counter: 9 } },
          { op: 'device_read', handle: 'fb', offset: '0x100', size: '0x200' },
          { op: 'device_write', handle: 'fb', offset: '0x2000', size: '0x100', fill: { byte: 77 } },
          { op: 'cpu_read', buffer: 'fb' },
          { op: 'dma_free_coherent', handle: 'fb' },
        ],
      },
      'coherent.json',
    );
    const r = executeScenario(s, (await variant('v5.14')).kernel);
    expect(r.verdict).toEqual([]);
    expect(r.trace).toContain('1 dma_alloc_coherent fb = 0x3000 bytes attrs=0 -> cpu 0x1000000000000 dma 0xffffc000');
    expect(r.trace.find((l) => l.startsWith('2 cpu read'))).toMatch(/12288 bytes 00 00 00 00 00 00 00 00… \(as expected\)$/);
    expect(r.trace.find((l) => l.startsWith('4 device read'))).toMatch(/512 bytes 09 0a 0b 0c 0d 0e 0f 10… \(as expected\)$/);
    expect(r.trace.find((l) => l.startsWith('6 cpu read'))).toMatch(/\(as expected\)$/);
    expect(r.final['pages']).toBeUndefined();
    expect(r.final['domain dev']).toMatchObject({ pte_pages: 0 });
  });

  it('reports the device reading a two-segment mapping as one range, with the other allocation\'s bytes it reached', async () => {
    const r = await run('dma_alloc_coherent+cross_device+4k_granule+second_no_iommu', 'v5.14');
    expect(r.verdict).toEqual(['driver-assumption']);
    expect(r.trace).toContain('7 dma_get_sgtable sgt = fb -> 0: 2 entries 0x20000000+0x1000 0x20002000+0xa000');
    expect(r.trace.find((l) => l.startsWith('8 map_sg'))).toBe('8 map_sg pio on piodma = table sgt DMA_BIDIRECTIONAL attrs=0 -> 2 segments 0x20000000+0x1000 0x20002000+0xa000');
    expect(r.violations).toEqual([
      {
        kind: 'driver-assumption',
        step: '9',
        sentence:
          'device driver reads a mapping of several DMA segments as one contiguous range [handle=pio] [segments=0x20000000+0x1000 0x20002000+0xa000] [device read=0x20000000+0xb000] [differing=4080 bytes] [at=+0x1000] [read=bb bb bb bb bb bb bb bb…] [expected=01 02 03 04 05 06 07 08…] [reached=0x20001000 (allocation "b"+0x0)]',
      },
    ]);
  });

  it('reports a driver that ignores an error of dma_get_sgtable (-ENXIO: no get_sgtable in the ops), and maps nothing of the empty table', async () => {
    const kernel = (await variant('v5.14')).kernel;
    const { get_sgtable: _, ...ops } = await iommuOps('v5.14');
    const noSgtable: Kernel = { ...kernel, opsFor: (dev) => (dev.dma_ops === null ? kernel.opsFor(dev) : ops) };
    const doc = {
      ...base,
      id: 'ignored',
      driver: { return_value_ignored: ['sgt'] },
      steps: [
        { op: 'dma_alloc_coherent', handle: 'fb', size: '0x2000' },
        { op: 'dma_get_sgtable', table: 'sgt', handle: 'fb' },
        { op: 'map_sg', handle: 'imp', device: 'gpu', table: 'sgt', dir: 'DMA_TO_DEVICE' },
        { op: 'device_read', handle: 'imp' },
      ],
    };
    const r = executeScenario(await resolveFixture(doc, 'ignored.json'), noSgtable);
    expect(r.verdict).toEqual(['driver-assumption']);
    expect(r.trace).toContain('2 dma_get_sgtable sgt = fb -> -6 (ENXIO), 0 entries');
    expect(r.violations[0]!.sentence).toBe('device driver failed to check the error a DMA API call returned [call=dma_get_sgtable] [device=dev] [table=sgt] [ret=-ENXIO]');
    expect(r.trace).toContain('3 map_sg imp on gpu = table sgt: denied by the driver, the table has no entries');
    expect(r.trace).toContain('4 device_read imp: skipped, the mapping failed');
    // A driver that checks gives up, and that is no violation.
    const checked = executeScenario(await resolveFixture({ ...doc, driver: {} }, 'ignored.json'), noSgtable);
    expect(checked.verdict).toEqual([]);
    expect(checked.notes).toContain('2: dma_get_sgtable of "fb" failed (-6); the driver gives up on table "sgt"');
  });

  it('leaves out what a driver would do with an allocation that failed, and counts a page shortage as no refused map', async () => {
    const s = await resolveFixture(
      {
        ...base,
        id: 'too-big',
        steps: [
          { op: 'dma_alloc_coherent', handle: 'big', size: '0x800000', attrs: ['DMA_ATTR_FORCE_CONTIGUOUS'] },
          { op: 'cpu_write', buffer: 'big', fill: { byte: 1 } },
          { op: 'device_read', handle: 'big' },
          { op: 'dma_free_coherent', handle: 'big' },
        ],
      },
      'too-big.json',
    );
    const r = executeScenario(s, (await variant('v5.14')).kernel);
    // The page allocator WARNs at an order it never has (MAX_ORDER is 11 with 4 KiB pages).
    expect(r.verdict).toEqual(['kernel-warning']);
    expect(r.trace).toEqual([
      '1 dma_alloc_coherent big = 0x800000 bytes attrs=FORCE_CONTIGUOUS -> NULL',
      '1   WARNING: __alloc_pages: WARN_ON_ONCE(order >= MAX_ORDER)',
      '1   page alloc order 11 failed',
      '1   !! kernel-warning: kernel WARNING [site=__alloc_pages] [message=WARN_ON_ONCE(order >= MAX_ORDER)]',
      '2 cpu write big: skipped, the allocation failed',
      '3 device_read big: skipped, the mapping failed',
      '4 dma_free_coherent big: skipped, the mapping failed',
    ]);
    expect(r.notes).toContain('1: map of "big" refused: the page allocator has no free block of order 11 or larger');
  });

  it('maps for its owner in an unmanaged domain, and skips the map when the attach failed', async () => {
    const r = await run('iommu_attach_device+unmanaged+16k_granule', 'v5.14');
    expect(r.trace[0]).toBe('1 iommu_attach_device dev to unmanaged domain dev.1 -> 0');
    expect(r.verdict).toEqual(['map-refused']);
    expect(r.violations[0]!.sentence).toContain('[cause=the IOMMU refused an unaligned map]');
  });
});
