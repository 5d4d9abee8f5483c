// Boot-time facts the modelled kernel reads: its command-line switches and
// the memory map. struct page is represented by its physical address.

import { machine } from './current.js';

/** The iommu.forcedac= switch (a dma-iommu.c global set at boot). */
export function iommu_dma_forcedac(): boolean {
  return machine().platform.forceDac;
}

/** iommu.passthrough=1: devices' default domains are identity (bypass) unless they need translation. */
export function iommu_default_passthrough(): boolean {
  return machine().platform.iommuPassthrough;
}

export function page_to_phys(page: number): number {
  return page;
}

/** include/linux/swiotlb.h, 5.14: enum swiotlb_force. */
export const SWIOTLB_NORMAL = 0;
export const SWIOTLB_FORCE = 1;
export const SWIOTLB_NO_FORCE = 2;

/**
 * The global swiotlb_force (5.14): FORCE with swiotlb=force on the command
 * line; NO_FORCE without CONFIG_SWIOTLB (the pool's size and set-up are
 * taken as the platform gives them, so arm64's mem_init choice reduces to
 * this).
 */
export function swiotlb_force(): number {
  const p = machine().platform;
  if (!p.swiotlb) return SWIOTLB_NO_FORCE;
  return p.swiotlbForce ? SWIOTLB_FORCE : SWIOTLB_NORMAL;
}

/** swiotlb=force, as later kernels ask a device (is_swiotlb_force_bounce, 5.15 and later). */
export function is_swiotlb_force_bounce(_dev: unknown): boolean {
  return machine().platform.swiotlbForce;
}
