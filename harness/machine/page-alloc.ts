// The buddy page allocator (mm/page_alloc.c) for the one zone coherent DMA
// allocations come from, reduced to what decides which pages a caller gets:
// blocks of 2^order pages, naturally aligned; a request is served from the
// smallest free order that has a block, the head of its list, splitting it
// so that the lower half goes on and every upper half is put at the head of
// the free list of its order (expand()); a freed block merges with its buddy
// while the buddy is free at the same order, and goes to the head of its
// list, or to the tail when its own buddy one order up is free too
// (buddy_merge_likely()). Memory comes to the allocator at boot in address
// order, each top-order block to the tail (__free_pages_core), so a fresh
// zone hands out ascending, adjacent blocks. A series of frees and
// allocations leaves it as fragmented as the kernel's would be.
//
// What the model leaves out, and says so in docs/model.md: the per-CPU page
// lists, migrate types, watermarks and reclaim (an allocation that finds no
// block fails), CMA, and other zones. Each allocated page remembers the owner
// tag current when it was allocated, so the contract can tell whose pages a
// device reached; the kernel code never sees it.

import { hex } from './bits.js';
import type { Recorder } from './events.js';

/** What the allocator knows of the platform. */
export interface PagePoolConfig {
  /** PAGE_SIZE. */
  pageSize: number;
  /** Physical address of the zone's first page, aligned to its largest block. */
  base: number;
  bytes: number;
}

/** arm64's MAX_ORDER for a page size (FORCE_MAX_ZONEORDER's default): 11, 12 or 14. */
export function maxOrderFor(pageSize: number): number {
  switch (pageSize) {
    case 16384:
      return 12;
    case 65536:
      return 14;
    default:
      return 11;
  }
}

interface Allocated {
  order: number;
  owner: number;
}

/** A run of allocated pages with one owner, for checks and the final state. */
export interface PageRun {
  phys: number;
  pages: number;
  owner: number;
}

export class PageAllocator {
  readonly pageSize: number;
  readonly base: number;
  readonly end: number;
  readonly maxOrder: number;
  /** Free blocks by order, as page frame numbers; index 0 is the head of the list. Made on first use: most cases never allocate a page. */
  private lists: number[][] | undefined;
  /** The order of each free block, by its first pfn. */
  private readonly freeOrder = new Map<number, number>();
  /** Allocated blocks (order 0 after split_page), by first pfn. */
  private readonly allocated = new Map<number, Allocated>();

  constructor(
    config: PagePoolConfig,
    private readonly recorder: Recorder,
  ) {
    this.pageSize = config.pageSize;
    this.base = config.base;
    this.end = config.base + config.bytes;
    this.maxOrder = maxOrderFor(config.pageSize);
    const top = this.maxOrder - 1;
    if (config.base % (2 ** top * this.pageSize) !== 0 || config.bytes % (2 ** top * this.pageSize) !== 0) {
      throw new Error(`the page pool ${hex(config.base)}+${hex(config.bytes)} is not made of whole order-${top} blocks`);
    }
  }

  /** The free lists, with the zone's memory given to them at boot in address order, each top-order block to the tail. */
  private get freeLists(): number[][] {
    if (this.lists === undefined) {
      this.lists = Array.from({ length: this.maxOrder }, () => []);
      const top = this.maxOrder - 1;
      for (let pfn = this.pfn(this.base); pfn < this.pfn(this.end); pfn += 2 ** top) this.addFree(pfn, top, true);
    }
    return this.lists;
  }

  pfn(phys: number): number {
    return phys / this.pageSize;
  }

  phys(pfn: number): number {
    return pfn * this.pageSize;
  }

  /** Whether a physical address is in the zone. */
  contains(phys: number): boolean {
    return phys >= this.base && phys < this.end;
  }

  private addFree(pfn: number, order: number, tail: boolean): void {
    if (tail) this.freeLists[order]!.push(pfn);
    else this.freeLists[order]!.unshift(pfn);
    this.freeOrder.set(pfn, order);
  }

  private removeFree(pfn: number, order: number): void {
    const list = this.freeLists[order]!;
    list.splice(list.indexOf(pfn), 1);
    this.freeOrder.delete(pfn);
  }

  private isFreeBuddy(pfn: number, order: number): boolean {
    return this.freeOrder.get(pfn) === order && this.contains(this.phys(pfn));
  }

  /** __rmqueue_smallest and expand(): a block of 2^order pages, or 0 when no order has one. */
  alloc(order: number, zeroed: boolean): number {
    for (let current = order; current < this.maxOrder; current++) {
      const list = this.freeLists[current]!;
      if (list.length === 0) continue;
      const pfn = list.shift()!;
      this.freeOrder.delete(pfn);
      // expand(): the upper halves go back, largest first, each to the head of its list.
      for (let high = current; high > order; ) {
        high--;
        this.addFree(pfn + 2 ** high, high, false);
      }
      this.allocated.set(pfn, { order, owner: this.recorder.owner });
      this.recorder.emit({ t: 'page_alloc', phys: this.phys(pfn), order, zeroed });
      return this.phys(pfn);
    }
    this.recorder.emit({ t: 'page_alloc_fail', order });
    return 0;
  }

