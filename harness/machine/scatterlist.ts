// struct scatterlist, as dma-iommu uses it.
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

/**
 * lib/scatterlist.c's sg_alloc_table_from_pages() (GFP_ATOMIC in its
 * callers here): a list over `n_pages` pages from `offset` for `size`
 * bytes, physically contiguous pages merged into one entry; null when the
 * table's allocation fails (a failslab point, machine/faults.ts). The model
 * has no sg_table: the list is the table, and sg_free_table is a no-op.
 */
export function sg_alloc_table_from_pages(pages: readonly number[], n_pages: number, offset: number, size: number, pageSize: number): scatterlist[] | null {
  if (machine().faults.should_fail('slab', 'sg_alloc_table_from_pages')) return null;
  const out: scatterlist[] = [];
  let left = size;
  for (let i = 0; i < n_pages && left > 0; ) {
    let j = i + 1;
    while (j < n_pages && pages[j] === pages[j - 1]! + pageSize) j++;
    const first = i === 0 ? offset : 0;
    const length = Math.min(left, (j - i) * pageSize - first);
    out.push({ page: pages[i]!, offset: first, length, dma_address: 0, dma_length: 0 });
    left -= length;
    i = j;
  }
  return out;
}
