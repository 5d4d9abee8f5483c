// arch/powerpc/kernel/iommu.c as of v5.5: the TCE table's allocator (a
// bitmap over the window, in pools) and the map, unmap and coherent paths of
// dma_iommu_ops when a device is not in bypass. A table's TCEs are written
// by the platform's it_ops (pseries-iommu.ts), which the table carries.
// Simplified: one CPU, so the pool hash always picks pool 0; no
// fault-injection point (should_fail_iommu).

import {
  alloc_pages_node,
  DMA_ATTR_NO_WARN,
  DMA_BIDIRECTIONAL,
  DMA_MAPPING_ERROR,
  dma_get_max_seg_size,
  __free_pages,
  get_order,
  hex,
  machine,
  memset,
  PAGE_ALIGN,
  page_address,
  PAGE_SHIFT,
  PAGE_SIZE,
  page_to_phys,
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type ptr,
  type scatterlist,
  type size_t,
} from '../../harness/kernel.js';

/** struct iommu_table_ops: how the platform writes and clears TCEs. */
export interface iommu_table_ops {
  set(tbl: iommu_table, index: number, npages: number, uaddr: number, direction: dma_data_direction, attrs: number): number;
  clear(tbl: iommu_table, index: number, npages: number): void;
}

interface iommu_pool {
  start: number;
  end: number;
  hint: number;
}

/** struct iommu_table: one DMA window of a PE. */
export interface iommu_table {
  /** The window's LIOBN. */
  it_index: number;
  /** First TCE number of the window, and its size, in TCEs. */
  it_offset: number;
  it_size: number;
  it_page_shift: number;
  it_blocksize: number;
  /** One entry per TCE: taken or free. */
  it_map: Uint8Array;
  nr_pools: number;
  pools: iommu_pool[];
  large_pool: iommu_pool;
  it_ops: iommu_table_ops;
}

const IOMMU_POOL_HASHBITS = 2;
const IOMMU_NR_POOLS = 1 << IOMMU_POOL_HASHBITS;
/** Allocations up to a page order below this; larger coherent allocations are refused. */
const IOMAP_MAX_ORDER = 13;
const DMA_ERROR_CODE = -1;

function IOMMU_PAGE_SIZE(tbl: iommu_table): number {
  return 2 ** tbl.it_page_shift;
}

function iommu_num_pages(addr: number, len: number, io_page_size: number): number {
  const size = (addr % io_page_size) + len;
  return Math.ceil(size / io_page_size);
}

/** lib/iommu-helper.c: first fit of `npages` free entries from `start` below the last entry of the limit, the index aligned as asked, not crossing a boundary of `boundary` entries. */
function iommu_area_alloc(map: Uint8Array, limit: number, start: number, npages: number, shift: number, boundary: number, align_mask: number): number {
  // The last entry of the limit is never handed out.
  const size = limit - 1;
  for (let n = start; n + npages <= size; n++) {
    if ((n & align_mask) !== 0) continue;
    if (boundary > 0 && Math.floor((n + shift) / boundary) !== Math.floor((n + shift + npages - 1) / boundary)) continue;
    let free = true;
    for (let i = 0; i < npages; i++) {
      if (map[n + i] !== 0) {
        free = false;
        n += i;
        break;
      }
    }
    if (!free) continue;
    map.fill(1, n, n + npages);
    return n;
  }
  return -1;
}

