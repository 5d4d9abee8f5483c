// The simulated kernel as variant code sees it: one import for everything a
// model of drivers/iommu/dma-iommu.c (or of a file it calls) may use, under
// the kernel's own names.

export type dma_addr_t = number;
export type phys_addr_t = number;
export type size_t = number;

export { alignUp as ALIGN, and, andNot, BIT, DMA_BIT_MASK, hex, or, roundup_pow_of_two, sizeSub, ulong_pad } from './machine/bits.js';
export { arch_sync_dma_for_cpu, arch_sync_dma_for_device, IS_ENABLED, memcpy, memset, PAGE_SHIFT, PAGE_SIZE, phys_to_virt } from './machine/cpu.js';
export {
  dev_is_dma_coherent,
  dev_is_pci,
  dev_is_untrusted,
  dma_get_mask,
  dma_get_max_seg_size,
  dma_get_min_align_mask,
  dma_get_seg_boundary,
  iommu_get_dma_domain,
  type device,
} from './machine/device.js';
export {
  DMA_ATTR_NO_WARN,
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type dma_data_direction,
} from './machine/dma.js';
export { BUG, BUG_ON, WARN_ON } from './machine/warn.js';
export { iommu_is_span_boundary, phys_to_dma_unencrypted } from './machine/helpers.js';
export {
  IOMMU_CACHE,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  iommu_iotlb_gather_init,
  iommu_iotlb_sync,
  iommu_iova_to_phys,
  iommu_map_atomic,
  iommu_map_sg_atomic,
  iommu_unmap_fast,
  type IommuDomain as iommu_domain,
  type IommuDmaCookie as iommu_dma_cookie,
} from './machine/iommu.js';
export {
  alloc_iova_fast,
  free_iova_fast,
  iova_align,
  iova_mask,
  iova_offset,
  iova_pfn,
  iova_shift,
  IOVA_RANGE_CACHE_MAX_SIZE,
  type IovaDomain as iova_domain,
} from './machine/iova.js';
export { sg_dma_address, sg_dma_len, sg_phys, type scatterlist } from './machine/scatterlist.js';
export {
  INVALID_PHYS_ADDR,
  IO_TLB_SEGSIZE,
  IO_TLB_SHIFT,
  IO_TLB_SIZE,
  io_tlb_default_mem,
  skip_hopeless_search,
  wrap_index,
  type io_tlb_mem,
} from './machine/swiotlb-pool.js';
export { machine } from './machine/current.js';
export { iommu_dma_forcedac, is_swiotlb_force_bounce, page_to_phys } from './machine/boot.js';
export type { dma_map_ops } from './variant-api.js';
