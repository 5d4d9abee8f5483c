// kernel/dma/direct.c as of v5.5, with the inlines of include/linux/dma-direct.h
// and powerpc's asm/dma-direct.h it relies on, for a pseries guest: a bus
// address is the physical address plus dev->archdata.dma_offset (a DDW's
// base once dma_iommu_ops set it, 0 otherwise); in a secure guest swiotlb is
// forced (init_svm) and coherent buffers are shared with the hypervisor
// (force_dma_unencrypted). swiotlb_map is 5.5's (kernel/dma/swiotlb.c), kept
// here next to its only caller; the slot code it calls is the model's
// v5.14 swiotlb, whose only difference that matters, min_align_mask, no
// pseries device sets.

import {
  __GFP_ZERO,
  alloc_pages_node,
  dev_to_node,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIT_MASK,
  dma_free_contiguous,
  DMA_MAPPING_ERROR,
  file_statics,
  memblock_end_of_DRAM,
  get_order,
  hex,
  is_secure_guest,
  machine,
  memset,
  PAGE_ALIGN,
  page_address,
  PAGE_SIZE,
  page_to_phys,
  SWIOTLB_FORCE,
  swiotlb_force as swiotlb_force_cmdline,
  SWIOTLB_NO_FORCE,
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type dma_map_ops,
  type ptr,
  type scatterlist,
  type size_t,
  WARN_ONCE,
} from '../../harness/kernel.js';
import { set_memory_decrypted, set_memory_encrypted } from './svm.js';
import { is_swiotlb_buffer, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from '../v5.14/swiotlb.js';

/** kernel/dma/swiotlb.c's global swiotlb_force: the command line's, until init_svm forces it. */
export function swiotlb_globals(): { swiotlb_force: number } {
  return file_statics('swiotlb.c@5.5', () => ({ swiotlb_force: swiotlb_force_cmdline() }));
}

/** asm/dma-direct.h: the device's view of a physical address. */
function __phys_to_dma(dev: device, paddr: number): dma_addr_t {
  return paddr + dev.archdata.dma_offset;
}

function __dma_to_phys(dev: device, daddr: dma_addr_t): number {
  return daddr - dev.archdata.dma_offset;
}

/** powerpc has no memory-encryption bit in its addresses: the same as __phys_to_dma. */
function phys_to_dma(dev: device, paddr: number): dma_addr_t {
  return __phys_to_dma(dev, paddr);
}

function dma_to_phys(dev: device, daddr: dma_addr_t): number {
  return __dma_to_phys(dev, daddr);
}

/** asm/mem_encrypt.h: a secure guest shares every DMA buffer with the hypervisor. */
function force_dma_unencrypted(_dev: device): boolean {
  return is_secure_guest();
}

function min_not_zero(a: number, b: number): number {
  return a === 0 ? b : b === 0 ? a : Math.min(a, b);
}

/** dma-direct.h's dma_capable: the end of the range under the mask and the bus limit. */
function dma_capable(dev: device, addr: dma_addr_t, size: size_t): boolean {
  return addr + size - 1 <= min_not_zero(dev.dma_mask, dev.bus_dma_limit);
}

/** zone_dma_bits: powerpc's paging_init sets 31 on ppc64, whose ZONE_DMA is the low 2 GiB. */
const zone_dma_bits = 31;

/** The lowest mask dma-direct can serve: the DMA zone's (CONFIG_ZONE_DMA is set on ppc64), or all of RAM when RAM is smaller. */
export function dma_direct_supported(dev: device, mask: number): boolean {
  let min_mask = DMA_BIT_MASK(zone_dma_bits);
  const max_pfn = memblock_end_of_DRAM() / PAGE_SIZE();
  min_mask = Math.min(min_mask, (max_pfn - 1) * PAGE_SIZE());
  return mask >= __phys_to_dma(dev, min_mask);
}

function dma_coherent_ok(dev: device, phys: number, size: size_t): boolean {
  return phys_to_dma(dev, phys) + size - 1 <= min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit);
}

function __dma_direct_alloc_pages(dev: device, size: size_t, gfp: number): number {
  const page = alloc_pages_node(dev_to_node(dev), gfp, get_order(size));
  if (page && !dma_coherent_ok(dev, page_to_phys(page), size)) {
    dma_free_contiguous(dev, page, size);
    return 0;
  }
  return page;
}

/** dma_direct_alloc_pages (5.5): the pages, shared with the hypervisor in a secure guest, zeroed. */
export function dma_direct_alloc(dev: device, size: size_t, dma_handle: ptr<dma_addr_t>, gfp: number, _attrs: number): number {
  const page = __dma_direct_alloc_pages(dev, PAGE_ALIGN(size), gfp & ~__GFP_ZERO);
  if (!page) return 0;
  const ret = page_address(page);
  if (force_dma_unencrypted(dev)) {
    set_memory_decrypted(ret, 1 << get_order(size));
    dma_handle.value = __phys_to_dma(dev, page_to_phys(page));
  } else {
    dma_handle.value = phys_to_dma(dev, page_to_phys(page));
  }
  memset(ret, 0, size);
  return ret;
}

