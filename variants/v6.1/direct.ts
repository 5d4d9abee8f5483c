// kernel/dma/direct.c with the streaming inlines of kernel/dma/direct.h: DMA
// for a device without an IOMMU (or whose ops are NULL), for the code state
// described in variant.json next to this file. Function by function in the
// kernel's order, direct.h's inlines first. A buffer the device cannot reach
// (its DMA mask, its bus's limit), or every buffer of a device whose pool
// forces bouncing (swiotlb=force, a confidential guest, a restricted pool),
// is bounced through swiotlb; otherwise the device gets the buffer's own
// address and the CPU cache is maintained around it. The model has no
// PCI peer-to-peer pages, so the P2PDMA branches are left out.

import {
  __GFP_NOWARN,
  __GFP_ZERO,
  alloc_pages_node,
  arch_dma_prep_coherent,
  arch_sync_dma_for_cpu,
  arch_sync_dma_for_device,
  dev_is_dma_coherent,
  dev_to_node,
  dma_alloc_contiguous,
  dma_capable,
  DMA_ATTR_NO_WARN,
  DMA_ATTR_SKIP_CPU_SYNC,
  dma_common_contiguous_remap,
  dma_free_contiguous,
  DMA_MAPPING_ERROR,
  dma_pgprot,
  dma_to_phys,
  get_order,
  GFP_KERNEL,
  hex,
  is_vmalloc_addr,
  IS_ENABLED,
  memset,
  PAGE_ALIGN,
  page_address,
  PAGE_KERNEL,
  PAGE_SIZE,
  page_to_phys,
  PageHighMem,
  phys_to_dma,
  sg_alloc_table,
  sg_dma_address,
  sg_dma_len,
  sg_set_page,
  vunmap,
  WARN_ONCE,
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type dma_map_ops,
  type ptr,
  type scatterlist,
  type sg_table,
  type size_t,
} from '../../harness/kernel.js';
import {
  is_swiotlb_active,
  is_swiotlb_buffer,
  is_swiotlb_force_bounce,
  swiotlb_map,
  swiotlb_sync_single_for_cpu,
  swiotlb_sync_single_for_device,
  swiotlb_tbl_unmap_single,
} from './swiotlb.js';

// arch_sync_dma_for_cpu_all() and arch_dma_mark_clean() are empty on arm64:
// the calls are left out.

const EIO = 5;

function dma_direct_sync_single_for_device(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  const paddr = dma_to_phys(dev, addr);

  // The bounce is filled first, then its cache lines are maintained.
  if (is_swiotlb_buffer(dev, paddr)) swiotlb_sync_single_for_device(dev, paddr, size, dir);

  if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_device(paddr, size, dir);
}

function dma_direct_sync_single_for_cpu(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  const paddr = dma_to_phys(dev, addr);

  // Stale lines go first, then the bounce is copied back.
  if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(paddr, size, dir);

  if (is_swiotlb_buffer(dev, paddr)) swiotlb_sync_single_for_cpu(dev, paddr, size, dir);
}

