// kernel/dma/swiotlb.c: the pool's set-up, the functions dma-iommu and
// dma-direct call and the ones they call in turn, in the file's order, for
// the code state described in variant.json next to this file, with struct
// io_tlb_mem and the inlines of include/linux/swiotlb.h that dma-iommu and
// dma-direct test. Since 6.0 a pool is split into areas, each searched and
// locked on its own, one per possible CPU by default; the model's kernel
// runs on the first CPU, so its searches start in area 0. The per-slot
// arrays are instrumented memory of the machine (harness/machine/swiotlb-slots.ts).

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
}

const per_machine = new WeakMap<Machine, swiotlb_statics>();

function statics(): swiotlb_statics {
  const m = machine();
  let s = per_machine.get(m);
  if (s === undefined) {
    s = { swiotlb_force_bounce: false, swiotlb_force_disable: false, default_nslabs: 0, default_nareas: 0 };
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

/** struct io_tlb_mem: one pool of bounce slots, split into areas. */
export class io_tlb_mem implements BouncePool {
  start: phys_addr_t = 0;
  end: phys_addr_t = 0;
  nslabs = 0;
  late_alloc = false;
  /** Every mapping of a device using this pool bounces (swiotlb=force, a confidential guest, a restricted pool). */
  force_bounce = false;
  /** A restricted pool: dma-direct's coherent allocations come from it too (not modelled). */
  for_alloc = false;
  nareas = 0;
  area_nslabs = 0;
  areas: io_tlb_area[] = [];
  readonly slots = new io_tlb_slots();
  /** Not kernel state: loop iterations in slot searches since the last DMA API call began (wrap_index). */
  spins = 0;

  /** Not kernel state: mem_used(), for the machine's view of the pool. */
  get used(): number {
    return mem_used(this);
  }
}

/** io_tlb_default_mem: a static struct in C, here set up at boot; null until then or with CONFIG_SWIOTLB=n. */
export function io_tlb_default_mem(): io_tlb_mem | null {
  return machine().swiotlb as io_tlb_mem | null;
}

/** dev->dma_io_tlb_mem: a restricted pool, or the default one. */
function dev_io_tlb_mem(dev: device): io_tlb_mem | null {
  return (dev.dma_io_tlb_mem as io_tlb_mem | null) ?? io_tlb_default_mem();
}

/** include/linux/swiotlb.h: is paddr in the pool the device bounces through? */
export function is_swiotlb_buffer(dev: device, paddr: number): boolean {
  if (!IS_ENABLED('CONFIG_SWIOTLB')) return false;
  const mem = dev_io_tlb_mem(dev);
  return mem !== null && paddr >= mem.start && paddr < mem.end;
}

/** include/linux/swiotlb.h: must every mapping of this device bounce? */
export function is_swiotlb_force_bounce(dev: device): boolean {
  if (!IS_ENABLED('CONFIG_SWIOTLB')) return false;
  const mem = dev_io_tlb_mem(dev);
  return mem !== null && mem.force_bounce;
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
  const mem = io_tlb_default_mem();

  if (mem === null || !mem.nslabs || mem.late_alloc) return;
  const vaddr = phys_to_virt(mem.start);
  const bytes = ALIGN(mem.nslabs * IO_TLB_SIZE, PAGE_SIZE());
  set_memory_decrypted(vaddr, bytes >> PAGE_SHIFT());
}

function swiotlb_init_io_tlb_mem(mem: io_tlb_mem, start: phys_addr_t, nslabs: number, flags: number, late_alloc: boolean, nareas: number): void {
  mem.nslabs = nslabs;
  mem.start = start;
  mem.end = mem.start + nslabs * IO_TLB_SIZE;
  mem.late_alloc = late_alloc;
  mem.nareas = nareas;
  mem.area_nslabs = Math.floor(nslabs / mem.nareas);

  mem.force_bounce = statics().swiotlb_force_bounce || (flags & SWIOTLB_FORCE) !== 0;

  mem.areas = [];
  for (let i = 0; i < mem.nareas; i++) mem.areas.push({ index: 0, used: 0 });

  // Every slot starts free with list[] counting down to the end of its
  // segment: the machine's slot arrays start that way. The pool's memory
  // is zeroed; the model's DRAM is zero where nothing was written.
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
  const mem = new io_tlb_mem();
  swiotlb_init_io_tlb_mem(mem, machine().platform.swiotlbBase, nslabs, flags, false, s.default_nareas);
  machine().swiotlb = mem;
}

export function swiotlb_init(addressing_limit: boolean, flags: number): void {
  swiotlb_init_remap(addressing_limit, flags);
}

/** The part of the original's offset that is kept inside the first slot. */
function swiotlb_align_offset(dev: device, addr: number): number {
  return and(and(addr, dma_get_min_align_mask(dev)), IO_TLB_SIZE - 1);
}

function pool(dev: device): io_tlb_mem {
  const mem = dev_io_tlb_mem(dev);
  if (mem === null) throw new Error('swiotlb called with CONFIG_SWIOTLB=n (would not link)');
  return mem;
}

/** The slot of a pool address; in C a bad address indexes past the slot array, here it is a crash. */
function slotIndex(mem: io_tlb_mem, tlb_addr: number, site: string): number {
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) BUG(`${site}: ${hex(tlb_addr)} is not in the swiotlb pool (slot index ${index})`);
  return index | 0;
}

/** Slots as the machine's events number them: from the start of the default pool. */
function eventSlot(mem: io_tlb_mem, index: number): number {
  const base = io_tlb_default_mem();
  return base === null || base === mem ? index : index + (mem.start - base.start) / IO_TLB_SIZE;
}

/** Copy between the original buffer and its bounce slots. */
function swiotlb_bounce(dev: device, tlb_addr: phys_addr_t, size: number, dir: dma_data_direction): void {
  const mem = pool(dev);
  const index = slotIndex(mem, tlb_addr, 'swiotlb_bounce');
  let orig_addr = mem.slots.orig_addr(index);
  let alloc_size = mem.slots.alloc_size(index);

  if (orig_addr === INVALID_PHYS_ADDR) return;

  // 868c9ddc182b's checks, still here: an access that starts in front of
  // the mapping's data in this slot, or past what is left of its
  // allocation, WARNs once and copies nothing.
  let tlb_offset = tlb_addr & (IO_TLB_SIZE - 1);
  const orig_addr_offset = swiotlb_align_offset(dev, orig_addr);
  if (tlb_offset < orig_addr_offset) {
    WARN_ONCE(true, 'swiotlb_bounce', `Access before mapping start detected. orig offset ${orig_addr_offset}, requested offset ${tlb_offset}.`, 'start');
    return;
  }

  tlb_offset -= orig_addr_offset;
  if (tlb_offset > alloc_size) {
    WARN_ONCE(true, 'swiotlb_bounce', `Buffer overflow detected. Allocation size: ${alloc_size}. Mapping size: ${size}+${tlb_offset}.`, 'past end');
    return;
  }

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
function wrap_area_index(mem: io_tlb_mem, index: number): number {
  index = wrap_index(mem, index);
  if (index >= mem.area_nslabs) return 0;
  return index;
}

/**
 * Search one area for nslots free, contiguous slots that keep the original's
 * alignment bits, and note in each what is left of the allocation from it;
 * -1 if none. The search ends only when it comes back to where it started.
 */
function swiotlb_do_find_slots(dev: device, area_index: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const mem = pool(dev);
  const area = mem.areas[area_index]!;
  const boundary_mask = dma_get_seg_boundary(dev);
  const tbl_dma_addr = and(phys_to_dma_unencrypted(dev, mem.start), boundary_mask);
  const max_slots = get_max_slots(boundary_mask);
  let iotlb_align_mask = dma_get_min_align_mask(dev);
  const nslots = nr_slots(alloc_size);
  let count = 0;
  const offset = swiotlb_align_offset(dev, orig_addr);

  BUG_ON(!nslots, 'swiotlb_do_find_slots: zero slots requested');
  BUG_ON(area_index >= mem.nareas, 'swiotlb_do_find_slots: no such area');

  // 51b30ecb73b4 (stable 6.1.85): the allocation is at least slot-aligned,
  // and the alignment bits the offset into the allocation keeps are not
  // asked of the slot. For dma-iommu (alloc_align_mask = granule - 1) that
  // leaves no min_align_mask bit below the granule to keep.
  alloc_align_mask = (alloc_align_mask | (IO_TLB_SIZE - 1)) >>> 0;
  iotlb_align_mask = and(iotlb_align_mask, ~alloc_align_mask >>> 0);

  // An alignment requirement (or an allocation of a page or more) only
  // visits slots on the matching stride.
  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE()) stride = Math.max(stride, stride << (PAGE_SHIFT() - IO_TLB_SHIFT));
  stride = Math.max(stride, (alloc_align_mask >>> IO_TLB_SHIFT) + 1);

  if (nslots > mem.area_nslabs - area.used) return -1;

  const slot_base = area_index * mem.area_nslabs;
  let index = wrap_area_index(mem, ALIGN(area.index, stride));
  const wrap = index;
  let slot_index = 0;
  let found = false;
  const tbl_slots = nr_slots(tbl_dma_addr);
  do {
    slot_index = slot_base + index;

    if (orig_addr && and(slot_addr(tbl_dma_addr, slot_index), iotlb_align_mask) !== and(orig_addr, iotlb_align_mask)) {
      index = wrap_area_index(mem, index + 1);
      continue;
    }

    if (!iommu_is_span_boundary(slot_index, nslots, tbl_slots, max_slots)) {
      if (mem.slots.list(slot_index) >= nslots) {
        found = true;
        break;
      }
    }
    index = wrap_area_index(mem, index + stride);
  } while (index !== wrap);

  if (!found) return -1;

  for (let i = slot_index; i < slot_index + nslots; i++) {
    mem.slots.setList(i, 0);
    mem.slots.setAllocSize(i, alloc_size - (offset + (i - slot_index) * IO_TLB_SIZE));
  }
  for (let i = slot_index - 1; i >= 0 && io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && mem.slots.list(i) !== 0; i--) {
    mem.slots.setList(i, ++count);
  }

  // The next search in this area starts after this allocation.
  if (index + nslots < mem.area_nslabs) area.index = index + nslots;
  else area.index = 0;
  area.used += nslots;
  return slot_index;
}

/** The calling CPU's area first, then the others in turn. */
function swiotlb_find_slots(dev: device, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const mem = pool(dev);
  // A model injection point (the kernel has none here): the search fails as
  // a full pool's does.
  if (should_fail('swiotlb', 'swiotlb_find_slots')) return -1;
  const start = raw_smp_processor_id() & (mem.nareas - 1);
  let i = start;

  do {
    const index = swiotlb_do_find_slots(dev, i, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) return index;
    if (++i >= mem.nareas) i = 0;
  } while (i !== start);

  return -1;
}

function mem_used(mem: io_tlb_mem): number {
  let used = 0;
  for (let i = 0; i < mem.nareas; i++) used += mem.areas[i]!.used;
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
  const offset = swiotlb_align_offset(dev, orig_addr);

  if (mem === null || !mem.nslabs) {
    machine().recorder.warn('swiotlb_tbl_map_single', "Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", false);
    return DMA_MAPPING_ERROR;
  }

  if (cc_platform_has(CC_ATTR_MEM_ENCRYPT)) pr_warn_once('Memory encryption is active and system is using DMA bounce buffers');

  if (mapping_size > alloc_size) {
    machine().recorder.warn('swiotlb_tbl_map_single', `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`, false);
    return DMA_MAPPING_ERROR;
  }

  const index = swiotlb_find_slots(dev, orig_addr, alloc_size + offset, alloc_align_mask);
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

  // Remember where each slot's data comes from, for later syncs.
  const nslots = nr_slots(alloc_size + offset);
  for (let i = 0; i < nslots; i++) mem.slots.setOrigAddr(index + i, slot_addr(orig_addr, i));
  const tlb_addr = slot_addr(mem.start, index) + offset;
  machine().recorder.emit({ t: 'swiotlb_map', orig: orig_addr, tlb: tlb_addr, index: eventSlot(mem, index), nslots, allocSize: alloc_size });
  // 901c7280ca0d (5.18): the bounce always starts as a copy of the
  // original, whatever the direction and even with SKIP_CPU_SYNC, so that
  // bytes the device does not write keep their content.
  swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  return tlb_addr;
}

/** pr_warn_once: a plain line, once per boot. */
function pr_warn_once(message: string): void {
  const r = machine().recorder;
  if (r.warnedOnce.has(`pr_warn_once:${message}`)) return;
  r.warnedOnce.add(`pr_warn_once:${message}`);
  r.warn('swiotlb_tbl_map_single', message, false);
}

/** Give a mapping's slots back to its area. */
function swiotlb_release_slots(dev: device, tlb_addr: phys_addr_t): void {
  const mem = pool(dev);
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = slotIndex(mem, tlb_addr - offset, 'swiotlb_release_slots');
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
  }
  for (let i = index - 1; i >= 0 && io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && mem.slots.list(i) !== 0; i--) {
    mem.slots.setList(i, ++count);
  }
  area.used -= nslots;
  machine().recorder.emit({ t: 'swiotlb_unmap', tlb: tlb_addr, index: eventSlot(mem, index), nslots });
}

export function swiotlb_tbl_unmap_single(dev: device, tlb_addr: number, mapping_size: number, dir: dma_data_direction, attrs: number): void {
  // Copy back first, then give the slots back.
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  }

  swiotlb_release_slots(dev, tlb_addr);
}

export function swiotlb_sync_single_for_device(dev: device, tlb_addr: number, size: number, dir: dma_data_direction): void {
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(dev, tlb_addr, size, DMA_TO_DEVICE);
  else BUG_ON(dir !== DMA_FROM_DEVICE, 'swiotlb_sync_single_for_device: bad direction');
}

export function swiotlb_sync_single_for_cpu(dev: device, tlb_addr: number, size: number, dir: dma_data_direction): void {
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(dev, tlb_addr, size, DMA_FROM_DEVICE);
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
  const mem = dev_io_tlb_mem(dev);
  return mem !== null && mem.nslabs !== 0;
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
  swiotlb_init_io_tlb_mem(mem, base, nslabs, SWIOTLB_FORCE, false, nareas);
  mem.for_alloc = true;
  machine().swiotlbPools.push(mem);

  dev.dma_io_tlb_mem = mem;
  return 0;
}