export function dma_direct_free(dev: device, size: size_t, cpu_addr: number, dma_addr: dma_addr_t, _attrs: number): void {
  const page_order = get_order(size);
  if (force_dma_unencrypted(dev)) set_memory_encrypted(cpu_addr, 1 << page_order);
  const phys = dma_to_phys(dev, dma_addr);
  dma_free_contiguous(dev, phys - (phys % PAGE_SIZE()), PAGE_ALIGN(size));
}

export function dma_direct_sync_single_for_device(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  const paddr = dma_to_phys(dev, addr);
  if (is_swiotlb_buffer(paddr)) swiotlb_sync_single_for_device(dev, paddr, size, dir);
}

export function dma_direct_sync_sg_for_device(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  for (let i = 0; i < nents; i++) dma_direct_sync_single_for_device(dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
}

export function dma_direct_sync_single_for_cpu(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  const paddr = dma_to_phys(dev, addr);
  if (is_swiotlb_buffer(paddr)) swiotlb_sync_single_for_cpu(dev, paddr, size, dir);
}

export function dma_direct_sync_sg_for_cpu(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  for (let i = 0; i < nents; i++) dma_direct_sync_single_for_cpu(dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
}

export function dma_direct_unmap_page(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction, attrs: number): void {
  const phys = dma_to_phys(dev, addr);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) dma_direct_sync_single_for_cpu(dev, addr, size, dir);
  if (is_swiotlb_buffer(phys)) swiotlb_tbl_unmap_single(dev, phys, size, dir, attrs);
}

export function dma_direct_unmap_sg(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void {
  for (let i = 0; i < nents; i++) dma_direct_unmap_page(dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
}

/** 5.5: a forced swiotlb makes every address "impossible", so every map bounces. */
function dma_direct_possible(dev: device, dma_addr: dma_addr_t, size: size_t): boolean {
  return swiotlb_globals().swiotlb_force !== SWIOTLB_FORCE && dma_capable(dev, dma_addr, size);
}

/** 5.5's swiotlb_map: bounce, then the device must reach the bounce at its bus address. */
function swiotlb_map(dev: device, phys: ptr<number>, dma_addr: ptr<dma_addr_t>, size: size_t, dir: dma_data_direction, attrs: number): boolean {
  if (swiotlb_globals().swiotlb_force === SWIOTLB_NO_FORCE) {
    machine().recorder.warn('swiotlb_map', `Cannot do DMA to address ${hex(phys.value)}`, false);
    return false;
  }
  phys.value = swiotlb_tbl_map_single(dev, phys.value, size, size, dir, attrs);
  if (phys.value === DMA_MAPPING_ERROR) return false;
  dma_addr.value = __phys_to_dma(dev, phys.value);
  if (!dma_capable(dev, dma_addr.value, size)) {
    swiotlb_tbl_unmap_single(dev, phys.value, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
    return false;
  }
  return true;
}

/** A map dma-direct cannot serve: an error line (dev_err_once) when the mask is at least 32 bits or a bus limit is set, and a WARN_ON_ONCE. */
function report_addr(dev: device, dma_addr: dma_addr_t, size: size_t): void {
  const r = machine().recorder;
  if ((dev.dma_mask >= DMA_BIT_MASK(32) || dev.bus_dma_limit !== 0) && !r.warnedOnce.has('report_addr:dev_err')) {
    r.warnedOnce.add('report_addr:dev_err');
    r.warn('report_addr', `${dev.name}: overflow ${hex(dma_addr)}+${size} of DMA mask ${hex(dev.dma_mask)} bus limit ${hex(dev.bus_dma_limit)}`, false);
  }
  WARN_ONCE(true, 'report_addr', 'WARN_ON_ONCE(1)');
}

export function dma_direct_map_page(dev: device, page: number, offset: number, size: size_t, dir: dma_data_direction, attrs: number): dma_addr_t {
  const phys = { value: page_to_phys(page) + offset };
  const dma_addr = { value: phys_to_dma(dev, phys.value) };
  if (!dma_direct_possible(dev, dma_addr.value, size) && !swiotlb_map(dev, phys, dma_addr, size, dir, attrs)) {
    report_addr(dev, dma_addr.value, size);
    return DMA_MAPPING_ERROR;
  }
  return dma_addr.value;
}

export function dma_direct_map_sg(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number {
  let i: number;
  for (i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    sg.dma_address = dma_direct_map_page(dev, sg.page, sg.offset, sg.length, dir, attrs);
    if (sg.dma_address === DMA_MAPPING_ERROR) break;
    sg.dma_length = sg.length;
  }
  if (i === nents) return nents;
  dma_direct_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  return 0;
}

/** Not a kernel table: mapping.c calls these directly when a device's dma_ops are NULL; the harness dispatches through it. */
export const dma_direct_ops: dma_map_ops = {
  alloc: dma_direct_alloc,
  free: dma_direct_free,
  map_page: dma_direct_map_page,
  unmap_page: dma_direct_unmap_page,
  map_sg: dma_direct_map_sg,
  unmap_sg: dma_direct_unmap_sg,
  sync_single_for_cpu: dma_direct_sync_single_for_cpu,
  sync_single_for_device: dma_direct_sync_single_for_device,
  sync_sg_for_cpu: dma_direct_sync_sg_for_cpu,
  sync_sg_for_device: dma_direct_sync_sg_for_device,
  dma_supported: (dev, mask) => (dma_direct_supported(dev, mask) ? 1 : 0),
};

