// The per-slot arrays of a swiotlb pool (struct io_tlb_mem's slots[],
// kernel-model §4.1) as instrumented kernel memory, and the two helpers of
// the slot search that double as the model's instruments. The kernel code
// that works on them, and struct io_tlb_mem itself, are kernel/dma/swiotlb.c
// in the variants (variants/v5.14/swiotlb.ts and its later copies).
//
// Slots are stored per 128-slot segment and only materialised when touched:
// an untouched segment is all free, with list[i] counting down from 128, as
// swiotlb's initialisation leaves it. Each slot also remembers the owner tag
// that was current when it was allocated, so the contract checks can tell
// whose bounce buffer a device reached; the kernel code never sees it.

import { SoftLockup } from './events.js';
import { machine } from './current.js';
import { iommu_is_span_boundary } from './helpers.js';

export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
const SEG_SHIFT = Math.log2(IO_TLB_SEGSIZE);
const SEG_MASK = IO_TLB_SEGSIZE - 1;
/** The largest pool the model takes (2^29 slots): slot indexes stay in 32-bit integer arithmetic. */
export const SWIOTLB_MAX_BYTES = 2 ** 40;
/** (phys_addr_t)~0 in C. */
export const INVALID_PHYS_ADDR = -1;

/** Plain arrays: a typed array per field would cost an allocation each. */
interface Segment {
  list: number[];
  orig_addr: number[];
  alloc_size: number[];
  owner: number[];
  /** When the owner last changed, as a value of io_tlb_slots.changes. */
  changed: number[];
}

/** An untouched segment, copied when a segment is first written. */
const FRESH: Readonly<Segment> = {
  list: Array.from({ length: IO_TLB_SEGSIZE }, (_, o) => IO_TLB_SEGSIZE - o),
  orig_addr: new Array<number>(IO_TLB_SEGSIZE).fill(INVALID_PHYS_ADDR),
  alloc_size: new Array<number>(IO_TLB_SEGSIZE).fill(0),
  owner: new Array<number>(IO_TLB_SEGSIZE).fill(0),
  changed: new Array<number>(IO_TLB_SEGSIZE).fill(0),
};

export class io_tlb_slots {
  /** Segments by number, added as they are first written: a case touches a few of a pool's hundreds. */
  private readonly segments: Array<Segment | undefined> = [];
  /** Owner changes so far: lets the contract checks tell which slots changed hands since they last looked. */
  changes = 0;
  /**
   * No slot's list[] has held more than this: IO_TLB_SEGSIZE, unless a
   * variant writes more. A search for more slots cannot succeed (see
   * skip_hopeless_search).
   */
  listBound = IO_TLB_SEGSIZE;

  // Slot indexes are non-negative integers below 2^29 (SWIOTLB_MAX_BYTES),
  // so a segment and the offset in it are a shift and a mask away.

  list(i: number): number {
    const seg = this.segments[i >> SEG_SHIFT];
    const o = i & SEG_MASK;
    return seg === undefined ? IO_TLB_SEGSIZE - o : seg.list[o]!;
  }

  setList(i: number, value: number): void {
    if (value > this.listBound) this.listBound = value;
    this.segment(i).list[i & SEG_MASK] = value;
  }

  orig_addr(i: number): number {
    const seg = this.segments[i >> SEG_SHIFT];
    return seg === undefined ? INVALID_PHYS_ADDR : seg.orig_addr[i & SEG_MASK]!;
  }

  alloc_size(i: number): number {
    const seg = this.segments[i >> SEG_SHIFT];
    return seg === undefined ? 0 : seg.alloc_size[i & SEG_MASK]!;
  }

  /** Fill in a slot's bookkeeping; an orig_addr of INVALID_PHYS_ADDR frees it. */
  setSlot(i: number, orig_addr: number, alloc_size: number): void {
    this.setOrigAddr(i, orig_addr);
    this.setAllocSize(i, alloc_size);
  }

  /** slots[i].orig_addr = orig_addr: the slot now holds a bounce of the current DMA API call (INVALID_PHYS_ADDR: of nobody's). */
  setOrigAddr(i: number, orig_addr: number): void {
    const seg = this.segment(i);
    const o = i & SEG_MASK;
    seg.orig_addr[o] = orig_addr;
    const owner = orig_addr === INVALID_PHYS_ADDR ? 0 : machine().recorder.owner;
    if (seg.owner[o] !== owner) {
      seg.owner[o] = owner;
      seg.changed[o] = ++this.changes;
    }
  }

