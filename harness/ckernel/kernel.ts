// A C variant's kernel, as the harness calls any variant's (variant-api.ts):
// boot on a fresh machine, then the DMA API. The kernel's software is the
// built library (build.ts); the machine stays TypeScript: the library's
// memcpy and memset, cache maintenance, page-table operations, messages
// and allocation failures come back to it as callbacks, and what the C
// code reports at the points the TypeScript models emit events becomes the
// same machine events. The machine reads the kernel's swiotlb pools and
// IOVA allocators through views of the C state: a pool's slot bookkeeping
// is mirrored after every call that touched it, tagged with the call that
// made each allocation as the model's slots are.

import { hex, order_base_2 } from '../machine/bits.js';
import { memcpy, memset, arch_sync_dma_for_cpu, arch_sync_dma_for_device } from '../machine/cpu.js';
import type { device } from '../machine/device.js';
import type { dma_data_direction } from '../machine/dma.js';
import type { MachineEvent } from '../machine/events.js';
import { FAULT_KINDS } from '../machine/faults.js';
import { set_memory_decrypted, set_memory_encrypted } from '../machine/guest-memory.js';
import type { IommuDomain, IovaSpace } from '../machine/iommu.js';
import type { Machine } from '../machine/machine.js';
import type { scatterlist } from '../machine/scatterlist.js';
import { INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, io_tlb_slots, type BouncePool } from '../machine/swiotlb-slots.js';
import type { AddressRange } from '../machine/translation.js';
import type { dma_map_ops, iommu_api, Kernel, KernelFiles } from '../variant-api.js';
import { DMA_OP, loadLibrary, setCallTarget, type CallTarget, type DmaOp, type KernelLibrary } from './binding.js';
import type { BuildConfig } from './build.js';

/** The event codes of shim/api.h. */
const EV = {
  IOVA_ALLOC: 1,
  IOVA_ALLOC_FAIL: 2,
  IOVA_FREE: 3,
  IOVA_RELEASE_NODE: 4,
  IOVA_RELEASE: 5,
  IOMMU_MAP: 6,
  IOMMU_UNMAP: 7,
  IOTLB_SYNC: 8,
  IOVA_TO_PHYS: 9,
  SWIOTLB_MAP: 10,
  SWIOTLB_FULL: 11,
  SWIOTLB_UNMAP: 12,
  SLOTS: 13,
} as const;

/** The build a platform needs: C fixes the page size and CONFIG_SWIOTLB at compile time. */
export function buildConfigFor(m: { platform: { pageSize: number; swiotlb: boolean } }): BuildConfig {
  return { pageShift: Math.log2(m.platform.pageSize), swiotlb: m.platform.swiotlb };
}

/** A swiotlb pool of the C kernel, as the machine reads one. */
class CPool implements BouncePool {
  readonly start: number;
  readonly end: number;
  readonly nslabs: number;
  readonly slots = new io_tlb_slots();
  /** The C kernel's searches are not counted (its watchdog is the case's time budget). */
  spins = 0;
  private readonly info = new Float64Array(4);

  constructor(
    private readonly lib: KernelLibrary,
    readonly number: number,
  ) {
    lib.poolInfo(number, this.info);
    this.start = this.info[0]!;
    this.end = this.info[1]!;
    this.nslabs = this.info[2]!;
  }

  get used(): number {
    this.lib.poolInfo(this.number, this.info);
    return this.info[3]!;
  }
}

/** A domain's IOVA allocator in the C kernel (iova.c), as the machine reads it. */
class CIovaSpace implements IovaSpace {
  private buf = new Float64Array(256);

  constructor(
    private readonly lib: KernelLibrary,
    private readonly domain: number,
  ) {}

  private read(fill: (out: Float64Array, max: number) => number, per: number): number[] {
    let n = fill(this.buf, this.buf.length / per);
    if (n * per > this.buf.length) {
      this.buf = new Float64Array(n * per);
      n = fill(this.buf, n);
    }
    return Array.from(this.buf.subarray(0, n * per));
  }

