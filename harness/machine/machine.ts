// One simulated machine: DRAM, the CPU cache, an IOMMU domain with its IOVA
// allocator, the swiotlb pool and one device. Built fresh for every case.

import { BIT } from './bits.js';
import { CpuCache } from './cache.js';
import { device } from './device.js';
import { DeviceDma } from './device-dma.js';
import { Recorder } from './events.js';
import { IommuDomain } from './iommu.js';
import { IovaDomain } from './iova.js';
import { PhysicalMemory } from './memory.js';
import type { DeviceConfig, PlatformConfig } from './platform.js';
import { io_tlb_mem } from './swiotlb-pool.js';
import { Workspace } from './workspace.js';

/** Switches of the model itself; the defaults are what every run uses. */
export interface ModelOptions {
  /** find_slots may count a hopeless search instead of walking it (skip_hopeless_search). */
  slotSearchShortcut: boolean;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = { slotSearchShortcut: true };

export class Machine {
  readonly recorder = new Recorder();
  readonly dram: PhysicalMemory;
  readonly cache: CpuCache;
  readonly iovad: IovaDomain;
  readonly domain: IommuDomain;
  readonly swiotlb: io_tlb_mem | null;
  readonly dev: device;
  readonly dma: DeviceDma;

  constructor(
    readonly platform: PlatformConfig,
    deviceConfig: DeviceConfig,
    /** Where DRAM and cache frames and scratch bytes come from: the caller's, reused from case to case. */
    readonly workspace: Workspace = new Workspace(),
    readonly options: ModelOptions = DEFAULT_MODEL_OPTIONS,
  ) {
    this.dram = new PhysicalMemory(workspace);
    this.cache = new CpuCache(this.dram, platform.cacheLineSize, workspace);
    // iommu_dma_init_domain: base_pfn = max(1, base >> order) with a zero base.
    this.iovad = new IovaDomain(platform.iovaGranule, 1, this.recorder);
    this.domain = new IommuDomain(platform.iommu, platform.iovaGranule, BIT(platform.apertureBits) - 1, this.iovad, this.recorder);
    this.swiotlb = platform.swiotlb ? new io_tlb_mem(platform.swiotlbBase, platform.swiotlbBytes) : null;
    this.dev = new device(deviceConfig, this.domain);
    this.dma = new DeviceDma(this.domain, this.dram, this.cache, deviceConfig.coherent);
  }

  /** Mark the start of a DMA API call: what it creates is tagged with `owner`. */
  beginCall(owner: number): void {
    this.recorder.owner = owner;
    if (this.swiotlb !== null) this.swiotlb.spins = 0;
  }
}
