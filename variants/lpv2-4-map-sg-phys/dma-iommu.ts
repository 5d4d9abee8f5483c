// drivers/iommu/dma-iommu.c: the streaming-DMA paths, function by function
// and in the file's order, for the code state described in variant.json next
// to this file (kernel-model §3, §7). Written for the model; the C is the
// reference, not the text.

import {
  __ffs,
  __fls,
  __free_page,
  __GFP_COMP,
  __GFP_HIGHMEM,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_ZERO,
  ALIGN,
  alloc_pages_node,
  and,
  arch_dma_prep_coherent,
  arch_sync_dma_for_cpu,
  arch_sync_dma_for_device,
  BIT,
  dev_is_dma_coherent,
  dev_to_node,
  dma_alloc_contiguous,
  dma_alloc_from_pool,
  dma_common_contiguous_remap,
  dma_common_find_pages,
  dma_common_free_remap,
  dma_common_pages_remap,
  dma_free_contiguous,
  dma_free_from_pool,
  dma_pgprot,
  dev_is_pci,
  dev_is_untrusted,
  type device,
  type dma_addr_t,
  DMA_ATTR_ALLOC_SINGLE_PAGES,
  DMA_ATTR_FORCE_CONTIGUOUS,
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_BIT_MASK,
  type dma_data_direction,
  DMA_FROM_DEVICE,
  dma_get_mask,
  dma_get_max_seg_size,
  dma_get_seg_boundary,
  type dma_map_ops,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  emptySgTable,
  get_order,
  GFP_KERNEL,
  gfpflags_allow_blocking,
  IOMMU_CACHE,
  iommu_dma_forcedac,
  iommu_get_dma_domain,
  iommu_get_domain_for_dev,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  type IommuDomain,
  is_vmalloc_addr,
  IS_ENABLED,
  machine,
  MAX_ORDER,
  memset,
  nth_page,
  or,
  PAGE_ALIGN,
  page_address,
  PAGE_KERNEL,
  PAGE_SHIFT,
  PAGE_SIZE,
  page_to_phys,
  PageHighMem,
  type pgprot_t,
  type phys_addr_t,
  phys_to_page,
  phys_to_virt,
  type ptr,
  roundup_pow_of_two,
  type scatterlist,
  sg_alloc_table,
  sg_alloc_table_from_pages,
  sg_dma_address,
  sg_dma_len,
  sg_free_table,
  sg_page,
  sg_phys,
  sg_set_page,
  type sg_table,
  type size_t,
  split_page,
  ulong_pad,
  virt_to_page,
  vmalloc_to_page,
  WARN_ON,
} from '../../harness/kernel.js';
import {
  IOMMU_DOMAIN_DMA,
  iommu_iotlb_gather_init,
  iommu_iotlb_sync,
  iommu_iova_to_phys,
  iommu_map_atomic,
  iommu_map_sg_atomic,
  iommu_unmap_fast,
} from '../lpv2-7-lp-domains/iommu.js';
import {
  alloc_iova_fast,
  free_iova_fast,
  init_iova_domain,
  iova_align,
  iova_offset,
  iova_pfn,
  IOVA_RANGE_CACHE_MAX_SIZE,
  iova_shift,
  IovaDomain as iova_domain,
} from '../lpv2-6-attach-check/iova.js';
import {
  is_swiotlb_buffer,
  swiotlb_sync_single_for_cpu,
  swiotlb_sync_single_for_device,
  swiotlb_tbl_map_single,
  swiotlb_tbl_unmap_single,
} from '../v5.15-rc3/swiotlb.js';

// errno values the functions below return (negated).
const EINVAL = 22;
const EEXIST = 17;
const EFAULT = 14;
const ENXIO = 6;

/** Which kind of cookie a domain carries; MSI cookies are not modelled. */
const IOMMU_DMA_IOVA_COOKIE = 0;

/** struct iommu_dma_cookie, for a DMA domain: its IOVA allocator, and a flush queue (never: the model is strict). */
interface iommu_dma_cookie {
  type: number;
  iovad: iova_domain;
  fq_domain: iommu_domain | null;
}

type iommu_domain = IommuDomain<iommu_dma_cookie>;

