// drivers/iommu/io-buffer-pool.c and io-buffer-pool.h, new with "[PATCH 4/4]
// dma-iommu: Add iommu bounce buffers to dma-iommu api" (David Stevens,
// 7 July 2021): a pool of IOMMU-mapped bounce buffers per DMA domain,
// function by function in the C file's order. Written for the model; the C
// is the reference, not the text.
//
// A pool has size classes (a power of two of pages each, chosen by a module
// parameter), each with a fixed number of slots at fixed IOVAs carved from
// one reservation. A map takes the smallest class that fits, reuses a cached
// slot mapped with exactly the same prot, or fills an empty slot (pages
// allocated and mapped); the unmap puts the slot back in its class's cache,
// still mapped, and a delayed work unmaps and frees slots left idle for one
// whole period. The pool is an optimisation: whenever it cannot take a
// mapping, dma-iommu maps the buffer as it did before. The copies are done
// by the sync functions, which dma-iommu calls into first.
//
// The model leaves out what has no effect on one CPU: the class spinlocks
// (no contention), highmem (no modelled machine has any: the kmap_atomic
// branch of the copy is not taken), and NUMA nodes (one). The places where
// a slot changes hands report to the machine's record of bounce buffers
// (bounce_slot_taken and the like); those calls are instruments, not C.

import {
  andNot,
  arch_sync_dma_for_cpu,
  arch_sync_dma_for_device,
  BUG,
  BUG_ON,
  bounce_iova_released,
  bounce_iova_reserved,
  bounce_slot_cached,
  bounce_slot_freed,
  bounce_slot_taken,
  cancel_delayed_work_sync,
  create_singlethread_workqueue,
  type delayed_work,
  destroy_workqueue,
  dev_to_node,
  type device,
  type dma_addr_t,
  DMA_BIDIRECTIONAL,
  type dma_data_direction,
  DMA_FROM_DEVICE,
  dma_get_mask,
  dma_get_max_seg_size,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  ffs,
  file_statics,
  GFP_ATOMIC,
  INIT_DELAYED_WORK,
  IOMMU_CACHE,
  IOMMU_READ,
  IOMMU_WRITE,
  machine,
  memcpy,
  module_param,
  msecs_to_jiffies,
  PAGE_SHIFT,
  PAGE_SIZE,
  page_to_phys,
  phys_to_virt,
  queue_delayed_work,
  type scatterlist,
  emptySgTable,
  sg_alloc_table_from_pages,
  sg_free_table,
  sg_dma_address,
  type size_t,
  type workqueue_struct,
  ALIGN,
} from '../../harness/kernel.js';
import { iommu_map_sg_atomic, iommu_unmap } from '../v5.14/iommu.js';
import { iova_align, type IovaDomain as iova_domain } from '../v5.14/iova.js';
import { __iommu_dma_alloc_iova, __iommu_dma_alloc_pages, __iommu_dma_free_iova, __iommu_dma_free_pages, type iommu_domain } from './dma-iommu.js';

const ENOMEM = 12;
const ENOSPC = 28;
const EFAULT = 14;

/**
 * struct io_buffer_slot. `orig_buffer` is what the mapping bounces: a page
 * (its physical address) for map_page, the scatterlist for map_sg; null
 * while the slot is cached or empty. `index` is the slot's place in its
 * class's array (the pointer arithmetic slot - class->slots).
 */
interface io_buffer_slot {
  index: number;
  orig_buffer: number | scatterlist[] | null;
  /** struct page **: the slot's pages, in IOVA order. */
  bounce_buffer: number[] | null;
  prot: number;
  old_cache_entry: boolean;
}

/** enum io_buffer_slot_type: a cache per kind of access. */
const IO_BUFFER_SLOT_TYPE_RO = 0;
const IO_BUFFER_SLOT_TYPE_WO = 1;
const IO_BUFFER_SLOT_TYPE_RW = 2;
const IO_BUFFER_SLOT_TYPE_COUNT = 3;

/**
 * struct io_buffer_class. The C's list_heads are arrays here, head first:
 * list_add puts a slot at index 0, list_add_tail at the end.
 */
