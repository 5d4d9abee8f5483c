// Boot-time facts the modelled code reads: command-line switches and the
// memory map. struct page is represented by its physical address.

import { machine } from './current.js';

/** The iommu.forcedac= switch (a dma-iommu.c global set at boot). */
export function iommu_dma_forcedac(): boolean {
  return machine().platform.forceDac;
}

export function page_to_phys(page: number): number {
  return page;
}

/** swiotlb=force: whether swiotlb asks every mapping of this device to bounce. */
export function is_swiotlb_force_bounce(_dev: unknown): boolean {
  return machine().platform.swiotlbForce;
}
