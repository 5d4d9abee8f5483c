// drivers/iommu/io-bounce-buffers.c and io-bounce-buffers.h as they stand
// after "[PATCH v2 8/9] dma-mapping: add persistent streaming mapping flag"
// (David Stevens, 6 August 2021): the layer that uses the buffer manager's
// buffers as bounce buffers, maps them in the IOMMU and copies between them
// and the driver's buffers. Function by function in the C file's order;
// written for the model, the C is the reference, not the text.
//
// What it bounces (use_bounce_buffer): an untrusted device's mapping that
// does not start and end on the IOVA granule, always (a required bounce:
// without a buffer the map fails); and, with CONFIG_IOMMU_BOUNCE_BUFFERS,
// any mapping of at most always_bounce_limit bytes (an optional bounce:
// without a buffer it takes the normal path). DMA_ATTR_PERSISTENT_STREAMING
// skips both, with a warning for the first. The copy in is done at map,
// before the IOMMU mapping of a new buffer; the copy out at unmap, in the
// manager's release callback.
//
// Left out, having no effect on the model's machines: highmem (kmap_local
// maps nothing), NUMA nodes (one).

import {
  arch_sync_dma_for_cpu,
  arch_sync_dma_for_device,
  BUG,
  dev_is_untrusted,
  dev_to_node,
  type device,
  type dma_addr_t,
  DMA_ATTR_PERSISTENT_STREAMING,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  type dma_data_direction,
  DMA_FROM_DEVICE,
  dma_get_max_seg_size,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  IOMMU_CACHE,
  IS_ENABLED,
  machine,
  memcpy,
  memset,
  module_param,
  PAGE_SIZE,
  page_to_phys,
  phys_to_virt,
  type scatterlist,
  emptySgTable,
  GFP_ATOMIC,
  sg_alloc_table_from_pages,
  sg_dma_address,
  sg_free_table,
  type size_t,
  WARN_ONCE,
} from '../../harness/kernel.js';
import { iommu_map_sg_atomic, iommu_unmap } from '../v5.14/iommu.js';
import { iova_offset, type IovaDomain as iova_domain } from '../v5.14/iova.js';
import type { iommu_domain } from './dma-iommu.js';
import {
  io_buffer_manager_alloc_buffer,
  io_buffer_manager_destroy,
  io_buffer_manager_find_buffer,
  io_buffer_manager_init,
  io_buffer_manager_reinit_check,
  io_buffer_manager_release_buffer,
  type io_bounce_buffer_info,
  type io_buffer_manager,
} from './io-buffer-manager.js';

/** module_param(buffer_pool_size, uint, 0): slots per pool; 1024 reserve slightly under 1 GiB of IOVA. */
function buffer_pool_size(): number {
  return module_param('io_bounce_buffers.buffer_pool_size', 1024);
}

/**
 * module_param(always_bounce_limit, uint, 0644) with CONFIG_IOMMU_BOUNCE_BUFFERS
 * (PAGE_SIZE unless given); a constant 0 without it.
 */
function always_bounce_limit(): number {
  return IS_ENABLED('CONFIG_IOMMU_BOUNCE_BUFFERS') ? module_param('io_bounce_buffers.always_bounce_limit', PAGE_SIZE()) : 0;
}

/** struct io_bounce_buffers: the manager is embedded in it, as `manager.container` finds it again. */
export interface io_bounce_buffers {
  domain: iommu_domain;
  iovad: iova_domain;
  nid: number;
  untrusted: boolean;
  manager: io_buffer_manager;
}

/** The manager's way to unmap a buffer: the whole of it, with the IOTLB sync; true when all of it went. */
export function io_bounce_buffers_release_buffer_cb(manager: io_buffer_manager, iova: dma_addr_t, size: size_t): boolean {
  const buffers = manager.container;
  return iommu_unmap(buffers.domain, iova, size) >= size;
}