interface io_buffer_class {
  cached_slots: io_buffer_slot[][];
  empty_slots: io_buffer_slot[];
  unaligned_iova: dma_addr_t;
  iova_base: dma_addr_t;
  buffer_size: size_t;
  slots: io_buffer_slot[];
}

/** struct io_buffer_pool. */
export interface io_buffer_pool {
  evict_wq: workqueue_struct;
  evict_work: delayed_work<io_buffer_pool>;
  domain: iommu_domain;
  nid: number;
  classes: io_buffer_class[];
}

const EVICT_PERIOD_MSEC = 5000;

/** module_param(num_slots, uint, 0): slots per class. */
function num_slots(): number {
  return module_param('io_buffer_pool.num_slots', 1024);
}

/** module_param(class_sizes, byte, 0): bit i enables a class of PAGE_SIZE << i bytes; 4, 16 and 128 KiB by default. */
function class_sizes(): number {
  return module_param('io_buffer_pool.class_sizes', 32 | 4 | 1) & 0xff;
}

/** The file's static variables. */
interface io_buffer_pool_statics {
  num_classes: number;
}

function statics(): io_buffer_pool_statics {
  return file_statics('io-buffer-pool.c', () => ({ num_classes: 0 }));
}

function init_num_classes(): number {
  let sizes_mask = class_sizes();
  let count = 0;

  while (sizes_mask) {
    count += sizes_mask & 1;
    sizes_mask >>= 1;
  }

  statics().num_classes = count;
  return count;
}

function io_buffer_slot_to_iova(slot: io_buffer_slot, cls: io_buffer_class): dma_addr_t {
  return cls.iova_base + cls.buffer_size * slot.index;
}

/** The cache a slot mapped with `prot` goes to: by its read and write bits; BUG on neither. */
function io_buffer_class_get_cache(cls: io_buffer_class, prot: number): io_buffer_slot[] {
  prot &= IOMMU_READ | IOMMU_WRITE;
  if (prot === IOMMU_READ) return cls.cached_slots[IO_BUFFER_SLOT_TYPE_RO]!;
  else if (prot === IOMMU_WRITE) return cls.cached_slots[IO_BUFFER_SLOT_TYPE_WO]!;
  BUG_ON(prot === 0, 'io_buffer_class_get_cache: BUG_ON(prot == 0)');
  return cls.cached_slots[IO_BUFFER_SLOT_TYPE_RW]!;
}

/** Unmap a slot and free its pages; false, leaving both, when the unmap comes up short. */
function io_buffer_pool_free_slot(pool: io_buffer_pool, cls: io_buffer_class, slot: io_buffer_slot): boolean {
  const iova = io_buffer_slot_to_iova(slot, cls);

  const unmapped = iommu_unmap(pool.domain, iova, cls.buffer_size);

  if (unmapped !== cls.buffer_size) {
    machine().recorder.warn('io_buffer_pool_free_slot', 'Failed to unmap bounce buffer, leaking buffer.', false);
    return false;
  }

  __iommu_dma_free_pages(slot.bounce_buffer!, cls.buffer_size >> PAGE_SHIFT());
  bounce_slot_freed(pool.domain.name, iova, cls.buffer_size);
  return true;
}

/**
 * Free cached slots from the oldest while they are marked old (all of them
 * at teardown), then mark the rest old, to be freed next time unless a map
 * reuses them first: a slot lives one to two periods after its last unmap.
 */
function __io_buffer_pool_evict(pool: io_buffer_pool, pool_teardown: boolean): void {
  let requeue = false;

  for (let i = 0; i < statics().num_classes; i++) {
    const cls = pool.classes[i]!;

    for (let j = 0; j < IO_BUFFER_SLOT_TYPE_COUNT; j++) {
      const cache = cls.cached_slots[j]!;

      while (cache.length > 0) {
        const slot = cache[cache.length - 1]!;
        if (!pool_teardown && !slot.old_cache_entry) break;
        cache.pop();

        // Unmapped and freed without the lock.
        const freed = io_buffer_pool_free_slot(pool, cls, slot);

        // An IOVA in an unknown state: the slot is given up for good.
        if (freed) cls.empty_slots.unshift(slot);
      }

      for (const slot of cache) {
        slot.old_cache_entry = true;
        requeue = true;
      }
    }
  }

  if (!pool_teardown && requeue) queue_delayed_work(pool.evict_wq, pool.evict_work, msecs_to_jiffies(EVICT_PERIOD_MSEC));
}

