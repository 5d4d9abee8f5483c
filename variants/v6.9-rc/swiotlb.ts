// kernel/dma/swiotlb.c: the pool's set-up, the functions dma-iommu and
// dma-direct call and the ones they call in turn, in the file's order, for
// the code state described in variant.json next to this file, with structs
// io_tlb_pool and io_tlb_mem and the inlines of include/linux/swiotlb.h
// that dma-iommu and dma-direct test. Since 6.6 struct io_tlb_mem is an
// allocator over pools (struct io_tlb_pool), the default one first; with
// CONFIG_SWIOTLB_DYNAMIC a map that finds them full gets a transient pool of
// its own, and swiotlb schedules a new pool. The model has no workqueue: the
// scheduled pool is never added during a case, so every such map gets a
// transient pool, as it does until the work runs. A pool is split into
// areas, one per possible CPU by default; the model's kernel runs on the
// first CPU. The per-slot arrays are instrumented memory of the machine
// (harness/machine/swiotlb-slots.ts); each slot's pad_slots is kept beside them.

import {
  ALIGN,
  and,
  arch_sync_dma_for_device,
  BUG,
  BUG_ON,
  CC_ATTR_MEM_ENCRYPT,
  cc_platform_has,
  dev_is_dma_coherent,
  dma_capable,
  dma_get_min_align_mask,
  dma_get_seg_boundary,
  DMA_ATTR_NO_WARN,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  hex,
  INVALID_PHYS_ADDR,
  IO_TLB_SEGSIZE,
  IO_TLB_SHIFT,
  IO_TLB_SIZE,
  io_tlb_slots,
  iommu_is_span_boundary,
  IS_ENABLED,
  is_power_of_2,
  machine,
  memcpy,
  num_possible_cpus,
  PAGE_SHIFT,
  PAGE_SIZE,
  phys_to_dma_unencrypted,
  phys_to_virt,
  raw_smp_processor_id,
  roundup_pow_of_two,
  set_memory_decrypted,
  wrap_index,
  WARN_ONCE,
  set_memory_encrypted,
  should_fail,
  type BouncePool,
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type Machine,
  type phys_addr_t,
} from '../../harness/kernel.js';

/** swiotlb_init()'s flags (include/linux/swiotlb.h, 5.19 and later). */
export const SWIOTLB_VERBOSE = 1 << 0;
export const SWIOTLB_FORCE = 1 << 1;
export const SWIOTLB_ANY = 1 << 2;

/**
 * The file's statics (swiotlb_force_bounce, swiotlb_force_disable,
 * default_nslabs, default_nareas). Each simulated machine boots a kernel of
 * its own, so the model keeps one set per machine, filled from its command
 * line when first read (setup_io_tlb_npages).
 */
interface swiotlb_statics {
  swiotlb_force_bounce: boolean;
  swiotlb_force_disable: boolean;
  default_nslabs: number;
  default_nareas: number;
  io_tlb_default_mem: io_tlb_mem;
}

const per_machine = new WeakMap<Machine, swiotlb_statics>();

function statics(): swiotlb_statics {
  const m = machine();
  let s = per_machine.get(m);
  if (s === undefined) {
    s = { swiotlb_force_bounce: false, swiotlb_force_disable: false, default_nslabs: 0, default_nareas: 0, io_tlb_default_mem: new io_tlb_mem() };
    per_machine.set(m, s);
    setup_io_tlb_npages(s);
  }
  return s;
}

/** struct io_tlb_area: a part of a pool with its own search position, count and lock. */
interface io_tlb_area {
  used: number;
  index: number;
}

/** struct io_tlb_pool: one range of bounce slots, split into areas. */
export class io_tlb_pool implements BouncePool {
  start: phys_addr_t = 0;
  end: phys_addr_t = 0;
  nslabs = 0;
  late_alloc = false;
  nareas = 0;
  area_nslabs = 0;
  areas: io_tlb_area[] = [];
  readonly slots = new io_tlb_slots();
  /** slots[i].pad_slots (af133562d5af): padding slots in front of a mapping's first data slot, by slot; absent means 0. */
  readonly pad_slots = new Map<number, number>();
  /** A pool made for one mapping, freed with it. */
  transient = false;
  /** Not kernel state: loop iterations in slot searches since the last DMA API call began (wrap_index). */
  spins = 0;

