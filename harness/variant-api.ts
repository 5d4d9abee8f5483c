// What a variant provides. A variant's kernel is the set of modelled kernel
// files of its folder and, for every file it does not carry, of its nearest
// ancestor that does (registry.ts links them). The harness calls into it in
// three places only: `boot` (boot.ts), which sets up the kernel's state on a
// fresh machine (the swiotlb pool, each device's IOMMU domain and its
// cookie, each device's dma_ops); the DMA API (kernel/dma/mapping.c's
// dispatch): a device's dma_ops, or dma-direct's when it has none
// (direct.ts's dma_direct_ops); and the IOMMU API of iommu.ts, for a driver
// that owns its device's domain.

import type { device } from './machine/device.js';
import type { IommuDomain } from './machine/iommu.js';
import type { bus_type } from './machine/iommu-driver.js';
import type { dma_data_direction } from './machine/dma.js';
import type { Machine } from './machine/machine.js';
import type { scatterlist, sg_table } from './machine/scatterlist.js';

/** A C out-parameter (dma_addr_t *dma_handle, struct page **pagep): the callee sets `value`. */
export interface ptr<T> {
  value: T;
}

/**
 * struct dma_map_ops, the members the harness exercises: the streaming
 * calls, and coherent allocations with their sg table, which a set of ops
 * may leave out (NULL in C: mapping.c then fails the call).
 */
export interface dma_map_ops {
  /** Returns the buffer's kernel virtual address, 0 (NULL) on failure; the DMA address goes to dma_handle. */
  alloc?(dev: device, size: number, dma_handle: ptr<number>, gfp: number, attrs: number): number;
  free?(dev: device, size: number, cpu_addr: number, dma_handle: number, attrs: number): void;
  get_sgtable?(dev: device, sgt: sg_table, cpu_addr: number, dma_addr: number, size: number, attrs: number): number;
  map_page(dev: device, page: number, offset: number, size: number, dir: dma_data_direction, attrs: number): number;
  unmap_page(dev: device, dma_handle: number, size: number, dir: dma_data_direction, attrs: number): void;
  map_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number;
  unmap_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void;
  sync_single_for_cpu(dev: device, dma_handle: number, size: number, dir: dma_data_direction): void;
  sync_single_for_device(dev: device, dma_handle: number, size: number, dir: dma_data_direction): void;
  sync_sg_for_cpu(dev: device, sg: scatterlist[], nelems: number, dir: dma_data_direction): void;
  sync_sg_for_device(dev: device, sg: scatterlist[], nelems: number, dir: dma_data_direction): void;
  /** Optional, as in C: whether the device can use `mask`; dma_set_mask and dma_set_coherent_mask ask it (1 yes, 0 no). */
  dma_supported?(dev: device, mask: number): number;
}

/**
 * The IOMMU API (drivers/iommu/iommu.c) as a driver that owns its device's
 * DMA calls it, VFIO's way: an unmanaged domain of its own, attached to the
 * device, and mappings at IOVAs the driver chooses.
 */
export interface iommu_api {
  iommu_domain_alloc(bus: bus_type): IommuDomain | null;
  iommu_attach_device(domain: IommuDomain, dev: device): number;
  iommu_map(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number;
  iommu_unmap(domain: IommuDomain, iova: number, size: number): number;
}

/** A variant's kernel files as loaded: file name without .ts -> the module. */
export type KernelFiles = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What boot.ts exports. */
export type BootFunction = (m: Machine, files: KernelFiles) => void;

/** A variant's kernel, linked. */
export interface Kernel {
  /** Its files, as loaded (for tools and tests; the harness uses only the two calls below). */
  readonly files: KernelFiles;
  /** Set up the kernel's state on a fresh machine, before the first step. */
  boot(m: Machine): void;
  /** The DMA API for a device: its dma_ops, or dma-direct. */
  opsFor(dev: device): dma_map_ops;
  /** The IOMMU API, for a driver that owns a domain. */
  readonly iommu: iommu_api;
}