function io_buffer_pool_evict(work: delayed_work<io_buffer_pool>): void {
  const pool = work.container;
  __io_buffer_pool_evict(pool, false);
}

/** A class's slots, all empty, and its IOVA: one reservation for num_slots + 1 buffers, aligned to the buffer size. */
function io_buffer_class_init(cls: io_buffer_class, dev: device, domain: iommu_domain, buffer_size: size_t): number {
  // kcalloc at boot (GFP_KERNEL): the model never fails it.
  cls.slots = Array.from({ length: num_slots() }, (_, index) => ({ index, orig_buffer: null, bounce_buffer: null, prot: 0, old_cache_entry: false }));

  cls.cached_slots = Array.from({ length: IO_BUFFER_SLOT_TYPE_COUNT }, () => []);
  cls.empty_slots = [];
  for (let i = 0; i < num_slots(); i++) cls.empty_slots.push(cls.slots[i]!);

  cls.buffer_size = buffer_size;
  cls.unaligned_iova = __iommu_dma_alloc_iova(domain, buffer_size * (num_slots() + 1), dma_get_mask(dev), dev);
  if (!cls.unaligned_iova) {
    cls.slots = [];
    return -ENOSPC;
  }
  bounce_iova_reserved(domain.name, cls.unaligned_iova, buffer_size * (num_slots() + 1));

  // A power-of-two buffer at an IOVA aligned to its size crosses no
  // boundary a smaller power of two would.
  cls.iova_base = ALIGN(cls.unaligned_iova, cls.buffer_size);
  return 0;
}

/**
 * The domain's pool, made for the first device: `pool_out` is the cookie's
 * pointer. A domain that has one already is checked against the device's
 * DMA mask (iommu_dma_init_domain returns before it gets here for such a
 * domain, so this branch does not run in this tree).
 */
export function io_buffer_pool_init(dev: device, domain: iommu_domain, iovad: iova_domain, pool_out: { value: io_buffer_pool | null }): number {
  let pool = pool_out.value;
  let i: number;
  let ret: number;

  if (pool) {
    for (i = 0; i < statics().num_classes; i++) {
      const cls = pool.classes[i]!;
      const iova_end = cls.iova_base + cls.buffer_size * num_slots();
      if (andNot(iova_end - 1, dma_get_mask(dev))) {
        machine().recorder.warn('io_buffer_pool_init', `io-buffer-pool out of range of ${dev.name}`, false);
        return -EFAULT;
      }
    }
    if (pool.nid !== dev_to_node(dev)) machine().recorder.warn('io_buffer_pool_init', `node mismatch: pool=${pool.nid} dev=${dev_to_node(dev)}`, false);
    return 0;
  }

  pool_out.value = null;

  if (init_num_classes() === 0 || num_slots() === 0) return 0;

  // kzalloc and the workqueue at boot: the model never fails them.
  const p: Partial<io_buffer_pool> & { classes: io_buffer_class[] } = { classes: [] };
  p.evict_work = INIT_DELAYED_WORK(p as io_buffer_pool, io_buffer_pool_evict);
  p.evict_wq = create_singlethread_workqueue('io-buffer-pool');
  pool = p as io_buffer_pool;
  if (!pool.evict_wq) return -ENOMEM;

  let class_size_mask = class_sizes();
  for (i = 0; i < statics().num_classes; i++) {
    const bit_idx = ffs(class_size_mask) - 1;
    BUG_ON(bit_idx < 0, 'io_buffer_pool_init: BUG_ON(bit_idx < 0)');
    const buffer_size = iova_align(iovad, PAGE_SIZE()) * 2 ** bit_idx;
    class_size_mask &= ~(1 << bit_idx);

    const cls = { cached_slots: [], empty_slots: [], unaligned_iova: 0, iova_base: 0, buffer_size: 0, slots: [] } as io_buffer_class;
    pool.classes[i] = cls;
    ret = io_buffer_class_init(cls, dev, domain, buffer_size);
    if (ret) {
      // out_class_init_fail: give back the classes already set up, last first.
      while (--i >= 0) {
        const done = pool.classes[i]!;

        __iommu_dma_free_iova(domain.iova_cookie, done.unaligned_iova, done.buffer_size * (num_slots() + 1));
        bounce_iova_released(domain.name, done.unaligned_iova, done.buffer_size * (num_slots() + 1));
        done.slots = [];
      }
      destroy_workqueue(pool.evict_wq);
      return ret;
    }
  }

  pool.domain = domain;
  pool.nid = dev_to_node(dev);

  pool_out.value = pool;
  return 0;
}

