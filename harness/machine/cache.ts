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
//
// Lines are kept per 4 KiB frame (the frame's bytes and, per line, whether it
// is present and whether it is dirty), so a page-sized copy costs one
// allocation rather than one per line.

import { alignDown, alignUp } from './bits.js';
import type { PhysicalMemory } from './memory.js';
import { SLOT, type Workspace } from './workspace.js';

const FRAME = 4096;


interface Frame {
  data: Uint8Array;
  present: Uint8Array;
  dirty: Uint8Array;
  /** Present lines, so that an empty frame can be dropped. */
  count: number;
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
  private readonly frames = new Map<number, Frame>();
  /** Dirty lines, counted as they change (a case ends by asking). */
  private dirtyLines = 0;
  /** The frame frame() last handed out: a copy of a few lines asks for the same one again and again. */
  private lastNo = -1;
  private last: Frame | undefined;
  private readonly linesPerFrame: number;

  constructor(
    private readonly dram: PhysicalMemory,
    readonly lineSize: number,
    private readonly pool: Workspace,
  ) {
    this.linesPerFrame = FRAME / lineSize;
  }

  private frame(frameNo: number): Frame {
    if (frameNo === this.lastNo) return this.last!;
    let f = this.frames.get(frameNo);
    if (f === undefined) {
      f = { data: this.pool.take(), present: this.pool.takeBytes(this.linesPerFrame), dirty: this.pool.takeBytes(this.linesPerFrame), count: 0 };
      this.frames.set(frameNo, f);
    }
    this.lastNo = frameNo;
    this.last = f;
    return f;
  }

  /** Bring lines [first, last] of a frame in from DRAM, except those wholly covered by [from, to). */
  private fill(frameNo: number, f: Frame, first: number, last: number, from = -1, to = -1): void {
    if (f.count === this.linesPerFrame) return; // every line is in already
    const ls = this.lineSize;
    const present = f.present;
    // One pass: each missing line becomes present, and runs of consecutive
    // lines that need DRAM's bytes are read in one go.
    let runStart = -1;
    for (let l = first; l <= last; l++) {
      const missing = !present[l];
      if (missing) {
        present[l] = 1;
        f.count++;
      }
      const needed = missing && !(from <= l * ls && (l + 1) * ls <= to);
      if (needed) {
        if (runStart < 0) runStart = l;
      } else if (runStart >= 0) {
        this.dram.readInto(frameNo * FRAME + runStart * ls, f.data, runStart * ls, (l - runStart) * ls);
        runStart = -1;
      }
    }
    if (runStart >= 0) this.dram.readInto(frameNo * FRAME + runStart * ls, f.data, runStart * ls, (last + 1 - runStart) * ls);
  }

