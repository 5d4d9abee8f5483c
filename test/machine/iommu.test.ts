// In the style of the kernel's io-pgtable self-tests, over a few granules.

import { describe, expect, it } from 'vitest';
import { IOMMU_READ, IOMMU_WRITE, iommu_iova_to_phys, iommu_map_atomic, iommu_map_sg_atomic, iommu_unmap, iommu_unmap_fast, iommu_iotlb_gather_init } from '../../harness/machine/iommu.js';
import { makeMachine } from '../helpers.js';

const RW = IOMMU_READ | IOMMU_WRITE;

describe.each([4096, 16384, 65536])('IOMMU domain with a %i-byte granule (kernel-model §3.14)', (g) => {
  const machine = (iommu: 'arm' | 'intel' = 'arm') => makeMachine({ iovaGranule: g, pageSize: 65536, iommu });

  it('an empty table translates nothing', () => {
    const m = machine();
    expect(iommu_iova_to_phys(m.domain, 0x10_0000)).toBe(0);
    expect(m.domain.translate(0x10_0000, false)).toEqual({ fault: 'unmapped' });
  });

  it('map -> translate -> unmap -> remap works, with the in-page offset', () => {
    const m = machine();
    expect(iommu_map_atomic(m.domain, 16 * g, 0x4000_0000, 2 * g, RW)).toBe(0);
    expect(iommu_iova_to_phys(m.domain, 17 * g + 5)).toBe(0x4000_0000 + g + 5);
    expect(iommu_unmap_fast(m.domain, 16 * g, 2 * g, iommu_iotlb_gather_init())).toBe(2 * g);
    expect(iommu_iova_to_phys(m.domain, 16 * g)).toBe(0);
    expect(iommu_map_atomic(m.domain, 16 * g, 0x5000_0000, g, IOMMU_READ)).toBe(0);
    expect(iommu_iova_to_phys(m.domain, 16 * g)).toBe(0x5000_0000);
  });

  it('the last page of the aperture works', () => {
    const m = machine();
    const last = 2 ** 48 - g;
    expect(iommu_map_atomic(m.domain, last, 0x4000_0000, g, RW)).toBe(0);
    expect(iommu_iova_to_phys(m.domain, last + g - 1)).toBe(0x4000_0000 + g - 1);
  });

  it('§3.14 ARM: a double map is refused with -EEXIST and only this call\'s pages are unrolled', () => {
    const m = machine('arm');
    iommu_map_atomic(m.domain, 2 * g, 0x4000_0000, g, RW);
    expect(iommu_map_atomic(m.domain, g, 0x5000_0000, 3 * g, RW)).toBe(-17);
    expect(iommu_iova_to_phys(m.domain, g)).toBe(0);
    expect(iommu_iova_to_phys(m.domain, 2 * g)).toBe(0x4000_0000);
    expect(iommu_iova_to_phys(m.domain, 3 * g)).toBe(0);
    expect(m.recorder.events.filter((e) => e.t === 'pte_collision')).toHaveLength(1);
  });

  it('§3.14 Intel: a double map warns, keeps the old entry and reports success', () => {
    const m = machine('intel');
    iommu_map_atomic(m.domain, 2 * g, 0x4000_0000, g, RW);
    expect(iommu_map_atomic(m.domain, g, 0x5000_0000, 3 * g, RW)).toBe(0);
    expect(iommu_iova_to_phys(m.domain, g)).toBe(0x5000_0000);
    expect(iommu_iova_to_phys(m.domain, 2 * g)).toBe(0x4000_0000);
    expect(iommu_iova_to_phys(m.domain, 3 * g)).toBe(0x5000_0000 + 2 * g);
    expect(m.recorder.events.find((e) => e.t === 'pte_collision')).toMatchObject({ kept: true });
  });

  it('§3.14 ARM: unmapping an absent page WARNs and stops short; Intel reports the full size', () => {
    const arm = machine('arm');
    iommu_map_atomic(arm.domain, 0, 0x4000_0000, g, RW);
    expect(iommu_unmap(arm.domain, 0, 2 * g)).toBe(g);
    expect(arm.recorder.events.some((e) => e.t === 'warn' && e.splat)).toBe(true);
    const intel = machine('intel');
    iommu_map_atomic(intel.domain, 0, 0x4000_0000, g, RW);
    expect(iommu_unmap(intel.domain, 0, 2 * g)).toBe(2 * g);
  });

  it('refuses an unaligned map with -EINVAL', () => {
    const m = machine();
    expect(iommu_map_atomic(m.domain, g, 0x4000_0800, g, RW)).toBe(-22);
  });

  it('a device access needs the permission its direction asks for', () => {
    const m = machine();
    iommu_map_atomic(m.domain, g, 0x4000_0000, g, IOMMU_READ);
    expect(m.domain.translate(g + 8, false)).toEqual({ phys: 0x4000_0008 });
    expect(m.domain.translate(g + 8, true)).toEqual({ fault: 'permission' });
  });

  it('map_sg maps physically contiguous entries with one call and undoes everything on failure', () => {
    const m = machine('arm');
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
  });
});