/** The cookie an IOMMU driver's domain_alloc asks for, for a DMA domain (cookie_alloc: zeroed). */
export function iommu_get_dma_cookie(domain: iommu_domain): number {
  if (domain.iova_cookie) return -EEXIST;

  domain.iova_cookie = { type: IOMMU_DMA_IOVA_COOKIE, iovad: new iova_domain(), fq_domain: null };
  return 0;
}

/**
 * Set up a DMA domain's allocator for the range the device can use. The
 * model reserves no regions (no PCI windows, no firmware reservations) and
 * has no flush queue: every domain is strict.
 */
function iommu_dma_init_domain(domain: iommu_domain, base: dma_addr_t, limit: dma_addr_t, _dev: device): number {
  const cookie = domain.iova_cookie;
  const iovad = cookie?.iovad;

  if (!cookie || cookie.type !== IOMMU_DMA_IOVA_COOKIE) return -EINVAL;

  // The smallest page size the domain supports is the IOVA granule.
  const order = __ffs(domain.pgsize_bitmap);
  let base_pfn = Math.max(1, Math.floor(base / BIT(order)));

  if (domain.geometry.force_aperture) {
    if (base > domain.geometry.aperture_end || limit < domain.geometry.aperture_start) {
      machine().recorder.warn('iommu_dma_init_domain', 'specified DMA range outside IOMMU capability', false);
      return -EFAULT;
    }
    base_pfn = Math.max(base_pfn, Math.floor(domain.geometry.aperture_start / BIT(order)));
  }

  // A domain shared with a device set up before: it must agree.
  if (iovad!.start_pfn) {
    if (BIT(order) !== iovad!.granule || base_pfn !== iovad!.start_pfn) {
      machine().recorder.warn('iommu_dma_init_domain', 'Incompatible range for DMA domain', false);
      return -EFAULT;
    }
    return 0;
  }

  init_iova_domain(iovad!, BIT(order), base_pfn);
  return 0;
}

/** IOMMU permissions for a direction; coherent devices also get IOMMU_CACHE. */
function dma_info_to_prot(dir: dma_data_direction, coherent: boolean, attrs: number): number {
  let prot = coherent ? IOMMU_CACHE : 0;

  if (attrs & DMA_ATTR_PRIVILEGED) prot |= IOMMU_PRIV;

  switch (dir) {
    case DMA_BIDIRECTIONAL:
      return prot | IOMMU_READ | IOMMU_WRITE;
    case DMA_TO_DEVICE:
      return prot | IOMMU_READ;
    case DMA_FROM_DEVICE:
      return prot | IOMMU_WRITE;
    default:
      return 0;
  }
}

function iommu_dma_alloc_iova(domain: iommu_domain, size: size_t, dma_limit: number, dev: device): dma_addr_t {
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  let iova = 0;

  const shift = iova_shift(iovad);
  let iova_len = size / BIT(shift);
  // Sizes the rcache can hold are rounded up to a power of two, so that a
  // range freed with its unrounded size still lands in the same bin.
  if (iova_len < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) iova_len = roundup_pow_of_two(iova_len);

  if (dev.bus_dma_limit !== 0) dma_limit = Math.min(dma_limit, dev.bus_dma_limit);

  if (domain.geometry.force_aperture) dma_limit = Math.min(dma_limit, domain.geometry.aperture_end);

  // PCI devices get a 32-bit (SAC) address first if one is free.
  if (dma_limit > DMA_BIT_MASK(32) && !iommu_dma_forcedac() && dev_is_pci(dev))
    iova = alloc_iova_fast(iovad, iova_len, Math.floor(DMA_BIT_MASK(32) / BIT(shift)), false);

  if (!iova) iova = alloc_iova_fast(iovad, iova_len, Math.floor(dma_limit / BIT(shift)), true);

  return iova * BIT(shift);
}

function iommu_dma_free_iova(cookie: iommu_dma_cookie, iova: dma_addr_t, size: size_t): void {
  const iovad = cookie.iovad;

  // Strict mode only: the flush-queue (lazy) branch is not modelled.
  free_iova_fast(iovad, iova_pfn(iovad, iova), size / BIT(iova_shift(iovad)));
}

