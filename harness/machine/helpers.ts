// Small kernel library helpers the modelled code calls.

import { isPowerOfTwo } from './bits.js';
import { BUG_ON } from './warn.js';

/** The last boundary size found to be a power of two. */
let checkedBoundary = 0;

/** include/linux/iommu-helper.h: would [index, index + nr) cross a boundary_size boundary? */
export function iommu_is_span_boundary(index: number, nr: number, shift: number, boundary_size: number): boolean {
  // Every step of a slot search asks with the same size; testing a 53-bit
  // number for a power of two each time was a sixth of the longest search.
  if (boundary_size !== checkedBoundary) {
    BUG_ON(!isPowerOfTwo(boundary_size), 'iommu_is_span_boundary: boundary size is not a power of two');
    checkedBoundary = boundary_size;
  }
  const at = shift + index;
  const start = at < boundary_size ? at : at % boundary_size;
  return start + nr > boundary_size;
}
