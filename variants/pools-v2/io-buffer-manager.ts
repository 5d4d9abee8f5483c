// drivers/iommu/io-buffer-manager.c and io-buffer-manager.h as they stand
// after "[PATCH v2 7/9] dma-iommu: support iommu bounce buffer optimization"
// (David Stevens, 6 August 2021): allocates and tracks bounce buffers and
// their IOVAs, without mapping them or copying. Function by function in the
// C file's order; written for the model, the C is the reference, not the
// text.
//
// Eight pools per domain, of buffers of 1 to 128 pages, each with
// buffer_pool_size slots at IOVAs carved from one reservation made at boot
// (255 pages per slot, at most half the device's IOVA space). A slot gets
// pages the first time it is used and keeps them, still mapped, in its
// pool's cache after the unmap; a delayed work frees cached slots left idle
// for a whole period. A buffer no pool can give (too big, or its pool's
// slots all taken) is a single-use one with an IOVA of its own, kept in an
// rbtree, but only where the bounce is required.
//
// The C's singly linked lists keep their `next` pointers here, and the
// pointer-to-pointer walks (prev_link) are objects with get and set. The
// rbtree of single-use buffers is an array in IOVA order. Spinlocks have no
// effect on one CPU and are left out. Where a buffer changes hands the code
// reports to the machine's record of bounce buffers (bounce_slot_taken and
// the like): instruments, not C.

import {
  ALIGN,
  BUG,
  bounce_iova_released,
  bounce_iova_reserved,
  bounce_slot_cached,
  bounce_slot_freed,
  bounce_slot_taken,
  BUG_ON,
  cancel_delayed_work_sync,
  create_singlethread_workqueue,
  type delayed_work,
  destroy_workqueue,
  type device,
  type dma_addr_t,
  dma_get_mask,
  fls_long,
  __free_page,
  __GFP_HIGHMEM,
  __GFP_NORETRY,
  __GFP_NOWARN,
  alloc_pages_node,
  andNot,
  GFP_ATOMIC,
  INIT_DELAYED_WORK,
  iommu_get_dma_domain,
  IOMMU_READ,
  IOMMU_WRITE,
  machine,
  msecs_to_jiffies,
  PAGE_SHIFT,
  PAGE_SIZE,
  queue_delayed_work,
  roundup_pow_of_two,
  type scatterlist,
  shl64,
  should_fail,
  type size_t,
  type workqueue_struct,
} from '../../harness/kernel.js';
import type { IovaDomain as iova_domain } from '../v5.14/iova.js';
import { __iommu_dma_alloc_iova, __iommu_dma_free_iova, __iommu_dma_limit, type iommu_domain } from './dma-iommu.js';
import { io_bounce_buffers_release_buffer_cb, type io_bounce_buffers } from './io-bounce-buffers.js';

const EVICT_PERIOD_MSEC = 5000;

const ENOSPC = 28;
const ENOMEM = 12;

/** What a bounce buffer is, to the layer that uses it: its pages (struct page **), its IOVA and its size. */
export interface io_bounce_buffer_info {
  bounce_buffer: number[];
  iova: dma_addr_t;
  size: size_t;
}

/** struct io_buffer_slot. `orig_buffer`: a page (its address) or the scatterlist; null while cached or empty. */
interface io_buffer_slot {
  index: number;
  orig_buffer: number | scatterlist[] | null;
  bounce_buffer: number[] | null;
  next: io_buffer_slot | null;
  prot: number;
  old_cache_entry: boolean;
}

/** enum io_buffer_slot_type: a cache per kind of access. */
const IO_BUFFER_SLOT_TYPE_RO = 0;
const IO_BUFFER_SLOT_TYPE_WO = 1;
const IO_BUFFER_SLOT_TYPE_RW = 2;
const IO_BUFFER_SLOT_TYPE_COUNT = 3;

/** struct io_buffer_pool: lists by their heads; `slots` allocated on first use (null until then). */
interface io_buffer_pool {
  cached_slots: Array<io_buffer_slot | null>;
  empty_slots: io_buffer_slot | null;
  untouched_slot_idx: number;
  iova_base: dma_addr_t;
  buffer_size: size_t;
  slots: io_buffer_slot[] | null;
}

const NUM_POOLS = 8;

/** struct io_buffer_node: a single-use buffer, in the rbtree by IOVA range. */
interface io_buffer_node {
  info: io_bounce_buffer_info;
  orig_buffer: number | scatterlist[] | null;
  prot: number;
}