function __iommu_dma_unmap(dev: device, dma_addr: dma_addr_t, size: size_t): void {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const iova_off = iova_offset(iovad, dma_addr);
  const iotlb_gather = iommu_iotlb_gather_init();

  // Both the unmapped length and the freed size come from the caller's
  // handle and size; nothing was recorded at map time.
  dma_addr -= iova_off;
  size = iova_align(iovad, size + iova_off);

  const unmapped = iommu_unmap_fast(domain, dma_addr, size, iotlb_gather);
  WARN_ON(unmapped !== size, 'unmapped != size');

  if (!cookie.fq_domain) iommu_iotlb_sync(domain, iotlb_gather);
  iommu_dma_free_iova(cookie, dma_addr, size);
}

function __iommu_dma_unmap_swiotlb(
  dev: device,
  dma_addr: dma_addr_t,
  size: size_t,
  dir: dma_data_direction,
  attrs: number,
): void {
  const domain: iommu_domain = iommu_get_dma_domain(dev);

  const phys = iommu_iova_to_phys(domain, dma_addr);
  if (WARN_ON(!phys, '!phys')) return;

  __iommu_dma_unmap(dev, dma_addr, size);

  if (is_swiotlb_buffer(dev, phys)) swiotlb_tbl_unmap_single(dev, phys, size, dir, attrs);
}

function __iommu_dma_map(dev: device, phys: phys_addr_t, size: size_t, prot: number, dma_mask: number): dma_addr_t {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const iova_off = iova_offset(iovad, phys);
  // Every granule the buffer touches is mapped, whole.
  const size_aligned = iova_align(iovad, size + iova_off);

  // An untrusted device gets whole granules or nothing: the bounce (or the
  // caller) should have made sure of that, and a map that would expose
  // anything else is refused.
  if (IS_ENABLED('CONFIG_SWIOTLB') && dev_is_untrusted(dev)) {
    if (WARN_ON(iova_off !== 0, 'iova_off')) return DMA_MAPPING_ERROR;
    if (WARN_ON(size_aligned !== size, 'size_aligned != size')) return DMA_MAPPING_ERROR;
  }

  size = size_aligned;

  const iova = iommu_dma_alloc_iova(domain, size, dma_mask, dev);
  if (!iova) return DMA_MAPPING_ERROR;

  if (iommu_map_atomic(domain, iova, phys - iova_off, size, prot)) {
    iommu_dma_free_iova(cookie, iova, size);
    return DMA_MAPPING_ERROR;
  }
  return iova + iova_off;
}

function __iommu_dma_map_swiotlb(
  dev: device,
  phys: phys_addr_t,
  org_size: size_t,
  dma_mask: number,
  coherent: boolean,
  dir: dma_data_direction,
  attrs: number,
): dma_addr_t {
  const prot = dma_info_to_prot(dir, coherent, attrs);
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  let aligned_size = org_size;

  // An untrusted device must not share a granule with anyone else's data:
  // a buffer that does not start and end on granule boundaries is bounced.
  if (IS_ENABLED('CONFIG_SWIOTLB') && dev_is_untrusted(dev) && iova_offset(iovad, or(phys, org_size))) {
    aligned_size = iova_align(iovad, org_size);
    phys = swiotlb_tbl_map_single(dev, phys, org_size, aligned_size, dir, attrs);

    if (phys === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;

    // Zero what the device can see beyond the data: only the tail when the
    // data was copied in, all of it otherwise.
    let padding_start = phys_to_virt(phys);
    let padding_size = aligned_size;

    if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
      padding_start += org_size;
      padding_size -= org_size;
    }

    memset(padding_start, 0, padding_size);
  }

  const iova = __iommu_dma_map(dev, phys, aligned_size, prot, dma_mask);
  if (iova === DMA_MAPPING_ERROR && is_swiotlb_buffer(dev, phys)) swiotlb_tbl_unmap_single(dev, phys, org_size, dir, attrs);
  return iova;
}

function __iommu_dma_free_pages(pages: number[], count: number): void {
  while (count--) __free_page(pages[count]!);
}

/**
 * Pages for a non-contiguous buffer, in blocks of the orders `order_mask`
 * allows (bit k: 2^k pages), largest first; a block is split into single
 * pages. An order that fails, or that is larger than what is left, is
 * dropped for the rest of the allocation.
 */
