// drivers/iommu/iommu.c: the IOMMU core's map and unmap, as dma-iommu calls
// them, for the code state described in variant.json next to this file
// (map_pages and unmap_pages since 647c57764b37 and 910c4406ccc9), with
// the inlines of include/linux/iommu.h for the IOTLB gather. The page table
// itself, and the driver operations that write it, are the machine's
// (harness/machine/iommu.ts). The model's domains support one page size, the
// granule, so iommu_pgsize() always answers with it.

import {
  __IOMMU_DOMAIN_DMA_API,
  __IOMMU_DOMAIN_PAGING,
  __IOMMU_DOMAIN_PT,
  dev_is_pci,
  hex,
  iommu_default_passthrough,
  machine,
  or,
  PAGE_SIZE,
  sg_phys,
  type bus_type,
  type device,
  type iommu_group,
  type IommuDomain,
  type IotlbGather,
  type scatterlist,
} from '../../harness/kernel.js';

const EINVAL = 22;
const ENOMEM = 12;
const ENODEV = 19;
const EBUSY = 16;
const EFAULT = 14;

// Before map and unmap, what boot and a driver that owns a domain call: a
// device's probe (its group's default domain and the attach), with the
// domain types of include/linux/iommu.h, built from the feature flags that
// the machine's drivers (harness/machine/iommu-driver.ts) go by.
export const IOMMU_DOMAIN_BLOCKED = 0;
export const IOMMU_DOMAIN_IDENTITY = __IOMMU_DOMAIN_PT;
export const IOMMU_DOMAIN_UNMANAGED = __IOMMU_DOMAIN_PAGING;
/** A domain that can handle IOMMU pages larger than the CPU's. */
export const __IOMMU_DOMAIN_LP = 1 << 4;
export const IOMMU_DOMAIN_DMA = __IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | __IOMMU_DOMAIN_LP;

/** The default domain type: identity with iommu.passthrough=1, a DMA domain otherwise (the model is strict, so no flush queue). */
function iommu_def_domain_type(): number {
  return iommu_default_passthrough() ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
}

/**
 * of_iommu_configure's probe of a device behind an IOMMU (__iommu_probe_device
 * and iommu_probe_device, reduced to the group, its default domain and the
 * attach): a device whose default domain cannot be attached leaves its group
 * (iommu_release_device), so the DMA layer finds no domain for it.
 */
export function iommu_probe_device(dev: device): number {
  const ops = dev.bus.iommu_ops;
  if (!ops) return -ENODEV;

  const group = ops.device_group(dev);
  dev.iommu_group = group;

  if (!group.default_domain) {
    const ret = iommu_alloc_default_domain(group, dev);
    if (ret) {
      dev.iommu_group = null;
      return ret;
    }
  }

  let ret = 0;
  if (group.default_domain) ret = __iommu_attach_device(group.default_domain, dev);
  if (ret) {
    // err_release: iommu_release_device() takes the device out of its group;
    // of_iommu_configure says so at debug level.
    dev.iommu_group = null;
    machine().recorder.warn('of_iommu_configure', `${dev.name}: Adding to IOMMU failed: ${ret}`, false);
    return ret;
  }
  return 0;
}

/** The domain type the device needs: DMA for an untrusted device, else what its driver asks for, or 0. */
function iommu_get_def_domain_type(dev: device): number {
  const ops = dev.bus.iommu_ops!;

  if (dev_is_pci(dev) && dev.untrusted) return IOMMU_DOMAIN_DMA;

  if (ops.def_domain_type) return ops.def_domain_type(dev);

  return 0;
}

function iommu_group_alloc_default_domain(bus: bus_type, group: iommu_group, type: number): number {
  let dom = __iommu_domain_alloc(bus, type);
  if (!dom && type !== IOMMU_DOMAIN_DMA) {
    dom = __iommu_domain_alloc(bus, IOMMU_DOMAIN_DMA);
    if (dom) machine().recorder.warn('iommu_group_alloc_default_domain', `Failed to allocate default IOMMU domain of type ${type}; falling back to IOMMU_DOMAIN_DMA`, false);
  }

  if (!dom) return -ENOMEM;

  group.default_domain = dom;
  if (!group.domain) group.domain = dom;
  return 0;
}

