// Kernel virtual addresses outside the linear map: vmap() areas, as
// kernel/dma/remap.c makes them for coherent DMA buffers (a page array
// mapped contiguously, cacheable or not), and the CPU's accesses through
// them. The linear map is the identity in the model (phys_to_virt), so an
// address below VMALLOC_START is a physical address; one above it is looked
// up in its area page by page.
//
// remap.c's functions are here too, under their names: variant code calls
// them as the kernel library, and no modelled patch changes them.

import { alignUp, hex } from './bits.js';
import { machine } from './current.js';

/** Where the model's vmalloc space starts: above any physical address it uses. */
export const VMALLOC_START = 2 ** 48;
export const VMALLOC_END = 2 ** 52;

/** pgprot_t, reduced to what a CPU access through the mapping depends on. */
export type pgprot_t = 'PAGE_KERNEL' | 'PAGE_KERNEL_NC';
export const PAGE_KERNEL: pgprot_t = 'PAGE_KERNEL';

/** struct vm_struct of a vmap() area. */
export interface vm_struct {
  addr: number;
  size: number;
  /** The physical address of each page, in order. */
  pagesPhys: number[];
  cached: boolean;
  /** area->pages: set by dma_common_pages_remap only (dma_common_find_pages hands it back). */
  pages: number[] | null;
  flags: 'VM_DMA_COHERENT';
}

/** One run of a kernel virtual range: where it lands and whether the CPU caches it. */
export interface KernelRun {
  phys: number;
  length: number;
  cached: boolean;
}

export class VmallocSpace {
  private readonly areas: vm_struct[] = [];
  private next = VMALLOC_START;

  constructor(private readonly pageSize: number) {}

  /** vmap(): map `pages` (physical addresses) contiguously; a guard page follows each area. */
  vmap(pages: readonly number[], count: number, cached: boolean): number {
    const addr = this.next;
    const size = count * this.pageSize;
    this.next = alignUp(addr + size + this.pageSize, this.pageSize);
    this.areas.push({ addr, size, pagesPhys: pages.slice(0, count), cached, pages: null, flags: 'VM_DMA_COHERENT' });
    return addr;
  }

  find_vm_area(addr: number): vm_struct | undefined {
    return this.areas.find((a) => addr >= a.addr && addr < a.addr + a.size);
  }

  vunmap(addr: number): void {
    const i = this.areas.findIndex((a) => a.addr === addr);
    if (i >= 0) this.areas.splice(i, 1);
  }

  /** The physical runs behind [vaddr, vaddr + length), each with its cacheability; throws on an address with no mapping. */
  runs(vaddr: number, length: number): KernelRun[] {
    if (vaddr < VMALLOC_START) return [{ phys: vaddr, length, cached: true }];
    const area = this.find_vm_area(vaddr);
    if (area === undefined || vaddr + length > area.addr + area.size) {
      throw new Error(`kernel access to ${hex(vaddr)}+${hex(length)}, which no vmap area covers`);
    }
    const out: KernelRun[] = [];
    let done = 0;
    while (done < length) {
      const off = vaddr + done - area.addr;
      const page = Math.floor(off / this.pageSize);
      const inPage = off - page * this.pageSize;
      const n = Math.min(this.pageSize - inPage, length - done);
      const phys = area.pagesPhys[page]! + inPage;
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.phys + prev.length === phys) prev.length += n;
      else out.push({ phys, length: n, cached: area.cached });
      done += n;
    }
    return out;
  }

  get areaCount(): number {
    return this.areas.length;
  }
}

export function is_vmalloc_addr(addr: number): boolean {
  return addr >= VMALLOC_START && addr < VMALLOC_END;
}

/** vmalloc_to_page(): the page behind a vmap address. */
export function vmalloc_to_page(addr: number): number {
  const m = machine();
  return m.vmalloc.runs(addr - (addr % m.platform.pageSize), 1)[0]!.phys;
}

/** virt_to_page() and page_address() of the linear map, which the model keeps as the identity. */
export function virt_to_page(addr: number): number {
  return addr - (addr % machine().platform.pageSize);
}

export function page_address(page: number): number {
  return page;
}

/** kernel/dma/remap.c: the area's page array, for a buffer dma_common_pages_remap() made. */
export function dma_common_find_pages(cpu_addr: number): number[] | null {
  const area = machine().vmalloc.find_vm_area(cpu_addr);
  if (area === undefined || area.flags !== 'VM_DMA_COHERENT') return null;
  return area.pages;
}

/** kernel/dma/remap.c: map a page array, and remember it in the area. */
export function dma_common_pages_remap(pages: number[], size: number, prot: pgprot_t, _caller: string): number {
  const m = machine();
  const vaddr = m.vmalloc.vmap(pages, alignUp(size, m.platform.pageSize) / m.platform.pageSize, prot === PAGE_KERNEL);
  m.vmalloc.find_vm_area(vaddr)!.pages = pages;
  return vaddr;
}

/** kernel/dma/remap.c: map physically contiguous pages; the temporary page array is not kept. */
export function dma_common_contiguous_remap(page: number, size: number, prot: pgprot_t, _caller: string): number {
  const m = machine();
  const count = alignUp(size, m.platform.pageSize) / m.platform.pageSize;
  const pages = Array.from({ length: count }, (_, i) => page + i * m.platform.pageSize);
  return m.vmalloc.vmap(pages, count, prot === PAGE_KERNEL);
}

/** kernel/dma/remap.c: unmap a coherent buffer's area, WARNing for one it did not make. */
export function dma_common_free_remap(cpu_addr: number, _size: number): void {
  const m = machine();
  const area = m.vmalloc.find_vm_area(cpu_addr);
  if (area === undefined || area.flags !== 'VM_DMA_COHERENT') {
    m.recorder.warn('dma_common_free_remap', `trying to free invalid coherent area: ${hex(cpu_addr)}`);
    return;
  }
  m.vmalloc.vunmap(area.addr);
}

export function vunmap(addr: number): void {
  machine().vmalloc.vunmap(addr);
}