  private nodes(): Array<[number, number]> {
    const flat = this.read((out, max) => this.lib.iovaNodes(this.domain, out, max), 2);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
    return out;
  }

  /** The pfns each size class holds, loaded magazine first, depot last. */
  private cachedPfns(): number[][] {
    const bins: number[][] = [];
    for (let b = 0; b < this.lib.iovaBins(); b++) bins.push(this.read((out, max) => this.lib.iovaCached(this.domain, b, out, max), 1));
    return bins;
  }

  allocatedRanges(): AddressRange[] {
    const cachedIn = new Map<number, number>();
    this.cachedPfns().forEach((pfns, order) => pfns.forEach((pfn) => cachedIn.set(pfn, order)));
    return this.nodes().map(([lo, hi]) => ({ lo, hi, cached: cachedIn.get(lo) === order_base_2(hi - lo + 1) }));
  }

  finalSection(): Record<string, unknown> {
    const rcache: Record<string, number[]> = {};
    this.cachedPfns().forEach((pfns, order) => {
      if (pfns.length > 0) rcache[`order${order}`] = pfns;
    });
    const nodes = this.nodes();
    const shown = nodes.slice(0, 16).map(([lo, hi]) => `${hex(lo)}-${hex(hi)}`);
    if (nodes.length > 16) shown.push(`… ${nodes.length - 16} more`);
    return { iovas: shown, iova_ranges: nodes.length, rcache };
  }
}

/** Slot runs whose bookkeeping a call changed, by pool: [first, count, allocated]. */
type Touched = Map<number, Array<[number, number]>>;

/** One booted C kernel on one machine: the callbacks' target while its case runs. */
class BootedKernel implements CallTarget {
  readonly pools: CPool[] = [];
  private readonly domains: IommuDomain[];
  private releasing: Array<[number, number]> = [];
  private touched: Touched = new Map();
  private slotBuf = new Float64Array(3 * IO_TLB_SEGSIZE);

  constructor(
    readonly lib: KernelLibrary,
    readonly m: Machine,
  ) {
    this.domains = [...m.domains.values()];
  }

  // ---- callbacks ----

  memcpy(dst: number, src: number, size: number): void {
    memcpy(dst, src, size);
  }

  memset(addr: number, value: number, size: number): void {
    memset(addr, value, size);
  }

  cacheSync(paddr: number, size: number, dir: number, forDevice: boolean): void {
    if (forDevice) arch_sync_dma_for_device(paddr, size, dir as dma_data_direction);
    else arch_sync_dma_for_cpu(paddr, size, dir as dma_data_direction);
  }

  mapPages(domain: number, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number): { mapped: number; ret: number } {
    return this.domains[domain]!.map_pages(iova, paddr, pgsize, pgcount, prot);
  }

  unmapPages(domain: number, iova: number, pgsize: number, pgcount: number): number {
    return this.domains[domain]!.unmap_each(iova, pgsize, pgcount);
  }

  iovaToPhys(domain: number, iova: number): number {
    return this.domains[domain]!.iova_to_phys(iova);
  }

  log(site: string, message: string, splat: boolean): void {
    this.m.recorder.warn(site, message, splat);
  }

  shouldFail(kind: number, site: string): boolean {
    return this.m.faults.should_fail(FAULT_KINDS[kind]!, site);
  }

  setMemory(paddr: number, pages: number, decrypted: boolean): void {
    if (decrypted) set_memory_decrypted(paddr, pages);
    else set_memory_encrypted(paddr, pages);
  }

  event(kind: number, a: number, b: number, c: number, d: number, e: number): void {
    const ev = this.machineEvent(kind, a, b, c, d, e);
    if (ev !== null) this.m.recorder.emit(ev);
  }

