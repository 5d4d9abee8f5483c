// The CPU's side of DMA: its string operations on the linear map, and the
// arm64 cache maintenance of arch/arm64/mm/dma-mapping.c and cache.S
// (kernel-model §5). Physical and kernel virtual addresses are the same
// numbers in the model (phys_to_virt is the identity).

import { machine } from './current.js';
import { KernelBug } from './events.js';
import { DMA_FROM_DEVICE, DMA_TO_DEVICE, type dma_data_direction } from './dma.js';
import type { Machine } from './machine.js';
import { VMALLOC_START } from './vmalloc.js';

export function phys_to_virt(paddr: number): number {
  return paddr;
}

/** In C the length is a size_t: one computed below zero wraps and overruns everything. */
function checkLength(op: string, size: number): void {
  if (size < 0) throw new KernelBug(`${op} with a length of ${size}, which wraps to ${2 ** 64 + size} as a size_t`);
}

export function memcpy(dst: number, src: number, size: number): void {
  checkLength('memcpy', size);
  const m = machine();
  m.cache.cpuCopy(dst, src, size);
  m.provenance.copy(dst, src, size);
  m.recorder.emit({ t: 'memcpy', dst, src, size });
}

/** memset through a kernel virtual address: one event per physical run it lands in. */
export function memset(addr: number, value: number, size: number): void {
  checkLength('memset', size);
  if (size === 0) return;
  const m = machine();
  if (addr < VMALLOC_START) {
    m.cache.cpuFill(addr, value, size);
    m.provenance.mark(addr, size, 0);
    m.recorder.emit({ t: 'memset', addr, size });
    return;
  }
  for (const r of m.vmalloc.runs(addr, size)) {
    if (r.cached) m.cache.cpuFill(r.phys, value, r.length);
    else m.cache.uncachedWrite(r.phys, new Uint8Array(r.length).fill(value));
    m.provenance.mark(r.phys, r.length, 0);
    m.recorder.emit({ t: 'memset', addr: r.phys, size: r.length });
  }
}

/** A CPU load of `length` bytes at a kernel virtual address into dst (not kernel code: the harness's driver reading its buffer). */
export function kernelReadInto(m: Machine, addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
  let done = 0;
  for (const r of m.vmalloc.runs(addr, length)) {
    if (r.cached) m.cache.cpuReadInto(r.phys, dst, dstOffset + done, r.length);
    else m.cache.uncachedReadInto(r.phys, dst, dstOffset + done, r.length);
    done += r.length;
  }
}

/** A CPU store at a kernel virtual address (the harness's driver writing its buffer). */
export function kernelWrite(m: Machine, addr: number, src: Uint8Array): void {
  let done = 0;
  for (const r of m.vmalloc.runs(addr, src.length)) {
    const part = src.subarray(done, done + r.length);
    if (r.cached) m.cache.cpuWrite(r.phys, part);
    else m.cache.uncachedWrite(r.phys, part);
    done += r.length;
  }
}

/** A kernel store of a 64-bit value in big-endian byte order (`*p = cpu_to_be64(v)`), as powerpc lays out what it hands the hypervisor. */
export function store_be64(addr: number, value: number): void {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(value / 2 ** 32));
  view.setUint32(4, value % 2 ** 32);
  const m = machine();
  kernelWrite(m, addr, bytes);
  m.provenance.mark(addr, 8, 0);
}

