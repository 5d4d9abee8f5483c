import { describe, expect, it } from 'vitest';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_MAPPING_ERROR, DMA_TO_DEVICE } from '../../harness/machine/dma.js';
import {
  swiotlb_sync_single_for_cpu,
  swiotlb_tbl_map_single,
  swiotlb_tbl_unmap_single,
} from '../../variants/v5.14/swiotlb.js';
import { IO_TLB_SIZE } from '../../harness/machine/swiotlb-slots.js';
import { onMachine } from '../helpers.js';

const POOL = 0x4000_0000;

describe('swiotlb 5.14 (kernel-model §4)', () => {
  it('§4.3 a 512-byte buffer at page offset 0x800 with min_align_mask 0xfff lands in a slot whose bit 11 is set', () => {
    onMachine(
      (m) => {
        const tlb = swiotlb_tbl_map_single(m.dev, 0x8000_0800, 512, 4096, DMA_TO_DEVICE, 0);
        expect(tlb % 0x1000).toBe(0x800);
        expect(tlb).toBe(POOL + IO_TLB_SIZE);
        expect(m.swiotlb!.used).toBe(2);
      },
      {},
      { minAlignMask: 0xfff, untrusted: true },
    );
  });

  it('§4.2 bits of the original below 2 KiB are kept as an offset in the first slot', () => {
    onMachine(
      (m) => {
        const tlb = swiotlb_tbl_map_single(m.dev, 0x8000_0a34, 100, 4096, DMA_TO_DEVICE, 0);
        expect(tlb % IO_TLB_SIZE).toBe(0x234);
        // alloc_size + offset needs three slots.
        expect(m.swiotlb!.used).toBe(3);
      },
      {},
      { minAlignMask: 0xfff },
    );
  });

  it('§4.3 allocations of a page or more are page aligned through the stride; smaller ones are not', () => {
    onMachine((m) => {
      swiotlb_tbl_map_single(m.dev, 0x8000_0000, 2048, 2048, DMA_TO_DEVICE, 0);
      const small = swiotlb_tbl_map_single(m.dev, 0x8002_0000, 2048, 2048, DMA_TO_DEVICE, 0);
      expect(small).toBe(POOL + 1 * IO_TLB_SIZE);
      const big = swiotlb_tbl_map_single(m.dev, 0x8001_0000, 4096, 4096, DMA_TO_DEVICE, 0);
      expect(big).toBe(POOL + 2 * IO_TLB_SIZE);
      expect(big % 4096).toBe(0);
    });
  });

  it('§4.1 no allocation crosses a 128-slot segment', () => {
    onMachine((m) => {
      swiotlb_tbl_map_single(m.dev, 0x8000_0000, 126 * 2048, 126 * 2048, DMA_TO_DEVICE, 0);
      const next = swiotlb_tbl_map_single(m.dev, 0x9000_0000, 4 * 2048, 4 * 2048, DMA_TO_DEVICE, 0);
      expect(next).toBe(POOL + 128 * IO_TLB_SIZE);
    });
  });

  it('§4.6 freed slots merge with their free neighbours, so the same run can be handed out again', () => {
    onMachine((m) => {
      const a = swiotlb_tbl_map_single(m.dev, 0x8000_0000, 4096, 4096, DMA_TO_DEVICE, 0);
      const b = swiotlb_tbl_map_single(m.dev, 0x8001_0000, 4096, 4096, DMA_TO_DEVICE, 0);
      swiotlb_tbl_unmap_single(m.dev, a, 4096, DMA_TO_DEVICE, 0);
      swiotlb_tbl_unmap_single(m.dev, b, 4096, DMA_TO_DEVICE, 0);
      expect(m.swiotlb!.used).toBe(0);
      for (let i = 0; i < 128; i++) expect(m.swiotlb!.slots.list(i)).toBe(128 - i);
    });
  });

  it.each([
    [DMA_TO_DEVICE, 0, true],
    [DMA_BIDIRECTIONAL, 0, true],
    [DMA_FROM_DEVICE, 0, false],
    [DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC, false],
  ] as const)('§4.4 map copies original -> bounce for dir %i attrs %i: %s', (dir, attrs, copies) => {
    onMachine((m) => {
      m.dram.write(0x8000_0000, Uint8Array.of(9, 8, 7));
      const tlb = swiotlb_tbl_map_single(m.dev, 0x8000_0000, 3, 4096, dir, attrs);
      expect([...m.cache.cpuRead(tlb, 3)]).toEqual(copies ? [9, 8, 7] : [0, 0, 0]);
    });
  });

  it.each([
    [DMA_FROM_DEVICE, 0, true],
    [DMA_BIDIRECTIONAL, 0, true],
    [DMA_TO_DEVICE, 0, false],
    [DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC, false],
  ] as const)('§4.6 unmap copies bounce -> original for dir %i attrs %i: %s', (dir, attrs, copies) => {
    onMachine((m) => {
      const tlb = swiotlb_tbl_map_single(m.dev, 0x8000_0000, 3, 4096, dir, DMA_ATTR_SKIP_CPU_SYNC);
      m.dram.write(tlb, Uint8Array.of(1, 2, 3));
      swiotlb_tbl_unmap_single(m.dev, tlb, 3, dir, attrs);
      expect([...m.cache.cpuRead(0x8000_0000, 3)]).toEqual(copies ? [1, 2, 3] : [0, 0, 0]);
    });
  });

  it('§4.8 a full pool returns DMA_MAPPING_ERROR with the "swiotlb buffer is full" message', () => {
    onMachine(
      (m) => {
        expect(swiotlb_tbl_map_single(m.dev, 0x8000_0000, 256 * 1024, 256 * 1024, DMA_TO_DEVICE, 0)).not.toBe(DMA_MAPPING_ERROR);
        expect(swiotlb_tbl_map_single(m.dev, 0x9000_0000, 2048, 2048, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
        expect(m.recorder.events.some((e) => e.t === 'warn' && e.message.startsWith('swiotlb buffer is full'))).toBe(true);
      },
      { swiotlbBytes: 256 * 1024 },
    );
  });

  it('§4.5 a partial sync that starts in the first offset bytes of a later slot copies to the wrong place', () => {
    onMachine(
      (m) => {
        // orig at page offset 0x100 with min_align_mask 0xfff: offset 0x100 kept in the first slot.
        const orig = 0x8000_0100;
        const tlb = swiotlb_tbl_map_single(m.dev, orig, 6000, 8192, DMA_FROM_DEVICE, 0);
        const at = tlb - 0x100 + IO_TLB_SIZE + 0x10; // 0x10 into the second slot, before its offset
        m.dram.write(at, Uint8Array.of(0x5a));
        swiotlb_sync_single_for_cpu(m.dev, at, 1, DMA_FROM_DEVICE);
        const copy = m.recorder.events.find((e) => e.t === 'memcpy');
        // The right destination would be orig + (at - tlb); unsigned wrap sends it about 4 GiB away.
        expect(copy).toMatchObject({ t: 'memcpy', src: at });
        expect(copy!.t === 'memcpy' && copy!.dst - (orig + (at - tlb))).toBe(2 ** 32);
      },
      {},
      { minAlignMask: 0xfff },
    );
  });
});