function __iommu_dma_alloc_pages(dev: device, count: number, order_mask: number, gfp: number): number[] | null {
  let i = 0;
  const nid = dev_to_node(dev);

  order_mask &= (2 << MAX_ORDER()) - 1;
  if (!order_mask) return null;

  const pages = new Array<number>(count).fill(0);

  // An IOMMU maps any page, highmem too; huge pages are not wanted.
  gfp |= __GFP_NOWARN | __GFP_HIGHMEM;
  gfp &= ~__GFP_COMP;

  while (count) {
    let page = 0;
    let order_size = 0;

    // Larger blocks are a convenience: only the smallest order left may try hard.
    for (order_mask &= (2 << __fls(count)) - 1; order_mask; order_mask &= ~order_size) {
      const order = __fls(order_mask);
      let alloc_flags = gfp;

      order_size = 1 << order;
      if (order_mask > order_size) alloc_flags |= __GFP_NORETRY;
      page = alloc_pages_node(nid, alloc_flags, order);
      if (!page) continue;
      if (order) split_page(page, order);
      break;
    }
    if (!page) {
      __iommu_dma_free_pages(pages, i);
      return null;
    }
    count -= order_size;
    while (order_size--) {
      pages[i++] = page;
      page = nth_page(page, 1);
    }
  }
  return pages;
}

/**
 * The pages of a non-contiguous buffer, one IOVA range for all of them, and
 * the sg table that maps them there. With a granule smaller than a CPU page
 * the IOMMU may not map all of the last page.
 */
function __iommu_dma_alloc_noncontiguous(dev: device, size: size_t, sgt: sg_table, gfp: number, _prot: pgprot_t, attrs: number): number[] | null {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const coherent = dev_is_dma_coherent(dev);
  const ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
  let alloc_sizes = domain.pgsize_bitmap;

  // Deferred attach (kdump kernels) is not modelled.
  let min_size = alloc_sizes & -alloc_sizes;
  if (min_size < PAGE_SIZE()) {
    min_size = PAGE_SIZE();
    alloc_sizes |= PAGE_SIZE();
  } else {
    size = ALIGN(size, min_size);
  }
  if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES) alloc_sizes = min_size;

  const count = PAGE_ALIGN(size) >> PAGE_SHIFT();
  const pages = __iommu_dma_alloc_pages(dev, count, alloc_sizes >> PAGE_SHIFT(), gfp);
  if (!pages) return null;

  size = iova_align(iovad, size);
  const iova = iommu_dma_alloc_iova(domain, size, dev.coherent_dma_mask, dev);
  if (!iova) {
    // out_free_pages
    __iommu_dma_free_pages(pages, count);
    return null;
  }

  if (sg_alloc_table_from_pages(sgt, pages, count, 0, size, GFP_KERNEL)) {
    // out_free_iova, out_free_pages
    iommu_dma_free_iova(cookie, iova, size);
    __iommu_dma_free_pages(pages, count);
    return null;
  }

  if (!(ioprot & IOMMU_CACHE)) {
    for (let i = 0; i < sgt.orig_nents; i++) arch_dma_prep_coherent(sg_page(sgt.sgl[i]!), sgt.sgl[i]!.length);
  }

  if (iommu_map_sg_atomic(domain, iova, sgt.sgl, sgt.orig_nents, ioprot) < size) {
    // out_free_sg, out_free_iova, out_free_pages
    sg_free_table(sgt);
    iommu_dma_free_iova(cookie, iova, size);
    __iommu_dma_free_pages(pages, count);
    return null;
  }

  sgt.sgl[0]!.dma_address = iova;
  sgt.sgl[0]!.dma_length = size;
  return pages;
}

/** The non-contiguous path of a coherent allocation: its pages mapped for the device, and contiguously for the CPU (vmap). */
function iommu_dma_alloc_remap(dev: device, size: size_t, dma_handle: ptr<dma_addr_t>, gfp: number, prot: pgprot_t, attrs: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const sgt = emptySgTable();

  // An untrusted device must not see the CPU pages that share its granules: allocate whole granules.
  if (dev_is_untrusted(dev)) size = iova_align(iovad, size);

  const pages = __iommu_dma_alloc_noncontiguous(dev, size, sgt, gfp, prot, attrs);
  if (!pages) return 0;
  dma_handle.value = sgt.sgl[0]!.dma_address;
  sg_free_table(sgt);
  const vaddr = dma_common_pages_remap(pages, size, prot, 'iommu_dma_alloc_remap');
  if (!vaddr) {
    // out_unmap
    __iommu_dma_unmap(dev, dma_handle.value, size);
    __iommu_dma_free_pages(pages, PAGE_ALIGN(size) >> PAGE_SHIFT());
    return 0;
  }
  return vaddr;
}