function iommu_range_alloc(dev: device, tbl: iommu_table, npages: number, handle: ptr<number> | null, mask: number, align_order: number): number {
  const largealloc = npages > 15;
  const align_mask = (1 << align_order) - 1;
  let pass = 0;

  if (npages === 0) {
    machine().recorder.warn('iommu_range_alloc', 'WARN_ON_ONCE(npages == 0)');
    return DMA_ERROR_CODE;
  }

  // One CPU: its pool hash picks pool 0.
  let pool_nr = 0;
  let pool = largealloc ? tbl.large_pool : tbl.pools[pool_nr]!;
  const boundary = Math.floor((dev.dma_parms.segment_boundary_mask + 1) / IOMMU_PAGE_SIZE(tbl));

  for (;;) {
    let start = pass === 0 && handle !== null && handle.value >= pool.start && handle.value < pool.end ? handle.value : pool.hint;
    let limit = pool.end;
    if (start >= limit) start = pool.start;
    if (limit + tbl.it_offset > mask) {
      limit = mask - tbl.it_offset + 1;
      if (start % (mask + 1) >= limit || pass > 0) {
        pool = tbl.pools[0]!;
        start = pool.start;
      } else {
        start = start % (mask + 1);
      }
    }
    const n = iommu_area_alloc(tbl.it_map, limit, start, npages, tbl.it_offset, boundary, align_mask);
    if (n === -1) {
      if (pass === 0) {
        pool.hint = pool.start;
        pass++;
        continue;
      }
      if (pass <= tbl.nr_pools) {
        // Then each other pool in turn, and the first one again.
        pool_nr = (pool_nr + 1) & (tbl.nr_pools - 1);
        pool = tbl.pools[pool_nr]!;
        pool.hint = pool.start;
        pass++;
        continue;
      }
      return DMA_ERROR_CODE;
    }
    const end = n + npages;
    pool.hint = largealloc ? end : Math.ceil(end / tbl.it_blocksize) * tbl.it_blocksize;
    if (handle !== null) handle.value = end;
    return n;
  }
}

function iommu_alloc(dev: device, tbl: iommu_table, page: number, npages: number, direction: dma_data_direction, mask: number, align_order: number, attrs: number): dma_addr_t {
  let entry = iommu_range_alloc(dev, tbl, npages, null, mask, align_order);
  if (entry === DMA_ERROR_CODE) return DMA_MAPPING_ERROR;
  entry += tbl.it_offset;
  const ret = entry * IOMMU_PAGE_SIZE(tbl);
  const build_fail = tbl.it_ops.set(tbl, entry, npages, page - (page % IOMMU_PAGE_SIZE(tbl)), direction, attrs);
  if (build_fail !== 0) {
    __iommu_free(tbl, ret, npages);
    return DMA_MAPPING_ERROR;
  }
  return ret;
}

function iommu_free_check(tbl: iommu_table, dma_addr: dma_addr_t, npages: number): boolean {
  const free_entry = Math.floor(dma_addr / IOMMU_PAGE_SIZE(tbl)) - tbl.it_offset;
  if (free_entry < 0 || free_entry + npages > tbl.it_size) {
    machine().recorder.warn('iommu_free_check', `invalid entry ${hex(free_entry)} npages ${npages} (dma_addr ${hex(dma_addr)})`);
    return false;
  }
  return true;
}

function __iommu_free(tbl: iommu_table, dma_addr: dma_addr_t, npages: number): void {
  const entry = Math.floor(dma_addr / IOMMU_PAGE_SIZE(tbl));
  const free_entry = entry - tbl.it_offset;
  if (!iommu_free_check(tbl, dma_addr, npages)) return;
  tbl.it_ops.clear(tbl, entry, npages);
  tbl.it_map.fill(0, free_entry, free_entry + npages);
}

function iommu_free(tbl: iommu_table, dma_addr: dma_addr_t, npages: number): void {
  __iommu_free(tbl, dma_addr, npages);
}

/**
 * Map each segment on its own TCEs, the next allocation starting where the
 * last ended (the handle), and fold a segment into the open output segment
 * when its bus address follows on and the device's segment limit allows
 * (virtual merging, on unless novmerge). The number of output segments, or
 * 0 with everything undone.
 */
