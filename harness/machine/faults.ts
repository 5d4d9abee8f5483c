// Fault injection: making the Nth allocation of a kind fail, as the kernel's
// fault-injection framework (failslab, fail_page_alloc) and iommufd's
// fail_nth selftest do, so that the unwinding of a failed map runs.
//
// Every allocation site the model has asks should_fail() first; the machine
// counts the asks of each kind (the injection points a run passes) and says
// yes to the ones the scenario picked. The sites, and how far each is the
// kernel's own:
//
//   iova     alloc_iova_mem() in alloc_iova(): the kmem_cache_zalloc of a
//            struct iova, a failslab point in the kernel too. A range
//            served from the rcache allocates nothing and is not a point.
//   swiotlb  the start of the slot search (find_slots, swiotlb_find_slots):
//            the kernel has no injection point here; a failure stands for a
//            pool with no room, which the search reports as -1.
//   pgtable  each batch the IOMMU core hands the driver: an iommu_map call's
//            pages in 5.14 (as if the first page's ops->map failed), each
//            ops->map_pages call from 5.15, each VT-d __domain_mapping;
//            it fails with -ENOMEM before an entry is written. The kernel
//            allocates page-table memory (fail_page_alloc) only where a
//            table level is missing; the model has no table levels, so
//            every batch is a point.

import type { FaultKind, Fail } from '../fixtures/fixture-types.generated.js';
import { machine } from './current.js';
import type { Recorder } from './events.js';

export type { FaultKind, Fail };

export const FAULT_KINDS: readonly FaultKind[] = ['iova', 'swiotlb', 'pgtable'];

export class FaultInjector {
  /** How many times each kind was asked for: the injection points passed. */
  readonly points: Record<FaultKind, number> = { iova: 0, swiotlb: 0, pgtable: 0 };
  /** Failures injected. */
  injected = 0;

  constructor(
    /** Which allocations fail; null: none. */
    readonly fail: Fail | null,
    private readonly recorder: Recorder,
  ) {}

  /**
   * Whether the allocation at `site` fails: the fail's kind, from its nth
   * point on, `times` of them (-1: every one from the nth on, as the
   * kernel's fault_attr times does).
   */
  should_fail(kind: FaultKind, site: string): boolean {
    const n = ++this.points[kind];
    const f = this.fail;
    // nth 0: count the points, fail nothing.
    if (f === null || f.kind !== kind || f.nth === 0 || n < f.nth) return false;
    const times = f.times ?? 1;
    if (times !== -1 && n >= f.nth + times) return false;
    this.injected++;
    this.recorder.emit({ t: 'fault_injected', kind, nth: n, site });
    return true;
  }
}

/** The hook as kernel code calls it: whether this allocation of `kind`, made in `site`, fails on the running machine. */
export function should_fail(kind: FaultKind, site: string): boolean {
  return machine().faults.should_fail(kind, site);
}
