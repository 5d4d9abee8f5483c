// Calling a built kernel library from JavaScript (koffi), and the library
// calling back into the simulated machine. One process loads a library
// file once (two loads of one file would share the kernel's statics); the
// callbacks are registered once per process and act on the machine of the
// case running (machine/current.ts) through the `CallTarget` the C kernel
// set for it. A callback never throws into C: what it catches is kept, the
// kernel is told to stop, and the call that was running throws it when C
// has unwound.

import { createRequire } from 'node:module';
import type { TypeObject } from 'koffi';
import { KernelBug } from '../machine/events.js';

/** The kernel's side of one loaded library. */
export interface KernelLibrary {
  readonly path: string;
  /** Values callbacks hand back to C (double shim_out[8]). */
  readonly out: Float64Array;
  reset(): void;
  bootEarly(cpus: number, ccGuest: boolean, secureGuest: boolean, swiotlbBase: number, cmdline: string): void;
  domainCreate(id: number, granule: number, apertureEnd: number): number;
  deviceCreate(d: DeviceArgs): number;
  bootDone(): void;
  /** One DMA API call (core.c's enum shim_op); `sg` is five numbers per entry, read and written back. */
  dma(op: DmaOp, device: number, addr: number, offset: number, size: number, dir: number, attrs: number, sg: Float64Array | null, nents: number): number;
  poolCount(): number;
  /** start, end, nslabs, used */
  poolInfo(pool: number, out: Float64Array): void;
  /** list, orig_addr, alloc_size per slot */
  poolSlots(pool: number, first: number, count: number, out: Float64Array): void;
  iovaNodes(domain: number, out: Float64Array, max: number): number;
  iovaCached(domain: number, bin: number, out: Float64Array, max: number): number;
  iovaBins(): number;
}

export interface DeviceArgs {
  id: number;
  name: string;
  isPci: boolean;
  untrusted: boolean;
  coherent: boolean;
  dmaMaskBits: number;
  busDmaLimit: number;
  maxSegSize: number;
  segBoundaryMask: number;
  minAlignMask: number;
  domain: number;
  restrictedBase: number;
  restrictedSize: number;
}

export const DMA_OP = {
  map_page: 0,
  unmap_page: 1,
  map_sg: 2,
  unmap_sg: 3,
  sync_single_for_cpu: 4,
  sync_single_for_device: 5,
  sync_sg_for_cpu: 6,
  sync_sg_for_device: 7,
} as const;
export type DmaOp = (typeof DMA_OP)[keyof typeof DMA_OP];

/** What the C kernel's callbacks act on: set by the kernel of the case running (kernel.ts). */
export interface CallTarget {
  memcpy(dst: number, src: number, size: number): void;
  memset(addr: number, value: number, size: number): void;
  cacheSync(paddr: number, size: number, dir: number, forDevice: boolean): void;
  mapPages(domain: number, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number): { mapped: number; ret: number };
  unmapPages(domain: number, iova: number, pgsize: number, pgcount: number): number;
  iovaToPhys(domain: number, iova: number): number;
  event(kind: number, a: number, b: number, c: number, d: number, e: number): void;
  log(site: string, message: string, splat: boolean): void;
  shouldFail(kind: number, site: string): boolean;
  setMemory(paddr: number, pages: number, decrypted: boolean): void;
}

/**
 * koffi, loaded the first time a C kernel is: the harness's other threads
 * and processes, which import this module through the variant registry,
 * never load the native module.
 */
let koffiModule: typeof import('koffi') | null = null;
function ffi(): typeof import('koffi') {
  koffiModule ??= createRequire(import.meta.url)('koffi') as typeof import('koffi');
  return koffiModule;
}

let target: CallTarget | null = null;
/** What a callback caught, thrown again once C has unwound. */
let pending: unknown = null;
/** The loaded library whose callbacks are running (for shim_out). */
let current: LoadedLibrary | null = null;

export function setCallTarget(t: CallTarget | null): void {
  target = t;
}

function num(x: number | bigint): number {
  return typeof x === 'bigint' ? Number(BigInt.asIntN(64, x)) : x;
}

/** Run a callback's body; on an exception, keep it and tell C to stop (1). */
function guarded(body: () => void): number {
  try {
    if (target === null) throw new Error('the C kernel called back with no case running');
    body();
    return 0;
  } catch (e) {
    pending ??= e;
    return 1;
  }
}

/** shim_bug (level 2) and shim_missing (level 3) say why the kernel stops. */
const BUG_LEVEL = 2;
const MISSING_LEVEL = 3;

let made: { hw: Record<string, unknown>; type: TypeObject } | null = null;