export function ppc_iommu_map_sg(dev: device, tbl: iommu_table, sglist: scatterlist[], nelems: number, mask: number, direction: dma_data_direction, attrs: number): number {
  if (nelems === 0) return 0;
  let dma_next = 0;
  let outs = 0;
  let segstart = 0;
  let outcount = 1;
  const handle = { value: 0 };
  sglist[0]!.dma_length = 0;
  const max_seg_size = dma_get_max_seg_size(dev);
  for (let i = 0; i < nelems; i++) {
    const s = sglist[i]!;
    const slen = s.length;
    if (slen === 0) {
      dma_next = 0;
      continue;
    }
    const vaddr = page_address(s.page) + s.offset;
    const npages = iommu_num_pages(vaddr, slen, IOMMU_PAGE_SIZE(tbl));
    let align = 0;
    if (tbl.it_page_shift < PAGE_SHIFT() && slen >= PAGE_SIZE() && vaddr % PAGE_SIZE() === 0) align = PAGE_SHIFT() - tbl.it_page_shift;
    let entry = iommu_range_alloc(dev, tbl, npages, handle, Math.floor(mask / IOMMU_PAGE_SIZE(tbl)), align);
    if (entry === DMA_ERROR_CODE) {
      if (!(attrs & DMA_ATTR_NO_WARN)) machine().recorder.warn('ppc_iommu_map_sg', `iommu_alloc failed, tbl ${hex(tbl.it_index)} vaddr ${hex(vaddr)} npages ${npages}`, false);
      return map_sg_failure(tbl, sglist, nelems, outs);
    }
    entry += tbl.it_offset;
    const dma_addr = entry * IOMMU_PAGE_SIZE(tbl) + (s.offset % IOMMU_PAGE_SIZE(tbl));
    if (tbl.it_ops.set(tbl, entry, npages, vaddr - (vaddr % IOMMU_PAGE_SIZE(tbl)), direction, attrs) !== 0) return map_sg_failure(tbl, sglist, nelems, outs);
    if (segstart !== i) {
      const out = sglist[outs]!;
      if (novmerge || dma_addr !== dma_next || out.dma_length + slen > max_seg_size) {
        segstart = i;
        outcount++;
        outs++;
      } else {
        out.dma_length += slen;
      }
    }
    if (segstart === i) {
      sglist[outs]!.dma_address = dma_addr;
      sglist[outs]!.dma_length = slen;
    }
    dma_next = dma_addr + slen;
  }
  // Mark the end of the output for ppc_iommu_unmap_sg.
  if (outcount < nelems) {
    const end = sglist[outs + 1]!;
    end.dma_address = DMA_MAPPING_ERROR;
    end.dma_length = 0;
  }
  return outcount;
}

/** iommu=novsmerge on the command line; merging is on by default. */
const novmerge = false;

/** Undo a failed map_sg: free each output segment built, up to the open one. */
function map_sg_failure(tbl: iommu_table, sglist: scatterlist[], nelems: number, outs: number): number {
  for (let i = 0; i < nelems; i++) {
    const s = sglist[i]!;
    if (s.dma_length !== 0) {
      const npages = iommu_num_pages(s.dma_address, s.dma_length, IOMMU_PAGE_SIZE(tbl));
      __iommu_free(tbl, s.dma_address - (s.dma_address % IOMMU_PAGE_SIZE(tbl)), npages);
      s.dma_address = DMA_MAPPING_ERROR;
      s.dma_length = 0;
    }
    if (i === outs) break;
  }
  return 0;
}

export function ppc_iommu_unmap_sg(tbl: iommu_table, sglist: scatterlist[], nelems: number, _direction: dma_data_direction, _attrs: number): void {
  for (let i = 0; i < nelems; i++) {
    const s = sglist[i]!;
    if (s.dma_length === 0) break;
    iommu_free(tbl, s.dma_address, iommu_num_pages(s.dma_address, s.dma_length, IOMMU_PAGE_SIZE(tbl)));
  }
}

/** A window of `it_size` TCEs: its bitmap, entry 0 kept back when the window starts at 0, and its pools. */
export function iommu_init_table(tbl: iommu_table, _nid: number, res_start: number, res_end: number): iommu_table {
  tbl.it_map = new Uint8Array(tbl.it_size);
  if (tbl.it_offset === 0) tbl.it_map[0] = 1;
  if (res_start < res_end) tbl.it_map.fill(1, Math.max(0, res_start - tbl.it_offset), Math.min(tbl.it_size, res_end - tbl.it_offset));
  tbl.nr_pools = tbl.it_size * IOMMU_PAGE_SIZE(tbl) >= 2 ** 30 ? IOMMU_NR_POOLS : 1;
  const poolsize = Math.floor((tbl.it_size * 3) / 4 / tbl.nr_pools);
  tbl.pools = [];
  for (let i = 0; i < tbl.nr_pools; i++) tbl.pools.push({ start: i * poolsize, end: (i + 1) * poolsize, hint: i * poolsize });
  tbl.large_pool = { start: tbl.nr_pools * poolsize, end: tbl.it_size, hint: tbl.nr_pools * poolsize };
  iommu_table_clear(tbl);
  return tbl;
}