/** Stop eviction, free every cached slot, give back the classes' IOVA (iommu_put_dma_cookie; no case frees a domain). */
export function io_buffer_pool_destroy(pool: io_buffer_pool | null): void {
  if (!pool) return;

  cancel_delayed_work_sync(pool.evict_work);
  destroy_workqueue(pool.evict_wq);
  __io_buffer_pool_evict(pool, true);

  for (let i = 0; i < statics().num_classes; i++) {
    const cls = pool.classes[i]!;

    __iommu_dma_free_iova(pool.domain.iova_cookie, cls.unaligned_iova, cls.buffer_size * (num_slots() + 1));
    bounce_iova_released(pool.domain.name, cls.unaligned_iova, cls.buffer_size * (num_slots() + 1));
    cls.slots = [];
  }
}

/** The class and slot an IOVA falls in: range arithmetic, whether or not the slot is in use. */
function io_buffer_pool_find_buffer(pool: io_buffer_pool, handle: dma_addr_t): { cls: io_buffer_class; slot: io_buffer_slot } | null {
  for (let i = 0; i < statics().num_classes; i++) {
    const cur = pool.classes[i]!;
    if (handle >= cur.iova_base && handle < cur.iova_base + cur.buffer_size * num_slots()) {
      return { cls: cur, slot: cur.slots[Math.floor((handle - cur.iova_base) / cur.buffer_size)]! };
    }
  }
  return null;
}

/**
 * The unmap: the slot goes to the head of its cache, still mapped (no IOMMU
 * unmap, no IOTLB invalidation), and eviction is armed if the cache was
 * empty. False when the handle is not the pool's.
 */
export function io_buffer_pool_unmap_buffer(pool: io_buffer_pool | null, handle: dma_addr_t): boolean {
  const found = pool ? io_buffer_pool_find_buffer(pool, handle) : null;
  if (!pool || !found) return false;
  const { cls, slot } = found;

  const cache = io_buffer_class_get_cache(cls, slot.prot);
  if (cache.length === 0) queue_delayed_work(pool.evict_wq, pool.evict_work, msecs_to_jiffies(EVICT_PERIOD_MSEC));

  slot.orig_buffer = null;
  cache.unshift(slot);
  slot.old_cache_entry = false;
  bounce_slot_cached(pool.domain.name, io_buffer_slot_to_iova(slot, cls), cls.buffer_size);

  return true;
}

/** Pages for an empty slot, mapped at its IOVA with `prot`; false, with the pages freed, if any step fails. */
function io_buffer_pool_fill_slot(pool: io_buffer_pool, cls: io_buffer_class, slot: io_buffer_slot, prot: number): boolean {
  const iova = io_buffer_slot_to_iova(slot, cls);
  let mapped = 0;

  const count = cls.buffer_size >> PAGE_SHIFT();
  slot.bounce_buffer = __iommu_dma_alloc_pages(count, (pool.domain.pgsize_bitmap | PAGE_SIZE()) >> PAGE_SHIFT(), pool.nid, GFP_ATOMIC, GFP_ATOMIC);
  if (!slot.bounce_buffer) return false;

  const sgt = emptySgTable();
  if (!sg_alloc_table_from_pages(sgt, slot.bounce_buffer, count, 0, cls.buffer_size, GFP_ATOMIC)) {
    mapped = iommu_map_sg_atomic(pool.domain, iova, sgt.sgl, sgt.orig_nents, prot);
    sg_free_table(sgt);
  }

  // out_free_pages: (a map that failed part-way was undone by the core)
  if (mapped < cls.buffer_size) {
    __iommu_dma_free_pages(slot.bounce_buffer, count);
    return false;
  }

  slot.prot = prot;
  return true;
}

/**
 * A slot for `size` bytes: the smallest class that holds them, a cached
 * slot mapped with the same prot (most recently cached first), else an
 * empty slot filled now; DMA_MAPPING_ERROR when none of that works.
 */
