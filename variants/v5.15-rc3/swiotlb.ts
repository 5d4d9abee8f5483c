// kernel/dma/swiotlb.c: the pool's set-up, the functions dma-iommu and
// dma-direct call and the ones they call in turn, in the file's order, for
// the code state described in variant.json next to this file (kernel-model
// §4), with struct io_tlb_mem and the inline of include/linux/swiotlb.h that
// tests a pool address. The per-slot arrays are instrumented memory of the
// machine (harness/machine/swiotlb-slots.ts).

import {
  ALIGN,
  and,
  andNot,
  arch_sync_dma_for_device,
  BUG,
  BUG_ON,
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
  machine,
  memcpy,
  PAGE_SHIFT,
  PAGE_SIZE,
  phys_to_dma_unencrypted,
  phys_to_virt,
  should_fail,
  skip_hopeless_search,
  SWIOTLB_FORCE,
  swiotlb_force,
  wrap_index,
  WARN_ONCE,
  type BouncePool,
  type device,
  type dma_addr_t,
  type dma_data_direction,
  type phys_addr_t,
} from '../../harness/kernel.js';

/** struct io_tlb_mem: one pool of bounce slots. */
export class io_tlb_mem implements BouncePool {
  readonly start: phys_addr_t;
  readonly end: phys_addr_t;
  readonly nslabs: number;
  used = 0;
  index = 0;
  /** Every mapping of a device using this pool bounces (swiotlb=force, or a restricted pool). */
  force_bounce = false;
  readonly slots = new io_tlb_slots();
  /** Not kernel state: loop iterations in slot searches since the last DMA API call began (wrap_index). */
  spins = 0;

  constructor(start: phys_addr_t, nslabs: number) {
    this.start = start;
    this.nslabs = nslabs;
    this.end = start + nslabs * IO_TLB_SIZE;
  }
}

/** The default pool (io_tlb_default_mem, static since 463e862ac63e), or null with CONFIG_SWIOTLB=n. */
export function io_tlb_default_mem(): io_tlb_mem | null {
  return machine().swiotlb as io_tlb_mem | null;
}

/**
 * dev->dma_io_tlb_mem: the pool a device bounces through, the default one
 * for every device here (the model has no restricted-dma-pool).
 */
function dev_io_tlb_mem(_dev: device): io_tlb_mem | null {
  return io_tlb_default_mem();
}

/**
 * Boot: the default pool over the memory the platform set aside (the model
 * places it; the kernel's memblock allocation is not modelled), forced to
 * bounce everything with swiotlb=force.
 */
export function swiotlb_init_with_tbl(tlb: phys_addr_t, nslabs: number): void {
  const mem = new io_tlb_mem(tlb, nslabs);
  if (swiotlb_force() === SWIOTLB_FORCE) mem.force_bounce = true;
  machine().swiotlb = mem;
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

/** The part of the original's offset that is kept inside the first slot. */
export function swiotlb_align_offset(dev: device, addr: number): number {
  return and(and(addr, dma_get_min_align_mask(dev)), IO_TLB_SIZE - 1);
}

function pool(): io_tlb_mem {
  const mem = io_tlb_default_mem();
  if (mem === null) throw new Error('swiotlb called with CONFIG_SWIOTLB=n (would not link)');
  return mem;
}

/** The slot of a pool address; in C a bad address indexes past the slot array, here it is a crash. */
function slotIndex(mem: io_tlb_mem, tlb_addr: number, site: string): number {
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) BUG(`${site}: ${hex(tlb_addr)} is not in the swiotlb pool (slot index ${index})`);
  return index | 0; // an int below 2^29 (see wrap_index)
}