/** Clear every TCE of the window in case firmware left some set (not a kdump kernel, so always). */
function iommu_table_clear(tbl: iommu_table): void {
  tbl.it_ops.clear(tbl, tbl.it_offset, tbl.it_size);
}

export function iommu_map_page(dev: device, tbl: iommu_table, page: number, offset: number, size: size_t, mask: number, direction: dma_data_direction, attrs: number): dma_addr_t {
  const vaddr = page_address(page) + offset;
  const uaddr = vaddr;
  const npages = iommu_num_pages(uaddr, size, IOMMU_PAGE_SIZE(tbl));
  let align = 0;
  if (tbl.it_page_shift < PAGE_SHIFT() && size >= PAGE_SIZE() && vaddr % PAGE_SIZE() === 0) align = PAGE_SHIFT() - tbl.it_page_shift;

  let dma_handle = iommu_alloc(dev, tbl, vaddr, npages, direction, Math.floor(mask / IOMMU_PAGE_SIZE(tbl)), align, attrs);
  if (dma_handle === DMA_MAPPING_ERROR) {
    if (!(attrs & DMA_ATTR_NO_WARN)) machine().recorder.warn('iommu_map_page', `iommu_alloc failed, tbl ${hex(tbl.it_index)} vaddr ${hex(vaddr)} npages ${npages}`, false);
  } else {
    dma_handle += uaddr % IOMMU_PAGE_SIZE(tbl);
  }
  return dma_handle;
}

export function iommu_unmap_page(tbl: iommu_table, dma_handle: dma_addr_t, size: size_t, _direction: dma_data_direction, _attrs: number): void {
  iommu_free(tbl, dma_handle, iommu_num_pages(dma_handle, size, IOMMU_PAGE_SIZE(tbl)));
}

/** Pages from the allocator, zeroed, TCE-mapped naturally aligned: nothing here shares them with the hypervisor. */
export function iommu_alloc_coherent(dev: device, tbl: iommu_table | null, size: size_t, dma_handle: ptr<dma_addr_t>, mask: number, flag: number, node: number): number {
  size = PAGE_ALIGN(size);
  const order = get_order(size);
  if (order >= IOMAP_MAX_ORDER) {
    machine().recorder.warn('iommu_alloc_coherent', `iommu_alloc_consistent size too large: ${hex(size)}`, false);
    return 0;
  }
  if (tbl === null) return 0;
  const page = alloc_pages_node(node, flag, order);
  if (!page) return 0;
  const ret = page_address(page);
  memset(ret, 0, size);
  const nio_pages = size / IOMMU_PAGE_SIZE(tbl);
  const io_order = get_order(size) + PAGE_SHIFT() - tbl.it_page_shift;
  const mapping = iommu_alloc(dev, tbl, ret, nio_pages, DMA_BIDIRECTIONAL, Math.floor(mask / IOMMU_PAGE_SIZE(tbl)), io_order, 0);
  if (mapping === DMA_MAPPING_ERROR) {
    __free_pages(page, order);
    return 0;
  }
  dma_handle.value = mapping;
  return ret;
}

export function iommu_free_coherent(tbl: iommu_table | null, size: size_t, vaddr: number, dma_handle: dma_addr_t): void {
  if (tbl === null) return;
  size = PAGE_ALIGN(size);
  const nio_pages = size / IOMMU_PAGE_SIZE(tbl);
  iommu_free(tbl, dma_handle, nio_pages);
  __free_pages(page_to_phys(vaddr), get_order(size));
}