function io_buffer_pool_map_buffer(pool: io_buffer_pool | null, orig_buffer: number | scatterlist[], size: size_t, prot: number, _attrs: number): dma_addr_t {
  let slot: io_buffer_slot | null = null;
  let cls: io_buffer_class | null = null;
  let i: number;

  if (!pool) return DMA_MAPPING_ERROR;

  for (i = 0; i < statics().num_classes; i++) {
    cls = pool.classes[i]!;
    if (size <= cls.buffer_size) break;
  }

  if (i === statics().num_classes || cls === null) return DMA_MAPPING_ERROR;

  const cache = io_buffer_class_get_cache(cls, prot);
  for (const tmp of cache) {
    if (tmp.prot === prot) {
      slot = tmp;
      cache.splice(cache.indexOf(tmp), 1);
      break;
    }
  }

  const fresh = slot === null;
  if (slot === null) {
    if (cls.empty_slots.length === 0) return DMA_MAPPING_ERROR;

    slot = cls.empty_slots.shift()!;

    if (!io_buffer_pool_fill_slot(pool, cls, slot, prot)) {
      cls.empty_slots.unshift(slot);
      return DMA_MAPPING_ERROR;
    }
  }

  slot.orig_buffer = orig_buffer;
  bounce_slot_taken(pool.domain.name, io_buffer_slot_to_iova(slot, cls), cls.buffer_size, slot.bounce_buffer!, fresh);
  return io_buffer_slot_to_iova(slot, cls);
}

/** map_page: the data sits at its page offset in the slot, so the class is chosen by offset + size. */
export function io_buffer_pool_map_page(pool: io_buffer_pool | null, page: number, offset: number, size: size_t, prot: number, attrs: number): dma_addr_t {
  const iova = io_buffer_pool_map_buffer(pool, page, offset + size, prot, attrs);
  return iova !== DMA_MAPPING_ERROR ? iova + offset : iova;
}

/**
 * map_sg: the whole list in one slot, the entries packed one after the
 * other from its start (the first entry's offset is not counted), handed
 * out as DMA segments of at most max_seg_size, with a terminating entry
 * (DMA_MAPPING_ERROR, 0) if the list is longer. Segments beyond the list
 * (a max_seg_size shorter than the entries) run off its end: a NULL
 * dereference in C.
 */
export function io_buffer_pool_map_sg(pool: io_buffer_pool | null, dev: device, sg: scatterlist[], nents: number, prot: number, attrs: number): number {
  let size = 0;

  for (let k = 0; k < nents; k++) size = (size + sg[k]!.length) >>> 0;

  let iova = io_buffer_pool_map_buffer(pool, sg, size, prot, attrs);
  if (iova === DMA_MAPPING_ERROR) return 0;

  let i = 0;
  while (size > 0) {
    const seg_size = Math.min(size, dma_get_max_seg_size(dev));
    const s = sg[i];
    if (s === undefined) BUG(`io_buffer_pool_map_sg: NULL pointer dereference: ${size} bytes left after the last of ${nents} entries`);

    s.dma_length = seg_size;
    s.dma_address = iova;

    size -= seg_size;
    iova += seg_size;
    i++;
  }

  if (i < nents) {
    sg[i]!.dma_address = DMA_MAPPING_ERROR;
    sg[i]!.dma_length = 0;
  }

  return i;
}

/** Whether a sync in this direction copies: to the device before it reads, back to the CPU after it writes. */
function io_buffer_needs_sync(dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  return dir === DMA_BIDIRECTIONAL || (dir === DMA_FROM_DEVICE && sync_for_cpu) || (dir === DMA_TO_DEVICE && !sync_for_cpu);
}

/**
 * Copy between a slot's pages (from `bounce_offset`) and the original
 * (page `orig` from `orig_offset`), a run of physically consecutive bounce
 * pages at a time, with cache maintenance on the bounce pages only for a
 * non-coherent mapping: invalidate before copying out, clean after copying
 * in. The original gets none: only the CPU touches it.
 */