function dma_direct_map_page(dev: device, page: number, offset: number, size: size_t, dir: dma_data_direction, attrs: number): dma_addr_t {
  const phys = page_to_phys(page) + offset;
  const dma_addr = phys_to_dma(dev, phys);

  if (is_swiotlb_force_bounce(dev)) return swiotlb_map(dev, phys, size, dir, attrs);

  if (!dma_capable(dev, dma_addr, size, true)) {
    // 07410559f383 (5.19): bounce if there is a pool to bounce through.
    if (is_swiotlb_active(dev)) return swiotlb_map(dev, phys, size, dir, attrs);

    WARN_ONCE(true, 'dma_direct_map_page', `DMA addr ${hex(dma_addr)}+${size} overflow (mask ${hex(dev.dma_mask)}, bus limit ${hex(dev.bus_dma_limit)}).`);
    return DMA_MAPPING_ERROR;
  }

  if (!dev_is_dma_coherent(dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(phys, size, dir);
  return dma_addr;
}

function dma_direct_unmap_page(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction, attrs: number): void {
  const phys = dma_to_phys(dev, addr);

  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) dma_direct_sync_single_for_cpu(dev, addr, size, dir);

  // 9e02977bfad0: the sync above copied the bounce back; the unmap does not again.
  if (is_swiotlb_buffer(dev, phys)) swiotlb_tbl_unmap_single(dev, phys, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
}

// arm64 has no memory encryption to undo (force_dma_unencrypted is false),
// no highmem, and selects CONFIG_DMA_DIRECT_REMAP: a coherent buffer for a
// non-coherent device is remapped uncached. The model has one zone, so the
// GFP_DMA/GFP_DMA32 retries of __dma_direct_alloc_pages never help and are
// left out, as is dma_direct_optimal_gfp_mask, whose zone flags choose
// nothing here.

function phys_to_dma_direct(dev: device, phys: number): dma_addr_t {
  return phys_to_dma(dev, phys);
}

function dma_direct_to_page(dev: device, dma_addr: dma_addr_t): number {
  const phys = dma_to_phys(dev, dma_addr);
  return phys - (phys % PAGE_SIZE());
}

/** Can the device reach all of [phys, phys + size) with its coherent mask? */
function dma_coherent_ok(dev: device, phys: number, size: size_t): boolean {
  const dma_addr = phys_to_dma_direct(dev, phys);

  if (dma_addr === DMA_MAPPING_ERROR) return false;
  const limit = dev.bus_dma_limit === 0 ? dev.coherent_dma_mask : Math.min(dev.coherent_dma_mask, dev.bus_dma_limit);
  return dma_addr + size - 1 <= limit;
}

function __dma_direct_alloc_pages(dev: device, size: size_t, gfp: number): number {
  const node = dev_to_node(dev);

  WARN_ONCE(size % PAGE_SIZE() !== 0, '__dma_direct_alloc_pages', 'WARN_ON_ONCE(!PAGE_ALIGNED(size))');

  let page = dma_alloc_contiguous(dev, size, gfp);
  if (page && !dma_coherent_ok(dev, page_to_phys(page), size)) {
    dma_free_contiguous(dev, page, size);
    page = 0;
  }
  if (!page) page = alloc_pages_node(node, gfp, get_order(size));
  if (page && !dma_coherent_ok(dev, page_to_phys(page), size)) {
    dma_free_contiguous(dev, page, size);
    page = 0;
  }

  return page;
}

/** dma_alloc_coherent for a device without dma_ops: one block, at its own physical address. */
function dma_direct_alloc(dev: device, size: size_t, dma_handle: ptr<dma_addr_t>, gfp: number, attrs: number): number {
  let ret: number;

  size = PAGE_ALIGN(size);
  if (attrs & DMA_ATTR_NO_WARN) gfp |= __GFP_NOWARN;

  // DMA_ATTR_NO_KERNEL_MAPPING, arch_dma_alloc and the atomic pools: a
  // fixture asks for none of them, and a GFP_KERNEL caller may block.

  // The memory is zeroed by hand once it is mapped.
  const page = __dma_direct_alloc_pages(dev, size, gfp & ~__GFP_ZERO);
  if (!page) return 0;

  if ((IS_ENABLED('CONFIG_DMA_DIRECT_REMAP') && !dev_is_dma_coherent(dev)) || (IS_ENABLED('CONFIG_DMA_REMAP') && PageHighMem(page))) {
    // No dirty line of the kernel's cacheable alias may be written back over the device's data.
    arch_dma_prep_coherent(page, size);

    ret = dma_common_contiguous_remap(page, size, dma_pgprot(dev, PAGE_KERNEL, attrs), 'dma_direct_alloc');
    if (!ret) {
      // out_free_pages
      dma_free_contiguous(dev, page, size);
      return 0;
    }
    memset(ret, 0, size);
  } else {
    ret = page_address(page);
    memset(ret, 0, size);
  }

  // done:
  dma_handle.value = phys_to_dma_direct(dev, page_to_phys(page));
  return ret;
}

function dma_direct_free(dev: device, size: size_t, cpu_addr: number, dma_addr: dma_addr_t, _attrs: number): void {
  if (IS_ENABLED('CONFIG_DMA_REMAP') && is_vmalloc_addr(cpu_addr)) vunmap(cpu_addr);

  dma_free_contiguous(dev, dma_direct_to_page(dev, dma_addr), size);
}

function dma_direct_sync_sg_for_device(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    const paddr = dma_to_phys(dev, sg_dma_address(sg));

    if (is_swiotlb_buffer(dev, paddr)) swiotlb_sync_single_for_device(dev, paddr, sg.length, dir);

    if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_device(paddr, sg.length, dir);
  }
}

function dma_direct_sync_sg_for_cpu(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    const paddr = dma_to_phys(dev, sg_dma_address(sg));

    if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(paddr, sg.length, dir);

    if (is_swiotlb_buffer(dev, paddr)) swiotlb_sync_single_for_cpu(dev, paddr, sg.length, dir);
  }
}

function dma_direct_unmap_sg(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void {
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    dma_direct_unmap_page(dev, sg.dma_address, sg_dma_len(sg), dir, attrs);
  }
}

function dma_direct_map_sg(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number {
  let i: number;

  for (i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    sg.dma_address = dma_direct_map_page(dev, sg.page, sg.offset, sg.length, dir, attrs);
    if (sg.dma_address === DMA_MAPPING_ERROR) break;
    sg.dma_length = sg.length;
  }
  if (i === nents) return nents;

  // out_unmap: the entries already mapped, without copying back.
  dma_direct_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  return -EIO;
}

/** One entry for the block behind a buffer dma_direct_alloc made, found from its DMA address. */
function dma_direct_get_sgtable(dev: device, sgt: sg_table, _cpu_addr: number, dma_addr: dma_addr_t, size: size_t, _attrs: number): number {
  const page = dma_direct_to_page(dev, dma_addr);

  const ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
  if (!ret) sg_set_page(sgt.sgl[0]!, page, PAGE_ALIGN(size), 0);
  return ret;
}

/** Not a kernel table: mapping.c calls these directly when a device's dma_ops are NULL; the harness dispatches through it. */
export const dma_direct_ops: dma_map_ops = {
  alloc: dma_direct_alloc,
  free: dma_direct_free,
  get_sgtable: dma_direct_get_sgtable,
  map_page: dma_direct_map_page,
  unmap_page: dma_direct_unmap_page,
  map_sg: dma_direct_map_sg,
  unmap_sg: dma_direct_unmap_sg,
  sync_single_for_cpu: dma_direct_sync_single_for_cpu,
  sync_single_for_device: dma_direct_sync_single_for_device,
  sync_sg_for_cpu: dma_direct_sync_sg_for_cpu,
  sync_sg_for_device: dma_direct_sync_sg_for_device,
};