/** struct io_buffer_manager, embedded in struct io_bounce_buffers (`container`). */
export interface io_buffer_manager {
  container: io_bounce_buffers;
  evict_wq: workqueue_struct;
  evict_work: delayed_work<io_buffer_manager>;
  num_slots: number;
  /** The rbtree of single-use buffers, as an array in IOVA order. */
  fallback_buffers: io_buffer_node[];
  pools: io_buffer_pool[];
  iova: dma_addr_t;
  iova_size: size_t;
}

/** prerelease_cb: what release_buffer calls with the buffer it found, before it lets go. */
export type prerelease_cb<C> = (info: io_bounce_buffer_info, prot: number, orig_buffer: number | scatterlist[] | null, ctx: C) => void;

/** A pointer to a list link (struct io_buffer_slot **): the head of a list, or a slot's next. */
interface link {
  get(): io_buffer_slot | null;
  set(slot: io_buffer_slot | null): void;
}

function nextOf(slot: io_buffer_slot): link {
  return { get: () => slot.next, set: (v) => (slot.next = v) };
}

function io_buffer_manager_free_pages(pages: number[], count: number): void {
  while (count--) __free_page(pages[count]!);
}

/** `count` single pages, low memory tried before high memory; null (and nothing kept) when one cannot be had. */
function io_buffer_manager_alloc_pages(count: number, nid: number): number[] | null {
  // kmalloc_array(GFP_ATOMIC): a failslab point.
  if (should_fail('slab', 'kmalloc_array')) return null;
  const pages: number[] = [];

  // The IOMMU maps high memory too, but low memory is cheaper to copy to.
  for (let i = 0; i < count; i++) {
    pages[i] = alloc_pages_node(nid, GFP_ATOMIC | __GFP_NORETRY | __GFP_NOWARN, 0);
    if (!pages[i]) {
      pages[i] = alloc_pages_node(nid, GFP_ATOMIC | __GFP_HIGHMEM, 0);
      if (!pages[i]) {
        io_buffer_manager_free_pages(pages, i);
        return null;
      }
    }
  }

  return pages;
}

function io_buffer_slot_to_iova(slot: io_buffer_slot, pool: io_buffer_pool): dma_addr_t {
  return pool.iova_base + pool.buffer_size * slot.index;
}

/** The head of the cache for `prot`: by its read and write bits; BUG on neither. */
function io_buffer_pool_get_cache(pool: io_buffer_pool, prot: number): link {
  prot &= IOMMU_READ | IOMMU_WRITE;
  let type = IO_BUFFER_SLOT_TYPE_RW;
  if (prot === IOMMU_READ) type = IO_BUFFER_SLOT_TYPE_RO;
  else if (prot === IOMMU_WRITE) type = IO_BUFFER_SLOT_TYPE_WO;
  else BUG_ON(prot === 0, 'io_buffer_pool_get_cache: BUG_ON(prot == 0)');
  return { get: () => pool.cached_slots[type]!, set: (v) => (pool.cached_slots[type] = v) };
}

/**
 * Unmap and free a chain of evicted slots. A slot whose unmap fails is left
 * out of the chain (and leaked); `head` and `tail_link` give the freed
 * chain back, to go on the empty list.
 */
function io_buffer_manager_relese_slots(manager: io_buffer_manager, pool: io_buffer_pool, to_free: io_buffer_slot | null, head: link, tail_link: { value: link }): void {
  head.set(to_free);
  let prev_link: link = head;

  let tmp: io_buffer_slot | null;
  while ((tmp = prev_link.get())) {
    const iova = io_buffer_slot_to_iova(tmp, pool);

    if (io_bounce_buffers_release_buffer_cb(manager, iova, pool.buffer_size)) {
      io_buffer_manager_free_pages(tmp.bounce_buffer!, pool.buffer_size >> PAGE_SHIFT());
      bounce_slot_freed(manager.container.domain.name, iova, pool.buffer_size);
    } else {
      // An IOVA in an unknown state: the slot leaves the chain for good.
      machine().recorder.warn('io_buffer_manager_relese_slots', 'Bounce buffer release failed; leaking slot', false);
      prev_link.set(tmp.next);
    }
    prev_link = nextOf(tmp);
  }

  tail_link.value = prev_link;
}

/**
 * Each cache, from its head (the most recently cached): mark slots old up to
 * the first that was old already, and free that one and everything after
 * it; all of it at teardown. A slot lives one to two periods after its last
 * unmap.
 */
