// struct device, as far as the DMA code looks at it, and the helpers it calls
// on it (include/linux/dma-mapping.h, dma-map-ops.h, dma-direct.h, pci.h).
// A device either sits behind an IOMMU domain, through whose page table its
// DMA goes, or reaches memory directly; either way its DMA is translated by
// its `translation` (translation.ts).

import { DMA_BIT_MASK } from './bits.js';
import { DMA_MAPPING_ERROR } from './dma.js';
import type { IommuDomain } from './iommu.js';
import type { bus_type, iommu_group, IommuInstance } from './iommu-driver.js';
import type { DeviceConfig } from './platform.js';
import { BlockedTranslation, DirectTranslation, type Translation } from './translation.js';
import type { dma_map_ops } from '../variant-api.js';

export interface device_dma_parameters {
  max_segment_size: number;
  segment_boundary_mask: number;
  min_align_mask: number;
}

export class device {
  /** The name fixtures call it by. */
  readonly name: string;
  /** Set by the platform's boot code (arch_setup_dma_ops). */
  dma_coherent: boolean;
  /** pci_dev->untrusted; only meaningful for a PCI device. */
  readonly untrusted: boolean;
  readonly is_pci: boolean;
  dma_mask: number;
  coherent_dma_mask: number;
  readonly bus_dma_limit: number;
  readonly dma_parms: device_dma_parameters;
  /** The ops the kernel set up for it; null means dma-direct. */
  dma_ops: dma_map_ops | null = null;
  /** dev->bus, for its IOMMU driver (the device's IOMMU instance); iommu_ops is null without an IOMMU. */
  readonly bus: bus_type;
  /** dev->iommu_group: set when the IOMMU core probes the device, null again if attaching its default domain fails. */
  iommu_group: iommu_group | null = null;
  /**
   * How its DMA reaches memory: directly without an IOMMU; behind one,
   * through the domain its driver attached, and nowhere (every access
   * faults) while none is.
   */
  translation: Translation;
  /** dev->dma_io_tlb_mem: the swiotlb pool (io_tlb_mem) the kernel gave it (5.15 and later); null until then. */
  dma_io_tlb_mem: unknown = null;
  /** dev->dma_io_tlb_pools and dev->dma_uses_io_tlb (6.6 and later, CONFIG_SWIOTLB_DYNAMIC): its transient pools, and whether it ever bounced. */
  dma_io_tlb_pools: unknown[] = [];
  dma_uses_io_tlb = false;
  /**
   * dev->archdata on powerpc: the TCE table the platform found for it, the
   * offset dma-direct adds to a physical address (a DDW's base), and whether
   * dma_iommu_ops go straight to dma-direct (iommu_bypass).
   */
  archdata: { iommu_table_base: unknown; dma_offset: number; iommu_bypass: boolean } = { iommu_table_base: null, dma_offset: 0, iommu_bypass: false };
  /** dev->iommu->pci_32bit_workaround (6.4 and later): try a 32-bit IOVA first; the IOMMU core sets it when it probes the device. */
  pci_32bit_workaround = false;

  constructor(
    readonly config: DeviceConfig,
    /** The IOMMU instance the device sits behind; null without an IOMMU. */
    iommu: IommuInstance | null,
  ) {
    this.name = config.name;
    this.dma_coherent = config.coherent;
    this.untrusted = config.untrusted;
    this.is_pci = config.pci;
    this.dma_mask = DMA_BIT_MASK(config.dmaMaskBits);
    // As if the driver had called dma_set_mask_and_coherent() with its mask.
    this.coherent_dma_mask = this.dma_mask;
    this.bus_dma_limit = config.busDmaLimit;
    this.dma_parms = {
      max_segment_size: config.maxSegSize,
      segment_boundary_mask: config.segBoundaryMask,
      min_align_mask: config.minAlignMask,
    };
    this.bus = { iommu_ops: iommu };
    this.translation = iommu === null ? new DirectTranslation() : new BlockedTranslation(config.name, iommu.pgsize_bitmap);
    iommu?.join(this);
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

/** The domain dma-iommu works on (the group's default domain); only its ops call this, for a device that has one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cookie is the kernel code's own type
export function iommu_get_dma_domain(dev: device): IommuDomain<any> {
  const domain = dev.iommu_group?.default_domain ?? null;
  if (domain === null) throw new Error(`device ${dev.name} has no IOMMU domain`);
  return domain;
}

/** iommu_get_domain_for_dev: the domain attached to the device's group, or null. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cookie is the kernel code's own type
export function iommu_get_domain_for_dev(dev: device): IommuDomain<any> | null {
  return dev.iommu_group?.domain ?? null;
}

// include/linux/dma-direct.h. The model has no DMA offset and no memory
// encryption, so bus addresses are physical addresses.

export function phys_to_dma(_dev: device, paddr: number): number {
  return paddr;
}

export function phys_to_dma_unencrypted(_dev: device, paddr: number): number {
  return paddr;
}

export function dma_to_phys(_dev: device, dma_addr: number): number {
  return dma_addr;
}

/** min_not_zero(): a zero limit means none. */
function min_not_zero(a: number, b: number): number {
  return a === 0 ? b : b === 0 ? a : Math.min(a, b);
}

/** Can the device reach [addr, addr + size) (its DMA mask and its bus's limit)? */
export function dma_capable(dev: device, addr: number, size: number, _is_ram: boolean): boolean {
  const end = addr + size - 1;
  if (addr === DMA_MAPPING_ERROR) return false;
  return end <= min_not_zero(dev.dma_mask, dev.bus_dma_limit);
}

/** dev_to_node(): the model has one NUMA node. */
export function dev_to_node(_dev: device): number {
  return 0;
}
