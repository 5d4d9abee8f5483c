// A mapping the driver holds, as the run engine tracks it.

import type { device } from '../machine/device.js';
import type { dma_data_direction } from '../machine/dma.js';
import type { scatterlist } from '../machine/scatterlist.js';
import type { SegmentSpec } from '../fixtures/scenario.js';

export interface Mapping {
  name: string;
  /** The device it was made for. */
  device: device;
  /** map_page, map_sg, a coherent allocation (its own DMA address), or iommu_map in a domain the driver owns. */
  kind: 'page' | 'sg' | 'coherent' | 'iommu';
  /** Serial number of the map call; the owner tag of what it created. */
  serial: number;
  dir: dma_data_direction;
  /** The buffer (or allocation) ranges mapped, in the order the device sees them. */
  segments: SegmentSpec[];
  size: number;
  /** DMA segments the device uses, in order: map_page's handle, or map_sg's output. */
  dma: Array<{ addr: number; len: number }>;
  /** The list handed to map_sg, kept for unmap_sg and sync_sg as a driver keeps it. */
  sgl: scatterlist[];
  nents: number;
  /** swiotlb allocations the map made, as [first slot, slot count]. */
  bounce: Array<[number, number]>;
  /** The pages of IOMMU bounce pool buffers the map took (bounce-slots.ts), as physical [start, end) ranges. */
  pooled: Array<[number, number]>;
  live: boolean;
  /**
   * The physical ranges the mapping may touch (its buffers and bounce
   * slots) as [start, end) pairs, sorted and joined: fixed when it is made,
   * worked out by the contract checks when they first need them.
   */
  own: ReadonlyArray<[number, number]> | undefined;
}