  /** Not kernel state: the slots its areas use, for the machine's view of the pool. */
  get used(): number {
    let used = 0;
    for (const area of this.areas) used += area.used;
    return used;
  }
}

/** struct io_tlb_mem: the allocator a device bounces through, over its pools. */
export class io_tlb_mem {
  readonly defpool = new io_tlb_pool();
  nslabs = 0;
  /** Every mapping of a device using this allocator bounces (swiotlb=force, a confidential guest, a restricted pool). */
  force_bounce = false;
  /** A restricted pool: dma-direct's coherent allocations come from it too (not modelled). */
  for_alloc = false;
  /** CONFIG_SWIOTLB_DYNAMIC: may add pools, the highest address they may use, and its pools (default first). */
  can_grow = false;
  phys_limit = 0;
  readonly pools: io_tlb_pool[] = [];
}

/** io_tlb_default_mem: a static struct in C; one per machine here, its default pool what the machine shows. */
export function io_tlb_default_mem(): io_tlb_mem {
  return statics().io_tlb_default_mem;
}

/** dev->dma_io_tlb_mem: a restricted pool's allocator, or the default one. */
function dev_io_tlb_mem(dev: device): io_tlb_mem {
  return (dev.dma_io_tlb_mem as io_tlb_mem | null) ?? io_tlb_default_mem();
}

/**
 * The pool a swiotlb address is in: with CONFIG_SWIOTLB_DYNAMIC the
 * allocator's pools, then the device's transient ones; otherwise the
 * default pool, unchecked.
 */
function swiotlb_find_pool(dev: device, paddr: phys_addr_t): io_tlb_pool | null {
  const mem = dev_io_tlb_mem(dev);
  if (!IS_ENABLED('CONFIG_SWIOTLB_DYNAMIC')) return mem.defpool;

  for (const pool of mem.pools) if (paddr >= pool.start && paddr < pool.end) return pool;
  for (const pool of dev.dma_io_tlb_pools as io_tlb_pool[]) if (paddr >= pool.start && paddr < pool.end) return pool;
  return null;
}

/** include/linux/swiotlb.h: is paddr in a pool the device bounces through? */
export function is_swiotlb_buffer(dev: device, paddr: number): boolean {
  if (!IS_ENABLED('CONFIG_SWIOTLB')) return false;
  const mem = dev_io_tlb_mem(dev);
  if (IS_ENABLED('CONFIG_SWIOTLB_DYNAMIC')) {
    // A device that never bounced has no swiotlb buffer: no pool search.
    return dev.dma_uses_io_tlb && swiotlb_find_pool(dev, paddr) !== null;
  }
  return paddr >= mem.defpool.start && paddr < mem.defpool.end;
}

/** include/linux/swiotlb.h: must every mapping of this device bounce? */
export function is_swiotlb_force_bounce(dev: device): boolean {
  if (!IS_ENABLED('CONFIG_SWIOTLB')) return false;
  return dev_io_tlb_mem(dev).force_bounce;
}

/** Round the default slot count up to a power of two, and to at least a segment per area; true when it changed. */
function round_up_default_nslabs(s: swiotlb_statics): boolean {
  if (!s.default_nareas) return false;

  if (s.default_nslabs < IO_TLB_SEGSIZE * s.default_nareas) s.default_nslabs = IO_TLB_SEGSIZE * s.default_nareas;
  else if (is_power_of_2(s.default_nslabs)) return false;
  s.default_nslabs = roundup_pow_of_two(s.default_nslabs);
  return true;
}

/** Set the number of areas (a power of two, at least one), which may grow the default pool. */
function swiotlb_adjust_nareas(s: swiotlb_statics, nareas: number): void {
  if (!nareas) nareas = 1;
  else if (!is_power_of_2(nareas)) nareas = roundup_pow_of_two(nareas);

  s.default_nareas = nareas;

  round_up_default_nslabs(s);
}

/**
 * The early parameter swiotlb=<slabs>,<areas>,force: the platform's pool size
 * stands for <slabs> (the kernel's default, 64 MiB, or what the command line
 * or the architecture asks), its area count and swiotlb=force for the rest.
 */