function __io_buffer_manager_evict(manager: io_buffer_manager, pool_teardown: boolean): void {
  let requeue = false;

  for (let i = 0; i < NUM_POOLS; i++) {
    const pool = manager.pools[i]!;

    for (let j = 0; j < IO_BUFFER_SLOT_TYPE_COUNT; j++) {
      let prev_link: link = { get: () => pool.cached_slots[j]!, set: (v) => (pool.cached_slots[j] = v) };
      let to_free: io_buffer_slot | null;

      if (pool_teardown) {
        to_free = prev_link.get();
      } else {
        while ((to_free = prev_link.get())) {
          if (to_free.old_cache_entry) {
            prev_link.set(null);
            break;
          }
          requeue = true;
          to_free.old_cache_entry = true;
          prev_link = nextOf(to_free);
        }
      }
      if (!to_free) continue;

      // Released without the pool's lock.
      const freed = { value: null as io_buffer_slot | null };
      const tail = { value: prev_link };
      io_buffer_manager_relese_slots(manager, pool, to_free, { get: () => freed.value, set: (v) => (freed.value = v) }, tail);
      to_free = freed.value;
      prev_link = tail.value;

      if (to_free) {
        prev_link.set(pool.empty_slots);
        pool.empty_slots = to_free;
      }
    }
  }

  if (requeue) queue_delayed_work(manager.evict_wq, manager.evict_work, msecs_to_jiffies(EVICT_PERIOD_MSEC));
}

/** The single-use buffer whose IOVA range holds `iova`. */
function find_fallback_node(root: io_buffer_node[], iova: dma_addr_t): io_buffer_node | null {
  return root.find((cur) => iova >= cur.info.iova && iova < cur.info.iova + cur.info.size) ?? null;
}

/** Insert in IOVA order; false, with pr_crit, for a range that overlaps one already there. */
function insert_fallback_node(root: io_buffer_node[], node: io_buffer_node): boolean {
  const node_end = node.info.iova + node.info.size;

  for (const cur of root) {
    const cur_end = cur.info.iova + cur.info.size;
    if (!(node_end <= cur.info.iova) && !(node.info.iova >= cur_end)) {
      machine().recorder.warn('insert_fallback_node', `IOVA collision new=[${node.info.iova.toString(16)},${node_end.toString(16)}) old=[${cur.info.iova.toString(16)},${cur_end.toString(16)})`, false);
      return false;
    }
  }

  let at = 0;
  while (at < root.length && root[at]!.info.iova < node.info.iova) at++;
  root.splice(at, 0, node);
  return true;
}

function io_buffer_manager_evict(work: delayed_work<io_buffer_manager>): void {
  const manager = work.container;
  __io_buffer_manager_evict(manager, false);
}

function fill_buffer_info(slot: io_buffer_slot, pool: io_buffer_pool): io_bounce_buffer_info {
  return { bounce_buffer: slot.bounce_buffer!, iova: io_buffer_slot_to_iova(slot, pool), size: pool.buffer_size };
}

/** Whether the pool has an empty slot, handing out a never-used one (the slot array made on first use) when needed. */
function io_buffer_pool_has_empty_slot(pool: io_buffer_pool, num_slots: number): boolean {
  if (pool.empty_slots) return true;

  if (!pool.slots) {
    // kmalloc_array(GFP_ATOMIC): a failslab point.
    if (should_fail('slab', 'kmalloc_array')) return false;
    pool.slots = [];
  }

  if (pool.untouched_slot_idx < num_slots) {
    const slot: io_buffer_slot = { index: pool.untouched_slot_idx, orig_buffer: null, bounce_buffer: null, next: null, prot: 0, old_cache_entry: false };
    pool.slots[pool.untouched_slot_idx++] = slot;
    pool.empty_slots = slot;
  }

  return !!pool.empty_slots;
}

/**
 * A slot of the smallest pool that holds `size`: a cached one mapped with
 * exactly `prot`, else an empty one with fresh pages (new_buffer: it still
 * has to be mapped). Null when the size fits no pool or the pool has no
 * slot left.
 */
