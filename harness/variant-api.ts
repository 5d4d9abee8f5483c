// What a variant provides: struct dma_map_ops, the streaming-DMA half of it
// that dma-iommu implements and this harness exercises.

import type { device } from './machine/device.js';
import type { dma_data_direction } from './machine/dma.js';
import type { scatterlist } from './machine/scatterlist.js';

export interface dma_map_ops {
  map_page(dev: device, page: number, offset: number, size: number, dir: dma_data_direction, attrs: number): number;
  unmap_page(dev: device, dma_handle: number, size: number, dir: dma_data_direction, attrs: number): void;
  map_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): number;
  unmap_sg(dev: device, sg: scatterlist[], nents: number, dir: dma_data_direction, attrs: number): void;
  sync_single_for_cpu(dev: device, dma_handle: number, size: number, dir: dma_data_direction): void;
  sync_single_for_device(dev: device, dma_handle: number, size: number, dir: dma_data_direction): void;
  sync_sg_for_cpu(dev: device, sg: scatterlist[], nelems: number, dir: dma_data_direction): void;
  sync_sg_for_device(dev: device, sg: scatterlist[], nelems: number, dir: dma_data_direction): void;
}