function setup_io_tlb_npages(s: swiotlb_statics): void {
  const p = machine().platform;
  // A tail of less than a segment is avoided.
  s.default_nslabs = ALIGN(p.swiotlbBytes / IO_TLB_SIZE, IO_TLB_SEGSIZE);
  if (p.swiotlbAreas) swiotlb_adjust_nareas(s, p.swiotlbAreas);
  if (p.swiotlbForce) s.swiotlb_force_bounce = true;
}

function io_tlb_offset(val: number): number {
  return val & (IO_TLB_SEGSIZE - 1);
}

function nr_slots(val: number): number {
  return Math.ceil(val / IO_TLB_SIZE);
}

/**
 * Memory encryption is up: share the default pool with the host and the
 * devices (mem_encrypt_init calls this on an encrypted machine).
 */
export function swiotlb_update_mem_attributes(): void {
  const mem = io_tlb_default_mem().defpool;

  if (!mem.nslabs || mem.late_alloc) return;
  const vaddr = phys_to_virt(mem.start);
  const bytes = ALIGN(mem.nslabs * IO_TLB_SIZE, PAGE_SIZE());
  set_memory_decrypted(vaddr, bytes >> PAGE_SHIFT());
}

function swiotlb_init_io_tlb_pool(mem: io_tlb_pool, start: phys_addr_t, nslabs: number, late_alloc: boolean, nareas: number): void {
  mem.nslabs = nslabs;
  mem.start = start;
  mem.end = mem.start + nslabs * IO_TLB_SIZE;
  mem.late_alloc = late_alloc;
  mem.nareas = nareas;
  mem.area_nslabs = Math.floor(nslabs / mem.nareas);

  mem.areas = [];
  for (let i = 0; i < mem.nareas; i++) mem.areas.push({ index: 0, used: 0 });

  // Every slot starts free with list[] counting down to the end of its
  // segment: the machine's slot arrays start that way. The pool's memory
  // is zeroed; the model's DRAM is zero where nothing was written.
}

/** A pool joins its allocator's list (and the machine's view, unless it is the default one). */
function add_mem_pool(mem: io_tlb_mem, pool: io_tlb_pool): void {
  mem.pools.push(pool);
  mem.nslabs += pool.nslabs;
  if (pool !== io_tlb_default_mem().defpool) machine().swiotlbPools.push(pool);
}

/**
 * Boot: the default pool, over the memory the platform set aside (the model
 * places it; memblock is not modelled, so the allocation never fails),
 * unless nothing needs it.
 */
export function swiotlb_init_remap(addressing_limit: boolean, flags: number): void {
  const s = statics();

  if (!addressing_limit && !s.swiotlb_force_bounce) return;
  if (s.swiotlb_force_disable) return;

  if (!s.default_nareas) swiotlb_adjust_nareas(s, num_possible_cpus());

  // memblock never fails in the model, so the pool is never retried smaller
  // (nor its area count limited to fit): the areas are default_nareas.
  const nslabs = s.default_nslabs;
  const mem = io_tlb_default_mem();
  if (IS_ENABLED('CONFIG_SWIOTLB_DYNAMIC')) {
    mem.can_grow = true;
    // SWIOTLB_ANY: anywhere in memory; otherwise below the architecture's
    // low-memory limit (4 GiB on the model's platforms).
    mem.phys_limit = flags & SWIOTLB_ANY ? Number.MAX_SAFE_INTEGER : 0xffff_ffff;
  }

  swiotlb_init_io_tlb_pool(mem.defpool, machine().platform.swiotlbBase, nslabs, false, s.default_nareas);
  add_mem_pool(mem, mem.defpool);

  mem.force_bounce = s.swiotlb_force_bounce || (flags & SWIOTLB_FORCE) !== 0;
  machine().swiotlb = mem.defpool;
}

export function swiotlb_init(addressing_limit: boolean, flags: number): void {
  swiotlb_init_remap(addressing_limit, flags);
}

/**
 * The part of the original's offset kept in front of its data (af133562d5af):
 * the min_align_mask bits below the allocation's alignment, which may be
 * whole padding slots and then the offset inside the first data slot.
 */
