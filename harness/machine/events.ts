// What the simulated machine reports while kernel code runs on it.
//
// Every part of the machine appends to one Recorder. The run engine turns the
// events into trace lines, cost counters and contract checks; the parts
// themselves never judge what they record.

export type MachineEvent =
  /** A CPU memcpy between physical ranges (swiotlb_bounce). */
  | { t: 'memcpy'; dst: number; src: number; size: number }
  /** A CPU memset to zero (padding in a bounce buffer). */
  | { t: 'memset'; addr: number; size: number }
  /** Cache maintenance by arch_sync_dma_for_{device,cpu}, and arch_dma_prep_coherent's flush (clean and invalidate). */
  | { t: 'cache'; op: 'clean' | 'invalidate' | 'flush'; addr: number; size: number; lines: number; written: number; dropped: number }
  /** The page allocator handed out a block of 2^order pages (zeroed through the cache when __GFP_ZERO asked). */
  | { t: 'page_alloc'; phys: number; order: number; zeroed: boolean }
  /** No free block of that order or larger. */
  | { t: 'page_alloc_fail'; order: number }
  /** Pages given back, as one run when they were freed one after the other. */
  | { t: 'page_free'; phys: number; size: number }
  | { t: 'iova_alloc'; pfn: number; pages: number; limitPfn: number; from: 'rcache' | 'rbtree' }
  | { t: 'iova_alloc_fail'; pages: number; limitPfn: number }
  | { t: 'iova_free'; pfn: number; pages: number; into: 'rcache' | 'rbtree' }
  /** rcache magazines given back to the rbtree (magazine overflow or a flush after failure). */
  | { t: 'iova_rcache_release'; reason: 'depot-full' | 'flush'; nodes: Array<[number, number]> }
  | { t: 'iommu_map'; iova: number; phys: number; size: number; prot: number; ret: number }
  | { t: 'iommu_unmap'; iova: number; size: number; unmapped: number }
  /** The driver asked to invalidate what an unmap gathered (`pages`; 0 for an empty gather). */
  | { t: 'iotlb_sync'; pages: number }
  /** A map found a page-table entry already set (ARM: -EEXIST; Intel: kept the old one). */
  | { t: 'pte_collision'; iova: number; oldPhys: number; newPhys: number; kept: boolean }
  | { t: 'iova_to_phys'; iova: number; phys: number }
  /**
   * Slots are numbered from the start of the default pool (io_tlb_default_mem):
   * a slot of another pool (a restricted or a dynamic one) gets the number its
   * address has counted that way.
   */
  | { t: 'swiotlb_map'; orig: number; tlb: number; index: number; nslots: number; allocSize: number }
  | { t: 'swiotlb_full'; orig: number; allocSize: number; nslots: number; used: number; total: number }
  | { t: 'swiotlb_unmap'; tlb: number; index: number; nslots: number }
  /** An IOMMU bounce pool's buffer changes hands (bounce-slots.ts): taken (its pages fresh, or a cached slot's), cached after an unmap, or freed. */
  | { t: 'bounce_slot'; op: 'take-fresh' | 'take-cached' | 'cache' | 'free'; domain: string; iova: number; size: number; phys: number }
  /** An IOMMU bounce pool reserves IOVA space for its slots, or gives it back. */
  | { t: 'bounce_reserve'; domain: string; iova: number; size: number; released: boolean }
  /** An allocation made to fail (faults.ts): the nth of its kind, at `site`. */
  | { t: 'fault_injected'; kind: 'iova' | 'swiotlb' | 'pgtable' | 'pages' | 'slab'; nth: number; site: string }
  /**
   * A pseries TCE hcall: H_PUT_TCE of one TCE (a value of 0 clears it; `npages` counts a run of such calls on
   * consecutive TCEs), H_PUT_TCE_INDIRECT of `npages` TCEs listed in the guest page at `tce`, or H_STUFF_TCE
   * clearing `npages`; `stride` is the window's TCE page size; `ret` is the hypervisor's answer.
   */
  | { t: 'tce_hcall'; hcall: 'H_PUT_TCE' | 'H_PUT_TCE_INDIRECT' | 'H_STUFF_TCE'; liobn: number; ioba: number; tce: number; npages: number; stride: number; ret: number }
  /** A powerpc secure guest's ultravisor call: pages shared with the hypervisor, or made secure again (zeroed either way). */
  | { t: 'uv'; op: 'share' | 'unshare'; addr: number; pages: number }
  /** The hypervisor read guest memory for the guest (an hcall's argument in a page); `private` bytes of it were not shared and read as ciphertext. */
  | { t: 'hv_read'; what: string; addr: number; size: number; private: number }
  /** A message the kernel would print; `splat` for a WARN with its backtrace, false for dev_warn/pr_err. */
  | { t: 'warn'; site: string; message: string; splat: boolean };

export class Recorder {
  readonly events: MachineEvent[] = [];
  /** Tag stored with page-table entries and swiotlb slots created from now on. */
  owner = 0;
  /** The WARN_ONCE call sites that have fired on this machine. */
  readonly warnedOnce = new Set<string>();

  emit(event: MachineEvent): void {
    this.events.push(event);
  }

  warn(site: string, message: string, splat = true): void {
    this.events.push({ t: 'warn', site, message, splat });
  }
}

/**
 * The simulated kernel stopping: an outcome of the case, not a failure of the
 * harness, so no JavaScript stack is captured (that cost 12 µs a throw, a
 * twentieth of the time of the case that spins).
 */
abstract class KernelStop extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The kernel's BUG()/BUG_ON(): the simulated kernel stops here. */
export class KernelBug extends KernelStop {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBug';
  }
}

/** A CPU spinning without progress, as the soft-lockup watchdog would report it. */
export class SoftLockup extends KernelStop {
  constructor(message: string) {
    super(message);
    this.name = 'SoftLockup';
  }
}
