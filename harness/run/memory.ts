// The driver's memory, by name: the fixture's buffers (each a physical range
// the harness placed) and its coherent allocations (a kernel address over
// the pages the kernel gave, contiguous or not). The run engine reads and
// writes both as the driver's CPU would, and both it and the contract ask
// where a range lives in physical memory and what a physical address is.

import { kernelReadInto, kernelWrite } from '../machine/cpu.js';
import type { Machine } from '../machine/machine.js';
import type { BufferSpec } from '../fixtures/scenario.js';

/** A coherent allocation as the driver holds it. */
export interface Allocation {
  name: string;
  /** The kernel virtual address dma_alloc_coherent returned. */
  cpu: number;
  size: number;
  /** The physical page behind each CPU page of the allocation, in order (PAGE_ALIGN(size) of them). */
  pages: number[];
}

/** A place in the driver's memory. */
export interface Place {
  name: string;
  offset: number;
  /** A coherent allocation rather than a buffer. */
  allocation: boolean;
}

export class DriverMemory {
  private readonly allocations = new Map<string, Allocation>();

  constructor(
    private readonly m: Machine,
    private readonly buffers: ReadonlyMap<string, BufferSpec>,
  ) {}

  /** Record an allocation: its pages are what its kernel address maps, page by page. */
  allocate(name: string, cpu: number, size: number): Allocation {
    const p = this.m.platform.pageSize;
    const count = Math.ceil(size / p);
    const pages = Array.from({ length: count }, (_, i) => this.m.vmalloc.runs(cpu + i * p, 1)[0]!.phys);
    const a = { name, cpu, size, pages };
    this.allocations.set(name, a);
    return a;
  }

  free(name: string): void {
    this.allocations.delete(name);
  }

  allocation(name: string): Allocation | undefined {
    return this.allocations.get(name);
  }

  isAllocation(name: string): boolean {
    return this.allocations.has(name);
  }

  /** The physical runs behind bytes [offset, offset + size) of a buffer or allocation, joined where adjacent. */
  physRanges(name: string, offset: number, size: number): Array<[number, number]> {
    const b = this.buffers.get(name);
    if (b !== undefined) return [[b.phys + offset, b.phys + offset + size]];
    const a = this.allocations.get(name);
    if (a === undefined) throw new Error(`no buffer or live allocation "${name}"`);
    const p = this.m.platform.pageSize;
    const out: Array<[number, number]> = [];
    let pos = offset;
    while (pos < offset + size) {
      const page = Math.floor(pos / p);
      const n = Math.min(p - (pos % p), offset + size - pos);
      const phys = a.pages[page]! + (pos % p);
      const prev = out[out.length - 1];
      if (prev !== undefined && prev[1] === phys) prev[1] += n;
      else out.push([phys, phys + n]);
      pos += n;
    }
    return out;
  }

  /** What a physical address is in the driver's memory: a buffer's or a live allocation's byte, or nothing. */
  whereIs(phys: number): Place | undefined {
    for (const b of this.buffers.values()) {
      if (phys >= b.phys && phys < b.phys + b.size) return { name: b.name, offset: phys - b.phys, allocation: false };
    }
    const p = this.m.platform.pageSize;
    const page = phys - (phys % p);
    for (const a of this.allocations.values()) {
      const i = a.pages.indexOf(page);
      if (i >= 0) return { name: a.name, offset: i * p + (phys - page), allocation: true };
    }
    return undefined;
  }

  /** A CPU load of a range: a buffer through the cache, an allocation through its kernel address. */
  cpuReadInto(name: string, offset: number, dst: Uint8Array, length: number): void {
    const a = this.allocations.get(name);
    if (a !== undefined) kernelReadInto(this.m, a.cpu + offset, dst, 0, length);
    else this.m.cache.cpuReadInto(this.buffers.get(name)!.phys + offset, dst, 0, length);
  }

  cpuWrite(name: string, offset: number, data: Uint8Array): void {
    const a = this.allocations.get(name);
    if (a !== undefined) kernelWrite(this.m, a.cpu + offset, data);
    else this.m.cache.cpuWrite(this.buffers.get(name)!.phys + offset, data);
  }
}