function swiotlb_align_offset(dev: device, align_mask: number, addr: number): number {
  return and(and(addr, dma_get_min_align_mask(dev)), (align_mask | (IO_TLB_SIZE - 1)) >>> 0);
}

/** The pool a tlb_addr is in; in C a pointer the caller trusts, here a crash when there is none. */
function pool(dev: device, tlb_addr: phys_addr_t): io_tlb_pool {
  const mem = swiotlb_find_pool(dev, tlb_addr);
  if (mem === null) BUG(`swiotlb: ${hex(tlb_addr)} is in no pool of device ${dev.name}`);
  return mem;
}

/** The slot of a pool address; in C a bad address indexes past the slot array, here it is a crash. */
function slotIndex(mem: io_tlb_pool, tlb_addr: number, site: string): number {
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) BUG(`${site}: ${hex(tlb_addr)} is not in the swiotlb pool (slot index ${index})`);
  return index | 0;
}

/** Slots as the machine's events number them: from the start of the default pool. */
function eventSlot(mem: io_tlb_pool, index: number): number {
  const base = io_tlb_default_mem().defpool;
  return base === mem ? index : index + (mem.start - base.start) / IO_TLB_SIZE;
}

/** Copy between the original buffer and its bounce slots. */
function swiotlb_bounce(dev: device, tlb_addr: phys_addr_t, size: number, dir: dma_data_direction, mem: io_tlb_pool): void {
  const index = slotIndex(mem, tlb_addr, 'swiotlb_bounce');
  let orig_addr = mem.slots.orig_addr(index);
  let alloc_size = mem.slots.alloc_size(index);

  if (orig_addr === INVALID_PHYS_ADDR) return;

  // e8068f2d756d (6.9-rc4): a signed int. A sync that starts in the first
  // bytes of a later slot, in front of where the original's offset puts
  // the data, lands before this slot's orig_addr: a negative offset, which
  // is right, so 868c9ddc182b's two early returns are gone.
  const tlb_offset = (tlb_addr & (IO_TLB_SIZE - 1)) - swiotlb_align_offset(dev, 0, orig_addr);

  orig_addr += tlb_offset;
  alloc_size -= tlb_offset;

  if (size > alloc_size) {
    WARN_ONCE(true, 'swiotlb_bounce', `Buffer overflow detected. Allocation size: ${alloc_size}. Mapping size: ${size}.`);
    size = alloc_size;
  }

  if (dir === DMA_TO_DEVICE) memcpy(phys_to_virt(tlb_addr), phys_to_virt(orig_addr), size);
  else memcpy(phys_to_virt(orig_addr), phys_to_virt(tlb_addr), size);
}

function slot_addr(start: number, idx: number): number {
  return start + idx * IO_TLB_SIZE;
}

function get_max_slots(boundary_mask: number): number {
  if (boundary_mask >= Number.MAX_SAFE_INTEGER) return 2 ** (64 - IO_TLB_SHIFT);
  return nr_slots(boundary_mask + 1);
}

/**
 * Wrap an index to the start of its area. Every step of the search goes
 * through the machine's wrap_index first, which counts it for the
 * soft-lockup watchdog (and wraps at the pool's end, beyond any area's).
 */
function wrap_area_index(mem: io_tlb_pool, index: number): number {
  index = wrap_index(mem, index);
  if (index >= mem.area_nslabs) return 0;
  return index;
}

/**
 * Search one area of a pool for nslots free, contiguous slots whose address
 * keeps the allocation's alignment and the original's min_align_mask bits,
 * and note in each what is left of the allocation from it; -1 if none.
 * 7c3940bf81e5: the search gives up after checking the area's slots once.
 */
