// What a pseries guest does for DMA before a driver's first call, on the code
// state described in variant.json next to this file: the firmware features
// (fw_hypertas_feature_init, early in setup_arch), mem_init's swiotlb
// pool (svm_swiotlb_init in a secure guest), init_svm, the platform's
// iommu_init_early_pSeries, then for each PCI device pcibios_setup_device
// (arch/powerpc/kernel/pci-common.c): the PCI dma_ops, and the PHB's
// dma_dev_setup, which gives it its PE's TCE table.
// Not a kernel file of its own. Which device is behind a PE is the
// hardware's wiring: a device the fixture gives a domain reaches memory
// through that PE's DMA windows (harness/machine/tce.ts); a device without
// one stands for a virtio device without iommu_platform, which reaches guest
// physical addresses untranslated and gets no PCI dma_ops here (the model
// runs it through dma-direct; 5.5's virtio would bypass the DMA API).

import { DirectTranslation, IO_TLB_SIZE, IS_ENABLED, is_secure_guest, type device, type KernelFiles, type Machine } from '../../harness/kernel.js';
import { init_svm, svm_swiotlb_init } from '../v5.5-pseries/svm.js';
import { fw_hypertas_feature_init } from './firmware.js';
import { get_pci_dma_ops, iommu_init_early_pSeries, pcibios_setup_device_dma } from './pseries-iommu.js';
import { swiotlb_init_with_tbl } from '../v5.14/swiotlb.js';

export function boot(m: Machine, _files: KernelFiles): void {
  fw_hypertas_feature_init();
  if (IS_ENABLED('CONFIG_SWIOTLB')) {
    if (is_secure_guest()) svm_swiotlb_init();
    else swiotlb_init_with_tbl(m.platform.swiotlbBase, m.platform.swiotlbBytes / IO_TLB_SIZE);
  }
  init_svm();
  iommu_init_early_pSeries();
  for (const dev of m.devices) {
    if (dev.config.domain !== null) dev.translation = dev.config.tceTranslation ? m.tceTable(dev.config.domain) : new DirectTranslation();
    dev.dma_coherent = true;
    if (dev.config.domain !== null) pcibios_setup_device(dev);
  }
}

function pcibios_setup_device(dev: device): void {
  dev.dma_ops = get_pci_dma_ops();
  pcibios_setup_device_dma(dev);
}
