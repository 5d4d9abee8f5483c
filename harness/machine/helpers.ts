// Small kernel library helpers the modelled code calls.

import { isPowerOfTwo } from './bits.js';
import type { device } from './device.js';
import { BUG_ON } from './warn.js';

/** include/linux/iommu-helper.h: would [index, index + nr) cross a boundary_size boundary? */
export function iommu_is_span_boundary(index: number, nr: number, shift: number, boundary_size: number): boolean {
  BUG_ON(!isPowerOfTwo(boundary_size), 'iommu_is_span_boundary: boundary size is not a power of two');
  const at = shift + index;
  const start = at < boundary_size ? at : at % boundary_size;
  return start + nr > boundary_size;
}

/** The model has no DMA offset and no memory encryption: bus addresses equal physical ones. */
export function phys_to_dma_unencrypted(_dev: device, paddr: number): number {
  return paddr;
}
