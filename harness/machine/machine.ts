// One simulated machine: DRAM, the CPU cache, the IOMMU domains (their page
// tables), and the devices, each behind a domain or reaching memory
// directly. Built fresh for every case. The kernel's own state (the swiotlb
// pool, the IOVA allocators behind the domains, each device's dma_ops) is
// set up by the kernel code of the variant that runs, at boot; the machine
// holds it where the kernel keeps globals.

import { alignUp, BIT, roundup_pow_of_two } from './bits.js';
import { BounceSlots } from './bounce-slots.js';
import { CpuCache } from './cache.js';
import { device } from './device.js';
import { FaultInjector, type Fail } from './faults.js';
import { DeviceDma } from './device-dma.js';
import { Recorder } from './events.js';
import { GuestMemory } from './guest-memory.js';
import { IommuDomain } from './iommu.js';
import { IommuInstance } from './iommu-driver.js';
import { PhysicalMemory } from './memory.js';
import { PageAllocator } from './page-alloc.js';
import { Provenance } from './provenance.js';
import type { DeviceConfig, PlatformConfig } from './platform.js';
import type { BouncePool } from './swiotlb-slots.js';
import type { Translation } from './translation.js';
import { VmallocSpace } from './vmalloc.js';
import { Workspace } from './workspace.js';
import { Timers } from './workqueue.js';
import { TceTable } from './tce.js';

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
  /** Which pages a confidential guest has shared. */
  readonly guest: GuestMemory;
  /** Which allocations fail, and how many of each kind were made. */
  readonly faults: FaultInjector;
  /** Whose data each byte holds. */
  readonly provenance = new Provenance();
  /** IOMMU domains by name: each group's, in the order devices first name them, then any the kernel allocates later. */
  readonly domains = new Map<string, IommuDomain>();
  /** The IOMMU instance (and driver) of each group, by its domain's name. */
  private readonly iommus = new Map<string, IommuInstance>();
  /** The buddy allocator's zone: coherent allocations and the bounce pools' pages come from it. */
  readonly pages: PageAllocator;
  /** Kernel virtual mappings outside the linear map (remapped coherent buffers). */
  readonly vmalloc: VmallocSpace;
  /** Devices in the order the fixture lists them; the first is the default one. */
  readonly devices: device[];
  /** io_tlb_default_mem: the default swiotlb pool, once the kernel has set it up. */
  swiotlb: BouncePool | null = null;
  /** The clock and the delayed work waiting on it. */
  readonly timers = new Timers();
  /** The IOMMU bounce pools' buffers, as their code reports them (bounce-slots.ts). */
  readonly bounceSlots = new BounceSlots();
  /** Kernel files' static variables (statics.ts). */
  readonly statics = new Map<string, unknown>();
  /**
   * The other swiotlb pools the kernel has set up, in order: a device's
   * restricted DMA pool, the pools a dynamic swiotlb adds (6.6 and later).
   * A pool the kernel frees (a transient one) stays listed with every slot
   * free, so that what was copied through it is still counted.
   */
  readonly swiotlbPools: BouncePool[] = [];
  /** powerpc pseries: each PE's DMA windows, by the name fixtures give its domain, made when a pseries kernel asks (tceTable). */
  readonly tceTables = new Map<string, TceTable>();
  private readonly dmaByDevice = new Map<device, DeviceDma>();
  /** The page allocator's next free address (see allocPages). */
  private nextFreePage: number;

  constructor(
    readonly platform: PlatformConfig,
    deviceConfigs: readonly DeviceConfig[],
    /** Where DRAM and cache frames and scratch bytes come from: the caller's, reused from case to case. */
    readonly workspace: Workspace = new Workspace(),
    readonly options: ModelOptions = DEFAULT_MODEL_OPTIONS,
    fail: Fail | null = null,
  ) {
    if (deviceConfigs.length === 0) throw new Error('a machine needs a device');
    this.faults = new FaultInjector(fail, this.recorder);
    this.dram = new PhysicalMemory(workspace);
    this.cache = new CpuCache(this.dram, platform.cacheLineSize, workspace);
    this.guest = new GuestMemory(platform.memoryEncryption);
    this.pages = new PageAllocator({ pageSize: platform.pageSize, base: platform.pagePoolBase, bytes: platform.pagePoolBytes }, this.recorder);
    this.vmalloc = new VmallocSpace(platform.pageSize);
    this.devices = deviceConfigs.map((config) => new device(config, config.domain === null ? null : this.iommuNamed(config.domain, config.iovaGranule)));
    // Above any default pool a kernel may make of the platform's size (6.x
    // rounds its slot count up to a power of two), below the buffers.
    this.nextFreePage = alignUp(platform.swiotlbBase + roundup_pow_of_two(platform.swiotlbBytes), 0x10_0000);
  }

  /**
   * The page allocator, for memory the kernel takes after its pools are
   * placed (a restricted DMA pool's reserved region, a dynamic swiotlb's
   * pools): whole pages at increasing addresses, never handed out twice, or
   * 0 when the block would reach `limit` (the highest address the caller can
   * use) or the fixtures' buffers.
   */
  allocPages(bytes: number, limit: number): number {
    const start = alignUp(this.nextFreePage, this.platform.pageSize);
    const end = start + alignUp(bytes, this.platform.pageSize);
    if (end - 1 > limit || end > this.platform.dramBase) return 0;
    this.nextFreePage = end;
    return start;
  }

  /** Every swiotlb pool: the default one first, then the others in the order the kernel set them up. */
  bouncePools(): BouncePool[] {
    return this.swiotlb === null ? [...this.swiotlbPools] : [this.swiotlb, ...this.swiotlbPools];
  }

  /** The IOMMU instance of a group, made with its first domain when a device first names it. */
  private iommuNamed(name: string, granule: number): IommuInstance {
    let i = this.iommus.get(name);
    if (i === undefined) {
      i = new IommuInstance(this.platform.iommuDriver, this.newDomain(name, granule), this.platform.pageSize, (more) => this.newDomain(more, granule));
      this.iommus.set(name, i);
    }
    return i;
  }

  private newDomain(name: string, granule: number): IommuDomain {
    const decrypts = this.platform.memoryEncryption !== 'none' && this.platform.iommuDecrypts;
    const d = new IommuDomain(name, this.platform.iommu, granule, BIT(this.platform.apertureBits) - 1, this.recorder, decrypts, this.faults);
    this.domains.set(name, d);
    return d;
  }

  /** A PE's TCE table, made with the platform's default window the first time its name is asked for; LIOBNs count from 1. */
  tceTable(name: string): TceTable {
    let t = this.tceTables.get(name);
    if (t === undefined) {
      t = new TceTable(name, this.tceTables.size + 1, this.platform.tceWindowBytes);
      this.tceTables.set(name, t);
    }
    return t;
  }

  /** The default device: the first one. */
  get dev(): device {
    return this.devices[0]!;
  }

  /** The default device's group's domain (it must have an IOMMU), whatever the kernel has done with it. */
  get domain(): IommuDomain {
    const name = this.dev.config.domain;
    const d = name === null ? undefined : this.domains.get(name);
    if (d === undefined) throw new Error(`device ${this.dev.name} has no IOMMU domain`);
    return d;
  }

  /** The translations the devices' DMA goes through, each once, in the order of the devices. */
  translations(): Translation[] {
    const out: Translation[] = [];
    for (const d of this.devices) if (!out.includes(d.translation)) out.push(d.translation);
    return out;
  }

  /** A device by name. */
  device(name: string): device {
    const d = this.devices.find((x) => x.name === name);
    if (d === undefined) throw new Error(`no device ${name}`);
    return d;
  }

  /** A device's own DMA, through its translation. */
  dma(dev: device = this.dev): DeviceDma {
    let dma = this.dmaByDevice.get(dev);
    if (dma === undefined || dma.translation !== dev.translation) {
      dma = new DeviceDma(dev.translation, this.dram, this.cache, dev.config.coherent, this.guest);
      this.dmaByDevice.set(dev, dma);
    }
    return dma;
  }

  /** Mark the start of a DMA API call: what it creates is tagged with `owner`. */
  beginCall(owner: number): void {
    this.recorder.owner = owner;
    if (this.swiotlb !== null) this.swiotlb.spins = 0;
    for (const pool of this.swiotlbPools) pool.spins = 0;
  }
}
