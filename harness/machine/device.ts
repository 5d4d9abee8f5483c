// struct device, as far as dma-iommu looks at it, and the helpers dma-iommu
// calls on it (include/linux/dma-mapping.h, dma-map-ops.h, pci.h).

import { DMA_BIT_MASK } from './bits.js';
import type { IommuDomain } from './iommu.js';
import type { DeviceConfig } from './platform.js';

export interface device_dma_parameters {
  max_segment_size: number;
  segment_boundary_mask: number;
  min_align_mask: number;
}

export class device {
  readonly dma_coherent: boolean;
  /** pci_dev->untrusted; only meaningful for a PCI device. */
  readonly untrusted: boolean;
  readonly is_pci: boolean;
  readonly dma_mask: number;
  readonly bus_dma_limit: number;
  readonly dma_parms: device_dma_parameters;

  constructor(
    config: DeviceConfig,
    /** The default DMA domain of the device's IOMMU group. */
    readonly domain: IommuDomain,
  ) {
    this.dma_coherent = config.coherent;
    this.untrusted = config.untrusted;
    this.is_pci = config.pci;
    this.dma_mask = DMA_BIT_MASK(config.dmaMaskBits);
    this.bus_dma_limit = config.busDmaLimit;
    this.dma_parms = {
      max_segment_size: config.maxSegSize,
      segment_boundary_mask: config.segBoundaryMask,
      min_align_mask: config.minAlignMask,
    };
  }
}

export function dev_is_dma_coherent(dev: device): boolean {
  return dev.dma_coherent;
}

export function dev_is_pci(dev: device): boolean {
  return dev.is_pci;
}

export function dev_is_untrusted(dev: device): boolean {
  return dev_is_pci(dev) && dev.untrusted;
}

export function dma_get_mask(dev: device): number {
  return dev.dma_mask;
}

export function dma_get_seg_boundary(dev: device): number {
  return dev.dma_parms.segment_boundary_mask;
}

export function dma_get_max_seg_size(dev: device): number {
  return dev.dma_parms.max_segment_size;
}

export function dma_get_min_align_mask(dev: device): number {
  return dev.dma_parms.min_align_mask;
}

export function iommu_get_dma_domain(dev: device): IommuDomain {
  return dev.domain;
}
