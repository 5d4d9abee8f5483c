// What the kernel does for DMA before a driver's first call, on the code
// state described in variant.json next to this file: swiotlb's default pool
// at boot, each device behind an IOMMU probed by the IOMMU core (its group's
// default domain and the attach, as of_iommu_configure asks), a DMA cookie
// for each DMA domain (the IOMMU driver's domain_alloc asks for one), then
// each device's DMA set-up as arm64's arch_setup_dma_ops does it
// (arch/arm64/mm/dma-mapping.c; VT-d's probe_finalize makes the same
// iommu_setup_dma_ops call on x86).
// Not a kernel file of its own: the boot paths reduced to what the DMA code
// sees. It gets the variant's linked kernel files rather than importing
// them, so a variant that changes one of them need not carry this file.

import { IO_TLB_SIZE, IS_ENABLED, type device, type IommuDomain, type KernelFiles, type Machine } from '../../harness/kernel.js';

/** What boot calls in the other files. */
interface Files {
  'dma-iommu': {
    iommu_get_dma_cookie(domain: IommuDomain): number;
    iommu_setup_dma_ops(dev: device, dma_base: number, size: number): void;
  };
  iommu: { IOMMU_DOMAIN_DMA: number; iommu_probe_device(dev: device): number };
  swiotlb: { swiotlb_init_with_tbl(tlb: number, nslabs: number): void };
}

/** of_dma_configure's DMA range for a device without dma-ranges: from 0, 4 GiB. */
const DMA_BASE = 0;
const DMA_SIZE = 2 ** 32;

export function boot(m: Machine, files: KernelFiles): void {
  const k = files as unknown as Files;

  if (IS_ENABLED('CONFIG_SWIOTLB')) k.swiotlb.swiotlb_init_with_tbl(m.platform.swiotlbBase, m.platform.swiotlbBytes / IO_TLB_SIZE);

  for (const dev of m.devices) if (dev.bus.iommu_ops) k.iommu.iommu_probe_device(dev);

  for (const domain of m.domains.values()) if (domain.type === k.iommu.IOMMU_DOMAIN_DMA) k['dma-iommu'].iommu_get_dma_cookie(domain);

  for (const dev of m.devices) arch_setup_dma_ops(k, dev, DMA_BASE, DMA_SIZE, dev.bus.iommu_ops !== null, dev.config.coherent);
}

function arch_setup_dma_ops(k: Files, dev: device, dma_base: number, size: number, iommu: boolean, coherent: boolean): void {
  dev.dma_coherent = coherent;
  if (iommu) k['dma-iommu'].iommu_setup_dma_ops(dev, dma_base, size);
}