function defineProtos() {
  return {
    memcpy: ffi().proto('int shim_memcpy_cb(long long dst, long long src, long long size)'),
    memset: ffi().proto('int shim_memset_cb(long long addr, int value, long long size)'),
    cache_sync: ffi().proto('int shim_cache_sync_cb(long long paddr, long long size, int dir, int for_device)'),
    map_pages: ffi().proto('int shim_map_pages_cb(int domain, long long iova, long long paddr, long long pgsize, long long pgcount, int prot)'),
    unmap_pages: ffi().proto('int shim_unmap_pages_cb(int domain, long long iova, long long pgsize, long long pgcount)'),
    iova_to_phys: ffi().proto('int shim_iova_to_phys_cb(int domain, long long iova)'),
    event: ffi().proto('int shim_event_cb(int kind, long long a, long long b, long long c, long long d, long long e)'),
    log: ffi().proto('int shim_log_cb(const char *site, const char *message, int splat)'),
    should_fail: ffi().proto('int shim_should_fail_cb(int kind, const char *site)'),
    set_memory: ffi().proto('int shim_set_memory_cb(long long paddr, long long pages, int decrypted)'),
  };
}

/** The callbacks, registered once per process. */
function callbacks(): { hw: Record<string, unknown>; type: TypeObject } {
  made ??= makeCallbacks();
  return made;
}

function makeCallbacks(): { hw: Record<string, unknown>; type: TypeObject } {
  const p = defineProtos();
  const out = (): Float64Array => current!.out;
  const hw = {
    memcpy: ffi().register((dst: number | bigint, src: number | bigint, size: number | bigint) => guarded(() => target!.memcpy(num(dst), num(src), num(size))), ffi().pointer(p.memcpy)),
    memset: ffi().register((addr: number | bigint, value: number, size: number | bigint) => guarded(() => target!.memset(num(addr), value, num(size))), ffi().pointer(p.memset)),
    cache_sync: ffi().register(
      (paddr: number | bigint, size: number | bigint, dir: number, forDevice: number) => guarded(() => target!.cacheSync(num(paddr), num(size), dir, forDevice !== 0)),
      ffi().pointer(p.cache_sync),
    ),
    map_pages: ffi().register(
      (domain: number, iova: number | bigint, paddr: number | bigint, pgsize: number | bigint, pgcount: number | bigint, prot: number) =>
        guarded(() => {
          const r = target!.mapPages(domain, num(iova), num(paddr), num(pgsize), num(pgcount), prot);
          out()[0] = r.mapped;
          out()[1] = r.ret;
        }),
      ffi().pointer(p.map_pages),
    ),
    unmap_pages: ffi().register(
      (domain: number, iova: number | bigint, pgsize: number | bigint, pgcount: number | bigint) =>
        guarded(() => {
          out()[0] = target!.unmapPages(domain, num(iova), num(pgsize), num(pgcount));
        }),
      ffi().pointer(p.unmap_pages),
    ),
    iova_to_phys: ffi().register(
      (domain: number, iova: number | bigint) =>
        guarded(() => {
          out()[0] = target!.iovaToPhys(domain, num(iova));
        }),
      ffi().pointer(p.iova_to_phys),
    ),
    event: ffi().register(
      (kind: number, a: number | bigint, b: number | bigint, c: number | bigint, d: number | bigint, e: number | bigint) =>
        guarded(() => target!.event(kind, num(a), num(b), num(c), num(d), num(e))),
      ffi().pointer(p.event),
    ),
    log: ffi().register(
      (site: string, message: string, splat: number) =>
        guarded(() => {
          if (splat === BUG_LEVEL) throw new KernelBug(message);
          if (splat === MISSING_LEVEL) throw new Error(message);
          target!.log(site, message, splat !== 0);
        }),
      ffi().pointer(p.log),
    ),
    should_fail: ffi().register(
      (kind: number, site: string) =>
        guarded(() => {
          out()[0] = target!.shouldFail(kind, site) ? 1 : 0;
        }),
      ffi().pointer(p.should_fail),
    ),
    set_memory: ffi().register(
      (paddr: number | bigint, pages: number | bigint, decrypted: number) => guarded(() => target!.setMemory(num(paddr), num(pages), decrypted !== 0)),
      ffi().pointer(p.set_memory),
    ),
  };
  const type = ffi().struct('shim_hw', {
    memcpy: ffi().pointer(p.memcpy),
    memset: ffi().pointer(p.memset),
    cache_sync: ffi().pointer(p.cache_sync),
    map_pages: ffi().pointer(p.map_pages),
    unmap_pages: ffi().pointer(p.unmap_pages),
    iova_to_phys: ffi().pointer(p.iova_to_phys),
    event: ffi().pointer(p.event),
    log: ffi().pointer(p.log),
    should_fail: ffi().pointer(p.should_fail),
    set_memory: ffi().pointer(p.set_memory),
  });
  return { hw, type };
}

/** The case stopped inside C: throw what stopped it. */
function stoppedBy(): never {
  const e = pending ?? new Error('the C kernel stopped without saying why');
  pending = null;
  throw e;
}

