// drivers/iommu/iova.c (with the inlines and struct iova_domain of
// include/linux/iova.h), 5.14/5.15 era (kernel-model §3.3), for the code
// state described in variant.json next to this file.
//
// Ranges are allocated top-down, naturally aligned to their size rounded up to
// a power of two, from an ordered set of allocated nodes that stands in for
// the rbtree (the anchor node sits above every pfn). In front of it, the
// per-size "rcache": for sizes up to 32 pages, freed pfns are kept in
// magazines of 128 and handed out again last-in first-out, while their nodes
// stay allocated in the tree. The model has one CPU, so one loaded and one
// previous magazine per size class, plus the global depot of 32 magazines.
//
// Two consequences the model keeps on purpose:
//  - the bin a pfn is cached in comes from the size passed when it is freed,
//    while the node keeps the size it was allocated with;
//  - a node leaves the tree only when a magazine holding its pfn is released
//    (depot full, or the flush after a failed allocation), and then whole.

import {
  __ffs,
  alignDown,
  alignUp,
  before,
  BIT,
  BUG_ON,
  fls_long,
  hex,
  insertAt,
  is_power_of_2,
  machine,
  order_base_2,
  PAGE_SIZE,
  removeAt,
  should_fail,
  type AddressRange,
  type IovaSpace,
} from '../../harness/kernel.js';

export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
const IOVA_MAG_SIZE = 128;
const MAX_GLOBAL_MAGS = 32;

/** The anchor node's pfn (~0UL in C); above every real pfn. */
const IOVA_ANCHOR = Number.MAX_SAFE_INTEGER;

export interface iova {
  pfn_lo: number;
  pfn_hi: number;
}

interface iova_magazine {
  pfns: number[];
}

interface iova_rcache {
  loaded: iova_magazine;
  prev: iova_magazine;
  depot: iova_magazine[];
}

/** struct iova_domain; zeroed until init_iova_domain, as in a cookie fresh from kzalloc. */
export class IovaDomain implements IovaSpace {
  granule = 0;
  start_pfn = 0;
  dma_32bit_pfn = 0;
  max32_alloc_size = 0;
  /** Allocated nodes in pfn order; the last one is always the anchor. */
  readonly nodes: iova[] = [];
  readonly anchor: iova = { pfn_lo: IOVA_ANCHOR, pfn_hi: IOVA_ANCHOR };
  cached_node: iova = this.anchor;
  cached32_node: iova = this.anchor;
  readonly rcaches: iova_rcache[] = [];

  /** Allocated ranges, without the anchor. */
  allocated(): iova[] {
    return this.nodes.slice(0, -1);
  }

  /** For the machine: allocated ranges, each held as intended by the rcache (cached in the bin of its size) or not. */
  allocatedRanges(): AddressRange[] {
    const cachedIn = new Map<number, number>();
    this.cachedPfns().forEach((pfns, order) => pfns.forEach((pfn) => cachedIn.set(pfn, order)));
    return this.allocated().map((n) => ({ lo: n.pfn_lo, hi: n.pfn_hi, cached: cachedIn.get(n.pfn_lo) === order_base_2(n.pfn_hi - n.pfn_lo + 1) }));
  }

  /** For the machine: the allocator's part of its domain's final state. */
  finalSection(): Record<string, unknown> {
    const rcache: Record<string, number[]> = {};
    this.cachedPfns().forEach((pfns, order) => {
      if (pfns.length > 0) rcache[`order${order}`] = pfns;
    });
    const nodes = this.allocated();
    const shown = nodes.slice(0, 16).map((n) => `${hex(n.pfn_lo)}-${hex(n.pfn_hi)}`);
    if (nodes.length > 16) shown.push(`… ${nodes.length - 16} more`);
    return { iovas: shown, iova_ranges: nodes.length, rcache };
  }

