// The page allocator as kernel code calls it (include/linux/gfp.h, mm.h,
// kernel/dma/contiguous.c, mapping.c's dma_pgprot, arm64's
// arch_dma_prep_coherent), over the machine's buddy allocator
// (page-alloc.ts). struct page is its physical address, as elsewhere in the
// model; NULL is 0, which the zone never holds. Coherent allocations take
// blocks of any order; the IOMMU bounce pools take single pages, and a page
// freed goes to the head of its list, so the next single-page allocation gets
// it back with whatever it held (pages are cleared only for __GFP_ZERO).
//
// Each allocation asks should_fail('pages') first, as fail_page_alloc would
// (faults.ts).

import { alignUp, fls_long } from './bits.js';
import { machine } from './current.js';
import { dev_is_dma_coherent, type device } from './device.js';
import { WARN_ONCE } from './warn.js';
import { PAGE_KERNEL, type pgprot_t } from './vmalloc.js';

// include/linux/gfp.h (5.14 values), the flags the modelled code looks at.
export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_ATOMIC = 0x200;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_NOWARN = 0x2000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_COMP = 0x40000;
export const GFP_KERNEL = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;

export function gfpflags_allow_blocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** MAX_ORDER of the running kernel (its page size's). */
export function MAX_ORDER(): number {
  return machine().pages.maxOrder;
}

/** get_order(): the order of the smallest block that holds `size` bytes. */
export function get_order(size: number): number {
  const pages = alignUp(size, machine().platform.pageSize) / machine().platform.pageSize;
  return pages <= 1 ? 0 : fls_long(pages - 1);
}

/** The index of the highest set bit (__fls); x must be non-zero. */
export function __fls(x: number): number {
  return fls_long(x) - 1;
}


/** The model has no highmem: every page is in the linear map. */
export function PageHighMem(_page: number): boolean {
  return false;
}

/**
 * alloc_pages_node(): a block of 2^order pages or NULL (0), zeroed through
 * the CPU's cacheable linear map when __GFP_ZERO asks (as clear_page does).
 * There is no reclaim to retry, so __GFP_NORETRY changes nothing.
 */
export function alloc_pages_node(_nid: number, gfp: number, order: number, site = 'alloc_pages_node'): number {
  const m = machine();
  if (m.faults.should_fail('pages', site)) return 0;
  // __alloc_pages: no block is that large; a caller that did not say __GFP_NOWARN gets a WARN.
  if (order >= m.pages.maxOrder) WARN_ONCE((gfp & __GFP_NOWARN) === 0, '__alloc_pages', 'WARN_ON_ONCE(order >= MAX_ORDER)');
  const zero = (gfp & __GFP_ZERO) !== 0;
  const page = m.pages.alloc(order, zero);
  if (page !== 0 && zero) {
    m.cache.cpuFill(page, 0, m.platform.pageSize * 2 ** order);
    m.provenance.mark(page, m.platform.pageSize * 2 ** order, 0);
  }
  return page;
}

/**
 * __get_free_page(): one page, or 0. `kept` is the model's note that the
 * caller keeps it for the kernel's lifetime (a per-CPU buffer allocated on
 * first use), so the end-of-case leak check passes it over.
 */
export function __get_free_page(gfp: number, kept = false): number {
  const page = alloc_pages_node(0, gfp, 0, '__get_free_page');
  if (page !== 0 && kept) machine().pages.keep(page);
  return page;
}

export function __free_pages(page: number, order: number): void {
  machine().pages.free(page, order);
}

export function __free_page(page: number): void {
  machine().pages.free(page, 0);
}

export function split_page(page: number, order: number): void {
  machine().pages.split(page, order);
}

/** phys_to_page(): the page a physical address is in. */
export function phys_to_page(phys: number): number {
  return phys - (phys % machine().platform.pageSize);
}

/** nth_page() / page + n: the n-th page after `page`. */
export function nth_page(page: number, n: number): number {
  return page + n * machine().platform.pageSize;
}

/**
 * kernel/dma/contiguous.c: the model has no CMA area (neither the device's
 * nor the default one), so a contiguous allocation falls back to the buddy
 * allocator, as it does on a kernel booted without one.
 */
export function dma_alloc_contiguous(_dev: device, _size: number, _gfp: number): number {
  return 0;
}

export function dma_free_contiguous(_dev: device, page: number, size: number): void {
  __free_pages(page, get_order(size));
}

/** arm64: __dma_flush_area over the linear alias of a buffer the device will use uncached. */
export function arch_dma_prep_coherent(page: number, size: number): void {
  const m = machine();
  const r = m.cache.flush(page, size);
  m.recorder.emit({ t: 'cache', op: 'flush', addr: page, size, ...r });
}

/** kernel/dma/mapping.c on arm64: a non-coherent device's buffer is mapped Normal non-cacheable. */
export function dma_pgprot(dev: device, prot: pgprot_t, _attrs: number): pgprot_t {
  if (dev_is_dma_coherent(dev)) return prot;
  return prot === PAGE_KERNEL ? 'PAGE_KERNEL_NC' : prot;
}

/**
 * kernel/dma/pool.c: the atomic pools serve allocations that cannot block.
 * The model's drivers always allocate with GFP_KERNEL, so nothing is ever
 * taken from a pool and nothing is freed to one; a caller that could not
 * block would be a case the model cannot run.
 */
export function dma_alloc_from_pool(_dev: device, _size: number, _cpu_addr: { value: number }, _gfp: number, _phys_addr_ok: unknown): number {
  throw new Error('the atomic DMA pools are not modelled: a fixture allocates with GFP_KERNEL only');
}

export function dma_free_from_pool(_dev: device, _start: number, _size: number): boolean {
  return false;
}