/** The domain's bounce buffers, for the device that sets the domain up (its trust is the domain's); an errno on failure (ERR_PTR). */
export function io_bounce_buffers_init(dev: device, domain: iommu_domain, iovad: iova_domain): io_bounce_buffers | number {
  // kzalloc at boot: the model never fails it.
  const buffers = { domain, iovad, nid: 0, untrusted: false } as io_bounce_buffers;
  buffers.manager = { container: buffers } as io_buffer_manager;

  const ret = io_buffer_manager_init(buffers.manager, dev, iovad, buffer_pool_size());
  if (ret) return ret;

  buffers.domain = domain;
  buffers.iovad = iovad;
  buffers.nid = dev_to_node(dev);
  buffers.untrusted = dev_is_untrusted(dev);

  return buffers;
}

/** A second device in the domain: the buffers' IOVA must be in its range. */
export function io_bounce_buffer_reinit_check(buffers: io_bounce_buffers, dev: device, base: dma_addr_t, limit: dma_addr_t): boolean {
  if (!io_buffer_manager_reinit_check(buffers.manager, dev, buffers.iovad, base, limit)) {
    machine().recorder.warn('io_bounce_buffer_reinit_check', `io-buffer-buffers out of range of ${dev.name}`, false);
    return false;
  }

  if (buffers.nid !== dev_to_node(dev)) machine().recorder.warn('io_bounce_buffer_reinit_check', `node mismatch: buffers=${buffers.nid} dev=${dev_to_node(dev)}`, false);
  return true;
}

/** iommu_put_dma_cookie's teardown (no case frees a domain). */
export function io_bounce_buffers_destroy(buffers: io_bounce_buffers): void {
  io_buffer_manager_destroy(buffers.manager, buffers.domain);
}

/** Whether a sync in this direction copies: to the device before it reads, back to the CPU after it writes. */
function should_sync_buffer(dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  return dir === DMA_BIDIRECTIONAL || (dir === DMA_FROM_DEVICE && sync_for_cpu) || (dir === DMA_TO_DEVICE && !sync_for_cpu);
}

/**
 * Copy between the bounce pages (from `bounce_offset`) and the original
 * page (from `orig_offset`), one bounce page at a time, with cache
 * maintenance on the bounce pages of a non-coherent mapping only.
 */
function io_bounce_buffers_do_sync(
  _buffers: io_bounce_buffers,
  bounce_buffer: readonly number[],
  bounce_offset: size_t,
  orig: number | scatterlist[] | null,
  orig_offset: size_t,
  size: size_t,
  dir: dma_data_direction,
  prot: number,
  sync_for_cpu: boolean,
): void {
  const needs_bounce_sync = should_sync_buffer(dir, sync_for_cpu);
  const dma_is_coherent = (prot & IOMMU_CACHE) !== 0;

  if (dma_is_coherent && !needs_bounce_sync) return;

  // PageHighMem(orig) reads the struct page.
  if (typeof orig !== 'number') BUG(`io_bounce_buffers_do_sync: orig_buffer is ${orig === null ? 'NULL' : 'a scatterlist, not a page'}`);
  const orig_lowmem_ptr = phys_to_virt(page_to_phys(orig));

  while (size) {
    const bounce_page = bounce_buffer[Math.floor(bounce_offset / PAGE_SIZE())]!;
    const bounce_page_offset = bounce_offset % PAGE_SIZE();

    let copy_len = size;
    if (copy_len + bounce_page_offset > PAGE_SIZE()) copy_len = PAGE_SIZE() - bounce_page_offset;

    if (!dma_is_coherent && sync_for_cpu) arch_sync_dma_for_cpu(page_to_phys(bounce_page) + bounce_page_offset, copy_len, dir);

    if (needs_bounce_sync) {
      const bounce_ptr = phys_to_virt(page_to_phys(bounce_page)) + bounce_page_offset;

      if (sync_for_cpu) memcpy(orig_lowmem_ptr + orig_offset, bounce_ptr, copy_len);
      else memcpy(bounce_ptr, orig_lowmem_ptr + orig_offset, copy_len);
    }

    if (!dma_is_coherent && !sync_for_cpu) arch_sync_dma_for_device(page_to_phys(bounce_page) + bounce_page_offset, copy_len, dir);

    bounce_offset += copy_len;
    orig_offset += copy_len;
    size -= copy_len;
  }
}