function swiotlb_search_pool_area(dev: device, pool: io_tlb_pool, area_index: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const area = pool.areas[area_index]!;
  const boundary_mask = dma_get_seg_boundary(dev);
  const tbl_dma_addr = and(phys_to_dma_unencrypted(dev, pool.start), boundary_mask);
  const max_slots = get_max_slots(boundary_mask);
  let iotlb_align_mask = dma_get_min_align_mask(dev);
  const nslots = nr_slots(alloc_size);
  let count = 0;
  const offset = swiotlb_align_offset(dev, 0, orig_addr);

  BUG_ON(!nslots, 'swiotlb_search_pool_area: zero slots requested');
  BUG_ON(area_index >= pool.nareas, 'swiotlb_search_pool_area: no such area');

  // 14cebf689a78: a map of a page or more, with no alignment asked of it,
  // gets a page-aligned bounce as before 04867a7a3332.
  if (!alloc_align_mask && !iotlb_align_mask && alloc_size >= PAGE_SIZE()) alloc_align_mask = PAGE_SIZE() - 1;

  // 51b30ecb73b4: at least slot-aligned, and the min_align_mask bits the
  // offset into the allocation keeps are not asked of the slot.
  alloc_align_mask = (alloc_align_mask | (IO_TLB_SIZE - 1)) >>> 0;
  iotlb_align_mask = and(iotlb_align_mask, ~alloc_align_mask >>> 0);

  // Step by the coarser of the two alignments once a slot fits them.
  const stride = get_max_slots(Math.max(alloc_align_mask, iotlb_align_mask));

  if (nslots > pool.area_nslabs - area.used) return -1;

  const slot_base = area_index * pool.area_nslabs;
  let index = area.index;
  let slot_index = 0;
  let found = false;
  const tbl_slots = nr_slots(tbl_dma_addr);
  for (let slots_checked = 0; slots_checked < pool.area_nslabs; ) {
    slot_index = slot_base + index;
    const tlb = slot_addr(tbl_dma_addr, slot_index);

    // 04867a7a3332: the slot's own address must have the alignment.
    if (and(tlb, alloc_align_mask) !== 0 || (orig_addr && and(tlb, iotlb_align_mask) !== and(orig_addr, iotlb_align_mask))) {
      index = wrap_area_index(pool, index + 1);
      slots_checked++;
      continue;
    }

    if (!iommu_is_span_boundary(slot_index, nslots, tbl_slots, max_slots) && pool.slots.list(slot_index) >= nslots) {
      found = true;
      break;
    }
    index = wrap_area_index(pool, index + stride);
    slots_checked += stride;
  }

  if (!found) return -1;

  for (let i = slot_index; i < slot_index + nslots; i++) {
    pool.slots.setList(i, 0);
    pool.slots.setAllocSize(i, alloc_size - (offset + (i - slot_index) * IO_TLB_SIZE));
  }
  for (let i = slot_index - 1; i >= 0 && io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && pool.slots.list(i) !== 0; i--) {
    pool.slots.setList(i, ++count);
  }

  // The next search in this area starts after this allocation.
  area.index = wrap_area_index(pool, index + nslots);
  area.used += nslots;
  return slot_index;
}

/** One area of every pool, the calling CPU's area first and then the next ones as cpu_offset grows. */
function swiotlb_search_area(dev: device, start_cpu: number, cpu_offset: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): { index: number; pool: io_tlb_pool | null } {
  const mem = dev_io_tlb_mem(dev);

  for (const pool of mem.pools) {
    if (cpu_offset >= pool.nareas) continue;
    const area_index = (start_cpu + cpu_offset) & (pool.nareas - 1);
    const index = swiotlb_search_pool_area(dev, pool, area_index, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) return { index, pool };
  }
  return { index: -1, pool: null };
}

/**
 * A pool the page allocator gives memory for, below phys_limit, shared with
 * the host like the default one; null when there is no memory.
 */
function swiotlb_alloc_pool(dev: device, nslabs: number, nareas: number, phys_limit: number): io_tlb_pool | null {
  const bytes = nslabs * IO_TLB_SIZE;
  const tlb = machine().allocPages(bytes, phys_limit);
  if (!tlb) return null;
  set_memory_decrypted(phys_to_virt(tlb), ALIGN(bytes, PAGE_SIZE()) >> PAGE_SHIFT());

  const pool = new io_tlb_pool();
  swiotlb_init_io_tlb_pool(pool, tlb, nslabs, true, nareas);
  return pool;
}

/**
 * Slots for an allocation, and the pool they are in. With
 * CONFIG_SWIOTLB_DYNAMIC (6.6): every pool's areas in turn, then, if the
 * allocator may grow, a transient pool just for this allocation (and the
 * work that would add a pool, scheduled); 3dc2f209208d (6.8-rc) refuses at
 * once what no segment can hold. Without it: the default pool's areas.
 */