function io_buffer_pool_do_sync(
  _pool: io_buffer_pool,
  cls: io_buffer_class,
  slot: io_buffer_slot,
  bounce_offset: size_t,
  orig: number | scatterlist[] | null,
  orig_offset: size_t,
  size: size_t,
  dir: dma_data_direction,
  sync_for_cpu: boolean,
): void {
  const needs_buffer_sync = io_buffer_needs_sync(dir, sync_for_cpu);
  const dma_is_coherent = (slot.prot & IOMMU_CACHE) !== 0;

  if (dma_is_coherent && !needs_buffer_sync) return;

  // PageHighMem(orig) reads the struct page: a slot with no page behind it
  // (cached, or holding a scatterlist) is a bad pointer in C.
  if (typeof orig !== 'number') BUG(`io_buffer_pool_do_sync: orig_buffer is ${orig === null ? 'NULL' : 'a scatterlist, not a page'}`);
  const orig_lowmem_ptr = phys_to_virt(page_to_phys(orig));

  while (size) {
    const bounce_page = slot.bounce_buffer![Math.floor(bounce_offset / PAGE_SIZE())]!;
    const bounce_page_offset = bounce_offset % PAGE_SIZE();

    let copy_len = size;
    if (copy_len + bounce_page_offset > PAGE_SIZE()) {
      let new_copy_len = PAGE_SIZE() - bounce_page_offset;
      let page_idx = Math.floor(bounce_offset / PAGE_SIZE());
      let consecutive_pages = 1;

      while (++page_idx < cls.buffer_size / PAGE_SIZE() && new_copy_len < copy_len) {
        if (bounce_page + consecutive_pages * PAGE_SIZE() !== slot.bounce_buffer![page_idx]) break;
        consecutive_pages++;
        new_copy_len = Math.min(copy_len, new_copy_len + PAGE_SIZE());
      }
      copy_len = new_copy_len;
    }

    if (!dma_is_coherent && sync_for_cpu) arch_sync_dma_for_cpu(page_to_phys(bounce_page) + bounce_page_offset, copy_len, dir);

    if (needs_buffer_sync) {
      const bounce_ptr = phys_to_virt(page_to_phys(bounce_page)) + bounce_page_offset;

      if (sync_for_cpu) memcpy(orig_lowmem_ptr + orig_offset, bounce_ptr, copy_len);
      else memcpy(bounce_ptr, orig_lowmem_ptr + orig_offset, copy_len);
    }

    if (!dma_is_coherent && !sync_for_cpu) arch_sync_dma_for_device(page_to_phys(bounce_page) + bounce_page_offset, copy_len, dir);

    bounce_offset += copy_len;
    orig_offset += copy_len;
    size -= copy_len;
  }
}

/** sync_single for a pool handle: the same offset in the slot and in the original page. */
export function io_buffer_pool_sync_single(pool: io_buffer_pool | null, dma_handle: dma_addr_t, size: size_t, dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  const found = pool ? io_buffer_pool_find_buffer(pool, dma_handle) : null;
  if (!pool || !found) return false;
  const { cls, slot } = found;

  const offset = dma_handle - io_buffer_slot_to_iova(slot, cls);
  io_buffer_pool_do_sync(pool, cls, slot, offset, slot.orig_buffer, offset, size, dir, sync_for_cpu);

  return true;
}

/**
 * sync_sg for a pool list, found by its first DMA address: each entry's
 * bytes in turn, packed in the slot. A list the slot does not hold (reused
 * for a mapping that is not the pool's) is left to the caller.
 */
export function io_buffer_pool_sync_sg(pool: io_buffer_pool | null, sgl: scatterlist[], nelems: number, dir: dma_data_direction, sync_for_cpu: boolean): boolean {
  const found = pool ? io_buffer_pool_find_buffer(pool, sg_dma_address(sgl[0]!)) : null;
  if (!pool || !found) return false;
  const { cls, slot } = found;

  // A list mapped by the pool once and later by the normal path keeps its
  // first DMA address pointing here: check the slot holds this very list.
  if (slot.orig_buffer !== sgl) return false;

  let bounce_offset = 0;
  for (let i = 0; i < nelems; i++) {
    const iter = sgl[i]!;
    io_buffer_pool_do_sync(pool, cls, slot, bounce_offset, iter.page, iter.offset, iter.length, dir, sync_for_cpu);
    bounce_offset += iter.length;
  }

  return true;
}