/** Copy between the original buffer and its bounce slots. */
function swiotlb_bounce(dev: device, tlb_addr: number, size: number, dir: dma_data_direction): void {
  const mem = pool();
  const index = slotIndex(mem, tlb_addr, 'swiotlb_bounce');
  let orig_addr = mem.slots.orig_addr(index);
  let alloc_size = mem.slots.alloc_size(index);

  if (orig_addr === INVALID_PHYS_ADDR) return;

  // 868c9ddc182b: an access that starts in front of the mapping, or past
  // what is left of its allocation in this slot, WARNs and copies nothing.
  // (The first check also refuses a sync that starts in the first bytes of
  // a later slot of the mapping; that was only fixed in 2024.)
  let tlb_offset = tlb_addr % IO_TLB_SIZE;
  const orig_offset = swiotlb_align_offset(dev, orig_addr);
  if (tlb_offset < orig_offset) {
    WARN_ONCE(true, 'swiotlb_bounce', `Access before mapping start detected. orig offset ${orig_offset}, requested offset ${tlb_offset}.`, 'start');
    return;
  }

  tlb_offset -= orig_offset;
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

function nr_slots(val: number): number {
  return Math.ceil(val / IO_TLB_SIZE);
}

function slot_addr(start: number, idx: number): number {
  return start + idx * IO_TLB_SIZE;
}

function get_max_slots(boundary_mask: number): number {
  if (boundary_mask >= Number.MAX_SAFE_INTEGER) return 2 ** (64 - IO_TLB_SHIFT);
  return nr_slots(boundary_mask + 1);
}

/**
 * Find nslots free, contiguous slots that keep the original's alignment
 * bits, and note in each what is left of the allocation from it; -1 if none.
 */
function swiotlb_find_slots(dev: device, orig_addr: number, alloc_size: number): number {
  const mem = pool();
  const boundary_mask = dma_get_seg_boundary(dev);
  const tbl_dma_addr = and(phys_to_dma_unencrypted(dev, mem.start), boundary_mask);
  const max_slots = get_max_slots(boundary_mask);
  const iotlb_align_mask = andNot(dma_get_min_align_mask(dev), IO_TLB_SIZE - 1);
  const nslots = nr_slots(alloc_size);
  const offset = swiotlb_align_offset(dev, orig_addr);
  let count = 0;

  BUG_ON(nslots === 0, 'swiotlb_find_slots: zero slots requested');
  // A model injection point (the kernel has none here): the search fails as a
  // full pool does.
  if (should_fail('swiotlb', 'swiotlb_find_slots')) return -1;

  // An alignment requirement (or an allocation of a page or more) only
  // visits slots on the matching stride.
  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE()) stride = Math.max(stride, stride << (PAGE_SHIFT() - IO_TLB_SHIFT));

  if (nslots > mem.nslabs - mem.used) return -1;

  let index = wrap_index(mem, ALIGN(mem.index, stride));
  const wrap = index;
  let found = false;
  // Loop invariants, worked out once (as a C compiler would): the search
  // walks up to every slot of the pool. With no alignment mask both sides of
  // the first test are 0, and the slot's address is not worked out at all.
  const orig_align_bits = and(orig_addr, iotlb_align_mask);
  const tbl_slots = nr_slots(tbl_dma_addr);
  // Only an allocation for a real buffer (orig_addr != 0) keeps its bits.
  const aligning = iotlb_align_mask !== 0 && orig_addr !== 0;
  // A model shortcut, not in the kernel (skip_hopeless_search): with no
  // alignment test, a search for more slots than any list[] holds walks the
  // whole pool in vain; the walk is counted, not taken.
  if (!aligning && skip_hopeless_search(mem, nslots, wrap, stride, tbl_slots, max_slots)) return -1;
  do {
    if (aligning && and(slot_addr(tbl_dma_addr, index), iotlb_align_mask) !== orig_align_bits) {
      index = wrap_index(mem, index + 1);
      continue;
    }
    if (!iommu_is_span_boundary(index, nslots, tbl_slots, max_slots)) {
      if (mem.slots.list(index) >= nslots) {
        found = true;
        break;
      }
    }
    index = wrap_index(mem, index + stride);
  } while (index !== wrap);

  if (!found) return -1;

  for (let i = index; i < index + nslots; i++) {
    mem.slots.setList(i, 0);
    mem.slots.setAllocSize(i, alloc_size - (offset + (i - index) * IO_TLB_SIZE));
  }
  for (let i = index - 1; i >= 0 && i % IO_TLB_SEGSIZE !== IO_TLB_SEGSIZE - 1 && mem.slots.list(i) !== 0; i--) {
    mem.slots.setList(i, ++count);
  }

  mem.index = index + nslots < mem.nslabs ? index + nslots : 0;
  mem.used += nslots;
  return index;
}