function swiotlb_find_slots(dev: device, orig_addr: number, alloc_size: number, alloc_align_mask: number): { index: number; pool: io_tlb_pool | null } {
  const mem = dev_io_tlb_mem(dev);
  // A model injection point (the kernel has none here): the search of the
  // pools there are fails as a full pool's does; a dynamic pool may still grow.
  const full = should_fail('swiotlb', 'swiotlb_find_slots');

  if (IS_ENABLED('CONFIG_SWIOTLB_DYNAMIC')) {
    if (alloc_size > IO_TLB_SEGSIZE * IO_TLB_SIZE) return { index: -1, pool: null };

    const cpu = raw_smp_processor_id();
    for (let i = 0; !full && i < statics().default_nareas; ++i) {
      const r = swiotlb_search_area(dev, cpu, i, orig_addr, alloc_size, alloc_align_mask);
      if (r.index >= 0) {
        dev.dma_uses_io_tlb = true;
        return r;
      }
    }

    if (!mem.can_grow) return { index: -1, pool: null };

    // schedule_work(&mem->dyn_alloc): never run in the model (no workqueue).

    const nslabs = nr_slots(alloc_size);
    const phys_limit = Math.min(dev.dma_mask, dev.bus_dma_limit || Number.MAX_SAFE_INTEGER);
    const pool = swiotlb_alloc_pool(dev, nslabs, 1, phys_limit);
    if (pool === null) return { index: -1, pool: null };

    const index = swiotlb_search_pool_area(dev, pool, 0, orig_addr, alloc_size, alloc_align_mask);
    if (index < 0) {
      swiotlb_dyn_free(pool);
      return { index: -1, pool: null };
    }

    pool.transient = true;
    dev.dma_io_tlb_pools.push(pool);
    machine().swiotlbPools.push(pool);
    dev.dma_uses_io_tlb = true;
    return { index, pool };
  }

  if (full) return { index: -1, pool: null };
  const pool = mem.defpool;
  const start = raw_smp_processor_id() & (pool.nareas - 1);
  let i = start;

  do {
    const index = swiotlb_search_pool_area(dev, pool, i, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) return { index, pool };
    if (++i >= pool.nareas) i = 0;
  } while (i !== start);

  return { index: -1, pool: null };
}

/** The slots in use in every pool of an allocator. */
function mem_used(mem: io_tlb_mem): number {
  let used = 0;
  for (const pool of mem.pools) used += pool.used;
  return used;
}

export function swiotlb_tbl_map_single(
  dev: device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  alloc_align_mask: number,
  dir: dma_data_direction,
  attrs: number,
): phys_addr_t {
  const mem = dev_io_tlb_mem(dev);

  if (!mem.nslabs) {
    machine().recorder.warn('swiotlb_tbl_map_single', "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", false);
    return DMA_MAPPING_ERROR;
  }

  if (cc_platform_has(CC_ATTR_MEM_ENCRYPT)) pr_warn_once('Memory encryption is active and system is using DMA bounce buffers');

  if (mapping_size > alloc_size) {
    machine().recorder.warn('swiotlb_tbl_map_single', `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`, false);
    return DMA_MAPPING_ERROR;
  }

  let offset = swiotlb_align_offset(dev, alloc_align_mask, orig_addr);
  const found = swiotlb_find_slots(dev, orig_addr, alloc_size + offset, alloc_align_mask);
  let index = found.index;
  if (index === -1) {
    if (!(attrs & DMA_ATTR_NO_WARN)) {
      machine().recorder.warn(
        'swiotlb_tbl_map_single',
        `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem_used(mem)} (slots)`,
        false,
      );
    }
    machine().recorder.emit({ t: 'swiotlb_full', orig: orig_addr, allocSize: alloc_size, nslots: nr_slots(alloc_size + offset), used: mem_used(mem), total: mem.nslabs });
    return DMA_MAPPING_ERROR;
  }

  const pool = found.pool!;

  // af133562d5af: whole slots of the offset become padding in front of the
  // data, remembered in the first data slot; the rest is the offset into it.
  const pad_slots = offset >> IO_TLB_SHIFT;
  offset &= IO_TLB_SIZE - 1;
  index += pad_slots;
  if (pad_slots) pool.pad_slots.set(index, pad_slots);

  // Remember where each slot's data comes from, for later syncs.
  const nslots = nr_slots(alloc_size + offset);
  for (let i = 0; i < nslots; i++) pool.slots.setOrigAddr(index + i, slot_addr(orig_addr, i));
  const tlb_addr = slot_addr(pool.start, index) + offset;
  machine().recorder.emit({ t: 'swiotlb_map', orig: orig_addr, tlb: tlb_addr, index: eventSlot(pool, index - pad_slots), nslots: pad_slots + nslots, allocSize: alloc_size });
  // 901c7280ca0d (5.18): the bounce always starts as a copy of the
  // original, whatever the direction and even with SKIP_CPU_SYNC, so that
  // bytes the device does not write keep their content.
  swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_TO_DEVICE, pool);
  return tlb_addr;
}

