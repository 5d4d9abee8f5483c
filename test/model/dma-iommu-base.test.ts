// Facts of v5.14 dma-iommu.c (kernel-model §3) checked on the base variant.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE } from '../../harness/machine/dma.js';
import type { scatterlist } from '../../harness/machine/scatterlist.js';
import { iovadOf, makeMachine } from '../helpers.js';
import { iommuOps } from '../corpus.js';

const BUF = 0x8000_0000;

describe('v5.14 dma-iommu (kernel-model §3)', () => {
  it('§3.2 rounds IOVA allocations below 32 pages up to a power of two, and not above', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine();
    withMachine(m, () => {
      ops.map_page(m.dev, BUF, 0, 3 * 4096, DMA_TO_DEVICE, 0);
      ops.map_page(m.dev, BUF + 0x10_0000, 0, 33 * 4096, DMA_TO_DEVICE, 0);
    });
    const sizes = iovadOf(m).allocated().map((n) => n.pfn_hi - n.pfn_lo + 1);
    expect(sizes.sort((a, b) => a - b)).toEqual([4, 33]);
  });

  it('§3.2 tries a 32-bit IOVA first for a PCI device, and not for a platform device', async () => {
    const ops = await iommuOps('v5.14');
    const pci = makeMachine({}, { pci: true });
    const h1 = withMachine(pci, () => ops.map_page(pci.dev, BUF, 0, 4096, DMA_TO_DEVICE, 0));
    expect(h1).toBeLessThan(2 ** 32);
    const platform = makeMachine({}, { pci: false });
    const h2 = withMachine(platform, () => ops.map_page(platform.dev, BUF, 0, 4096, DMA_TO_DEVICE, 0));
    expect(h2).toBe(2 ** 48 - 4096);
  });

  it('§3.4 maps every granule the buffer touches and returns the in-granule offset', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine();
    const h = withMachine(m, () => ops.map_page(m.dev, BUF, 0xff0, 0x20, DMA_TO_DEVICE, 0));
    expect(h % 4096).toBe(0xff0);
    expect(m.domain.entries()).toHaveLength(1);
    const e = m.domain.entries()[0]!;
    expect(e.end - e.start).toBe(2);
    expect(e.value.phys).toBe(BUF);
  });

  it('§3.6 an untrusted device bounces only buffers that are not granule-aligned in start or size', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { untrusted: true });
    withMachine(m, () => {
      ops.map_page(m.dev, BUF, 0, 8192, DMA_TO_DEVICE, 0);
      expect(m.swiotlb!.used).toBe(0);
      ops.map_page(m.dev, BUF, 0, 8000, DMA_TO_DEVICE, 0);
      expect(m.swiotlb!.used).toBe(4);
    });
  });

  it('§3.11 the trusted path pads entries to granules and merges those that continue on a granule', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine();
    const sg: scatterlist[] = [
      { page: BUF, offset: 0x100, length: 0xf00, dma_address: 0, dma_length: 0 },
      { page: BUF + 0x10_0000, offset: 0, length: 0x2000, dma_address: 0, dma_length: 0 },
      { page: BUF + 0x20_0000, offset: 0x80, length: 0x100, dma_address: 0, dma_length: 0 },
    ];
    const count = withMachine(m, () => ops.map_sg(m.dev, sg, 3, DMA_BIDIRECTIONAL, 0));
    // The first two merge (the second starts on a granule); the third starts mid-granule.
    expect(count).toBe(2);
    expect(sg[0]!.dma_length).toBe(0xf00 + 0x2000);
    expect(sg[1]!.dma_address % 4096).toBe(0x80);
    expect(sg[1]!.dma_length).toBe(0x100);
    expect(sg.map((s) => [s.offset, s.length])).toEqual([
      [0x100, 0xf00],
      [0, 0x2000],
      [0x80, 0x100],
    ]);
    expect(iovadOf(m).allocated()[0]).toMatchObject({ pfn_hi: expect.any(Number) });
    const node = iovadOf(m).allocated()[0]!;
    expect(node.pfn_hi - node.pfn_lo + 1).toBe(4);
  });

  it('§3.11 a segment boundary smaller than the list pads the previous entry so none straddles it', async () => {
    const ops = await iommuOps('v5.14');
    const m = makeMachine({}, { segBoundaryMask: 0x1fff });
    const sg: scatterlist[] = [
      { page: BUF, offset: 0, length: 0x1000, dma_address: 0, dma_length: 0 },
      { page: BUF + 0x10_0000, offset: 0, length: 0x2000, dma_address: 0, dma_length: 0 },
    ];
    const count = withMachine(m, () => ops.map_sg(m.dev, sg, 2, DMA_TO_DEVICE, 0));
    expect(count).toBe(2);
    expect(sg[1]!.dma_address - sg[0]!.dma_address).toBe(0x2000);
  });
});