function io_buffer_manager_alloc_slot(manager: io_buffer_manager, orig_buffer: number | scatterlist[], size: size_t, prot: number, nid: number): { info: io_bounce_buffer_info; new_buffer: boolean } | null {
  let slot: io_buffer_slot | null = null;

  if (!manager.num_slots) return null;

  // The power of two of pages needed, and so the pool.
  let pool_idx = roundup_pow_of_two(ALIGN(size, PAGE_SIZE()));
  pool_idx = fls_long(pool_idx >> PAGE_SHIFT()) - 1;
  if (pool_idx >= NUM_POOLS) return null;
  const pool = manager.pools[pool_idx]!;

  let prev_link = io_buffer_pool_get_cache(pool, prot);
  let cur: io_buffer_slot | null;
  while ((cur = prev_link.get())) {
    if (cur.prot === prot) {
      slot = cur;
      prev_link.set(cur.next);
      break;
    }
    prev_link = nextOf(cur);
  }

  const new_buffer = slot === null;
  if (slot === null) {
    if (!io_buffer_pool_has_empty_slot(pool, manager.num_slots)) return null;

    slot = pool.empty_slots!;
    pool.empty_slots = slot.next;

    slot.bounce_buffer = io_buffer_manager_alloc_pages(pool.buffer_size >> PAGE_SHIFT(), nid);
    if (!slot.bounce_buffer) {
      slot.next = pool.empty_slots;
      pool.empty_slots = slot;
      return null;
    }
  }

  slot.orig_buffer = orig_buffer;
  slot.prot = prot;

  const info = fill_buffer_info(slot, pool);
  bounce_slot_taken(manager.container.domain.name, info.iova, info.size, info.bounce_buffer, new_buffer);
  return { info, new_buffer };
}

/**
 * A buffer for `size` bytes: a pool slot, else, only when the bounce is
 * required, a single-use buffer with an IOVA of its own. Null when neither.
 */
export function io_buffer_manager_alloc_buffer(
  manager: io_buffer_manager,
  dev: device,
  orig_buffer: number | scatterlist[],
  size: size_t,
  prot: number,
  require_bounce: boolean,
  nid: number,
): { info: io_bounce_buffer_info; new_buffer: boolean } | null {
  const domain: iommu_domain = iommu_get_dma_domain(dev);

  const slot = io_buffer_manager_alloc_slot(manager, orig_buffer, size, prot, nid);
  if (slot !== null) return slot;

  if (!require_bounce) return null;

  // kzalloc(GFP_ATOMIC): a failslab point.
  if (should_fail('slab', 'kzalloc')) return null;
  const node: io_buffer_node = { info: { bounce_buffer: [], iova: 0, size: 0 }, orig_buffer: null, prot: 0 };

  size = ALIGN(size, PAGE_SIZE());
  node.info.iova = __iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
  if (!node.info.iova) return null; // free_node

  const pages = io_buffer_manager_alloc_pages(size >> PAGE_SHIFT(), nid);
  if (!pages) {
    // free_iova, free_node
    __iommu_dma_free_iova(domain.iova_cookie, node.info.iova, size);
    return null;
  }
  node.info.bounce_buffer = pages;

  // Inserted while its size is still 0, as in C.
  if (!insert_fallback_node(manager.fallback_buffers, node)) {
    // fallback_lock_unlock, free_iova, free_node: the pages stay allocated.
    __iommu_dma_free_iova(domain.iova_cookie, node.info.iova, size);
    return null;
  }

  node.orig_buffer = orig_buffer;
  node.prot = prot;
  node.info.size = size;

  bounce_slot_taken(domain.name, node.info.iova, size, pages, true);
  return { info: { ...node.info }, new_buffer: true };
}

/**
 * The pool and slot an IOVA in the reservation falls in, by arithmetic: the
 * pools lie from the largest at the start of the range to the smallest at
 * its end, each twice the size of the next.
 */
function __io_buffer_manager_find_slot(manager: io_buffer_manager, handle: dma_addr_t): { pool: io_buffer_pool; slot: io_buffer_slot } | null {
  const iova_end = manager.iova + manager.iova_size;

  if (!manager.num_slots || handle < manager.iova || handle >= iova_end) return null;

  // How far from the end, in units of the smallest pool's range (from 1).
  let i = ALIGN(iova_end - handle, PAGE_SIZE()) >> PAGE_SHIFT();
  i = Math.ceil(i / manager.num_slots);
  i = fls_long(i) - 1;

  const pool = manager.pools[i]!;
  const slot = pool.slots?.[Math.floor((handle - pool.iova_base) / pool.buffer_size)];
  // A slot never handed out has no struct behind it: a wild pointer in C.
  if (slot === undefined) BUG(`__io_buffer_manager_find_slot: iova ${handle.toString(16)} is in pool ${i}, whose slot was never set up`);

  return { pool, slot };
}