  /** The pfns each size class holds, loaded magazine first, depot last. */
  cachedPfns(): number[][] {
    return this.rcaches.map((rc) => {
      const pfns = rc.loaded.pfns.concat(rc.prev.pfns);
      for (const mag of rc.depot) for (const pfn of mag.pfns) pfns.push(pfn);
      return pfns;
    });
  }

  indexOf(node: iova): number {
    let lo = 0;
    let hi = this.nodes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.nodes[mid]!.pfn_lo < node.pfn_lo) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  rb_prev(node: iova): iova | null {
    return before(this.nodes, this.indexOf(node)) ?? null;
  }

  rb_next(node: iova): iova | null {
    return this.nodes[this.indexOf(node) + 1] ?? null;
  }
}

/** Set up a domain's allocator: granule, first usable pfn, the anchor, empty caches. */
export function init_iova_domain(iovad: IovaDomain, granule: number, start_pfn: number): void {
  // IOMMUs whose page is larger than the CPU's are not supported here.
  BUG_ON(granule > PAGE_SIZE() || !is_power_of_2(granule), 'kernel BUG in init_iova_domain: BUG_ON((granule > PAGE_SIZE) || !is_power_of_2(granule))');
  iovad.granule = granule;
  iovad.start_pfn = start_pfn;
  iovad.dma_32bit_pfn = BIT(32 - __ffs(granule));
  iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  iovad.nodes.push(iovad.anchor);
  iovad.cached_node = iovad.anchor;
  iovad.cached32_node = iovad.anchor;
  for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
    iovad.rcaches.push({ loaded: { pfns: [] }, prev: { pfns: [] }, depot: [] });
  }
}

export function iova_shift(iovad: IovaDomain): number {
  return __ffs(iovad.granule);
}

export function iova_mask(iovad: IovaDomain): number {
  return iovad.granule - 1;
}

export function iova_offset(iovad: IovaDomain, iova: number): number {
  return iova % iovad.granule;
}

export function iova_align(iovad: IovaDomain, size: number): number {
  return alignUp(size, iovad.granule);
}

export function iova_pfn(iovad: IovaDomain, iova: number): number {
  return Math.floor(iova / iovad.granule);
}

function __get_cached_rbnode(iovad: IovaDomain, limit_pfn: number): iova {
  if (limit_pfn <= iovad.dma_32bit_pfn) return iovad.cached32_node;
  return iovad.cached_node;
}

function __cached_rbnode_insert_update(iovad: IovaDomain, n: iova): void {
  if (n.pfn_hi < iovad.dma_32bit_pfn) iovad.cached32_node = n;
  else iovad.cached_node = n;
}

function __cached_rbnode_delete_update(iovad: IovaDomain, free: iova): void {
  let cached_iova = iovad.cached32_node;
  if (free === cached_iova || (free.pfn_hi < iovad.dma_32bit_pfn && free.pfn_lo >= cached_iova.pfn_lo)) {
    iovad.cached32_node = iovad.rb_next(free)!;
    iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  }
  cached_iova = iovad.cached_node;
  if (free.pfn_lo >= cached_iova.pfn_lo) iovad.cached_node = iovad.rb_next(free)!;
}

