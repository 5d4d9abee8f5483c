// Platform and device settings of a simulated machine, with every default
// resolved. Fixtures state what they care about; the rest comes from here.

import type { MemoryEncryption } from './guest-memory.js';
import type { IommuFlavour } from './iommu.js';
import type { IommuDriverName } from './iommu-driver.js';

export interface PlatformConfig {
  /** The CPU page size (PAGE_SIZE): 4, 16 or 64 KiB. */
  pageSize: number;
  /** The IOMMU's page size (its domains' smallest, which is the IOVA granule), unless a device's IOMMU says otherwise. */
  iovaGranule: number;
  /** The IOMMU driver: one that gives devices the domains the core asks for, or mainline's DART (iommu-driver.ts). */
  iommuDriver: IommuDriverName;
  /** The zone the page allocator hands out (coherent allocations come from it): physical base and size. */
  pagePoolBase: number;
  pagePoolBytes: number;
  /** CONFIG_SWIOTLB. */
  swiotlb: boolean;
  /** Size of the default swiotlb pool, a multiple of 256 KiB. */
  swiotlbBytes: number;
  /** Physical address of the pool; page-aligned. */
  swiotlbBase: number;
  /** What a map over an existing page-table entry does (kernel-model §3.14). */
  iommu: IommuFlavour;
  /** Width of the IOMMU's input address space; the domain's aperture end is 2^bits - 1. */
  apertureBits: number;
  cacheLineSize: number;
  /** iommu.forcedac: never try a 32-bit IOVA first for PCI devices. */
  forceDac: boolean;
  /** iommu.passthrough=1: default domains are identity unless a device needs a DMA domain. */
  iommuPassthrough: boolean;
  /** swiotlb=force on the kernel command line (is_swiotlb_force_bounce()). */
  swiotlbForce: boolean;
  /** Where the run engine starts placing fixture buffers. */
  dramBase: number;
  /** A confidential guest: memory is private unless shared (guest-memory.ts). */
  memoryEncryption: MemoryEncryption;
  /** In such a guest, whether devices behind an IOMMU see private memory in the clear (an assumption: Robin Murphy's for x86 guests). */
  iommuDecrypts: boolean;
  /** The IOMMU bounce pools' Kconfig option (CONFIG_IOMMU_IO_BUFFER, later CONFIG_IOMMU_BOUNCE_BUFFERS), in the trees that have one. */
  iommuBounceBuffers: boolean;
  /** Module parameters given on the kernel command line, by their full name ("io_buffer_pool.num_slots"); the rest keep their defaults. */
  moduleParams: Readonly<Record<string, number>>;
  /** What a C shift by at least the width of its type gives, which C leaves undefined: the count taken modulo 64, as x86-64 and arm64 do, or 0. */
  shiftOverflow: 'masked' | 'zero';
  /** The cost profile (profiles/) that prices the case's counters. */
  costProfile: string;
  /** num_possible_cpus(); the model runs on the first one only. */
  cpus: number;
  /** swiotlb=,N on the command line: the number of swiotlb areas (6.0 and later); 0 when not given (the kernel then takes the CPU count). */
  swiotlbAreas: number;
  /** CONFIG_SWIOTLB_DYNAMIC (6.6 and later): swiotlb may add pools when its pools are full. */
  swiotlbDynamic: boolean;
  /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC (6.5 and later, arm64): small kmalloc-sized maps of non-coherent devices bounce. */
  kmallocBounce: boolean;
  /** powerpc pseries: the size of each PE's default DMA window (ibm,dma-window), 1 GiB on KVM, 2 GiB on PowerVM. */
  tceWindowBytes: number;
  /** powerpc pseries: whether firmware offers dynamic DMA windows (ibm,ddw-applicable). */
  ddwAvailable: boolean;
  /** powerpc pseries: where firmware puts a DDW (2^59 in the kernel's world; 2^52 here, see tce.ts). */
  ddwBase: number;
  /** powerpc pseries: disable_ddw on the kernel command line. */
  disableDdw: boolean;
  /** powerpc pseries: firmware offers hcall-multi-tce (H_PUT_TCE_INDIRECT, H_STUFF_TCE), as KVM and PowerVM do. */
  hcallMultiTce: boolean;
  /** powerpc pseries: the end of guest RAM (memblock_end_of_DRAM); what a DDW is filled to. */
  ramEnd: number;
}