/** The buffer behind a handle: a pool slot, or (when allowed) a single-use buffer; null for neither. */
export function io_buffer_manager_find_buffer(
  manager: io_buffer_manager,
  handle: dma_addr_t,
  may_use_fallback: boolean,
): { info: io_bounce_buffer_info; orig_buffer: number | scatterlist[] | null; prot: number } | null {
  const found = __io_buffer_manager_find_slot(manager, handle);
  if (found !== null) {
    return { info: fill_buffer_info(found.slot, found.pool), orig_buffer: found.slot.orig_buffer, prot: found.slot.prot };
  } else if (!may_use_fallback) return null;

  const node = find_fallback_node(manager.fallback_buffers, handle);

  if (!node) return null;

  return { info: { ...node.info }, orig_buffer: node.orig_buffer, prot: node.prot };
}

/**
 * Let go of the buffer behind a handle, after `cb` has had it: a slot goes
 * to its pool's cache still mapped (or, for a map that failed, back to the
 * empty list with its pages freed); a single-use buffer is unmapped (if
 * it was mapped), freed, and its IOVA given back. False when the handle is
 * not the manager's.
 */
export function io_buffer_manager_release_buffer<C>(
  manager: io_buffer_manager,
  domain: iommu_domain,
  handle: dma_addr_t,
  inited: boolean,
  may_use_fallback: boolean,
  cb: prerelease_cb<C> | null,
  ctx: C,
): boolean {
  const found = __io_buffer_manager_find_slot(manager, handle);
  if (found !== null) {
    const { pool, slot } = found;
    const iova = io_buffer_slot_to_iova(slot, pool);
    if (cb) cb(fill_buffer_info(slot, pool), slot.prot, slot.orig_buffer, ctx);

    if (inited) {
      const cache = io_buffer_pool_get_cache(pool, slot.prot);
      if (cache.get() === null) queue_delayed_work(manager.evict_wq, manager.evict_work, msecs_to_jiffies(EVICT_PERIOD_MSEC));

      slot.orig_buffer = null;
      slot.next = cache.get();
      cache.set(slot);
      slot.old_cache_entry = false;
      bounce_slot_cached(domain.name, iova, pool.buffer_size);
    } else {
      io_buffer_manager_free_pages(slot.bounce_buffer!, pool.buffer_size >> PAGE_SHIFT());
      slot.next = pool.empty_slots;
      pool.empty_slots = slot;
      bounce_slot_freed(domain.name, iova, pool.buffer_size);
    }

    return true;
  } else if (!may_use_fallback) return false;

  const node = find_fallback_node(manager.fallback_buffers, handle);
  if (node) manager.fallback_buffers.splice(manager.fallback_buffers.indexOf(node), 1);

  if (!node) return false;

  if (cb) cb(node.info, node.prot, node.orig_buffer, ctx);

  const free_buffer = inited ? io_bounce_buffers_release_buffer_cb(manager, node.info.iova, node.info.size) : true;

  if (free_buffer) {
    io_buffer_manager_free_pages(node.info.bounce_buffer, node.info.size >> PAGE_SHIFT());
    __iommu_dma_free_iova(domain.iova_cookie, node.info.iova, node.info.size);
    bounce_slot_freed(domain.name, node.info.iova, node.info.size);
  } else {
    machine().recorder.warn('io_buffer_manager_release_buffer', 'Bounce buffer release failed; leaking buffer', false);
  }

  // kfree(node)
  return true;
}

/** iommu_put_dma_cookie's teardown (no case frees a domain). */
export function io_buffer_manager_destroy(manager: io_buffer_manager, domain: iommu_domain): void {
  if (!manager.num_slots) return;

  cancel_delayed_work_sync(manager.evict_work);
  destroy_workqueue(manager.evict_wq);
  __io_buffer_manager_evict(manager, true);
  __iommu_dma_free_iova(domain.iova_cookie, manager.iova, manager.iova_size);
  bounce_iova_released(domain.name, manager.iova, manager.iova_size);

  for (let i = 0; i < NUM_POOLS; i++) manager.pools[i]!.slots = null;
}

/**
 * The first IOVA the allocator hands out, as the C computes it: the start
 * pfn shifted by the granule itself (4096) rather than by its order, a
 * shift C leaves undefined; the platform's shift_overflow says what the
 * machine gives for it.
 */
function start_iova_of(iovad: iova_domain): number {
  return shl64(iovad.start_pfn, iovad.granule);
}