/** sync_single once the buffer is found: the same offset in the buffer and in the original page. */
function __io_bounce_buffers_sync_single(
  buffers: io_bounce_buffers,
  dma_handle: dma_addr_t,
  size: size_t,
  info: io_bounce_buffer_info,
  orig_buffer: number | scatterlist[] | null,
  prot: number,
  dir: dma_data_direction,
  sync_for_cpu: boolean,
): void {
  const offset = dma_handle - info.iova;

  io_bounce_buffers_do_sync(buffers, info.bounce_buffer, offset, orig_buffer, offset, size, dir, prot, sync_for_cpu);
}

/** sync_single for a handle the buffers hold (single-use buffers only for an untrusted domain); false otherwise. */
export function io_bounce_buffers_sync_single(buffers: io_bounce_buffers, dma_handle: dma_addr_t, size: size_t, dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  const found = io_buffer_manager_find_buffer(buffers.manager, dma_handle, buffers.untrusted);
  if (found === null) return false;

  __io_bounce_buffers_sync_single(buffers, dma_handle, size, found.info, found.orig_buffer, found.prot, dir, sync_for_cpu);
  return true;
}

/** The list's entries, one after the other, packed from the buffer's start. */
function __io_bounce_buffers_sync_sg(
  buffers: io_bounce_buffers,
  sgl: scatterlist[],
  nents: number,
  bounce_buffer: readonly number[],
  dir: dma_data_direction,
  prot: number,
  sync_for_cpu: boolean,
): void {
  let bounce_offset = 0;

  for (let i = 0; i < nents; i++) {
    const iter = sgl[i]!;
    io_bounce_buffers_do_sync(buffers, bounce_buffer, bounce_offset, iter.page, iter.offset, iter.length, dir, prot, sync_for_cpu);
    bounce_offset += iter.length;
  }
}

/** sync_sg for a list the buffers hold, found by its first DMA address and checked to be this very list. */
export function io_bounce_buffers_sync_sg(buffers: io_bounce_buffers, sgl: scatterlist[], nents: number, dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  const found = io_buffer_manager_find_buffer(buffers.manager, sg_dma_address(sgl[0]!), buffers.untrusted);
  if (found === null) return false;

  // A list once bounced and later mapped the normal way keeps its first DMA
  // address pointing here: only the list the buffer holds is synced.
  if (found.orig_buffer !== sgl) return false;

  __io_bounce_buffers_sync_sg(buffers, sgl, nents, found.info.bounce_buffer, dir, found.prot, sync_for_cpu);

  return true;
}

/** What the unmaps hand the manager's release callback. */
interface unmap_sync_args {
  buffers: io_bounce_buffers;
  attrs: number;
  dir: dma_data_direction;
  handle: dma_addr_t;
  size: size_t;
  nents: number;
}

/** The copy back at unmap_page, unless SKIP_CPU_SYNC, with the buffer the manager found. */
function io_bounce_buffers_unmap_page_sync(info: io_bounce_buffer_info, prot: number, orig_buffer: number | scatterlist[] | null, ctx: unmap_sync_args): void {
  const args = ctx;

  if (args.attrs & DMA_ATTR_SKIP_CPU_SYNC) return;

  __io_bounce_buffers_sync_single(args.buffers, args.handle, args.size, info, orig_buffer, prot, args.dir, true);
}

/** unmap_page: copy back, then the buffer goes back to its pool's cache (a single-use one is unmapped and freed). */
export function io_bounce_buffers_unmap_page(buffers: io_bounce_buffers, handle: dma_addr_t, size: size_t, dir: dma_data_direction, attrs: number): boolean {
  const args: unmap_sync_args = { buffers, attrs, dir, handle, size, nents: 0 };

  return io_buffer_manager_release_buffer(buffers.manager, buffers.domain, handle, true, buffers.untrusted, io_bounce_buffers_unmap_page_sync, args);
}

/** The copy back at unmap_sg, unless SKIP_CPU_SYNC. */
function io_bounce_buffers_unmap_sg_sync(info: io_bounce_buffer_info, prot: number, orig_buffer: number | scatterlist[] | null, ctx: unmap_sync_args): void {
  const args = ctx;

  if (args.attrs & DMA_ATTR_SKIP_CPU_SYNC) return;

  __io_bounce_buffers_sync_sg(args.buffers, orig_buffer as scatterlist[], args.nents, info.bounce_buffer, args.dir, prot, true);
}

