// The simulated machine and the kernel's library as variant code sees them:
// one import for everything a modelled kernel file may use that is not
// another modelled kernel file, under the kernel's own names.

export type dma_addr_t = number;
export type phys_addr_t = number;
export type size_t = number;

export { alignDown, alignUp, alignUp as ALIGN, and, andNot, BIT, DMA_BIT_MASK, ffs, fls_long, hex, isPowerOfTwo as is_power_of_2, or, order_base_2, roundup_pow_of_two, sizeSub, ulong_pad, __ffs } from './machine/bits.js';
export { before, insertAt, removeAt } from './machine/arrays.js';
export {
  arch_sync_dma_for_cpu,
  arch_sync_dma_for_device,
  ARCH_DMA_MINALIGN,
  dma_get_cache_alignment,
  IS_ENABLED,
  kmalloc_size_roundup,
  load_be64,
  memcpy,
  memset,
  module_param,
  num_possible_cpus,
  PAGE_ALIGN,
  PAGE_SHIFT,
  PAGE_SIZE,
  phys_to_virt,
  raw_smp_processor_id,
  shl64,
  store_be64,
} from './machine/cpu.js';
export {
  dev_is_dma_coherent,
  dev_is_pci,
  dev_is_untrusted,
  dev_to_node,
  dma_capable,
  dma_get_mask,
  dma_get_max_seg_size,
  dma_get_min_align_mask,
  dma_get_seg_boundary,
  dma_to_phys,
  iommu_get_dma_domain,
  iommu_get_domain_for_dev,
  phys_to_dma,
  phys_to_dma_unencrypted,
  type device,
} from './machine/device.js';
export {
  DMA_ATTR_ALLOC_SINGLE_PAGES,
  DMA_ATTR_FORCE_CONTIGUOUS,
  DMA_ATTR_NO_KERNEL_MAPPING,
  DMA_ATTR_NO_WARN,
  DMA_ATTR_PERSISTENT_STREAMING,
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type dma_data_direction,
} from './machine/dma.js';
export { BUG, BUG_ON, WARN_ON, WARN_ONCE } from './machine/warn.js';
export { iommu_is_span_boundary } from './machine/helpers.js';
export {
  __IOMMU_DOMAIN_DMA_API,
  __IOMMU_DOMAIN_PAGING,
  __IOMMU_DOMAIN_PT,
  IOMMU_CACHE,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  IommuDomain,
  type IotlbGather,
  type DmaCookie,
  type IovaSpace,
} from './machine/iommu.js';
export type { bus_type, iommu_group, iommu_ops } from './machine/iommu-driver.js';
export type { AddressRange } from './machine/translation.js';
export { file_statics } from './machine/statics.js';
export {
  __sg_alloc_table_from_pages,
  emptySgTable,
  sg_alloc_table,
  sg_alloc_table_from_pages,
  sg_dma_address,
  sg_dma_len,
  sg_free_table,
  sg_page,
  sg_phys,
  sg_set_page,
  UINT_MAX,
  type scatterlist,
  type sg_table,
} from './machine/scatterlist.js';
export {
  __fls,
  __free_page,
  __get_free_page,
  __free_pages,
  __GFP_COMP,
  __GFP_DMA,
  __GFP_DMA32,
  __GFP_HIGHMEM,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_ZERO,
  alloc_pages_node,
  arch_dma_prep_coherent,
  dma_alloc_from_pool,
  dma_free_from_pool,
  dma_alloc_contiguous,
  dma_free_contiguous,
  dma_pgprot,
  get_order,
  GFP_DMA,
  GFP_ATOMIC,
  GFP_DMA32,
  GFP_KERNEL,
  gfpflags_allow_blocking,
  MAX_ORDER,
  nth_page,
  PageHighMem,
  phys_to_page,
  split_page,
} from './machine/pages.js';
export {
  dma_common_contiguous_remap,
  dma_common_find_pages,
  dma_common_free_remap,
  dma_common_pages_remap,
  is_vmalloc_addr,
  PAGE_KERNEL,
  page_address,
  virt_to_page,
  vmalloc_to_page,
  vunmap,
  type pgprot_t,
} from './machine/vmalloc.js';
export {
  INVALID_PHYS_ADDR,
  IO_TLB_SEGSIZE,
  IO_TLB_SHIFT,
  IO_TLB_SIZE,
  io_tlb_slots,
  skip_hopeless_search,
  wrap_index,
  type BouncePool,
} from './machine/swiotlb-slots.js';
export { machine } from './machine/current.js';
export { should_fail } from './machine/faults.js';
export { bounce_iova_released, bounce_iova_reserved, bounce_slot_cached, bounce_slot_freed, bounce_slot_taken } from './machine/bounce-slots.js';
export {
  cancel_delayed_work_sync,
  create_singlethread_workqueue,
  type delayed_work,
  destroy_workqueue,
  INIT_DELAYED_WORK,
  msecs_to_jiffies,
  queue_delayed_work,
  type workqueue_struct,
} from './machine/workqueue.js';
export {
  CC_ATTR_GUEST_MEM_ENCRYPT,
  CC_ATTR_MEM_ENCRYPT,
  cc_platform_has,
  is_secure_guest,
  mem_encrypt_active,
  set_memory_decrypted,
  set_memory_encrypted,
  uv_share_page,
  uv_unshare_page,
} from './machine/guest-memory.js';
export type { Machine } from './machine/machine.js';
export { iommu_default_passthrough, iommu_dma_forcedac, is_swiotlb_force_bounce, page_to_phys, SWIOTLB_FORCE, swiotlb_force, SWIOTLB_NO_FORCE, SWIOTLB_NORMAL } from './machine/cmdline.js';
export type { dma_map_ops, KernelFiles, ptr } from './variant-api.js';
export { ddw_applicable, memblock_end_of_DRAM, plpar_tce_put, plpar_tce_put_indirect, plpar_tce_stuff, rtas_create_pe_dma_window, rtas_remove_pe_dma_window, rtas_query_pe_dma_window, walk_system_ram_range, type ddw_create_response, type ddw_query_response } from './machine/pseries.js';
export { H_SUCCESS, TCE_PCI_READ, TCE_PCI_WRITE, type TceTable } from './machine/tce.js';
export { MACHINE_LIMITS } from './machine/platform.js';
export { DirectTranslation } from './machine/translation.js';