export interface DeviceConfig {
  /** What fixtures call it; the first device of a machine is "dev". */
  name: string;
  /** The IOMMU domain it is attached to (devices naming the same one share it); null: no IOMMU, dma-direct. */
  domain: string | null;
  /** The page size of the IOMMU it sits behind (its domain's IOVA granule). */
  iovaGranule: number;
  coherent: boolean;
  untrusted: boolean;
  pci: boolean;
  dmaMaskBits: number;
  /** dev->bus_dma_limit; 0 means none. */
  busDmaLimit: number;
  minAlignMask: number;
  segBoundaryMask: number;
  maxSegSize: number;
  /** Size of a restricted-dma-pool reserved-memory region the device tree gives the device (5.15 and later); 0 for none. */
  restrictedDmaPool: number;
  /** powerpc pseries: the device's DMA goes through its PE's TCE windows; false: it reaches guest physical addresses untranslated. */
  tceTranslation: boolean;
}

/**
 * What the machine holds, checked when a fixture is loaded. Memory is sparse
 * and mappings are runs, so a buffer may be huge; but the bytes of one CPU or
 * device access are materialised (the contract compares them byte by byte),
 * and every address must stay an exact integer with room to add sizes to it.
 */
export const MACHINE_LIMITS = {
  /** The most bytes one cpu_write, cpu_read, cpu_prefetch, device_read or device_write moves (16 MiB). */
  accessBytes: 16 << 20,
  /** Every buffer ends below this physical address (2^52, a 52-bit physical address space). */
  physEnd: 2 ** 52,
} as const;

export const DEFAULT_PLATFORM: PlatformConfig = {
  pageSize: 4096,
  iovaGranule: 4096,
  iommuDriver: 'generic',
  pagePoolBase: 0x2000_0000,
  pagePoolBytes: 0x2000_0000,
  swiotlb: true,
  swiotlbBytes: 64 * 1024 * 1024,
  swiotlbBase: 0x4000_0000,
  iommu: 'arm',
  apertureBits: 48,
  cacheLineSize: 64,
  forceDac: false,
  iommuPassthrough: false,
  swiotlbForce: false,
  dramBase: 0x8000_0000,
  memoryEncryption: 'none',
  iommuDecrypts: false,
  iommuBounceBuffers: true,
  moduleParams: {},
  shiftOverflow: 'masked',
  costProfile: 'bare-metal-strict',
  cpus: 1,
  swiotlbAreas: 0,
  swiotlbDynamic: false,
  kmallocBounce: false,
  tceWindowBytes: 1 << 30,
  ddwAvailable: true,
  ddwBase: 2 ** 52,
  disableDdw: false,
  hcallMultiTce: true,
  ramEnd: 2 ** 32,
};

/** The name of a machine's first device, and of its domain unless it says otherwise. */
export const DEFAULT_DEVICE_NAME = 'dev';

export const DEFAULT_DEVICE: DeviceConfig = {
  name: DEFAULT_DEVICE_NAME,
  domain: DEFAULT_DEVICE_NAME,
  iovaGranule: DEFAULT_PLATFORM.iovaGranule,
  coherent: true,
  untrusted: false,
  pci: true,
  dmaMaskBits: 64,
  busDmaLimit: 0,
  minAlignMask: 0,
  segBoundaryMask: 0xffff_ffff,
  maxSegSize: 0x1_0000,
  restrictedDmaPool: 0,
  tceTranslation: true,
};