function iommu_dma_sync_single_for_cpu(dev: device, dma_handle: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  if (dev_is_dma_coherent(dev) && !dev_is_untrusted(dev)) return;

  const phys = iommu_iova_to_phys(iommu_get_dma_domain(dev), dma_handle);
  if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(phys, size, dir);

  if (is_swiotlb_buffer(dev, phys)) swiotlb_sync_single_for_cpu(dev, phys, size, dir);
}

function iommu_dma_sync_single_for_device(dev: device, dma_handle: dma_addr_t, size: size_t, dir: dma_data_direction): void {
  if (dev_is_dma_coherent(dev) && !dev_is_untrusted(dev)) return;

  const phys = iommu_iova_to_phys(iommu_get_dma_domain(dev), dma_handle);
  if (is_swiotlb_buffer(dev, phys)) swiotlb_sync_single_for_device(dev, phys, size, dir);

  if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_device(phys, size, dir);
}

function iommu_dma_sync_sg_for_cpu(dev: device, sgl: scatterlist[], nelems: number, dir: dma_data_direction): void {
  if (dev_is_dma_coherent(dev) && !dev_is_untrusted(dev)) return;

  // sg_phys() is the original buffer, never the bounce: see kernel-model §3.10.
  for (let i = 0; i < nelems; i++) {
    const sg = sgl[i]!;
    if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(sg_phys(sg), sg.length, dir);

    if (is_swiotlb_buffer(dev, sg_phys(sg))) swiotlb_sync_single_for_cpu(dev, sg_phys(sg), sg.length, dir);
  }
}

function iommu_dma_sync_sg_for_device(dev: device, sgl: scatterlist[], nelems: number, dir: dma_data_direction): void {
  if (dev_is_dma_coherent(dev) && !dev_is_untrusted(dev)) return;

  for (let i = 0; i < nelems; i++) {
    const sg = sgl[i]!;
    if (is_swiotlb_buffer(dev, sg_phys(sg))) swiotlb_sync_single_for_device(dev, sg_phys(sg), sg.length, dir);

    if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_device(sg_phys(sg), sg.length, dir);
  }
}

function iommu_dma_map_page(
  dev: device,
  page: number,
  offset: number,
  size: size_t,
  dir: dma_data_direction,
  attrs: number,
): dma_addr_t {
  const phys = page_to_phys(page) + offset;
  const coherent = dev_is_dma_coherent(dev);

  const dma_handle = __iommu_dma_map_swiotlb(dev, phys, size, dma_get_mask(dev), coherent, dir, attrs);
  // Cache maintenance on the original buffer, after the IOMMU mapping exists.
  if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dma_handle !== DMA_MAPPING_ERROR)
    arch_sync_dma_for_device(phys, size, dir);
  return dma_handle;
}

function iommu_dma_unmap_page(dev: device, dma_handle: dma_addr_t, size: size_t, dir: dma_data_direction, attrs: number): void {
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_single_for_cpu(dev, dma_handle, size, dir);
  __iommu_dma_unmap_swiotlb(dev, dma_handle, size, dir, attrs);
}

/**
 * Turn a mapped, granule-padded list back into the caller's entries and fill
 * in the DMA segments, merging entries that continue on a granule boundary.
 */