function __alloc_and_insert_iova_range(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  size_aligned: boolean,
): iova | null {
  const align = size_aligned ? BIT(fls_long(size - 1)) : 1;
  let high_pfn = limit_pfn;
  let low_pfn = iovad.start_pfn;

  if (limit_pfn <= iovad.dma_32bit_pfn && size >= iovad.max32_alloc_size) return null;

  let curr: iova | null = __get_cached_rbnode(iovad, limit_pfn);
  let curr_iova: iova = curr;
  // In C this is curr_iova->pfn_hi + 1, which wraps to 0 for the anchor
  // (~0UL); the retry below then runs with low_pfn = 0. Kept as in 5.14.
  const retry_pfn = curr_iova === iovad.anchor ? 0 : curr_iova.pfn_hi + 1;
  let new_pfn: number;
  let prev: iova;

  for (;;) {
    do {
      high_pfn = Math.min(high_pfn, curr_iova.pfn_lo);
      new_pfn = alignDown(high_pfn - size, align);
      prev = curr!;
      curr = iovad.rb_prev(curr!);
      if (curr !== null) curr_iova = curr;
    } while (curr !== null && new_pfn <= curr_iova.pfn_hi && new_pfn >= low_pfn);

    if (high_pfn < size || new_pfn < low_pfn) {
      if (low_pfn === iovad.start_pfn && retry_pfn < limit_pfn) {
        high_pfn = limit_pfn;
        low_pfn = retry_pfn;
        curr = iovad.anchor;
        curr_iova = curr;
        continue;
      }
      iovad.max32_alloc_size = size;
      return null;
    }
    break;
  }

  const n: iova = { pfn_lo: new_pfn, pfn_hi: new_pfn + size - 1 };
  insertAt(iovad.nodes, iovad.indexOf(prev), n);
  __cached_rbnode_insert_update(iovad, n);
  return n;
}

/** kmem_cache_zalloc of a struct iova (GFP_ATOMIC): fails only when a fault is injected. */
function alloc_iova_mem(): boolean {
  return !should_fail('iova', 'alloc_iova_mem');
}

export function alloc_iova(iovad: IovaDomain, size: number, limit_pfn: number, size_aligned: boolean): iova | null {
  if (!alloc_iova_mem()) return null;
  return __alloc_and_insert_iova_range(iovad, size, limit_pfn + 1, size_aligned);
}

function private_find_iova(iovad: IovaDomain, pfn: number): iova | null {
  let lo = 0;
  let hi = iovad.nodes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (iovad.nodes[mid]!.pfn_hi < pfn) lo = mid + 1;
    else hi = mid;
  }
  const n = iovad.nodes[lo]!;
  return n !== iovad.anchor && n.pfn_lo <= pfn && pfn <= n.pfn_hi ? n : null;
}

function remove_iova(iovad: IovaDomain, n: iova): void {
  __cached_rbnode_delete_update(iovad, n);
  removeAt(iovad.nodes, iovad.indexOf(n), 1);
}

export function find_iova(iovad: IovaDomain, pfn: number): iova | null {
  return private_find_iova(iovad, pfn);
}

export function free_iova(iovad: IovaDomain, pfn: number): void {
  const n = private_find_iova(iovad, pfn);
  if (n === null) return;
  remove_iova(iovad, n);
}

export function alloc_iova_fast(iovad: IovaDomain, size: number, limit_pfn: number, flush_rcache: boolean): number {
  const iova_pfn = iova_rcache_get(iovad, size, limit_pfn + 1);
  if (iova_pfn) {
    machine().recorder.emit({ t: 'iova_alloc', pfn: iova_pfn, pages: size, limitPfn: limit_pfn, from: 'rcache' });
    return iova_pfn;
  }
  for (;;) {
    const new_iova = alloc_iova(iovad, size, limit_pfn, true);
    if (new_iova !== null) {
      machine().recorder.emit({ t: 'iova_alloc', pfn: new_iova.pfn_lo, pages: size, limitPfn: limit_pfn, from: 'rbtree' });
      return new_iova.pfn_lo;
    }
    if (!flush_rcache) {
      machine().recorder.emit({ t: 'iova_alloc_fail', pages: size, limitPfn: limit_pfn });
      return 0;
    }
    // Try replenishing IOVAs by flushing the caches, then retry once.
    flush_rcache = false;
    free_cpu_cached_iovas(iovad);
    free_global_cached_iovas(iovad);
  }
}

export function free_iova_fast(iovad: IovaDomain, pfn: number, size: number): void {
  if (iova_rcache_insert(iovad, pfn, size)) {
    machine().recorder.emit({ t: 'iova_free', pfn, pages: size, into: 'rcache' });
    return;
  }
  free_iova(iovad, pfn);
  machine().recorder.emit({ t: 'iova_free', pfn, pages: size, into: 'rbtree' });
}