  /** split_page(): an allocated block becomes 2^order allocated single pages, each freed on its own. */
  split(phys: number, order: number): void {
    const pfn = this.pfn(phys);
    const block = this.allocated.get(pfn);
    if (block === undefined || block.order !== order) throw new Error(`split_page of ${hex(phys)}, which is not an allocated order-${order} block`);
    for (let i = 0; i < 2 ** order; i++) this.allocated.set(pfn + i, { order: 0, owner: block.owner });
  }

  /**
   * __free_pages(): give back a block of 2^order pages. A block the
   * allocator did not hand out with that order is what the kernel reports as
   * a bad page: WARNed, and not freed.
   */
  free(phys: number, order: number): void {
    let pfn = this.pfn(phys);
    const block = this.allocated.get(pfn);
    if (block === undefined || block.order !== order) {
      this.recorder.warn('__free_pages', `BUG: Bad page state: pfn ${hex(pfn)} freed with order ${order}${block === undefined ? ', not allocated' : `, allocated with order ${block.order}`}`);
      return;
    }
    this.allocated.delete(pfn);
    this.noteFree(phys, 2 ** order * this.pageSize);
    let current = order;
    let buddy = pfn ^ (2 ** current);
    while (current < this.maxOrder - 1 && this.isFreeBuddy(buddy, current)) {
      this.removeFree(buddy, current);
      pfn = Math.min(pfn, buddy);
      current++;
      buddy = pfn ^ (2 ** current);
    }
    this.addFree(pfn, current, this.mergeLikely(pfn, buddy, current));
  }

  /** buddy_merge_likely(): is the buddy of the next larger block free, so that this one will merge soon? */
  private mergeLikely(pfn: number, buddy: number, order: number): boolean {
    if (order >= this.maxOrder - 2) return false;
    const combined = buddy & pfn;
    const higherBuddy = combined ^ (2 ** (order + 1));
    return this.isFreeBuddy(higherBuddy, order + 1);
  }

  /** One trace line for consecutive frees of adjacent pages (__iommu_dma_free_pages frees them one at a time, last first). */
  private noteFree(phys: number, bytes: number): void {
    const events = this.recorder.events;
    const prev = events[events.length - 1];
    if (prev !== undefined && prev.t === 'page_free' && (prev.phys === phys + bytes || prev.phys + prev.size === phys)) {
      prev.phys = Math.min(prev.phys, phys);
      prev.size += bytes;
      return;
    }
    this.recorder.emit({ t: 'page_free', phys, size: bytes });
  }

  /** The owner tag of an allocated page, or undefined for a free page or one outside the zone. */
  ownerOf(phys: number): number | undefined {
    if (!this.contains(phys)) return undefined;
    const pfn = this.pfn(phys);
    const exact = this.allocated.get(pfn);
    if (exact !== undefined) return exact.owner;
    // A page inside a block allocated whole (not split).
    for (let order = 1; order < this.maxOrder; order++) {
      const head = pfn - (pfn % 2 ** order);
      const b = this.allocated.get(head);
      if (b !== undefined && b.order >= order) return b.owner;
    }
    return undefined;
  }

  /** The owner tag of pages the kernel keeps for its lifetime (a per-CPU buffer): never a leak. */
  static readonly KEPT = -1;

  /** Mark an allocated block as kept by the kernel for good. */
  keep(phys: number): void {
    const b = this.allocated.get(this.pfn(phys));
    if (b !== undefined) b.owner = PageAllocator.KEPT;
  }

  /** Allocated pages as runs of one owner, in address order. */
  allocatedRuns(): PageRun[] {
    const out: PageRun[] = [];
    if (this.allocated.size === 0) return out;
    const heads = [...this.allocated.keys()].sort((a, b) => a - b);
    for (const pfn of heads) {
      const b = this.allocated.get(pfn)!;
      const pages = 2 ** b.order;
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.owner === b.owner && prev.phys + prev.pages * this.pageSize === this.phys(pfn)) prev.pages += pages;
      else out.push({ phys: this.phys(pfn), pages, owner: b.owner });
    }
    return out;
  }

  /** Pages handed out and not freed. */
  get inUse(): number {
    let n = 0;
    for (const b of this.allocated.values()) n += 2 ** b.order;
    return n;
  }

  /** Free pages in the zone. */
  get freePages(): number {
    let n = 0;
    this.freeLists.forEach((list, order) => (n += list.length * 2 ** order));
    return n;
  }

  /** The free lists' heads, order by order, for tests: the pfns in list order. */
  freeList(order: number): readonly number[] {
    return this.freeLists[order]!;
  }
}
