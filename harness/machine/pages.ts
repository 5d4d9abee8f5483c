// The page allocator, as far as code that allocates pages at run time sees
// it (alloc_pages_node, __free_page): a region of DRAM of its own, handed out
// one CPU page at a time. A page freed is the next one handed out again
// (the per-CPU free lists are last in, first out), with whatever it held:
// pages are not cleared unless the caller asks with __GFP_ZERO. Only the
// IOMMU bounce pools take single pages while a case runs, so the region
// holds bounce pages and nothing else (the 6.x swiotlb pools take their
// blocks from Machine.allocPages, above the default swiotlb pool).
//
// Each allocation asks should_fail('pages') first, as fail_page_alloc would
// (faults.ts); a region that is used up fails the same way a machine out of
// memory does.

import { hex } from './bits.js';
import { machine } from './current.js';

/** gfp_t bits the modelled callers pass (include/linux/gfp.h); only __GFP_ZERO changes what the model does. */
export const __GFP_HIGHMEM = 0x02;
export const __GFP_ZERO = 0x100;
export const __GFP_NOWARN = 0x200;
export const __GFP_NORETRY = 0x1000;
export const GFP_ATOMIC = 0x20 | 0x800;
export const GFP_KERNEL = 0x400 | 0x800 | 0x40 | 0x80;

export class PageAllocator {
  /** Pages freed, most recent last: the next allocation takes the last one. */
  private readonly freed: number[] = [];
  /** The first page never handed out. */
  private next: number;
  /** Pages handed out and not freed. */
  private readonly live = new Set<number>();

  constructor(
    readonly base: number,
    readonly bytes: number,
    readonly pageSize: number,
  ) {
    this.next = base;
  }

  /** Whether addr lies in the region pages come from. */
  contains(addr: number): boolean {
    return addr >= this.base && addr < this.base + this.bytes;
  }

  /** A page's physical address, or 0 when the region is used up. */
  take(): number {
    let page = this.freed.pop();
    if (page === undefined) {
      if (this.next + this.pageSize > this.base + this.bytes) return 0;
      page = this.next;
      this.next += this.pageSize;
    }
    this.live.add(page);
    return page;
  }

  give(page: number): void {
    if (!this.live.delete(page)) throw new Error(`__free_page of ${hex(page)}, which is not an allocated page`);
    this.freed.push(page);
  }

  /** Pages handed out and not freed. */
  get inUse(): number {
    return this.live.size;
  }
}

/**
 * alloc_pages_node() for one page (order 0, the only order the modelled
 * callers ask for): its physical address (struct page is its address in the
 * model), or 0 (NULL).
 */
export function alloc_pages_node(_nid: number, gfp: number, order: number, site = 'alloc_pages_node'): number {
  if (order !== 0) throw new Error(`alloc_pages_node of order ${order}: the model allocates single pages only`);
  const m = machine();
  if (m.faults.should_fail('pages', site)) return 0;
  const page = m.pages.take();
  if (page === 0) return 0;
  if (gfp & __GFP_ZERO) {
    m.cache.cpuFill(page, 0, m.pages.pageSize);
    m.provenance.mark(page, m.pages.pageSize, 0);
    m.recorder.emit({ t: 'memset', addr: page, size: m.pages.pageSize });
  }
  return page;
}

export function __free_page(page: number): void {
  machine().pages.give(page);
}
