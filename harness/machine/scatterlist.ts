// struct scatterlist and struct sg_table, as dma-iommu uses them, with the
// lib/scatterlist.c functions that build tables.
//
// A list is an array; "sg_next" is the next index. `page` is the physical
// address of the entry's page, `offset` the byte offset into it, as the
// kernel keeps them, so that dma-iommu's in-place rewriting of offsets and
// lengths in iommu_dma_map_sg works the same way.

import { machine } from './current.js';

export interface scatterlist {
  page: number;
  offset: number;
  length: number;
  dma_address: number;
  dma_length: number;
  /** sg->dma_flags (CONFIG_NEED_SG_DMA_FLAGS, 6.5 and later): SG_DMA_SWIOTLB on the first entry of a list mapped one entry at a time; absent until set. */
  dma_flags?: number;
}

export function sg_phys(sg: scatterlist): number {
  return sg.page + sg.offset;
}

export function sg_dma_address(sg: scatterlist): number {
  return sg.dma_address;
}

export function sg_dma_len(sg: scatterlist): number {
  return sg.dma_length;
}

/** struct sg_table: an array of entries; `nents` mapped (after dma_map_sgtable), `orig_nents` as built. */
export interface sg_table {
  sgl: scatterlist[];
  nents: number;
  orig_nents: number;
}

export const ENOMEM = 12;
export const EINVAL = 22;

/** An sg_table as a caller declares one: empty, its list NULL. */
export function emptySgTable(): sg_table {
  return { sgl: [], nents: 0, orig_nents: 0 };
}

export function sg_page(sg: scatterlist): number {
  return sg.page;
}

export function sg_set_page(sg: scatterlist, page: number, len: number, offset: number): void {
  sg.page = page;
  sg.length = len;
  sg.offset = offset;
}

/** lib/scatterlist.c: a table of `nents` zeroed entries, or -ENOMEM when its allocation fails (a failslab point, machine/faults.ts). */
export function sg_alloc_table(sgt: sg_table, nents: number, _gfp: number): number {
  if (machine().faults.should_fail('slab', 'sg_alloc_table')) return -ENOMEM;
  sgt.sgl = Array.from({ length: nents }, () => ({ page: 0, offset: 0, length: 0, dma_address: 0, dma_length: 0 }));
  sgt.nents = nents;
  sgt.orig_nents = nents;
  return 0;
}

export function sg_free_table(sgt: sg_table): void {
  sgt.sgl = [];
  sgt.nents = 0;
  sgt.orig_nents = 0;
}

/**
 * lib/scatterlist.c (5.14), for a fresh table (no `prv` to append to):
 * one entry per run of physically consecutive pages (no longer than
 * max_segment), the first starting `offset` into its page, the total
 * clipped to `size`. Returns the last entry (its index: the kernel returns
 * a pointer to it) or a negative errno. `pages` are physical addresses.
 */
export function __sg_alloc_table_from_pages(
  sgt: sg_table,
  pages: readonly number[],
  n_pages: number,
  offset: number,
  size: number,
  max_segment: number,
  _prv: null,
  _left_pages: number,
  _gfp: number,
): number {
  const pageSize = machine().platform.pageSize;
  max_segment -= max_segment % pageSize;
  if (max_segment < pageSize) return -EINVAL;
  // The entries' allocation (sg_alloc_table in the C): a failslab point.
  if (machine().faults.should_fail('slab', 'sg_alloc_table_from_pages')) return -ENOMEM;
  const entries: scatterlist[] = [];
  let cur = 0;
  while (cur < n_pages) {
    // The end of the chunk: where pages stop being consecutive, or the segment is full.
    let seg_len = 0;
    let j = cur + 1;
    for (; j < n_pages; j++) {
      seg_len += pageSize;
      if (seg_len >= max_segment || pages[j] !== pages[j - 1]! + pageSize) break;
    }
    const chunk_size = (j - cur) * pageSize - offset;
    entries.push({ page: pages[cur]!, offset, length: Math.min(size, chunk_size), dma_address: 0, dma_length: 0 });
    size -= chunk_size;
    offset = 0;
    cur = j;
  }
  sgt.sgl = entries;
  sgt.nents = entries.length;
  sgt.orig_nents = entries.length;
  return entries.length - 1;
}

/** SCATTERLIST_MAX_SEGMENT: UINT_MAX rounded down to a page. */
export const UINT_MAX = 0xffff_ffff;

export function sg_alloc_table_from_pages(sgt: sg_table, pages: readonly number[], n_pages: number, offset: number, size: number, gfp: number): number {
  const last = __sg_alloc_table_from_pages(sgt, pages, n_pages, offset, size, UINT_MAX, null, 0, gfp);
  return last < 0 ? last : 0;
}