class LoadedLibrary implements KernelLibrary {
  readonly out: Float64Array;
  private readonly stopped = new Int32Array(1);
  private readonly fn: Record<string, (...args: unknown[]) => unknown>;

  constructor(readonly path: string) {
    const { hw, type } = callbacks();
    const lib = ffi().load(path);
    const f = (proto: string): ((...args: unknown[]) => unknown) => lib.func(proto) as (...args: unknown[]) => unknown;
    this.fn = {
      set_hw: f(`void shim_set_hw(const shim_hw *hw)`),
      init: f('int shim_init(void)'),
      reset: f('void shim_reset(void)'),
      boot_early: f('long long shim_boot_early(int cpus, int cc_guest, int secure_guest, long long swiotlb_base, const char *cmdline, int *stopped)'),
      domain_create: f('long long shim_domain_create(int id, long long granule, long long aperture_end, int *stopped)'),
      device_create: f(
        'long long shim_device_create(int id, const char *name, int is_pci, int untrusted, int coherent, int dma_mask_bits, long long bus_dma_limit, long long max_seg_size, long long seg_boundary_mask, long long min_align_mask, int domain, long long restricted_base, long long restricted_size, int *stopped)',
      ),
      boot_done: f('void shim_boot_done(void)'),
      dma: f('long long shim_dma(int op, int device, long long addr, long long offset, long long size, int dir, long long attrs, double *sg, int nents, int *stopped)'),
      pool_count: f('int shim_pool_count(void)'),
      pool_info: f('void shim_pool_info(int pool, double *out)'),
      pool_slots: f('void shim_pool_slots(int pool, long first, long count, double *out)'),
      iova_nodes: f('long shim_iova_nodes(int domain, double *out, long max)'),
      iova_cached: f('long shim_iova_cached(int domain, int bin, double *out, long max)'),
      iova_bins: f('int shim_iova_bins(void)'),
    };
    void type;
    this.out = new Float64Array(ffi().view(lib.symbol('shim_out') as bigint, 64));
    this.fn['set_hw']!(hw);
    if (this.fn['init']!() !== 0) throw new Error(`${path}: the kernel library could not take its snapshot`);
  }

  private guard<T>(call: () => T): T {
    current = this;
    pending = null;
    const r = call();
    if (this.stopped[0] !== 0) stoppedBy();
    if (pending !== null) stoppedBy();
    return r;
  }

  reset(): void {
    this.fn['reset']!();
  }

  bootEarly(cpus: number, ccGuest: boolean, secureGuest: boolean, swiotlbBase: number, cmdline: string): void {
    this.guard(() => this.fn['boot_early']!(cpus, ccGuest ? 1 : 0, secureGuest ? 1 : 0, swiotlbBase, cmdline, this.stopped));
  }

  domainCreate(id: number, granule: number, apertureEnd: number): number {
    return num(this.guard(() => this.fn['domain_create']!(id, granule, apertureEnd, this.stopped)) as number | bigint);
  }

  deviceCreate(d: DeviceArgs): number {
    return num(
      this.guard(() =>
        this.fn['device_create']!(
          d.id,
          d.name,
          d.isPci ? 1 : 0,
          d.untrusted ? 1 : 0,
          d.coherent ? 1 : 0,
          d.dmaMaskBits,
          d.busDmaLimit,
          d.maxSegSize,
          d.segBoundaryMask,
          d.minAlignMask,
          d.domain,
          d.restrictedBase,
          d.restrictedSize,
          this.stopped,
        ),
      ) as number | bigint,
    );
  }

  bootDone(): void {
    this.fn['boot_done']!();
  }

  dma(op: DmaOp, device: number, addr: number, offset: number, size: number, dir: number, attrs: number, sg: Float64Array | null, nents: number): number {
    return num(this.guard(() => this.fn['dma']!(op, device, addr, offset, size, dir, attrs, sg, nents, this.stopped)) as number | bigint);
  }

  poolCount(): number {
    return this.fn['pool_count']!() as number;
  }

  poolInfo(pool: number, out: Float64Array): void {
    this.fn['pool_info']!(pool, out);
  }

  poolSlots(pool: number, first: number, count: number, out: Float64Array): void {
    this.fn['pool_slots']!(pool, first, count, out);
  }

  iovaNodes(domain: number, out: Float64Array, max: number): number {
    return num(this.fn['iova_nodes']!(domain, out, max) as number | bigint);
  }

  iovaCached(domain: number, bin: number, out: Float64Array, max: number): number {
    return num(this.fn['iova_cached']!(domain, bin, out, max) as number | bigint);
  }

  iovaBins(): number {
    return this.fn['iova_bins']!() as number;
  }
}

const loaded = new Map<string, LoadedLibrary>();

/** A library file, loaded once per process. */
export function loadLibrary(path: string): KernelLibrary {
  let lib = loaded.get(path);
  if (lib === undefined) {
    lib = new LoadedLibrary(path);
    loaded.set(path, lib);
  }
  return lib;
}