/** A kernel load of a big-endian 64-bit value (`be64_to_cpu(*p)`); exact below 2^53. */
export function load_be64(addr: number): number {
  const bytes = new Uint8Array(8);
  kernelReadInto(machine(), addr, bytes, 0, 8);
  const view = new DataView(bytes.buffer);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

function __dma_clean_area(addr: number, size: number): void {
  const m = machine();
  const r = m.cache.clean(addr, size);
  m.recorder.emit({ t: 'cache', op: 'clean', addr, size, ...r });
}

function __dma_inv_area(addr: number, size: number): void {
  const m = machine();
  const r = m.cache.invalidate(addr, size);
  m.recorder.emit({ t: 'cache', op: 'invalidate', addr, size, ...r });
}

/** __dma_map_area: invalidate for DMA_FROM_DEVICE, clean otherwise. */
export function arch_sync_dma_for_device(paddr: number, size: number, dir: dma_data_direction): void {
  if (dir === DMA_FROM_DEVICE) __dma_inv_area(phys_to_virt(paddr), size);
  else __dma_clean_area(phys_to_virt(paddr), size);
}

/** __dma_unmap_area: invalidate unless DMA_TO_DEVICE. */
export function arch_sync_dma_for_cpu(paddr: number, size: number, dir: dma_data_direction): void {
  if (dir !== DMA_TO_DEVICE) __dma_inv_area(phys_to_virt(paddr), size);
}

/** IS_ENABLED(CONFIG_...) for the options the model knows; arm64 selects both DMA remap options. */
export function IS_ENABLED(
  option: 'CONFIG_SWIOTLB' | 'CONFIG_SWIOTLB_DYNAMIC' | 'CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC' | 'CONFIG_IOMMU_IO_BUFFER' | 'CONFIG_IOMMU_BOUNCE_BUFFERS' | 'CONFIG_DMA_REMAP' | 'CONFIG_DMA_DIRECT_REMAP',
): boolean {
  const p = machine().platform;
  switch (option) {
    case 'CONFIG_SWIOTLB':
      return p.swiotlb;
    // Both depend on SWIOTLB in Kconfig.
    case 'CONFIG_SWIOTLB_DYNAMIC':
      return p.swiotlb && p.swiotlbDynamic;
    case 'CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC':
      return p.swiotlb && p.kmallocBounce;
    // The bounce pools' option, under its name in v1 and in v2: one setting.
    case 'CONFIG_IOMMU_IO_BUFFER':
    case 'CONFIG_IOMMU_BOUNCE_BUFFERS':
      return p.iommuBounceBuffers;
    case 'CONFIG_DMA_REMAP':
    case 'CONFIG_DMA_DIRECT_REMAP':
      return true;
  }
}

/**
 * A module parameter's value: what the kernel command line gives
 * ("module.name=value"), else the variable's initialiser in the C, which
 * the caller passes. A parameter is read where the C reads the variable.
 */
export function module_param(name: string, initial: number): number {
  return machine().platform.moduleParams[name] ?? initial;
}

/**
 * `value << count` on a 64-bit type, where C leaves a count of 64 or more
 * undefined: the platform says what the machine does (shiftOverflow).
 */
export function shl64(value: number, count: number): number {
  if (count >= 64) {
    if (machine().platform.shiftOverflow === 'zero') return 0;
    count %= 64;
  }
  return value * 2 ** count;
}

/** num_possible_cpus(). */
export function num_possible_cpus(): number {
  return machine().platform.cpus;
}

/** raw_smp_processor_id(): the model's kernel always runs on the first CPU. */
export function raw_smp_processor_id(): number {
  return 0;
}

/** ARCH_DMA_MINALIGN on arm64 (128), the alignment kmalloc() keeps for DMA without bouncing. */
export const ARCH_DMA_MINALIGN = 128;

/** dma_get_cache_alignment(): the CPU's cache line, the unit non-coherent DMA is maintained in. */
export function dma_get_cache_alignment(): number {
  return machine().platform.cacheLineSize;
}

/**
 * kmalloc_size_roundup(): the size of the kmalloc cache a request lands in
 * (8, 16, 32, 64, 96, 128, 192, then powers of two), with arm64's 8-byte
 * ARCH_KMALLOC_MINALIGN of 6.5 and later.
 */
export function kmalloc_size_roundup(size: number): number {
  if (size <= 8) return 8;
  if (size > 64 && size <= 96) return 96;
  if (size > 128 && size <= 192) return 192;
  return 2 ** Math.ceil(Math.log2(size));
}

export function PAGE_SIZE(): number {
  return machine().platform.pageSize;
}

/** PAGE_ALIGN(): up to a whole number of CPU pages. */
export function PAGE_ALIGN(x: number): number {
  const p = machine().platform.pageSize;
  return Math.ceil(x / p) * p;
}

export function PAGE_SHIFT(): number {
  // The page size is a power of two below 2^31: its bit's index, without a
  // floating-point logarithm on every slot search.
  return 31 - Math.clz32(machine().platform.pageSize);
}