  private machineEvent(kind: number, a: number, b: number, c: number, d: number, e: number): MachineEvent | null {
    switch (kind) {
      case EV.IOVA_ALLOC:
        return { t: 'iova_alloc', pfn: a, pages: b, limitPfn: c, from: d ? 'rbtree' : 'rcache' };
      case EV.IOVA_ALLOC_FAIL:
        return { t: 'iova_alloc_fail', pages: a, limitPfn: b };
      case EV.IOVA_FREE:
        return { t: 'iova_free', pfn: a, pages: b, into: c ? 'rbtree' : 'rcache' };
      case EV.IOVA_RELEASE_NODE:
        this.releasing.push([a, b]);
        return null;
      case EV.IOVA_RELEASE: {
        const nodes = this.releasing;
        this.releasing = [];
        return { t: 'iova_rcache_release', reason: a === 0 ? 'depot-full' : 'flush', nodes };
      }
      case EV.IOMMU_MAP:
        return { t: 'iommu_map', iova: a, phys: b, size: c, prot: d, ret: e };
      case EV.IOMMU_UNMAP:
        return { t: 'iommu_unmap', iova: a, size: b, unmapped: c };
      case EV.IOTLB_SYNC:
        return { t: 'iotlb_sync', pages: a };
      case EV.IOVA_TO_PHYS:
        return { t: 'iova_to_phys', iova: a, phys: b };
      case EV.SWIOTLB_MAP:
        return { t: 'swiotlb_map', orig: a, tlb: b, index: c, nslots: d, allocSize: e };
      case EV.SWIOTLB_FULL:
        return { t: 'swiotlb_full', orig: a, allocSize: b, nslots: c, used: d, total: e };
      case EV.SWIOTLB_UNMAP:
        return { t: 'swiotlb_unmap', tlb: a, index: b, nslots: c };
      case EV.SLOTS: {
        const runs = this.touched.get(a) ?? [];
        runs.push([b, c]);
        this.touched.set(a, runs);
        return null;
      }
      default:
        throw new Error(`the C kernel reported an event of unknown kind ${kind}`);
    }
  }

  // ---- the machine's view of the pools ----

  /**
   * Bring the mirror of every slot run a call touched up to date: whole
   * segments (list[] is renumbered across a segment), and each slot whose
   * owner changed tagged with the call now running, as the model's slots are.
   */
  syncSlots(): void {
    if (this.touched.size === 0) return;
    for (const [number, runs] of this.touched) {
      const pool = this.pools[number];
      if (pool === undefined) continue;
      const segments = new Set<number>();
      for (const [first, count] of runs) {
        for (let s = Math.floor(first / IO_TLB_SEGSIZE); s <= Math.floor((first + Math.max(count, 1) - 1) / IO_TLB_SEGSIZE); s++) segments.add(s);
      }
      const fresh = new Set<number>();
      for (const [first, count] of runs) for (let i = first; i < first + count; i++) fresh.add(i);
      for (const s of [...segments].sort((x, y) => x - y)) this.syncSegment(pool, s, fresh);
    }
    this.touched = new Map();
  }

  private syncSegment(pool: CPool, segment: number, fresh: Set<number>): void {
    const first = segment * IO_TLB_SEGSIZE;
    const count = Math.min(IO_TLB_SEGSIZE, pool.nslabs - first);
    if (count <= 0) return;
    this.lib.poolSlots(pool.number, first, count, this.slotBuf);
    const slots = pool.slots;
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const list = this.slotBuf[3 * k]!;
      const orig = this.slotBuf[3 * k + 1]!;
      const alloc = this.slotBuf[3 * k + 2]!;
      if (slots.list(i) !== list) slots.setList(i, list);
      // A slot this call allocated or freed, or whose original changed, belongs to this call now (or to nobody).
      if (slots.orig_addr(i) !== orig || (fresh.has(i) && orig !== INVALID_PHYS_ADDR)) slots.setOrigAddr(i, orig);
      if (slots.alloc_size(i) !== alloc) slots.setAllocSize(i, alloc);
    }
  }
}