  /** slots[i].alloc_size = alloc_size. */
  setAllocSize(i: number, alloc_size: number): void {
    this.segment(i).alloc_size[i & SEG_MASK] = alloc_size;
  }

  /** The owner tag of an allocated slot, 0 when free. */
  owner(i: number): number {
    const seg = this.segments[i >> SEG_SHIFT];
    return seg === undefined ? 0 : seg.owner[i & SEG_MASK]!;
  }

  /** Whether any of slots [first, last] changed owner after io_tlb_slots.changes was `since`. */
  ownerChangedSince(first: number, last: number, since: number): boolean {
    for (let i = first; i <= last; i++) {
      const seg = this.segments[i >> SEG_SHIFT];
      if (seg !== undefined && seg.changed[i & SEG_MASK]! > since) return true;
    }
    return false;
  }

  /** Indexes of allocated slots (orig_addr set), in order. */
  allocated(): number[] {
    const out: number[] = [];
    // A plain loop: forEach over a pool's mostly untouched (holey) segment list costs a lookup per hole.
    for (let s = 0; s < this.segments.length; s++) {
      const seg = this.segments[s];
      if (seg === undefined) continue;
      for (let o = 0; o < IO_TLB_SEGSIZE; o++) if (seg.orig_addr[o] !== INVALID_PHYS_ADDR) out.push(s * IO_TLB_SEGSIZE + o);
    }
    return out;
  }

  private segment(i: number): Segment {
    const s = i >> SEG_SHIFT;
    let seg = this.segments[s];
    if (seg === undefined) {
      seg = {
        list: FRESH.list.slice(),
        orig_addr: FRESH.orig_addr.slice(),
        alloc_size: FRESH.alloc_size.slice(),
        owner: FRESH.owner.slice(),
        changed: FRESH.changed.slice(),
      };
      this.segments[s] = seg;
    }
    return seg;
  }
}

/**
 * What the machine and the contract checks read of a swiotlb pool, whatever
 * the kernel version's struct io_tlb_mem looks like around it.
 */
export interface BouncePool {
  readonly start: number;
  readonly end: number;
  readonly nslabs: number;
  readonly used: number;
  readonly slots: io_tlb_slots;
  /** Loop iterations in slot searches since the last DMA API call began (the soft-lockup watchdog's count). */
  spins: number;
}

/** The slot index an address in a pool falls in. */
export function slotOf(pool: BouncePool, paddr: number): number {
  return Math.floor((paddr - pool.start) / IO_TLB_SIZE);
}

/**
 * A shortcut the model takes in find_slots, not in the kernel. A search
 * with no alignment test for more slots than any list[] holds (more than
 * a segment: see io_tlb_slots.listBound) visits every stride-th slot once,
 * from `wrap` round to it, and finds nothing: for a bounce of more than a
 * segment on the default 64 MiB pool, 16,384 steps. Its only effect is how
 * long it spins, so this counts those steps at once and says true. It says
 * false, and the search walks, whenever counting would not be exactly what
 * the walk does: a walk that trips the soft-lockup watchdog (which then
 * stops it at the same step), or a stride that does not divide the pool.
 * Before it says true it makes the walk's first boundary check (the same
 * one the walk makes first, at `wrap`), which may BUG.
 */
export function skip_hopeless_search(mem: BouncePool, nslots: number, wrap: number, stride: number, tbl_slots: number, max_slots: number): boolean {
  if (!machine().options.slotSearchShortcut || nslots <= mem.slots.listBound) return false;
  iommu_is_span_boundary(wrap, nslots, tbl_slots, max_slots);
  if (mem.nslabs % stride !== 0 || wrap % stride !== 0) return false;
  const steps = mem.nslabs / stride;
  if (mem.spins + steps > 16 * mem.nslabs) return false;
  mem.spins += steps;
  return true;
}

/**
 * Wrap a slot index to the start of the pool. Every step of the slot search
 * passes through here, so it also stands in for the soft-lockup watchdog: a
 * search that spins through the pool many times over without finding or
 * giving up is reported the way the kernel would report a CPU stuck with the
 * pool lock held.
 */
export function wrap_index(mem: BouncePool, index: number): number {
  if (++mem.spins > 16 * mem.nslabs) {
    throw new SoftLockup(`slot search spun ${mem.spins} times over a ${mem.nslabs}-slot pool with its lock held`);
  }
  if (index >= mem.nslabs) return 0;
  // An unsigned int in C; below 2^29 here (SWIOTLB_MAX_BYTES), so `| 0` is
  // the same value, kept in V8's integer form: a search loop whose index
  // turned into a double ran at half the speed.
  return index | 0;
}