function __finalise_sg(dev: device, sg: scatterlist[], nents: number, dma_addr: dma_addr_t): number {
  let cur = 0;
  const seg_mask = dma_get_seg_boundary(dev);
  let cur_len = 0;
  const max_len = dma_get_max_seg_size(dev);
  let count = 0;

  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    // Restore the entry's own offset and length from the stash.
    const s_iova_off = sg_dma_address(s);
    const s_length = sg_dma_len(s);
    const s_iova_len = s.length;

    // Back to the page the entry starts in: with a granule larger than a
    // page, the offset in the granule may be more than a page.
    sg_set_page(s, phys_to_page(sg_phys(s) + s_iova_off), s_length, s_iova_off & (PAGE_SIZE() - 1));
    s.dma_address = DMA_MAPPING_ERROR;
    s.dma_length = 0;

    // Merge into the current output segment only if this entry starts on
    // a granule, is not at a segment boundary, and the result stays short
    // enough. The lengths are unsigned int: once an entry is longer than
    // max_len, max_len - cur_len wraps and the next entries merge anyway.
    if (cur_len && !s_iova_off && and(dma_addr, seg_mask) && (max_len - cur_len) >>> 0 >= s_length) {
      cur_len = (cur_len + s_length) >>> 0;
    } else {
      if (i > 0) cur++;
      cur_len = s_length;
      count++;

      sg[cur]!.dma_address = dma_addr + s_iova_off;
    }

    sg[cur]!.dma_length = cur_len;
    dma_addr += s_iova_len;

    if (s_length + s_iova_off < s_iova_len) cur_len = 0;
  }
  return count;
}

/** Undo the in-place padding of a list whose mapping failed. */
function __invalidate_sg(sg: scatterlist[], nents: number): void {
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    if (sg_dma_len(s)) sg_set_page(s, phys_to_page(sg_phys(s) + sg_dma_address(s)), sg_dma_len(s), sg_dma_address(s) & (PAGE_SIZE() - 1));
    s.dma_address = DMA_MAPPING_ERROR;
    s.dma_length = 0;
  }
}

function iommu_dma_unmap_sg_swiotlb(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void {
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    __iommu_dma_unmap_swiotlb(dev, sg_dma_address(s), sg_dma_len(s), dir, attrs);
  }
}

function iommu_dma_map_sg_swiotlb(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number {
  let i: number;

  for (i = 0; i < nents; i++) {
    const s = sg[i]!;
    s.dma_address = __iommu_dma_map_swiotlb(dev, sg_phys(s), s.length, dma_get_mask(dev), dev_is_dma_coherent(dev), dir, attrs);
    if (sg_dma_address(s) === DMA_MAPPING_ERROR) break;
    s.dma_length = s.length;
  }
  if (i === nents) return nents;

  // out_unmap: undo the entries already mapped, without copying back.
  iommu_dma_unmap_sg_swiotlb(dev, sg, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  return 0;
}

function iommu_dma_map_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  let prev: scatterlist | null = null;
  const prot = dma_info_to_prot(dir, dev_is_dma_coherent(dev), attrs);
  let iova_len = 0;
  const mask = dma_get_seg_boundary(dev);

  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_sg_for_device(dev, sg, nents, dir);

  if (dev_is_untrusted(dev)) return iommu_dma_map_sg_swiotlb(dev, sg, nents, dir, attrs);

  // Pad every entry out to whole granules, in place but reversibly: the
  // entry's own offset and length are stashed in its DMA fields.
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    // The entry's offset in its granule, from its physical address: with a
    // granule larger than a page, its page need not start a granule.
    const s_phys = sg_phys(s);
    const s_iova_off = iova_offset(iovad, s_phys);
    let s_length = s.length;
    const pad_len = ulong_pad(mask, iova_len);

    s.dma_address = s_iova_off;
    s.dma_length = s_length;
    s_length = iova_align(iovad, s_length + s_iova_off);
    sg_set_page(s, phys_to_page(s_phys - s_iova_off), s_length, s.offset & ~s_iova_off);

    // Keep the next entry from straddling a segment boundary by growing the
    // previous one; the single IOVA allocation is aligned enough for this.
    if (pad_len && pad_len < s_length - 1) {
      prev!.length += pad_len;
      iova_len += pad_len;
    }

    iova_len += s_length;
    prev = s;
  }

  const iova = iommu_dma_alloc_iova(domain, iova_len, dma_get_mask(dev), dev);
  if (!iova) {
    __invalidate_sg(sg, nents);
    return 0;
  }

  // Physically contiguous entries are left to the IOMMU core to combine.
  if (iommu_map_sg_atomic(domain, iova, sg, nents, prot) < iova_len) {
    iommu_dma_free_iova(cookie, iova, iova_len);
    __invalidate_sg(sg, nents);
    return 0;
  }

  return __finalise_sg(dev, sg, nents, iova);
}

