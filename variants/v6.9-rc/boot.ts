// What the kernel does for DMA before a driver's first call, on the code
// state described in variant.json next to this file: swiotlb's default pool
// at boot (forced to bounce everything in a confidential guest, and shared
// with the host once memory encryption is up), a DMA cookie for each IOMMU
// domain, then each device's DMA set-up: the IOMMU core's probe (which
// since 6.4 lets a PCI device try 32-bit IOVAs first), a restricted DMA
// pool from the device tree for a device without an IOMMU (of_dma_configure), and
// arm64's arch_setup_dma_ops (VT-d's probe_finalize makes the same
// iommu_setup_dma_ops call on x86). Not a kernel file of its own: the boot
// paths reduced to what the DMA code sees. It gets the variant's linked
// kernel files rather than importing them, so a variant that changes one of
// them need not carry this file.

import {
  CC_ATTR_GUEST_MEM_ENCRYPT,
  CC_ATTR_MEM_ENCRYPT,
  cc_platform_has,
  dev_is_pci,
  iommu_dma_forcedac,
  IS_ENABLED,
  is_secure_guest,
  machine,
  type device,
  type IommuDomain,
  type KernelFiles,
  type Machine,
} from '../../harness/kernel.js';

/** What boot calls in the other files. */
interface Files {
  'dma-iommu': {
    iommu_get_dma_cookie(domain: IommuDomain): number;
    iommu_setup_dma_ops(dev: device, dma_base: number, dma_limit: number): void;
  };
  iommu: { iommu_is_dma_domain(domain: IommuDomain): boolean; iommu_probe_device(dev: device): number };
  swiotlb: {
    SWIOTLB_VERBOSE: number;
    SWIOTLB_FORCE: number;
    SWIOTLB_ANY: number;
    swiotlb_init(addressing_limit: boolean, flags: number): void;
    swiotlb_update_mem_attributes(): void;
    rmem_swiotlb_device_init(base: number, size: number, dev: device): number;
  };
}

/** of_dma_configure's DMA range for a device without dma-ranges: from 0, 4 GiB. */
const DMA_BASE = 0;
const DMA_SIZE = 2 ** 32;

export function boot(m: Machine, files: KernelFiles): void {
  const k = files as unknown as Files;

  if (IS_ENABLED('CONFIG_SWIOTLB')) {
    // The model's platforms always want a pool (arm64's mem_init and x86's
    // pci_swiotlb_detect ask for one when memory reaches past what devices
    // can address). a3e230926708 (5.19): an x86 guest whose memory is
    // encrypted forces every dma-direct map through it; so does a powerpc
    // secure VM, whose pool may sit anywhere.
    let flags = k.swiotlb.SWIOTLB_VERBOSE;
    if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) flags |= k.swiotlb.SWIOTLB_FORCE;
    if (is_secure_guest()) flags |= k.swiotlb.SWIOTLB_ANY | k.swiotlb.SWIOTLB_FORCE;
    k.swiotlb.swiotlb_init(true, flags);

    // mem_encrypt_init (x86) or the secure VM's set-up: the pool is shared.
    if (cc_platform_has(CC_ATTR_MEM_ENCRYPT) || is_secure_guest()) k.swiotlb.swiotlb_update_mem_attributes();
  }

  for (const dev of m.devices) if (dev.bus.iommu_ops) k.iommu.iommu_probe_device(dev);

  for (const domain of m.domains.values()) if (k.iommu.iommu_is_dma_domain(domain)) k['dma-iommu'].iommu_get_dma_cookie(domain);

  for (const dev of m.devices) {
    const iommu = dev.bus.iommu_ops !== null;
    if (iommu) __iommu_probe_device(dev);
    // of_dma_configure: a restricted-dma-pool only for a device that is not behind an IOMMU.
    if (!iommu && IS_ENABLED('CONFIG_SWIOTLB')) of_dma_set_restricted_buffer(k, dev);
    arch_setup_dma_ops(k, dev, DMA_BASE, DMA_SIZE, iommu, dev.config.coherent);
  }
}

/** What the IOMMU core's probe sets that dma-iommu reads: iommu.forcedac=1 turns the 32-bit first try off. */
function __iommu_probe_device(dev: device): void {
  if (dev_is_pci(dev)) dev.pci_32bit_workaround = !iommu_dma_forcedac();
}

/** The device's restricted-dma-pool region, if the device tree gives it one; the model places the region. */
function of_dma_set_restricted_buffer(k: Files, dev: device): void {
  const size = dev.config.restrictedDmaPool;
  if (!size) return;
  const base = machine().allocPages(size, Number.MAX_SAFE_INTEGER);
  if (!base || k.swiotlb.rmem_swiotlb_device_init(base, size, dev)) {
    machine().recorder.warn('of_dma_set_restricted_buffer', `${dev.name}: failed to initialise "restricted-dma-pool" memory node`, false);
  }
}

function arch_setup_dma_ops(k: Files, dev: device, dma_base: number, size: number, iommu: boolean, coherent: boolean): void {
  dev.dma_coherent = coherent;
  if (iommu) k['dma-iommu'].iommu_setup_dma_ops(dev, dma_base, dma_base + size - 1);
}