export function swiotlb_tbl_map_single(
  dev: device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  dir: dma_data_direction,
  attrs: number,
): number {
  const mem = pool();
  const offset = swiotlb_align_offset(dev, orig_addr);

  if (mapping_size > alloc_size) {
    machine().recorder.warn('swiotlb_tbl_map_single', `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`, false);
    return DMA_MAPPING_ERROR;
  }

  const index = swiotlb_find_slots(dev, orig_addr, alloc_size + offset);
  if (index === -1) {
    if (!(attrs & DMA_ATTR_NO_WARN)) {
      machine().recorder.warn(
        'swiotlb_tbl_map_single',
        `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem.used} (slots)`,
        false,
      );
    }
    machine().recorder.emit({
      t: 'swiotlb_full',
      orig: orig_addr,
      allocSize: alloc_size,
      nslots: nr_slots(alloc_size + offset),
      used: mem.used,
      total: mem.nslabs,
    });
    return DMA_MAPPING_ERROR;
  }

  // Remember where each slot's data comes from, for later syncs. Each slot
  // records the original address advanced by whole slots, not minus offset.
  const nslots = nr_slots(alloc_size + offset);
  for (let i = 0; i < nslots; i++) mem.slots.setOrigAddr(index + i, slot_addr(orig_addr, i));
  const tlb_addr = slot_addr(mem.start, index) + offset;
  machine().recorder.emit({ t: 'swiotlb_map', orig: orig_addr, tlb: tlb_addr, index, nslots, allocSize: alloc_size });
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  }
  return tlb_addr;
}

/** Give a mapping's slots back. */
function swiotlb_release_slots(dev: device, tlb_addr: number): void {
  const mem = pool();
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = slotIndex(mem, tlb_addr - offset, 'swiotlb_release_slots');
  const nslots = nr_slots(mem.slots.alloc_size(index) + offset);
  let count: number;

  // In C a bogus tlb_addr walks off the slot array; here that is a crash.
  if (nslots < 0 || index + nslots > mem.nslabs) BUG(`swiotlb_release_slots: ${nslots} slots at index ${index}`);

  // Merge the returned slots with the free run that follows them, then
  // renumber the free run in front of them, within the segment.
  if (index + nslots < ALIGN(index + 1, IO_TLB_SEGSIZE)) count = mem.slots.list(index + nslots);
  else count = 0;

  for (let i = index + nslots - 1; i >= index; i--) {
    mem.slots.setList(i, ++count);
    mem.slots.setSlot(i, INVALID_PHYS_ADDR, 0);
  }
  for (let i = index - 1; i >= 0 && i % IO_TLB_SEGSIZE !== IO_TLB_SEGSIZE - 1 && mem.slots.list(i) !== 0; i--) {
    mem.slots.setList(i, ++count);
  }
  mem.used -= nslots;
  machine().recorder.emit({ t: 'swiotlb_unmap', tlb: tlb_addr, index, nslots });
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
  const swiotlb_addr = swiotlb_tbl_map_single(dev, paddr, size, size, dir, attrs);
  if (swiotlb_addr === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;

  // The slots themselves must be reachable: give them back untouched if not.
  const dma_addr = phys_to_dma_unencrypted(dev, swiotlb_addr);
  if (!dma_capable(dev, dma_addr, size, true)) {
    swiotlb_tbl_unmap_single(dev, swiotlb_addr, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
    machine().recorder.warn('swiotlb_map', `swiotlb addr ${hex(dma_addr)}+${size} overflow (mask ${hex(dev.dma_mask)}, bus limit ${hex(dev.bus_dma_limit)})`);
    return DMA_MAPPING_ERROR;
  }

  if (!dev_is_dma_coherent(dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(swiotlb_addr, size, dir);
  return dma_addr;
}

export function swiotlb_max_mapping_size(_dev: device): number {
  return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

export function is_swiotlb_active(dev: device): boolean {
  return dev_io_tlb_mem(dev) !== null;
}