  /** Call fn for each frame a range touches, with the range's part in frame offsets. */
  private each(addr: number, length: number, fn: (frameNo: number, start: number, end: number, done: number) => void): void {
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const frameNo = Math.floor(a / FRAME);
      const start = a - frameNo * FRAME;
      const n = Math.min(FRAME - start, length - done);
      fn(frameNo, start, start + n, done);
      done += n;
    }
  }

  cpuRead(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.cpuReadInto(addr, out, 0, length);
    return out;
  }

  /** A CPU load of [addr, addr + length) into dst at dstOffset. */
  cpuReadInto(addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
    const ls = this.lineSize;
    this.each(addr, length, (frameNo, start, end, done) => {
      const f = this.frame(frameNo);
      this.fill(frameNo, f, Math.floor(start / ls), Math.floor((end - 1) / ls));
      dst.set(f.data.subarray(start, end), dstOffset + done);
    });
  }

  /**
   * A CPU memcpy: loads every source byte, then stores them (so an overlap
   * behaves as a copy through a temporary, a scratch array).
   */
  cpuCopy(dst: number, src: number, length: number): void {
    const tmp = this.pool.scratch(SLOT.copy, length);
    this.cpuReadInto(src, tmp, 0, length);
    this.cpuWrite(dst, tmp);
  }

  /** A CPU memset: like cpuWrite of `length` copies of `value`, without building them. */
  cpuFill(addr: number, value: number, length: number): void {
    const ls = this.lineSize;
    this.each(addr, length, (frameNo, start, end) => {
      const f = this.frame(frameNo);
      const first = Math.floor(start / ls);
      const last = Math.floor((end - 1) / ls);
      this.fill(frameNo, f, first, last, start, end);
      f.data.fill(value, start, end);
      this.markDirty(f, first, last);
    });
  }

  cpuWrite(addr: number, src: Uint8Array): void {
    const ls = this.lineSize;
    this.each(addr, src.length, (frameNo, start, end, done) => {
      const f = this.frame(frameNo);
      const first = Math.floor(start / ls);
      const last = Math.floor((end - 1) / ls);
      this.fill(frameNo, f, first, last, start, end);
      f.data.set(src.subarray(done, done + end - start), start);
      this.markDirty(f, first, last);
    });
  }

  /** What a coherent device reads: the cached copy where there is one. */
  snoopRead(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.snoopReadInto(addr, out, 0, length);
    return out;
  }

  /** snoopRead into dst at dstOffset. */
  snoopReadInto(addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
    this.dram.readInto(addr, dst, dstOffset, length);
    this.each(addr, length, (frameNo, start, end, done) => {
      const f = this.frames.get(frameNo);
      if (f === undefined) return;
      this.presentRuns(f, start, end, (s, e) => dst.set(f.data.subarray(s, e), dstOffset + done + (s - start)));
    });
  }

  /** A coherent device's write: DRAM and any cached copy both take it. */
  snoopWrite(addr: number, src: Uint8Array): void {
    this.dram.write(addr, src);
    this.each(addr, src.length, (frameNo, start, end, done) => {
      const f = this.frames.get(frameNo);
      if (f === undefined) return;
      this.presentRuns(f, start, end, (s, e) => f.data.set(src.subarray(done + (s - start), done + (e - start)), s));
    });
  }

  /**
   * Call fn(s, e) for each run of consecutive present lines of a frame that
   * [start, end) touches, clipped to it (frame offsets): one copy per run
   * rather than one per line.
   */
  private presentRuns(f: Frame, start: number, end: number, fn: (s: number, e: number) => void): void {
    const ls = this.lineSize;
    const present = f.present;
    const last = Math.floor((end - 1) / ls);
    let l = Math.floor(start / ls);
    while (l <= last) {
      if (!present[l]) {
        l++;
        continue;
      }
      let m = l;
      while (m < last && present[m + 1]) m++;
      fn(Math.max(start, l * ls), Math.min(end, (m + 1) * ls));
      l = m + 1;
    }
  }

  /** Lines [first, last] of a frame were stored to. */
  private markDirty(f: Frame, first: number, last: number): void {
    const dirty = f.dirty;
    for (let l = first; l <= last; l++) {
      if (dirty[l]) continue;
      dirty[l] = 1;
      this.dirtyLines++;
    }
  }

  private writeBack(frameNo: number, f: Frame, l: number): boolean {
    if (!f.dirty[l]) return false;
    const s = l * this.lineSize;
    this.dram.write(frameNo * FRAME + s, f.data.subarray(s, s + this.lineSize));
    f.dirty[l] = 0;
    this.dirtyLines--;
    return true;
  }

  private drop(frameNo: number, f: Frame, l: number): void {
    f.present[l] = 0;
    if (f.dirty[l]) this.dirtyLines--;
    f.dirty[l] = 0;
    if (--f.count === 0) {
      this.frames.delete(frameNo);
      if (frameNo === this.lastNo) this.lastNo = -1;
    }
  }

  /** Call fn for each present line whose address is in [start, end), in address order. */
  private presentLines(start: number, end: number, fn: (frameNo: number, f: Frame, l: number, lineAddr: number) => void): void {
    const ls = this.lineSize;
    const firstFrame = Math.floor(start / FRAME);
    const lastFrame = Math.floor((end - 1) / FRAME);
    const frames =
      lastFrame - firstFrame + 1 <= this.frames.size
        ? Array.from({ length: lastFrame - firstFrame + 1 }, (_, i) => firstFrame + i).filter((n) => this.frames.has(n))
        : [...this.frames.keys()].filter((n) => n >= firstFrame && n <= lastFrame).sort((a, b) => a - b);
    for (const frameNo of frames) {
      const f = this.frames.get(frameNo)!;
      const base = frameNo * FRAME;
      const lo = Math.max(0, Math.floor((start - base) / ls));
      const hi = Math.min(this.linesPerFrame - 1, Math.floor((end - 1 - base) / ls));
      for (let l = lo; l <= hi; l++) if (f.present[l]) fn(frameNo, f, l, base + l * ls);
    }
  }

  private lineCount(addr: number, size: number): number {
    if (size === 0) return 0;
    return (alignUp(addr + size, this.lineSize) - alignDown(addr, this.lineSize)) / this.lineSize;
  }

  /** dc cvac over every line [addr, addr + size) touches. */
  clean(addr: number, size: number): MaintenanceResult {
    const result = { lines: this.lineCount(addr, size), written: 0, dropped: 0 };
    this.presentLines(alignDown(addr, this.lineSize), alignUp(addr + size, this.lineSize), (frameNo, f, l) => {
      if (this.writeBack(frameNo, f, l)) result.written++;
    });
    return result;
  }

  /** arm64 __dma_inv_area: civac on partial edge lines, ivac on the rest. */
  invalidate(addr: number, size: number): MaintenanceResult {
    const result = { lines: this.lineCount(addr, size), written: 0, dropped: 0 };
    const end = addr + size;
    const firstFull = alignUp(addr, this.lineSize);
    const lastFull = alignDown(end, this.lineSize);
    this.presentLines(alignDown(addr, this.lineSize), alignUp(end, this.lineSize), (frameNo, f, l, line) => {
      if (line < firstFull || line >= lastFull) {
        if (this.writeBack(frameNo, f, l)) result.written++;
      } else if (f.dirty[l]) {
        result.dropped++;
      }
      this.drop(frameNo, f, l);
    });
    return result;
  }

  /** dc civac over every line [addr, addr + size) touches: write back what is dirty, then drop it (__dma_flush_area). */
  flush(addr: number, size: number): MaintenanceResult {
    const result = { lines: this.lineCount(addr, size), written: 0, dropped: 0 };
    this.presentLines(alignDown(addr, this.lineSize), alignUp(addr + size, this.lineSize), (frameNo, f, l) => {
      if (this.writeBack(frameNo, f, l)) result.written++;
      this.drop(frameNo, f, l);
    });
    return result;
  }

  /**
   * A CPU load through a non-cacheable mapping (a coherent buffer remapped
   * for a non-coherent device): DRAM's bytes, allocating no line. A line
   * another, cacheable alias left in the cache is not looked at.
   */
  uncachedReadInto(addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
    this.dram.readInto(addr, dst, dstOffset, length);
  }

  /** A CPU store through a non-cacheable mapping: straight to DRAM. */
  uncachedWrite(addr: number, src: Uint8Array): void {
    this.dram.write(addr, src);
  }

  /** Write back and drop every cached line in the range (or everywhere). */
  evict(addr = 0, size = Number.MAX_SAFE_INTEGER - FRAME): MaintenanceResult {
    const result = { lines: 0, written: 0, dropped: 0 };
    this.presentLines(alignDown(addr, this.lineSize), alignUp(addr + size, this.lineSize), (frameNo, f, l) => {
      result.lines++;
      if (this.writeBack(frameNo, f, l)) result.written++;
      this.drop(frameNo, f, l);
    });
    return result;
  }

  isCached(addr: number): boolean {
    const f = this.frames.get(Math.floor(addr / FRAME));
    return f !== undefined && f.present[Math.floor((addr % FRAME) / this.lineSize)] === 1;
  }

  isDirty(addr: number): boolean {
    const f = this.frames.get(Math.floor(addr / FRAME));
    return f !== undefined && f.dirty[Math.floor((addr % FRAME) / this.lineSize)] === 1;
  }

  /** How many lines are dirty. */
  dirtyCount(): number {
    return this.dirtyLines;
  }

  get cachedLineCount(): number {
    let n = 0;
    for (const f of this.frames.values()) n += f.count;
    return n;
  }
}