/** A second device in the domain: the reservation must lie in its DMA range and under its limit. */
export function io_buffer_manager_reinit_check(manager: io_buffer_manager, dev: device, iovad: iova_domain, base: dma_addr_t, limit: dma_addr_t): boolean {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const dma_limit = __iommu_dma_limit(domain, dev, dma_get_mask(dev));
  const start_iova = start_iova_of(iovad);

  if (!manager.num_slots) return true;

  if (base > manager.iova || limit < manager.iova + manager.iova_size) {
    machine().recorder.warn('io_buffer_manager_reinit_check', 'Bounce buffer pool out of range', false);
    return false;
  }

  if (andNot(manager.iova + manager.iova_size - 1, dma_limit)) {
    machine().recorder.warn('io_buffer_manager_reinit_check', 'Bounce buffer pool larger than dma limit', false);
    return false;
  }

  if (manager.iova_size > (dma_limit - start_iova) / 2) machine().recorder.warn('io_buffer_manager_reinit_check', 'Bounce buffer pool using >1/2 of iova range', false);

  return true;
}

/**
 * Reserve IOVA for num_slots slots of every pool (255 pages a slot), at most
 * half of the device's IOVA space, halving on failure; lay the pools out
 * from the largest. A manager with no slots bounces through single-use
 * buffers only.
 */
export function io_buffer_manager_init(manager: io_buffer_manager, dev: device, iovad: iova_domain, num_slots: number): number {
  const domain: iommu_domain = iommu_get_dma_domain(dev);
  const old_num_slots = num_slots;

  manager.fallback_buffers = [];
  manager.num_slots = 0;
  manager.iova = 0;
  manager.iova_size = 0;
  manager.pools = Array.from({ length: NUM_POOLS }, () => ({
    cached_slots: Array.from({ length: IO_BUFFER_SLOT_TYPE_COUNT }, () => null),
    empty_slots: null,
    untouched_slot_idx: 0,
    iova_base: 0,
    buffer_size: 0,
    slots: null,
  }));

  if (num_slots === 0) return 0;

  // The workqueue at boot: the model never fails it.
  manager.evict_work = INIT_DELAYED_WORK(manager, io_buffer_manager_evict);
  manager.evict_wq = create_singlethread_workqueue('io-buffer-buffers');
  if (!manager.evict_wq) return -ENOMEM;

  // Leave IOVA for buffers that are not pooled, and give up halves of the
  // range when the reservation does not fit (reserved regions).
  const dma_limit = __iommu_dma_limit(domain, dev, dma_get_mask(dev));
  const start_iova = start_iova_of(iovad);
  let max_reserved_iova_pages = Math.floor(Math.floor((dma_limit - start_iova) / 2) / PAGE_SIZE());
  const pages_per_slot = (1 << NUM_POOLS) - 1;
  let reserved_iova_pages: number;
  do {
    reserved_iova_pages = pages_per_slot * num_slots;
    if (reserved_iova_pages > max_reserved_iova_pages) {
      num_slots = Math.floor(max_reserved_iova_pages / pages_per_slot);
      reserved_iova_pages = pages_per_slot * num_slots;
    }

    manager.iova_size = reserved_iova_pages * PAGE_SIZE();
    manager.iova = __iommu_dma_alloc_iova(domain, manager.iova_size, dma_get_mask(dev), dev);
    max_reserved_iova_pages = Math.floor(max_reserved_iova_pages / 2);
  } while (!manager.iova && max_reserved_iova_pages >= pages_per_slot);

  if (!manager.iova) {
    destroy_workqueue(manager.evict_wq);
    return -ENOSPC;
  } else if (num_slots < old_num_slots) {
    machine().recorder.warn('io_buffer_manager_init', `Insufficient space for ${old_num_slots} slots, limited to ${num_slots}`, false);
  }
  manager.num_slots = num_slots;
  bounce_iova_reserved(domain.name, manager.iova, manager.iova_size);

  // Slots aligned to their size, so that none crosses a boundary of its
  // size: the reservation is aligned to a power of two above the largest
  // buffer, and each pool starts where the larger one before it ends.
  let iova_base = manager.iova;
  for (let i = NUM_POOLS - 1; i >= 0; i--) {
    const pool = manager.pools[i]!;

    pool.empty_slots = null;
    pool.untouched_slot_idx = 0;
    pool.buffer_size = PAGE_SIZE() * 2 ** i;
    pool.iova_base = iova_base;

    iova_base += num_slots * pool.buffer_size;
  }

  return 0;
}
