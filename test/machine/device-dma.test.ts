import { describe, expect, it } from 'vitest';
import { IOMMU_READ, IOMMU_WRITE } from '../../harness/machine/iommu.js';
import { filled, makeMachine } from '../helpers.js';

describe('a device doing DMA through the IOMMU', () => {
  it('a non-coherent device reads DRAM, a coherent one sees the CPU cache', () => {
    for (const coherent of [false, true]) {
      const m = makeMachine({}, { coherent });
      m.domain.map_each(0x1000, 0x8000_0000, 0x1000, 1, IOMMU_READ);
      m.cache.cpuWrite(0x8000_0000, filled(16, 0x42));
      expect(m.dma().read(0x1000, 16).data[0]).toBe(coherent ? 0x42 : 0);
    }
  });

  it('a non-coherent device write lands in DRAM under a stale cached copy', () => {
    const m = makeMachine({}, { coherent: false });
    m.domain.map_each(0x1000, 0x8000_0000, 0x1000, 1, IOMMU_WRITE);
    m.cache.cpuRead(0x8000_0000, 64);
    m.dma().write(0x1000, filled(64, 9));
    expect(m.dram.read(0x8000_0000, 1)[0]).toBe(9);
    expect(m.cache.cpuRead(0x8000_0000, 1)[0]).toBe(0);
  });

  it('an access with no entry or no permission faults and moves no data; the rest of the access goes through', () => {
    const m = makeMachine({}, { coherent: true });
    m.domain.map_each(0x1000, 0x8000_0000, 0x1000, 1, IOMMU_READ);
    const w = m.dma().write(0x1ff0, filled(0x20, 1));
    expect(w.faults).toEqual([
      { offset: 0, length: 0x10, iova: 0x1ff0, reason: 'permission' },
      { offset: 0x10, length: 0x10, iova: 0x2000, reason: 'unmapped' },
    ]);
    expect(m.dram.read(0x8000_0ff0, 1)[0]).toBe(0);
    const r = m.dma().read(0xff8, 0x10);
    expect(r.faults).toEqual([{ offset: 0, length: 8, iova: 0xff8, reason: 'unmapped' }]);
    expect(r.pieces).toEqual([{ offset: 8, length: 8, iova: 0x1000, phys: 0x8000_0000 }]);
  });
});
