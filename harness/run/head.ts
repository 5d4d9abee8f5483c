// A result's head (verdict, notes, costs, final state) as bytes, for the
// trip from a worker to the main thread in a batch (record.ts), and back.
//
// Two parts. The numbers: every number of the head in a fixed order, counts
// and string lengths as 32-bit integers, values as 64-bit floats (so any
// number comes back as it was), little-endian. Then the strings' UTF-8
// bytes, one after another; the numbers say how long each is. The head
// starts with the length of its numbers part, so the strings can be read
// as the numbers are.
//
// The order: the verdict's kinds and the notes (each a count, then the
// strings' lengths); the costs, in COST_KEYS' order; the final state in the
// report's order: ptes, pte_pages, iovas, iova_ranges, rcache (the number
// of size classes, then for each its name's length, its number of pfns and
// the pfns), swiotlb_slots, swiotlb_used, dirty_lines, live_handles.
//
// Written as JSON instead (JSON.stringify flattening the final state's
// freshly built strings, then Buffer#write copying its answer), a head cost
// a worker about 3 us of a 50 us case, and two workers ran 8% fewer cases a
// second: here the names of the fields are not written at all, and each
// string once. Strings are UTF-8, as in the trace; a lone surrogate would
// come back as U+FFFD, and none can occur (names in a fixture are
// identifiers, every other string is the harness's own).

import { COST_KEYS, type CaseOk, type Costs, type FinalState } from './result.js';
import type { Head } from './text-result.js';
import { grown, TraceWriter } from './trace-text.js';

/** Writes one head at a time; the bytes are good until the next write(). */
export class HeadWriter {
  private nums = Buffer.allocUnsafeSlow(1 << 12);
  private view = new DataView(this.nums.buffer);
  private n = 0;
  private readonly strs = new TraceWriter();

  write([verdict, notes, costs, final]: Head): void {
    this.n = 0;
    this.strs.reset();
    this.strings(verdict);
    this.strings(notes);
    for (let i = 0; i < COST_KEYS.length; i++) this.f64(costs[COST_KEYS[i]!]);
    this.strings(final.ptes);
    this.f64(final.pte_pages);
    this.strings(final.iovas);
    this.f64(final.iova_ranges);
    const classesAt = this.n;
    this.u32(0);
    let classes = 0;
    for (const name in final.rcache) {
      this.string(name);
      const pfns = final.rcache[name]!;
      this.u32(pfns.length);
      for (let i = 0; i < pfns.length; i++) this.f64(pfns[i]!);
      classes++;
    }
    this.view.setUint32(classesAt, classes, true);
    this.strings(final.swiotlb_slots);
    this.f64(final.swiotlb_used);
    this.f64(final.dirty_lines);
    this.strings(final.live_handles);
  }

  /** How many bytes the head written last takes. */
  get size(): number {
    return 4 + this.n + this.strs.length;
  }

  /** Copy the head written last to `out` at `at` (size bytes). */
  copyTo(out: Buffer, at: number): void {
    out.writeUInt32LE(this.n, at);
    out.set(this.nums.subarray(0, this.n), at + 4);
    out.set(this.strs.written(), at + 4 + this.n);
  }

  private strings(items: readonly string[]): void {
    this.u32(items.length);
    for (let i = 0; i < items.length; i++) this.string(items[i]!);
  }

  private string(s: string): void {
    const before = this.strs.length;
    this.strs.str(s);
    this.u32(this.strs.length - before);
  }

  private u32(x: number): void {
    this.room(4);
    this.view.setUint32(this.n, x, true);
    this.n += 4;
  }

  private f64(x: number): void {
    this.room(8);
    this.view.setFloat64(this.n, x, true);
    this.n += 8;
  }

  private room(bytes: number): void {
    if (this.n + bytes <= this.nums.length) return;
    this.nums = grown(this.nums, this.n, this.n + bytes);
    this.view = new DataView(this.nums.buffer);
  }
}

/** The head written at [at, at + length) of `bytes`. */
export function readHead(bytes: Uint8Array, at: number, length: number): Head {
  return new HeadReader(bytes, at, length).head();
}

class HeadReader {
  private readonly view: DataView;
  private readonly text: Buffer;
  /** The next number, and the next string's first byte. */
  private n: number;
  private s: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, at: number, length: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset + at, length);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset + at, length);
    this.n = 4;
    this.s = 4 + this.view.getUint32(0, true);
    this.end = length;
    if (this.s > length) throw new Error(`a result's head of ${length} bytes says its numbers take ${this.s - 4}`);
  }

  head(): Head {
    const verdict = this.strings() as CaseOk['verdict'];
    const notes = this.strings();
    const costs = {} as Costs;
    for (const key of COST_KEYS) costs[key] = this.f64();
    const ptes = this.strings();
    const pte_pages = this.f64();
    const iovas = this.strings();
    const iova_ranges = this.f64();
    const rcache: FinalState['rcache'] = {};
    for (let classes = this.u32(); classes > 0; classes--) {
      const name = this.string();
      const pfns: number[] = [];
      for (let count = this.u32(); count > 0; count--) pfns.push(this.f64());
      rcache[name] = pfns;
    }
    const swiotlb_slots = this.strings();
    const swiotlb_used = this.f64();
    const dirty_lines = this.f64();
    const live_handles = this.strings();
    if (this.n !== 4 + this.view.getUint32(0, true) || this.s !== this.end) throw new Error(`a result's head of ${this.end} bytes was not read to its end`);
    const final: FinalState = { ptes, pte_pages, iovas, iova_ranges, rcache, swiotlb_slots, swiotlb_used, dirty_lines, live_handles };
    return [verdict, notes, costs, final];
  }

  private strings(): string[] {
    const out: string[] = [];
    for (let count = this.u32(); count > 0; count--) out.push(this.string());
    return out;
  }

  private string(): string {
    const length = this.u32();
    const s = this.text.toString('utf8', this.s, this.s + length);
    this.s += length;
    return s;
  }

  private u32(): number {
    const x = this.view.getUint32(this.n, true);
    this.n += 4;
    return x;
  }

  private f64(): number {
    const x = this.view.getFloat64(this.n, true);
    this.n += 8;
    return x;
  }
}
