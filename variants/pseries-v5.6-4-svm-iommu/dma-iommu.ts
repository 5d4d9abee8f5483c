// arch/powerpc/kernel/dma-iommu.c as of v5.5 (with efd176a04bef, which made
// unmap and sync reach dma-direct in bypass): dma_iommu_ops, which send a
// device in bypass to dma-direct and every other device to the TCE table.
// Whether a device is in bypass is decided in dma_supported, which both
// dma_set_mask and dma_set_coherent_mask call: the last call decides.

import {
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type dma_map_ops,
  dev_is_pci,
  dev_to_node,
  dma_get_mask,
  hex,
  machine,
  type ptr,
  type scatterlist,
  type size_t,
} from '../../harness/kernel.js';
import {
  dma_direct_alloc,
  dma_direct_free,
  dma_direct_map_page,
  dma_direct_map_sg,
  dma_direct_supported,
  dma_direct_sync_sg_for_cpu,
  dma_direct_sync_sg_for_device,
  dma_direct_sync_single_for_cpu,
  dma_direct_sync_single_for_device,
  dma_direct_unmap_page,
  dma_direct_unmap_sg,
} from '../v5.5-pseries/direct.js';
import { iommu_alloc_coherent, iommu_free_coherent, iommu_map_page, iommu_unmap_page, ppc_iommu_map_sg, ppc_iommu_unmap_sg, type iommu_table } from '../v5.5-pseries/powerpc-iommu.js';
import { pci_controller_ops_of } from './pseries-iommu.js';

const DMA_ATTR_WEAK_ORDERING = 1 << 1;

/** Cell's iommu_fixed=weak; never set on pseries. */
const iommu_fixed_is_weak = false;

/** asm/iommu.h: the table the platform found for the device. */
export function set_iommu_table_base(dev: device, tbl: iommu_table): void {
  dev.archdata.iommu_table_base = tbl;
}

function get_iommu_table_base(dev: device): iommu_table | null {
  return dev.archdata.iommu_table_base as iommu_table | null;
}

function dma_iommu_alloc_bypass(dev: device): boolean {
  return dev.archdata.iommu_bypass && !iommu_fixed_is_weak && dma_direct_supported(dev, dev.coherent_dma_mask);
}

function dma_iommu_map_bypass(dev: device, attrs: number): boolean {
  return dev.archdata.iommu_bypass && (!iommu_fixed_is_weak || (attrs & DMA_ATTR_WEAK_ORDERING) !== 0);
}

function dma_iommu_alloc_coherent(dev: device, size: size_t, dma_handle: ptr<dma_addr_t>, flag: number, attrs: number): number {
  if (dma_iommu_alloc_bypass(dev)) return dma_direct_alloc(dev, size, dma_handle, flag, attrs);
  return iommu_alloc_coherent(dev, get_iommu_table_base(dev), size, dma_handle, dev.coherent_dma_mask, flag, dev_to_node(dev));
}

function dma_iommu_free_coherent(dev: device, size: size_t, vaddr: number, dma_handle: dma_addr_t, attrs: number): void {
  if (dma_iommu_alloc_bypass(dev)) dma_direct_free(dev, size, vaddr, dma_handle, attrs);
  else iommu_free_coherent(get_iommu_table_base(dev), size, vaddr, dma_handle);
}

function dma_iommu_map_page(dev: device, page: number, offset: number, size: size_t, direction: dma_data_direction, attrs: number): dma_addr_t {
  if (dma_iommu_map_bypass(dev, attrs)) return dma_direct_map_page(dev, page, offset, size, direction, attrs);
  return iommu_map_page(dev, get_iommu_table_base(dev)!, page, offset, size, dma_get_mask(dev), direction, attrs);
}