/** The same DMA API object for every call on one device of one booted kernel. */
function opsOf(k: BootedKernel, id: number): dma_map_ops {
  const sgBuf = { buf: new Float64Array(5 * 16) };
  const call = (op: DmaOp, addr: number, offset: number, size: number, dir: number, attrs: number, sg: scatterlist[] | null, nents: number): number => {
    let buf: Float64Array | null = null;
    if (sg !== null) {
      if (sgBuf.buf.length < 5 * nents) sgBuf.buf = new Float64Array(5 * nents);
      buf = sgBuf.buf;
      for (let i = 0; i < nents; i++) {
        const s = sg[i]!;
        buf.set([s.page, s.offset, s.length, s.dma_address, s.dma_length], 5 * i);
      }
    }
    setCallTarget(k);
    try {
      return k.lib.dma(op, id, addr, offset, size, dir, attrs, buf, nents);
    } finally {
      setCallTarget(null);
      if (sg !== null && buf !== null) {
        for (let i = 0; i < nents; i++) {
          const s = sg[i]!;
          s.page = buf[5 * i]!;
          s.offset = buf[5 * i + 1]!;
          s.length = buf[5 * i + 2]!;
          s.dma_address = buf[5 * i + 3]!;
          s.dma_length = buf[5 * i + 4]!;
        }
      }
      k.syncSlots();
    }
  };
  return {
    map_page: (_dev, page, offset, size, dir, attrs) => call(DMA_OP.map_page, page, offset, size, dir, attrs, null, 0),
    unmap_page: (_dev, handle, size, dir, attrs) => void call(DMA_OP.unmap_page, handle, 0, size, dir, attrs, null, 0),
    map_sg: (_dev, sg, nents, dir, attrs) => call(DMA_OP.map_sg, 0, 0, 0, dir, attrs, sg, nents),
    unmap_sg: (_dev, sg, nents, dir, attrs) => void call(DMA_OP.unmap_sg, 0, 0, 0, dir, attrs, sg, nents),
    sync_single_for_cpu: (_dev, handle, size, dir) => void call(DMA_OP.sync_single_for_cpu, handle, 0, size, dir, 0, null, 0),
    sync_single_for_device: (_dev, handle, size, dir) => void call(DMA_OP.sync_single_for_device, handle, 0, size, dir, 0, null, 0),
    sync_sg_for_cpu: (_dev, sg, nents, dir) => void call(DMA_OP.sync_sg_for_cpu, 0, 0, 0, dir, 0, sg, nents),
    sync_sg_for_device: (_dev, sg, nents, dir) => void call(DMA_OP.sync_sg_for_device, 0, 0, 0, dir, 0, sg, nents),
  };
}

/** The kernel command line the platform stands for: swiotlb=<slabs>,<areas>[,force] and iommu.forcedac. */
function commandLine(m: Machine): string {
  const p = m.platform;
  const words: string[] = [];
  // setup_io_tlb_npages rounds the count up to whole segments itself.
  const slabs = Math.ceil(p.swiotlbBytes / 2048);
  words.push(`swiotlb=${slabs}${p.swiotlbAreas ? `,${p.swiotlbAreas}` : ''}${p.swiotlbForce ? ',force' : ''}`);
  if (p.forceDac) words.push('iommu.forcedac=1');
  return words.join(' ');
}

/** What a C kernel takes from its model's iommu.ts. */
export interface ModelIommuCore extends iommu_api {
  iommu_probe_device(dev: device): number;
  iommu_is_dma_domain(domain: IommuDomain): boolean;
}

/**
 * A C variant's kernel: `library(config)` gives the built library for a
 * platform's configuration (or throws, naming what is missing).
 */
