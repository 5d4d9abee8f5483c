// The CPU data cache, as a non-coherent device experiences it (kernel-model §5).
//
// Write-back, write-allocate, one level, with lines of `lineSize` bytes
// (64 on arm64). A CPU load or store goes through the cache and leaves the
// line cached; a store leaves it dirty. A non-coherent device reads and
// writes DRAM only. A coherent device snoops: it reads the cached copy when
// there is one and its writes update both DRAM and the cached copy.
//
// Maintenance follows arm64 in Linux 5.14:
//   clean       dc cvac on every line the range touches (write back, keep);
//   invalidate  __dma_inv_area: a partial line at either end is cleaned and
//               invalidated (dc civac); lines wholly inside are invalidated
//               (dc ivac), which throws away dirty data.
// `evict` is not an instruction: it lets a fixture force dirty lines out at
// a chosen moment, as the hardware may do at any time.

import { alignDown, alignUp } from './bits.js';
import type { PhysicalMemory } from './memory.js';

interface Line {
  data: Uint8Array;
  dirty: boolean;
}

export interface MaintenanceResult {
  /** Lines the operation touched. */
  lines: number;
  /** Dirty lines written back to DRAM. */
  written: number;
  /** Dirty lines discarded without being written back. */
  dropped: number;
}

export class CpuCache {
  private readonly lines = new Map<number, Line>();

  constructor(
    private readonly dram: PhysicalMemory,
    readonly lineSize: number,
  ) {}

  cpuRead(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.forEachPiece(addr, length, (line, inLine, done, n) => {
      out.set(this.allocate(line).data.subarray(inLine, inLine + n), done);
    });
    return out;
  }

  cpuWrite(addr: number, src: Uint8Array): void {
    this.forEachPiece(addr, src.length, (line, inLine, done, n) => {
      const l = this.allocate(line);
      l.data.set(src.subarray(done, done + n), inLine);
      l.dirty = true;
    });
  }

  /** What a coherent device reads: the cached copy where there is one. */
  snoopRead(addr: number, length: number): Uint8Array {
    const out = this.dram.read(addr, length);
    this.forEachPiece(addr, length, (line, inLine, done, n) => {
      const l = this.lines.get(line);
      if (l !== undefined) out.set(l.data.subarray(inLine, inLine + n), done);
    });
    return out;
  }

  /** A coherent device's write: DRAM and any cached copy both take it. */
  snoopWrite(addr: number, src: Uint8Array): void {
    this.dram.write(addr, src);
    this.forEachPiece(addr, src.length, (line, inLine, done, n) => {
      this.lines.get(line)?.data.set(src.subarray(done, done + n), inLine);
    });
  }

  /** dc cvac over every line [addr, addr + size) touches. */
  clean(addr: number, size: number): MaintenanceResult {
    const result = { lines: this.lineCount(addr, size), written: 0, dropped: 0 };
    for (const line of this.cachedLinesIn(alignDown(addr, this.lineSize), alignUp(addr + size, this.lineSize))) {
      if (this.writeBack(line)) result.written++;
    }
    return result;
  }

  /** arm64 __dma_inv_area: civac on partial edge lines, ivac on the rest. */
  invalidate(addr: number, size: number): MaintenanceResult {
    const result = { lines: this.lineCount(addr, size), written: 0, dropped: 0 };
    const end = addr + size;
    const firstFull = alignUp(addr, this.lineSize);
    const lastFull = alignDown(end, this.lineSize);
    for (const line of this.cachedLinesIn(alignDown(addr, this.lineSize), alignUp(end, this.lineSize))) {
      const partial = line < firstFull || line >= lastFull;
      if (partial) {
        if (this.writeBack(line)) result.written++;
      } else if (this.lines.get(line)!.dirty) {
        result.dropped++;
      }
      this.lines.delete(line);
    }
    return result;
  }

  /** Write back and drop every cached line in the range (or everywhere). */
  evict(addr = 0, size = Number.MAX_SAFE_INTEGER): MaintenanceResult {
    const result = { lines: 0, written: 0, dropped: 0 };
    for (const line of this.cachedLinesIn(alignDown(addr, this.lineSize), alignUp(addr + size, this.lineSize))) {
      result.lines++;
      if (this.writeBack(line)) result.written++;
      this.lines.delete(line);
    }
    return result;
  }

  isCached(addr: number): boolean {
    return this.lines.has(alignDown(addr, this.lineSize));
  }

  isDirty(addr: number): boolean {
    return this.lines.get(alignDown(addr, this.lineSize))?.dirty === true;
  }

  /** Addresses of the dirty lines, in address order. */
  dirtyLines(): number[] {
    const out: number[] = [];
    for (const [addr, line] of this.lines) if (line.dirty) out.push(addr);
    return out.sort((a, b) => a - b);
  }

  get cachedLineCount(): number {
    return this.lines.size;
  }

  private lineCount(addr: number, size: number): number {
    if (size === 0) return 0;
    return (alignUp(addr + size, this.lineSize) - alignDown(addr, this.lineSize)) / this.lineSize;
  }

  private writeBack(lineAddr: number): boolean {
    const line = this.lines.get(lineAddr)!;
    if (!line.dirty) return false;
    this.dram.write(lineAddr, line.data);
    line.dirty = false;
    return true;
  }

  private allocate(lineAddr: number): Line {
    let line = this.lines.get(lineAddr);
    if (line === undefined) {
      line = { data: this.dram.read(lineAddr, this.lineSize), dirty: false };
      this.lines.set(lineAddr, line);
    }
    return line;
  }

  /** Cached line addresses in [start, end), in address order, cheaply for huge ranges. */
  private cachedLinesIn(start: number, end: number): number[] {
    const span = (end - start) / this.lineSize;
    if (span <= this.lines.size) {
      const out: number[] = [];
      for (let a = start; a < end; a += this.lineSize) if (this.lines.has(a)) out.push(a);
      return out;
    }
    const out: number[] = [];
    for (const a of this.lines.keys()) if (a >= start && a < end) out.push(a);
    return out.sort((a, b) => a - b);
  }

  private forEachPiece(
    addr: number,
    length: number,
    fn: (lineAddr: number, inLine: number, done: number, n: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const line = alignDown(a, this.lineSize);
      const inLine = a - line;
      const n = Math.min(this.lineSize - inLine, length - done);
      fn(line, inLine, done, n);
      done += n;
    }
  }
}
