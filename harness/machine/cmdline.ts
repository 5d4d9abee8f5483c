// Boot-time facts the modelled kernel reads: its command-line switches and
// the memory map. struct page is represented by its physical address.

import { machine } from './current.js';

/** The iommu.forcedac= switch (a dma-iommu.c global set at boot). */
export function iommu_dma_forcedac(): boolean {
  return machine().platform.forceDac;
}

export function page_to_phys(page: number): number {
  return page;
}

/** swiotlb=force, as later kernels ask a device (is_swiotlb_force_bounce, 5.15 and later). */
export function is_swiotlb_force_bounce(_dev: unknown): boolean {
  return machine().platform.swiotlbForce;
}