function iova_magazine_free_pfns(iovad: IovaDomain, mag: iova_magazine, reason: 'depot-full' | 'flush'): void {
  const released: Array<[number, number]> = [];
  for (const pfn of mag.pfns) {
    const n = private_find_iova(iovad, pfn);
    if (n === null) {
      machine().recorder.warn('iova_magazine_free_pfns', `WARN_ON(!iova): cached pfn ${pfn} has no node`);
      continue;
    }
    released.push([n.pfn_lo, n.pfn_hi]);
    remove_iova(iovad, n);
  }
  mag.pfns = [];
  if (released.length > 0) machine().recorder.emit({ t: 'iova_rcache_release', reason, nodes: released });
}

function iova_magazine_full(mag: iova_magazine): boolean {
  return mag.pfns.length === IOVA_MAG_SIZE;
}

function iova_magazine_empty(mag: iova_magazine): boolean {
  return mag.pfns.length === 0;
}

function iova_magazine_pop(mag: iova_magazine, limit_pfn: number): number {
  // Only fall back to the rbtree if no cached pfn fits under the limit.
  let i = mag.pfns.length - 1;
  while (mag.pfns[i]! > limit_pfn) {
    if (i === 0) return 0;
    i--;
  }
  const pfn = mag.pfns[i]!;
  mag.pfns[i] = mag.pfns[mag.pfns.length - 1]!;
  mag.pfns.pop();
  return pfn;
}

function __iova_rcache_insert(iovad: IovaDomain, rcache: iova_rcache, iova_pfn: number): boolean {
  let mag_to_free: iova_magazine | null = null;
  if (!iova_magazine_full(rcache.loaded)) {
    // room in the loaded magazine
  } else if (!iova_magazine_full(rcache.prev)) {
    [rcache.prev, rcache.loaded] = [rcache.loaded, rcache.prev];
  } else {
    if (rcache.depot.length < MAX_GLOBAL_MAGS) rcache.depot.push(rcache.loaded);
    else mag_to_free = rcache.loaded;
    rcache.loaded = { pfns: [] };
  }
  rcache.loaded.pfns.push(iova_pfn);
  if (mag_to_free !== null) iova_magazine_free_pfns(iovad, mag_to_free, 'depot-full');
  return true;
}

function iova_rcache_insert(iovad: IovaDomain, pfn: number, size: number): boolean {
  const log_size = order_base_2(size);
  if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
  return __iova_rcache_insert(iovad, iovad.rcaches[log_size]!, pfn);
}

function __iova_rcache_get(rcache: iova_rcache, limit_pfn: number): number {
  let has_pfn = false;
  if (!iova_magazine_empty(rcache.loaded)) {
    has_pfn = true;
  } else if (!iova_magazine_empty(rcache.prev)) {
    [rcache.prev, rcache.loaded] = [rcache.loaded, rcache.prev];
    has_pfn = true;
  } else if (rcache.depot.length > 0) {
    rcache.loaded = rcache.depot.pop()!;
    has_pfn = true;
  }
  return has_pfn ? iova_magazine_pop(rcache.loaded, limit_pfn) : 0;
}

function iova_rcache_get(iovad: IovaDomain, size: number, limit_pfn: number): number {
  const log_size = order_base_2(size);
  if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE) return 0;
  return __iova_rcache_get(iovad.rcaches[log_size]!, limit_pfn - size);
}

function free_cpu_cached_iovas(iovad: IovaDomain): void {
  for (const rcache of iovad.rcaches) {
    iova_magazine_free_pfns(iovad, rcache.loaded, 'flush');
    iova_magazine_free_pfns(iovad, rcache.prev, 'flush');
  }
}

function free_global_cached_iovas(iovad: IovaDomain): void {
  for (const rcache of iovad.rcaches) {
    for (const mag of rcache.depot) iova_magazine_free_pfns(iovad, mag, 'flush');
    rcache.depot = [];
  }
}