function dma_iommu_unmap_page(dev: device, dma_handle: dma_addr_t, size: size_t, direction: dma_data_direction, attrs: number): void {
  if (!dma_iommu_map_bypass(dev, attrs)) iommu_unmap_page(get_iommu_table_base(dev)!, dma_handle, size, direction, attrs);
  else dma_direct_unmap_page(dev, dma_handle, size, direction, attrs);
}

function dma_iommu_map_sg(dev: device, sglist: scatterlist[], nelems: number, direction: dma_data_direction, attrs: number): number {
  if (dma_iommu_map_bypass(dev, attrs)) return dma_direct_map_sg(dev, sglist, nelems, direction, attrs);
  return ppc_iommu_map_sg(dev, get_iommu_table_base(dev)!, sglist, nelems, dma_get_mask(dev), direction, attrs);
}

function dma_iommu_unmap_sg(dev: device, sglist: scatterlist[], nelems: number, direction: dma_data_direction, attrs: number): void {
  if (!dma_iommu_map_bypass(dev, attrs)) ppc_iommu_unmap_sg(get_iommu_table_base(dev)!, sglist, nelems, direction, attrs);
  else dma_direct_unmap_sg(dev, sglist, nelems, direction, attrs);
}

function dma_iommu_bypass_supported(dev: device, mask: number): boolean {
  const ops = pci_controller_ops_of(dev);
  return ops.iommu_bypass_supported !== null && ops.iommu_bypass_supported(dev, mask);
}

/** Every call decides the bypass afresh: dma_set_mask and dma_set_coherent_mask both come here. */
function dma_iommu_dma_supported(dev: device, mask: number): number {
  const tbl = get_iommu_table_base(dev);
  if (dev_is_pci(dev) && dma_iommu_bypass_supported(dev, mask)) {
    dev.archdata.iommu_bypass = true;
    return 1;
  }
  if (tbl === null) {
    machine().recorder.warn('dma_iommu_dma_supported', `${dev.name}: Warning: IOMMU dma not supported: mask ${hex(mask)}, table unavailable`, false);
    return 0;
  }
  if (tbl.it_offset > Math.floor(mask / 2 ** tbl.it_page_shift)) {
    machine().recorder.warn('dma_iommu_dma_supported', `${dev.name}: Warning: IOMMU offset too big for device mask`, false);
    return 0;
  }
  dev.archdata.iommu_bypass = false;
  return 1;
}

function dma_iommu_sync_for_cpu(dev: device, addr: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  if (dma_iommu_alloc_bypass(dev)) dma_direct_sync_single_for_cpu(dev, addr, size, dir);
}

function dma_iommu_sync_for_device(dev: device, addr: dma_addr_t, sz: size_t, dir: dma_data_direction): void {
  if (dma_iommu_alloc_bypass(dev)) dma_direct_sync_single_for_device(dev, addr, sz, dir);
}

function dma_iommu_sync_sg_for_cpu(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  if (dma_iommu_alloc_bypass(dev)) dma_direct_sync_sg_for_cpu(dev, sgl, nents, dir);
}

function dma_iommu_sync_sg_for_device(dev: device, sgl: scatterlist[], nents: number, dir: dma_data_direction): void {
  if (dma_iommu_alloc_bypass(dev)) dma_direct_sync_sg_for_device(dev, sgl, nents, dir);
}

export const dma_iommu_ops: dma_map_ops = {
  alloc: dma_iommu_alloc_coherent,
  free: dma_iommu_free_coherent,
  map_sg: dma_iommu_map_sg,
  unmap_sg: dma_iommu_unmap_sg,
  dma_supported: dma_iommu_dma_supported,
  map_page: dma_iommu_map_page,
  unmap_page: dma_iommu_unmap_page,
  sync_single_for_cpu: dma_iommu_sync_for_cpu,
  sync_single_for_device: dma_iommu_sync_for_device,
  sync_sg_for_cpu: dma_iommu_sync_sg_for_cpu,
  sync_sg_for_device: dma_iommu_sync_sg_for_device,
};