/** pr_warn_once: a plain line, once per boot. */
function pr_warn_once(message: string): void {
  const r = machine().recorder;
  if (r.warnedOnce.has(`pr_warn_once:${message}`)) return;
  r.warnedOnce.add(`pr_warn_once:${message}`);
  r.warn('swiotlb_tbl_map_single', message, false);
}

/** Give a mapping's slots, padding included, back to its area. */
function swiotlb_release_slots(dev: device, tlb_addr: phys_addr_t): void {
  const mem = pool(dev, tlb_addr);
  const offset = swiotlb_align_offset(dev, 0, tlb_addr);
  let index = slotIndex(mem, tlb_addr - offset, 'swiotlb_release_slots');
  index -= mem.pad_slots.get(index) ?? 0;
  const nslots = nr_slots(mem.slots.alloc_size(index) + offset);
  const aindex = Math.floor(index / mem.area_nslabs);
  let count: number;

  BUG_ON(aindex >= mem.nareas, 'swiotlb_release_slots: no such area');
  // In C a bogus tlb_addr walks off the slot array; here that is a crash.
  if (nslots < 0 || index + nslots > mem.nslabs) BUG(`swiotlb_release_slots: ${nslots} slots at index ${index}`);
  const area = mem.areas[aindex]!;

  // Merge the returned slots with the free run that follows them, then
  // renumber the free run in front of them, within the segment.
  if (index + nslots < ALIGN(index + 1, IO_TLB_SEGSIZE)) count = mem.slots.list(index + nslots);
  else count = 0;

  for (let i = index + nslots - 1; i >= index; i--) {
    mem.slots.setList(i, ++count);
    mem.slots.setSlot(i, INVALID_PHYS_ADDR, 0);
    mem.pad_slots.delete(i);
  }
  for (let i = index - 1; i >= 0 && io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && mem.slots.list(i) !== 0; i--) {
    mem.slots.setList(i, ++count);
  }
  area.used -= nslots;
  machine().recorder.emit({ t: 'swiotlb_unmap', tlb: tlb_addr, index: eventSlot(mem, index), nslots });
}

/** A transient pool's memory goes back to the page allocator, private again. */
function swiotlb_dyn_free(pool: io_tlb_pool): void {
  set_memory_encrypted(phys_to_virt(pool.start), ALIGN(pool.nslabs * IO_TLB_SIZE, PAGE_SIZE()) >> PAGE_SHIFT());
}

/** If tlb_addr is in a transient pool, free the pool (and the mapping with it); false otherwise. */
function swiotlb_del_transient(dev: device, tlb_addr: phys_addr_t): boolean {
  const pool = swiotlb_find_pool(dev, tlb_addr);
  if (pool === null || !pool.transient) return false;

  const pools = dev.dma_io_tlb_pools as io_tlb_pool[];
  pools.splice(pools.indexOf(pool), 1);
  // Not kernel code: the pool's slot array is freed with it, so the
  // machine, which keeps the region listed, sees its slots free again.
  const offset = swiotlb_align_offset(dev, 0, tlb_addr);
  let index = slotIndex(pool, tlb_addr - offset, 'swiotlb_del_transient');
  index -= pool.pad_slots.get(index) ?? 0;
  const nslots = nr_slots(pool.slots.alloc_size(index) + offset);
  for (let i = index; i < index + nslots; i++) pool.slots.setSlot(i, INVALID_PHYS_ADDR, 0);
  pool.areas[0]!.used = 0;
  machine().recorder.emit({ t: 'swiotlb_unmap', tlb: tlb_addr, index: eventSlot(pool, index), nslots });
  swiotlb_dyn_free(pool);
  return true;
}