export function io_bounce_buffers_unmap_sg(buffers: io_bounce_buffers, sgl: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): boolean {
  const args: unmap_sync_args = { buffers, attrs, dir, handle: 0, size: 0, nents };

  return io_buffer_manager_release_buffer(buffers.manager, buffers.domain, sg_dma_address(sgl[0]!), true, buffers.untrusted, io_bounce_buffers_unmap_sg_sync, args);
}

/**
 * Zero a new buffer outside [pad_hd_end, pad_tl_start) (all of it when
 * both are 0): partial pages with memset_page, whole pages with
 * clear_highpage, each followed by a call to arch_sync_dma_for_device
 * whose size and direction arguments the C passes swapped (size 0, the
 * length as the direction).
 */
function io_bounce_buffers_clear_padding(info: io_bounce_buffer_info, pad_hd_end: size_t, pad_tl_start: size_t): void {
  const count = info.size / PAGE_SIZE();
  const pad_hd_idx = Math.floor(pad_hd_end / PAGE_SIZE());
  let pad_tl_idx = Math.floor(pad_tl_start / PAGE_SIZE());

  if (pad_hd_end % PAGE_SIZE() !== 0) {
    const page = info.bounce_buffer[pad_hd_idx]!;
    const len = pad_hd_end % PAGE_SIZE();

    memset(phys_to_virt(page_to_phys(page)), 0, len);
    arch_sync_dma_for_device(page_to_phys(page), 0, len as dma_data_direction);
  }

  if (pad_tl_start % PAGE_SIZE() !== 0) {
    const off = pad_tl_start % PAGE_SIZE();
    const len = PAGE_SIZE() - off;
    const page = info.bounce_buffer[pad_tl_idx]!;

    memset(phys_to_virt(page_to_phys(page)) + off, 0, len);
    arch_sync_dma_for_device(page_to_phys(page) + off, 0, len as dma_data_direction);

    pad_tl_idx++;
  }

  let idx = pad_hd_idx ? 0 : pad_tl_idx;
  while (idx < count) {
    const page = info.bounce_buffer[idx++]!;

    memset(phys_to_virt(page_to_phys(page)), 0, PAGE_SIZE());
    arch_sync_dma_for_device(page_to_phys(page), 0, PAGE_SIZE() as dma_data_direction);
    if (idx === pad_hd_idx) idx = pad_tl_idx;
  }
}

/**
 * Map a new buffer at its IOVA with `prot`, whole. For an untrusted domain
 * the bytes the sync did not write are zeroed first (all of them when the
 * sync was skipped); a buffer taken from a pool's cache is never mapped
 * again, and never zeroed.
 */
function io_bounce_buffers_map_buffer(buffers: io_bounce_buffers, info: io_bounce_buffer_info, prot: number, skiped_sync: boolean, offset: size_t, orig_size: size_t): boolean {
  const count = info.size / PAGE_SIZE();

  if (buffers.untrusted && (offset || offset + orig_size < info.size || skiped_sync)) {
    // Nothing of earlier users may reach an untrusted device: clear what
    // the sync did not overwrite.
    let pad_hd_end: size_t;
    let pad_tl_start: size_t;

    if (skiped_sync) {
      pad_hd_end = pad_tl_start = 0;
    } else {
      pad_hd_end = offset;
      pad_tl_start = offset + orig_size;
    }
    io_bounce_buffers_clear_padding(info, pad_hd_end, pad_tl_start);
  }

  const sgt = emptySgTable();
  if (sg_alloc_table_from_pages(sgt, info.bounce_buffer, count, 0, info.size, GFP_ATOMIC)) return false;

  const mapped = iommu_map_sg_atomic(buffers.domain, info.iova, sgt.sgl, sgt.orig_nents, prot);

  sg_free_table(sgt);
  return mapped >= info.size;
}

/** Whether to bounce: never a persistent mapping, always a small one with the option built in, else when required. */
function use_bounce_buffer(dev: device, attrs: number, force_bounce: boolean, size: size_t): boolean {
  if (attrs & DMA_ATTR_PERSISTENT_STREAMING) {
    WARN_ONCE(force_bounce, 'use_bounce_buffer', `Skipping bounce buffer for untrusted mapping ${dev.name}`);
    return false;
  }

  if (IS_ENABLED('CONFIG_IOMMU_BOUNCE_BUFFERS') && size <= always_bounce_limit()) return true;

  return force_bounce;
}

