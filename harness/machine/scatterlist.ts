// struct scatterlist, as dma-iommu uses it.
//
// A list is an array; "sg_next" is the next index. `page` is the physical
// address of the entry's page, `offset` the byte offset into it, as the
// kernel keeps them, so that dma-iommu's in-place rewriting of offsets and
// lengths in iommu_dma_map_sg works the same way.

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