export function swiotlb_tbl_unmap_single(dev: device, tlb_addr: number, mapping_size: number, dir: dma_data_direction, attrs: number): void {
  // Copy back first, then give the slots back.
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_FROM_DEVICE, pool(dev, tlb_addr));
  }

  if (swiotlb_del_transient(dev, tlb_addr)) return;
  swiotlb_release_slots(dev, tlb_addr);
}

export function swiotlb_sync_single_for_device(dev: device, tlb_addr: number, size: number, dir: dma_data_direction): void {
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(dev, tlb_addr, size, DMA_TO_DEVICE, pool(dev, tlb_addr));
  else BUG_ON(dir !== DMA_FROM_DEVICE, 'swiotlb_sync_single_for_device: bad direction');
}

export function swiotlb_sync_single_for_cpu(dev: device, tlb_addr: number, size: number, dir: dma_data_direction): void {
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(dev, tlb_addr, size, DMA_FROM_DEVICE, pool(dev, tlb_addr));
  else BUG_ON(dir !== DMA_TO_DEVICE, 'swiotlb_sync_single_for_cpu: bad direction');
}

/**
 * dma-direct's bounce: slots for the buffer, then the device must be able to
 * reach them, then cache maintenance on the bounce for a non-coherent device.
 */
export function swiotlb_map(dev: device, paddr: phys_addr_t, size: number, dir: dma_data_direction, attrs: number): dma_addr_t {
  const swiotlb_addr = swiotlb_tbl_map_single(dev, paddr, size, size, 0, dir, attrs);
  if (swiotlb_addr === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;

  // The slots themselves must be reachable: give them back untouched if not.
  const dma_addr = phys_to_dma_unencrypted(dev, swiotlb_addr);
  if (!dma_capable(dev, dma_addr, size, true)) {
    swiotlb_tbl_unmap_single(dev, swiotlb_addr, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
    WARN_ONCE(true, 'swiotlb_map', `swiotlb addr ${hex(dma_addr)}+${size} overflow (mask ${hex(dev.dma_mask)}, bus limit ${hex(dev.bus_dma_limit)}).`);
    return DMA_MAPPING_ERROR;
  }

  if (!dev_is_dma_coherent(dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(swiotlb_addr, size, dir);
  return dma_addr;
}

/** A segment, less what min_align_mask may cost in front of the data (82806744fd7d). */
export function swiotlb_max_mapping_size(dev: device): number {
  const min_align_mask = dma_get_min_align_mask(dev);
  let min_align = 0;

  if (min_align_mask) min_align = ALIGN(min_align_mask, IO_TLB_SIZE);

  return IO_TLB_SIZE * IO_TLB_SEGSIZE - min_align;
}

export function is_swiotlb_active(dev: device): boolean {
  return dev_io_tlb_mem(dev).nslabs !== 0;
}

/**
 * A restricted-dma-pool reserved-memory region for a device (the device
 * tree's; its first device sets the pool up): one area, shared with the
 * host, every map bounced. `base` is where the model placed the region.
 */
export function rmem_swiotlb_device_init(base: phys_addr_t, size: number, dev: device): number {
  const nslabs = size >> IO_TLB_SHIFT;
  // Set Per-device io tlb area to one.
  const nareas = 1;
  const mem = new io_tlb_mem();

  set_memory_decrypted(phys_to_virt(base), size >> PAGE_SHIFT());
  swiotlb_init_io_tlb_pool(mem.defpool, base, nslabs, false, nareas);
  mem.force_bounce = true;
  mem.for_alloc = true;
  add_mem_pool(mem, mem.defpool);

  dev.dma_io_tlb_mem = mem;
  return 0;
}