function iommu_alloc_default_domain(group: iommu_group, dev: device): number {
  if (group.default_domain) return 0;

  const type = iommu_get_def_domain_type(dev) || iommu_def_domain_type();

  return iommu_group_alloc_default_domain(dev.bus, group, type);
}

function __iommu_domain_alloc(bus: bus_type, type: number): IommuDomain | null {
  if (!bus.iommu_ops) return null;

  const domain = bus.iommu_ops.domain_alloc(type);
  if (!domain) return null;

  domain.type = type;
  return domain;
}

/** A domain a driver owns and programs through the IOMMU API (VFIO's, for one). */
export function iommu_domain_alloc(bus: bus_type): IommuDomain | null {
  return __iommu_domain_alloc(bus, IOMMU_DOMAIN_UNMANAGED);
}

/** A paging domain (iommu.h). */
function iommu_is_paging_domain(domain: IommuDomain): boolean {
  return (domain.type & __IOMMU_DOMAIN_PAGING) !== 0;
}

/** A domain that can handle IOMMU pages larger than the CPU's (iommu.h). */
function iommu_is_large_pages_domain(domain: IommuDomain): boolean {
  return (domain.type & __IOMMU_DOMAIN_LP) !== 0;
}

/**
 * A paging domain must support a page size no larger than a CPU page
 * (Robin Murphy's form); a large-page domain is exempt for a trusted device
 * only, since swiotlb cannot align bounce buffers to such a granule.
 */
function iommu_check_page_size(domain: IommuDomain, dev: device): number {
  const trusted = !(dev_is_pci(dev) && dev.untrusted);

  if (!iommu_is_paging_domain(domain)) return 0;
  if (iommu_is_large_pages_domain(domain) && trusted) return 0;

  if (!(domain.pgsize_bitmap & (PAGE_SIZE() | (PAGE_SIZE() - 1)))) {
    machine().recorder.warn('iommu_check_page_size', 'IOMMU pages cannot exactly represent CPU pages.', false);
    return -EFAULT;
  }

  return 0;
}

function __iommu_attach_device(domain: IommuDomain, dev: device): number {
  let ret = dev.bus.iommu_ops!.attach_dev(domain, dev);
  if (ret) return ret;

  // After attach_dev: many drivers only settle a domain's page sizes when
  // its first device attaches.
  ret = iommu_check_page_size(domain, dev);
  if (ret) {
    __iommu_detach_device(domain, dev);
    return ret;
  }

  return 0;
}

export function iommu_attach_device(domain: IommuDomain, dev: device): number {
  const group = dev.iommu_group;
  if (!group) return -ENODEV;

  // A domain is attached to whole groups: only a device alone in its group may ask for one.
  if (group.devices.length !== 1) return -EINVAL;

  return __iommu_attach_group(domain, group);
}

function __iommu_detach_device(domain: IommuDomain, dev: device): void {
  dev.bus.iommu_ops!.detach_dev(domain, dev);
}

function __iommu_attach_group(domain: IommuDomain, group: iommu_group): number {
  if (group.default_domain && group.domain !== group.default_domain) return -EBUSY;

  let ret = 0;
  for (const dev of group.devices) {
    ret = __iommu_attach_device(domain, dev);
    if (ret) break;
  }
  if (ret === 0) group.domain = domain;

  return ret;
}

export function iommu_iotlb_gather_init(): IotlbGather {
  return { pages: 0 };
}

/** ops->unmap_pages for as many pages of the one size as fit (the model's domains have one page size). */
function __iommu_unmap_pages(domain: IommuDomain, iova: number, size: number): number {
  const pgsize = domain.granule;
  return domain.unmap_each(iova, pgsize, size / pgsize);
}

/** Unmap [iova, iova + size) (ops->unmap_pages), stopping where the driver unmaps nothing; bytes unmapped. */
function __iommu_unmap(domain: IommuDomain, iova: number, size: number, iotlb_gather: IotlbGather): number {
  const min_pagesz = domain.granule;

  if (or(iova, size) % min_pagesz !== 0) {
    machine().recorder.warn('__iommu_unmap', `unaligned: iova ${hex(iova)} size ${hex(size)} min_pagesz ${hex(min_pagesz)}`, false);
    return 0;
  }

  const unmapped = __iommu_unmap_pages(domain, iova, size);
  iotlb_gather.pages += unmapped / min_pagesz;
  machine().recorder.emit({ t: 'iommu_unmap', iova, size, unmapped });
  return unmapped;
}