function iommu_dma_unmap_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void {
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_sg_for_cpu(dev, sg, nents, dir);

  if (dev_is_untrusted(dev)) {
    iommu_dma_unmap_sg_swiotlb(dev, sg, nents, dir, attrs);
    return;
  }

  // One contiguous IOVA allocation: from the first DMA segment to the end
  // of the last one that has a length.
  const start = sg_dma_address(sg[0]!);
  let last = 0;
  for (let i = 1; i < nents; i++) {
    if (sg_dma_len(sg[i]!) === 0) break;
    last = i;
  }
  const end = sg_dma_address(sg[last]!) + sg_dma_len(sg[last]!);
  __iommu_dma_unmap(dev, start, end - start);
}

/** Give back a coherent buffer's memory: its page array (the remap path) or its one block, and its kernel mapping. */
function __iommu_dma_free(dev: device, size: size_t, cpu_addr: number): void {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  let alloc_size = PAGE_ALIGN(size);
  let page = 0;
  let pages: number[] | null = null;

  if (dev_is_untrusted(dev)) alloc_size = iova_align(iovad, alloc_size);
  const count = alloc_size >> PAGE_SHIFT();

  // Nothing comes from the atomic pool in the model.
  if (IS_ENABLED('CONFIG_DMA_DIRECT_REMAP') && dma_free_from_pool(dev, cpu_addr, alloc_size)) return;

  if (IS_ENABLED('CONFIG_DMA_REMAP') && is_vmalloc_addr(cpu_addr)) {
    // Remapped: a non-coherent device's block, or iommu_dma_alloc_remap's pages.
    pages = dma_common_find_pages(cpu_addr);
    if (!pages) page = vmalloc_to_page(cpu_addr);
    dma_common_free_remap(cpu_addr, alloc_size);
  } else {
    page = virt_to_page(cpu_addr);
  }

  if (pages) __iommu_dma_free_pages(pages, count);
  if (page) dma_free_contiguous(dev, page, alloc_size);
}

/** The IOMMU mapping goes first, then the memory. */
function iommu_dma_free(dev: device, size: size_t, cpu_addr: number, handle: dma_addr_t, _attrs: number): void {
  __iommu_dma_unmap(dev, handle, size);
  __iommu_dma_free(dev, size, cpu_addr);
}

/** One physically contiguous block for a coherent buffer, remapped uncached for a non-coherent device, zeroed. */
function iommu_dma_alloc_pages(dev: device, size: size_t, pagep: ptr<number>, gfp: number, attrs: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const coherent = dev_is_dma_coherent(dev);
  let alloc_size = PAGE_ALIGN(size);
  const node = dev_to_node(dev);
  let cpu_addr: number;

  if (dev_is_untrusted(dev)) alloc_size = iova_align(iovad, alloc_size);

  let page = dma_alloc_contiguous(dev, alloc_size, gfp);
  if (!page) page = alloc_pages_node(node, gfp, get_order(alloc_size));
  if (!page) return 0;

  if (IS_ENABLED('CONFIG_DMA_REMAP') && (!coherent || PageHighMem(page))) {
    const prot = dma_pgprot(dev, PAGE_KERNEL, attrs);

    cpu_addr = dma_common_contiguous_remap(page, alloc_size, prot, 'iommu_dma_alloc_pages');
    if (!cpu_addr) {
      // out_free_pages
      dma_free_contiguous(dev, page, alloc_size);
      return 0;
    }

    // Only `size` of the linear alias is flushed, not the whole allocation.
    if (!coherent) arch_dma_prep_coherent(page, size);
  } else {
    cpu_addr = page_address(page);
  }

  pagep.value = page;
  memset(cpu_addr, 0, alloc_size);
  return cpu_addr;
}

/**
 * dma_alloc_coherent for a device behind a DMA domain: a blocking caller
 * that does not insist on contiguity gets pages in blocks, remapped for the
 * CPU; otherwise one block, mapped for the device by __iommu_dma_map (which
 * maps every granule the buffer touches).
 */
