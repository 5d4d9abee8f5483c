// What a variant provides. A variant's kernel is the set of modelled kernel
// files of its folder and, for every file it does not carry, of its nearest
// ancestor that does (registry.ts links them). The harness calls into it in
// two places only: `boot` (boot.ts), which sets up the kernel's state on a
// fresh machine (the swiotlb pool, the IOMMU domains' cookies, each device's
// dma_ops), and the DMA API (kernel/dma/mapping.c's dispatch): a device's
// dma_ops, or dma-direct's when it has none (direct.ts's dma_direct_ops).

import type { device } from './machine/device.js';
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
}