export class CKernel implements Kernel {
  readonly files: KernelFiles = {};
  private booted: BootedKernel | null = null;
  private readonly ops = new Map<device, dma_map_ops>();

  /**
   * The IOMMU core's probe and the IOMMU API come from the model's TypeScript
   * iommu.ts (its `model` variant): the C build holds dma-iommu.c, iova.c,
   * swiotlb.c and direct.c, and iommu.c's map and unmap paths only.
   */
  constructor(
    private readonly library: (config: BuildConfig) => string,
    private readonly core: ModelIommuCore,
  ) {}

  get iommu(): iommu_api {
    return this.core;
  }

  boot(m: Machine): void {
    const lib = loadLibrary(this.library(buildConfigFor(m)));
    const k = new BootedKernel(lib, m);
    this.booted = k;
    this.ops.clear();
    lib.reset();
    setCallTarget(k);
    try {
      const p = m.platform;
      lib.bootEarly(p.cpus, p.memoryEncryption === 'cc-guest', p.memoryEncryption === 'secure-guest', p.swiotlbBase, commandLine(m));
      // of_iommu_configure: the IOMMU core gives each device behind an IOMMU its group and default domain.
      for (const dev of m.devices) if (dev.bus.iommu_ops) this.core.iommu_probe_device(dev);
      const domains = [...m.domains.values()];
      domains.forEach((d, id) => {
        const ret = lib.domainCreate(id, d.granule, d.geometry.aperture_end);
        if (ret === 0) d.iova_cookie = { iovad: new CIovaSpace(lib, id) };
      });
      m.devices.forEach((dev, id) => {
        const c = dev.config;
        // iommu_setup_dma_ops: only a DMA domain gives the device dma-iommu's ops; any other goes direct.
        const attached = dev.iommu_group?.domain ?? null;
        const domain = attached === null || !this.core.iommu_is_dma_domain(attached) ? -1 : domains.indexOf(attached);
        let restrictedBase = 0;
        let restrictedSize = 0;
        // of_dma_configure: a restricted-dma-pool only for a device that is not behind an IOMMU; the machine places the region.
        if (domain < 0 && p.swiotlb && c.restrictedDmaPool) {
          restrictedBase = m.allocPages(c.restrictedDmaPool, Number.MAX_SAFE_INTEGER);
          restrictedSize = restrictedBase === 0 ? 0 : c.restrictedDmaPool;
          if (restrictedBase === 0) m.recorder.warn('of_dma_set_restricted_buffer', `${dev.name}: failed to initialise "restricted-dma-pool" memory node`, false);
        }
        lib.deviceCreate({
          id,
          name: dev.name,
          isPci: c.pci,
          untrusted: c.untrusted,
          coherent: c.coherent,
          dmaMaskBits: c.dmaMaskBits,
          busDmaLimit: c.busDmaLimit,
          maxSegSize: c.maxSegSize,
          segBoundaryMask: c.segBoundaryMask,
          minAlignMask: c.minAlignMask,
          domain,
          restrictedBase,
          restrictedSize,
        });
        dev.dma_coherent = c.coherent;
      });
      lib.bootDone();
    } finally {
      // The pools swiotlb_init made are there even when a later step of boot stopped (a BUG in a domain's set-up), as in the model.
      const count = lib.poolCount();
      for (let n = 0; n < count; n++) k.pools.push(new CPool(lib, n));
      if (k.pools.length > 0) m.swiotlb = k.pools[0]!;
      for (const pool of k.pools.slice(1)) m.swiotlbPools.push(pool);
      setCallTarget(null);
      k.syncSlots();
    }
  }

  opsFor(dev: device): dma_map_ops {
    const k = this.booted;
    if (k === null) throw new Error('the C kernel was not booted');
    let ops = this.ops.get(dev);
    if (ops === undefined) {
      ops = opsOf(k, k.m.devices.indexOf(dev));
      this.ops.set(dev, ops);
    }
    return ops;
  }
}
