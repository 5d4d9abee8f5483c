// find_slots counts a hopeless search instead of walking it (a shortcut of
// the model, skip_hopeless_search in swiotlb-slots.ts). Whatever the pool's
// state, the answer, the spin count, the soft-lockup watchdog, the BUG of
// a bad boundary and everything the machine recorded must be what the walk
// gives: the same calls run on two machines, one with the shortcut and one
// without, in every copy of swiotlb.c the variants carry.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DMA_MAPPING_ERROR, DMA_TO_DEVICE } from '../../harness/machine/dma.js';
import type { Machine } from '../../harness/machine/machine.js';
import * as base from '../../variants/v5.14/swiotlb.js';
import type { io_tlb_mem } from '../../variants/v5.14/swiotlb.js';
import { IO_TLB_SEGSIZE, IO_TLB_SIZE } from '../../harness/machine/swiotlb-slots.js';
import * as aligned from '../../variants/5.16-6-aligned-swiotlb/swiotlb.js';
import { onMachine } from '../helpers.js';

type MapSingle = (m: Machine, orig: number, size: number) => number;
type UnmapSingle = (m: Machine, tlb: number, size: number) => void;

const GRANULE_MASK = 0xfff;
const searches: Array<[string, MapSingle, UnmapSingle]> = [
  ['v5.14', (m, orig, size) => base.swiotlb_tbl_map_single(m.dev, orig, size, size, DMA_TO_DEVICE, 0), (m, tlb, size) => base.swiotlb_tbl_unmap_single(m.dev, tlb, size, DMA_TO_DEVICE, 0)],
  [
    '5.16-6-aligned-swiotlb',
    (m, orig, size) => aligned.swiotlb_tbl_map_single(m.dev, orig, size, size, GRANULE_MASK, DMA_TO_DEVICE, 0),
    (m, tlb, size) => aligned.swiotlb_tbl_unmap_single(m.dev, tlb, size, DMA_TO_DEVICE, 0),
  ],
];

interface Case {
  pageSize: number;
  segments: number;
  boundary: number;
  minAlignMask: number;
  /** Bounces of up to a segment made first, some unmapped again, to leave the pool in some state. */
  before: Array<{ slots: number; unmap: boolean }>;
  /** How far the call's search has spun already, as a fraction of the watchdog's limit. */
  spun: number;
  /** The bounce searched for last, in slots: often more than a segment. */
  slots: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  pageSize: fc.constantFrom(4096, 16384, 65536),
  segments: fc.constantFrom(1, 2, 3, 8, 512),
  // 0xffff_ffff is the default; 0x2f_ffff + 1 is not a power of two, which BUGs in the search.
  boundary: fc.constantFrom(0xffff_ffff, 0xffff_ffff, 0xf_ffff, 0x2f_ffff),
  minAlignMask: fc.constantFrom(0, 0, 0, 0xfff),
  before: fc.array(fc.record({ slots: fc.integer({ min: 1, max: IO_TLB_SEGSIZE }), unmap: fc.boolean() }), { maxLength: 12 }),
  // Near 1 a walk of the whole pool trips the watchdog part of the way round.
  spun: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1.05, noNaN: true }), fc.double({ min: 0.95, max: 1, noNaN: true })),
  slots: fc.oneof(fc.integer({ min: IO_TLB_SEGSIZE + 1, max: 4 * IO_TLB_SEGSIZE }), fc.integer({ min: 1, max: IO_TLB_SEGSIZE })),
});

/** Everything the search can change or say, after the calls of a case. */
function play(c: Case, map: MapSingle, unmap: UnmapSingle, shortcut: boolean): unknown {
  return onMachine(
      (m) => {
        const mem = m.swiotlb as io_tlb_mem;
        const outcome: unknown[] = [];
        const call = (f: () => number | void): void => {
          try {
            outcome.push(f());
          } catch (e) {
            outcome.push(`${(e as Error).name}: ${(e as Error).message}`);
          }
          outcome.push(mem.spins, mem.index, mem.used);
        };
        c.before.forEach((b, k) => {
          const size = b.slots * IO_TLB_SIZE;
          call(() => {
            const tlb = map(m, 0x8000_0000 + k * 0x10_0000, size);
            if (tlb !== DMA_MAPPING_ERROR && b.unmap) unmap(m, tlb, size);
            return tlb;
          });
        });
        mem.spins = Math.floor(c.spun * 16 * mem.nslabs);
        call(() => map(m, 0x9000_0000, c.slots * IO_TLB_SIZE));
        return { outcome, events: JSON.stringify(m.recorder.events), allocated: mem.slots.allocated(), lists: Array.from({ length: Math.min(mem.nslabs, 1024) }, (_, i) => mem.slots.list(i)) };
      },
      { pageSize: c.pageSize, iovaGranule: c.pageSize, swiotlbBytes: c.segments * IO_TLB_SEGSIZE * IO_TLB_SIZE },
      { segBoundaryMask: c.boundary, minAlignMask: c.minAlignMask, untrusted: true },
      { slotSearchShortcut: shortcut },
    );
}

describe('the slot search counts a hopeless walk instead of taking it', () => {
  it.each(searches)('and the outcome is the walk\'s, in %s', (_, map, unmap) => {
    let shortcuts = 0;
    let nearLimit = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const walked = play(c, map, unmap, false);
        expect(play(c, map, unmap, true)).toEqual(walked);
        if (c.slots > IO_TLB_SEGSIZE && c.minAlignMask === 0 && c.spun < 0.9) shortcuts++;
        if (c.slots > IO_TLB_SEGSIZE && c.minAlignMask === 0 && c.spun > 0.97 && c.spun < 1) nearLimit++;
      }),
      { numRuns: 300, seed: 20261122 },
    );
    // Not vacuous: many cases were ones the shortcut takes.
    expect(shortcuts).toBeGreaterThan(50);
    expect(nearLimit).toBeGreaterThan(5);
  });

  it('takes the shortcut: a bounce of more than a segment on a 64 MiB pool reads no slot, and spins as the walk does', () => {
    const search = (shortcut: boolean): { tlb: number; spins: number; slotsRead: number } => {
      return onMachine(
        (m) => {
          const slots = m.swiotlb!.slots;
          let slotsRead = 0;
          const list = slots.list.bind(slots);
          slots.list = (i: number): number => {
            slotsRead++;
            return list(i);
          };
          const tlb = base.swiotlb_tbl_map_single(m.dev, 0x8000_0000, 300 * 1024, 300 * 1024, DMA_TO_DEVICE, 0);
          return { tlb, spins: m.swiotlb!.spins, slotsRead };
        },
        {},
        {},
        { slotSearchShortcut: shortcut },
      );
    };
    // The walk: one wrap_index to start and one per page-aligned slot (stride 2) of 32,768.
    expect(search(false)).toEqual({ tlb: DMA_MAPPING_ERROR, spins: 1 + 16_384, slotsRead: 16_384 });
    expect(search(true)).toEqual({ tlb: DMA_MAPPING_ERROR, spins: 1 + 16_384, slotsRead: 0 });
  });
});
