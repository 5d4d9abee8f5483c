// In the style of the kernel's io-pgtable self-tests, over a few granules:
// the machine's page tables and driver operations, driven through the
// v5.14 IOMMU core (variants/v5.14/iommu.ts).

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { IOMMU_READ, IOMMU_WRITE } from '../../harness/machine/iommu.js';
import type { Machine } from '../../harness/machine/machine.js';
import { iommu_iotlb_gather_init, iommu_iova_to_phys, iommu_map_atomic, iommu_map_sg_atomic, iommu_unmap, iommu_unmap_fast } from '../../variants/v5.14/iommu.js';
import { makeMachine } from '../helpers.js';

const RW = IOMMU_READ | IOMMU_WRITE;

describe.each([4096, 16384, 65536])('IOMMU domain with a %i-byte granule (kernel-model §3.14)', (g) => {
  const onDomain = (flavour: 'arm' | 'arm-s2' | 'intel', fn: (m: Machine) => void): void => {
    const m = makeMachine({ iovaGranule: g, pageSize: 65536, iommu: flavour });
    withMachine(m, () => fn(m));
  };

  it('an empty table translates nothing', () =>
    onDomain('arm', (m) => {
      expect(iommu_iova_to_phys(m.domain, 0x10_0000)).toBe(0);
      expect(m.domain.translate(0x10_0000, false)).toEqual({ fault: 'unmapped' });
    }));

  it('map -> translate -> unmap -> remap works, with the in-page offset', () =>
    onDomain('arm', (m) => {
      expect(iommu_map_atomic(m.domain, 16 * g, 0x4000_0000, 2 * g, RW)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, 17 * g + 5)).toBe(0x4000_0000 + g + 5);
      expect(iommu_unmap_fast(m.domain, 16 * g, 2 * g, iommu_iotlb_gather_init())).toBe(2 * g);
      expect(iommu_iova_to_phys(m.domain, 16 * g)).toBe(0);
      expect(iommu_map_atomic(m.domain, 16 * g, 0x5000_0000, g, IOMMU_READ)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, 16 * g)).toBe(0x5000_0000);
    }));

  it('the last page of the aperture works', () =>
    onDomain('arm', (m) => {
      const last = 2 ** 48 - g;
      expect(iommu_map_atomic(m.domain, last, 0x4000_0000, g, RW)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, last + g - 1)).toBe(0x4000_0000 + g - 1);
    }));

  it('§3.14 ARM: a double map WARNs, is refused with -EEXIST, and only this call\'s pages are unrolled', () =>
    onDomain('arm', (m) => {
      iommu_map_atomic(m.domain, 2 * g, 0x4000_0000, g, RW);
      expect(iommu_map_atomic(m.domain, g, 0x5000_0000, 3 * g, RW)).toBe(-17);
      expect(iommu_iova_to_phys(m.domain, g)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, 2 * g)).toBe(0x4000_0000);
      expect(iommu_iova_to_phys(m.domain, 3 * g)).toBe(0);
      expect(m.recorder.events.filter((e) => e.t === 'pte_collision')).toHaveLength(1);
      expect(m.recorder.events.filter((e) => e.t === 'warn' && e.splat && e.site === 'arm_lpae_init_pte')).toHaveLength(1);
    }));

  it('§3.14 ARM (5.14): a refused map unrolls even when it mapped nothing, and asks for an IOTLB sync of an empty gather', () =>
    onDomain('arm', (m) => {
      iommu_map_atomic(m.domain, g, 0x4000_0000, g, RW);
      const before = m.recorder.events.length;
      expect(iommu_map_atomic(m.domain, g, 0x5000_0000, 2 * g, RW)).toBe(-17);
      const after = m.recorder.events.slice(before);
      expect(after.filter((e) => e.t === 'iommu_unmap')).toEqual([{ t: 'iommu_unmap', iova: g, size: 0, unmapped: 0 }]);
      expect(after.filter((e) => e.t === 'iotlb_sync')).toEqual([{ t: 'iotlb_sync', pages: 0 }]);
    }));

  it('§3.14 Intel: a double map prints and WARNs for every page already set, keeps the old entry and reports success', () =>
    onDomain('intel', (m) => {
      iommu_map_atomic(m.domain, 2 * g, 0x4000_0000, 2 * g, RW);
      expect(iommu_map_atomic(m.domain, g, 0x5000_0000, 3 * g, RW)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, g)).toBe(0x5000_0000);
      expect(iommu_iova_to_phys(m.domain, 2 * g)).toBe(0x4000_0000);
      expect(iommu_iova_to_phys(m.domain, 3 * g)).toBe(0x4000_0000 + g);
      expect(m.recorder.events.filter((e) => e.t === 'pte_collision' && e.kept)).toHaveLength(2);
      expect(m.recorder.events.filter((e) => e.t === 'warn' && e.splat && e.site === '__domain_mapping')).toHaveLength(2);
      expect(m.recorder.events.filter((e) => e.t === 'warn' && !e.splat && e.message.startsWith('DMAR: ERROR: DMA PTE for vPFN'))).toHaveLength(2);
    }));

  it('§3.14 ARM: unmapping an absent page WARNs and stops short; Intel reports the full size', () => {
    onDomain('arm', (m) => {
      iommu_map_atomic(m.domain, 0, 0x4000_0000, g, RW);
      expect(iommu_unmap(m.domain, 0, 2 * g)).toBe(g);
      expect(m.recorder.events.some((e) => e.t === 'warn' && e.splat)).toBe(true);
    });
    onDomain('intel', (m) => {
      iommu_map_atomic(m.domain, 0, 0x4000_0000, g, RW);
      expect(iommu_unmap(m.domain, 0, 2 * g)).toBe(2 * g);
    });
  });

  it('refuses an unaligned map with -EINVAL', () =>
    onDomain('arm', (m) => {
      expect(iommu_map_atomic(m.domain, g, 0x4000_0800, g, RW)).toBe(-22);
    }));

  it('a read-only entry refuses writes on every format', () => {
    for (const f of ['arm', 'arm-s2', 'intel'] as const) {
      onDomain(f, (m) => {
        iommu_map_atomic(m.domain, g, 0x4000_0000, g, IOMMU_READ);
        expect(m.domain.translate(g + 8, false)).toEqual({ phys: 0x4000_0008 });
        expect(m.domain.translate(g + 8, true)).toEqual({ fault: 'permission' });
      });
    }
  });

  it('a write-only entry is readable on a stage-1 SMMU and on VT-d, and faults reads only with stage-2 tables', () => {
    for (const [f, readable] of [['arm', true], ['intel', true], ['arm-s2', false]] as const) {
      onDomain(f, (m) => {
        iommu_map_atomic(m.domain, g, 0x4000_0000, g, IOMMU_WRITE);
        expect(m.domain.translate(g + 8, true), f).toEqual({ phys: 0x4000_0008 });
        expect(m.domain.translate(g + 8, false), f).toEqual(readable ? { phys: 0x4000_0008 } : { fault: 'permission' });
      });
    }
  });

  it('io-pgtable-arm map_pages (5.15) checks a leaf table\'s worth of entries before it writes any of them', () =>
    onDomain('arm', (m) => {
      const perTable = g / 8;
      iommu_map_atomic(m.domain, 5 * g, 0x4000_0000, g, RW);
      // The clash is in the first chunk: nothing of it is written.
      expect(m.domain.map_pages(0, 0x5000_0000, g, 8, RW)).toEqual({ mapped: 0, ret: -17 });
      expect(iommu_iova_to_phys(m.domain, 0)).toBe(0);
      // A request that crosses into the next leaf table maps only up to the end of this one.
      expect(m.domain.map_pages((perTable - 2) * g, 0x6000_0000, g, 4, RW)).toEqual({ mapped: 2 * g, ret: 0 });
      expect(iommu_iova_to_phys(m.domain, perTable * g)).toBe(0);
    }));

  it('map_sg maps physically contiguous entries with one call and undoes everything on failure', () =>
    onDomain('arm', (m) => {
      const sg = [
        { page: 0x4000_0000, offset: 0, length: g, dma_address: 0, dma_length: 0 },
        { page: 0x4000_0000 + g, offset: 0, length: g, dma_address: 0, dma_length: 0 },
        { page: 0x6000_0000, offset: 0, length: g, dma_address: 0, dma_length: 0 },
      ];
      expect(iommu_map_sg_atomic(m.domain, 8 * g, sg, 3, RW)).toBe(3 * g);
      expect(m.recorder.events.filter((e) => e.t === 'iommu_map')).toHaveLength(2);
      iommu_map_atomic(m.domain, 22 * g, 0x7000_0000, g, RW);
      expect(iommu_map_sg_atomic(m.domain, 20 * g, sg, 3, RW)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, 20 * g)).toBe(0);
      expect(iommu_iova_to_phys(m.domain, 22 * g)).toBe(0x7000_0000);
    }));
});