export function iommu_unmap(domain: IommuDomain, iova: number, size: number): number {
  const iotlb_gather = iommu_iotlb_gather_init();
  const ret = __iommu_unmap(domain, iova, size, iotlb_gather);
  iommu_iotlb_sync(domain, iotlb_gather);
  return ret;
}

export function iommu_unmap_fast(domain: IommuDomain, iova: number, size: number, iotlb_gather: IotlbGather): number {
  return __iommu_unmap(domain, iova, size, iotlb_gather);
}

/** ops->map_pages for the pages of the one size that fit (iommu_pgsize() and its count): bytes mapped and an errno. */
function __iommu_map_pages(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): { mapped: number; ret: number } {
  const pgsize = domain.granule;
  return domain.map_pages(iova, paddr, pgsize, size / pgsize, prot);
}

/**
 * Map [iova, iova + size) a batch at a time (ops->map_pages: a leaf table's
 * worth on an SMMU, whose entries are all checked before any is written);
 * on failure, unmap whatever this call mapped, even nothing.
 */
function __iommu_map(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number {
  const min_pagesz = domain.granule;
  const orig_iova = iova;
  const orig_paddr = paddr;
  const orig_size = size;
  let ret = 0;

  if (or(or(iova, paddr), size) % min_pagesz !== 0) {
    machine().recorder.warn('__iommu_map', `unaligned: iova ${hex(iova)} pa ${hex(paddr)} size ${hex(size)} min_pagesz ${hex(min_pagesz)}`, false);
    machine().recorder.emit({ t: 'iommu_map', iova, phys: paddr, size, prot, ret: -EINVAL });
    return -EINVAL;
  }

  while (size) {
    const r = __iommu_map_pages(domain, iova, paddr, size, prot);
    ret = r.ret;
    // Counted even when the batch failed (io-pgtable maps nothing of a failed batch).
    size -= r.mapped;
    if (ret) break;
    iova += r.mapped;
    paddr += r.mapped;
  }
  machine().recorder.emit({ t: 'iommu_map', iova: orig_iova, phys: orig_paddr, size: orig_size, prot, ret });

  // unroll mapping in case something went wrong
  if (ret) iommu_unmap(domain, orig_iova, orig_size - size);

  return ret;
}

/** iommu_map(): the driver's map of a domain it owns (no iotlb_sync_map in the model's drivers). */
export function iommu_map(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number {
  return __iommu_map(domain, iova, paddr, size, prot);
}

export function iommu_map_atomic(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number {
  return __iommu_map(domain, iova, paddr, size, prot);
}

/** Map the list's physically contiguous runs one after the other; bytes mapped, or 0 after undoing them. */
function __iommu_map_sg(domain: IommuDomain, iova: number, sg: readonly scatterlist[], nents: number, prot: number): number {
  let len = 0;
  let start = 0;
  let mapped = 0;
  for (let i = 0; i <= nents; i++) {
    const s = sg[i];
    const s_phys = s === undefined ? 0 : sg_phys(s);
    if (len !== 0 && (i === nents || s_phys !== start + len)) {
      const ret = __iommu_map(domain, iova + mapped, start, len, prot);
      if (ret !== 0) {
        // out_err: undo what the earlier runs mapped
        iommu_unmap(domain, iova, mapped);
        return 0;
      }
      mapped += len;
      len = 0;
    }
    if (i === nents || s === undefined) break;
    if (len !== 0) {
      len += s.length;
    } else {
      len = s.length;
      start = s_phys;
    }
  }
  return mapped;
}

export function iommu_map_sg_atomic(domain: IommuDomain, iova: number, sg: readonly scatterlist[], nents: number, prot: number): number {
  return __iommu_map_sg(domain, iova, sg, nents, prot);
}

export function iommu_iova_to_phys(domain: IommuDomain, iova: number): number {
  const phys = domain.iova_to_phys(iova);
  machine().recorder.emit({ t: 'iova_to_phys', iova, phys });
  return phys;
}

/** include/linux/iommu.h: the driver's iotlb_sync for what the gather holds (strict domains only here). */
export function iommu_iotlb_sync(_domain: IommuDomain, iotlb_gather: IotlbGather): void {
  machine().recorder.emit({ t: 'iotlb_sync', pages: iotlb_gather.pages });
}