/**
 * map_page through a bounce buffer. True when it is handled here, with the
 * handle (DMA_MAPPING_ERROR for a required bounce that failed); false for
 * the normal path. An untrusted device's map is required to bounce when its
 * page offset or size is not granule-aligned.
 */
export function io_bounce_buffers_map_page(
  buffers: io_bounce_buffers,
  dev: device,
  page: number,
  offset: number,
  size: size_t,
  prot: number,
  dir: dma_data_direction,
  attrs: number,
  handle: { value: dma_addr_t },
): boolean {
  const skip_cpu_sync = (attrs & DMA_ATTR_SKIP_CPU_SYNC) !== 0;
  const force_bounce = buffers.untrusted && iova_offset(buffers.iovad, offset | size) !== 0;

  if (!use_bounce_buffer(dev, attrs, force_bounce, size)) return false;

  handle.value = DMA_MAPPING_ERROR;
  const got = io_buffer_manager_alloc_buffer(buffers.manager, dev, page, offset + size, prot, force_bounce, buffers.nid);
  if (got === null) return force_bounce;
  const { info, new_buffer } = got;

  if (!skip_cpu_sync) io_bounce_buffers_do_sync(buffers, info.bounce_buffer, offset, page, offset, size, dir, prot, false);

  if (new_buffer && !io_bounce_buffers_map_buffer(buffers, info, prot, skip_cpu_sync, offset, size)) {
    io_buffer_manager_release_buffer(buffers.manager, buffers.domain, info.iova, false, force_bounce, null, null);
    return force_bounce;
  }

  handle.value = info.iova + offset;
  return true;
}

/**
 * map_sg through one bounce buffer for the whole list, its entries packed
 * from the buffer's start, handed out as DMA segments of at most
 * max_seg_size with a terminating entry when the list is longer. An
 * untrusted device's list is required to bounce when any entry's offset or
 * length is not granule-aligned. Segments beyond the list run off its end:
 * a NULL dereference in C.
 */
export function io_bounce_buffers_map_sg(
  buffers: io_bounce_buffers,
  dev: device,
  sgl: scatterlist[],
  nents: number,
  prot: number,
  dir: dma_data_direction,
  attrs: number,
  out_nents: { value: number },
): boolean {
  let size = 0;
  const skip_cpu_sync = (attrs & DMA_ATTR_SKIP_CPU_SYNC) !== 0;
  let force_bounce = false;

  for (let k = 0; k < nents; k++) {
    const iter = sgl[k]!;
    size += iter.length;
    if (buffers.untrusted) force_bounce ||= iova_offset(buffers.iovad, iter.offset | iter.length) !== 0;
  }

  if (!use_bounce_buffer(dev, attrs, force_bounce, size)) return false;

  out_nents.value = 0;
  const got = io_buffer_manager_alloc_buffer(buffers.manager, dev, sgl, size, prot, force_bounce, buffers.nid);
  if (got === null) return force_bounce;
  const { info, new_buffer } = got;

  if (!skip_cpu_sync) __io_bounce_buffers_sync_sg(buffers, sgl, nents, info.bounce_buffer, dir, prot, false);

  if (new_buffer && !io_bounce_buffers_map_buffer(buffers, info, prot, skip_cpu_sync, 0, size)) {
    io_buffer_manager_release_buffer(buffers.manager, buffers.domain, info.iova, false, force_bounce, null, null);
    return force_bounce;
  }

  let i = 0;
  let seg_iova = info.iova;
  while (size > 0) {
    const seg_size = Math.min(size, dma_get_max_seg_size(dev));
    const s = sgl[i];
    if (s === undefined) BUG(`io_bounce_buffers_map_sg: NULL pointer dereference: ${size} bytes left after the last of ${nents} entries`);

    s.dma_length = seg_size;
    s.dma_address = seg_iova;

    size -= seg_size;
    seg_iova += seg_size;
    i++;
  }

  if (i < nents) {
    sgl[i]!.dma_address = DMA_MAPPING_ERROR;
    sgl[i]!.dma_length = 0;
  }

  out_nents.value = i;
  return true;
}