function iommu_dma_alloc(dev: device, size: size_t, handle: ptr<dma_addr_t>, gfp: number, attrs: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  const coherent = dev_is_dma_coherent(dev);
  const ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
  const page: ptr<number> = { value: 0 };
  let cpu_addr = 0;

  gfp |= __GFP_ZERO;

  if (IS_ENABLED('CONFIG_DMA_REMAP') && gfpflags_allow_blocking(gfp) && !(attrs & DMA_ATTR_FORCE_CONTIGUOUS)) {
    return iommu_dma_alloc_remap(dev, size, handle, gfp, dma_pgprot(dev, PAGE_KERNEL, attrs), attrs);
  }

  if (dev_is_untrusted(dev)) size = iova_align(iovad, size);

  if (IS_ENABLED('CONFIG_DMA_DIRECT_REMAP') && !gfpflags_allow_blocking(gfp) && !coherent) {
    const vaddr: ptr<number> = { value: 0 };
    page.value = dma_alloc_from_pool(dev, PAGE_ALIGN(size), vaddr, gfp, null);
    cpu_addr = vaddr.value;
  } else {
    cpu_addr = iommu_dma_alloc_pages(dev, size, page, gfp, attrs);
  }
  if (!cpu_addr) return 0;

  handle.value = __iommu_dma_map(dev, page_to_phys(page.value), size, ioprot, dev.coherent_dma_mask);
  if (handle.value === DMA_MAPPING_ERROR) {
    __iommu_dma_free(dev, size, cpu_addr);
    return 0;
  }

  return cpu_addr;
}

/**
 * The CPU pages behind a coherent buffer, as an sg table for another device
 * to map: the remap path's page array (physically adjacent pages in one
 * entry), or the one block. No DMA address is filled in; dma_addr is unused.
 */
function iommu_dma_get_sgtable(dev: device, sgt: sg_table, cpu_addr: number, _dma_addr: dma_addr_t, size: size_t, _attrs: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const cookie = domain.iova_cookie;
  const iovad = cookie.iovad;
  let page: number;

  // Not for IOMMU pages larger than CPU pages: how callers use the table is not known well enough.
  if (iovad.granule > PAGE_SIZE()) return -ENXIO;

  if (IS_ENABLED('CONFIG_DMA_REMAP') && is_vmalloc_addr(cpu_addr)) {
    const pages = dma_common_find_pages(cpu_addr);

    if (pages) return sg_alloc_table_from_pages(sgt, pages, PAGE_ALIGN(size) >> PAGE_SHIFT(), 0, size, GFP_KERNEL);

    page = vmalloc_to_page(cpu_addr);
  } else {
    page = virt_to_page(cpu_addr);
  }

  const ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
  if (!ret) sg_set_page(sgt.sgl[0]!, page, PAGE_ALIGN(size), 0);
  return ret;
}

export const iommu_dma_ops: dma_map_ops = {
  alloc: iommu_dma_alloc,
  free: iommu_dma_free,
  get_sgtable: iommu_dma_get_sgtable,
  map_page: iommu_dma_map_page,
  unmap_page: iommu_dma_unmap_page,
  map_sg: iommu_dma_map_sg,
  unmap_sg: iommu_dma_unmap_sg,
  sync_single_for_cpu: iommu_dma_sync_single_for_cpu,
  sync_single_for_device: iommu_dma_sync_single_for_device,
  sync_sg_for_cpu: iommu_dma_sync_sg_for_cpu,
  sync_sg_for_device: iommu_dma_sync_sg_for_device,
};

/** arch_setup_dma_ops calls this for a device behind an IOMMU: a DMA domain gets the ops above. */
export function iommu_setup_dma_ops(dev: device, dma_base: dma_addr_t, dma_limit: dma_addr_t): void {
  const domain: iommu_domain | null = iommu_get_domain_for_dev(dev);

  if (!domain) {
    machine().recorder.warn('iommu_setup_dma_ops', `Failed to set up IOMMU for device ${dev.name}; retaining platform DMA ops`, false);
    return;
  }
  // Only a DMA domain gets the ops: with an identity domain the device's DMA is dma-direct's.
  if (domain.type !== IOMMU_DOMAIN_DMA) return;

  if (iommu_dma_init_domain(domain, dma_base, dma_limit, dev)) {
    machine().recorder.warn('iommu_setup_dma_ops', `Failed to set up IOMMU for device ${dev.name}; retaining platform DMA ops`, false);
    return;
  }
  dev.dma_ops = iommu_dma_ops;
}
