// Physical memory (DRAM): byte-exact and sparse.
//
// Only frames that have been written cost memory. A region may be given an
// initial content (a fixture buffer's fill pattern); reading an untouched
// frame of such a region produces that content on the fly, so a fixture can
// place a gigabyte buffer without the model allocating a gigabyte.

import { RangeMap } from './range-map.js';
import type { Workspace } from './workspace.js';

const FRAME = 4096;

/** Something that can produce the bytes of a region at an offset. */
export interface ByteSource {
  fill(dst: Uint8Array, dstOffset: number, sourceOffset: number, length: number): void;
}

interface Backing {
  source: ByteSource;
  /** Offset into the source at the start of this run. */
  offset: number;
}

export class PhysicalMemory {
  private readonly frames = new Map<number, Uint8Array>();

  constructor(private readonly pool: Workspace) {}
  private readonly backings = new RangeMap<Backing>({
    slice: (b, delta) => ({ source: b.source, offset: b.offset + delta }),
  });

  /** Give [start, start + length) an initial content; untouched bytes elsewhere read as zero. */
  back(start: number, length: number, source: ByteSource): void {
    this.backings.set(start, start + length, { source, offset: 0 });
  }

  get framesInUse(): number {
    return this.frames.size;
  }

  read(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(addr, out, 0, length);
    return out;
  }

  readInto(addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const frameNo = Math.floor(a / FRAME);
      const inFrame = a - frameNo * FRAME;
      const n = Math.min(FRAME - inFrame, length - done);
      const frame = this.frames.get(frameNo);
      if (frame !== undefined) {
        dst.set(frame.subarray(inFrame, inFrame + n), dstOffset + done);
      } else {
        this.initialContent(a, dst, dstOffset + done, n);
      }
      done += n;
    }
  }

  write(addr: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const a = addr + done;
      const frameNo = Math.floor(a / FRAME);
      const inFrame = a - frameNo * FRAME;
      const n = Math.min(FRAME - inFrame, src.length - done);
      // The whole of src, most of the time: no view of it needed.
      this.frame(frameNo).set(n === src.length ? src : src.subarray(done, done + n), inFrame);
      done += n;
    }
  }

  /** Zero [addr, addr + length): whole frames are dropped (untouched memory reads as zero), and the range loses any initial content. */
  zero(addr: number, length: number): void {
    const end = addr + length;
    const firstWhole = Math.ceil(addr / FRAME);
    const endWhole = Math.floor(end / FRAME);
    if (firstWhole >= endWhole) {
      this.write(addr, new Uint8Array(length));
      return;
    }
    if (addr < firstWhole * FRAME) this.write(addr, new Uint8Array(firstWhole * FRAME - addr));
    if (endWhole * FRAME < end) this.write(endWhole * FRAME, new Uint8Array(end - endWhole * FRAME));
    if (this.frames.size < endWhole - firstWhole) {
      for (const n of [...this.frames.keys()]) if (n >= firstWhole && n < endWhole) this.frames.delete(n);
    } else {
      for (let n = firstWhole; n < endWhole; n++) this.frames.delete(n);
    }
    if (!this.backings.isEmpty) this.backings.clear(firstWhole * FRAME, endWhole * FRAME);
  }

  private frame(frameNo: number): Uint8Array {
    let frame = this.frames.get(frameNo);
    if (frame === undefined) {
      frame = this.pool.take();
      this.initialContent(frameNo * FRAME, frame, 0, FRAME);
      this.frames.set(frameNo, frame);
    }
    return frame;
  }

  /** The content a never-written range has: its region's fill, or zeros. */
  private initialContent(addr: number, dst: Uint8Array, dstOffset: number, length: number): void {
    dst.fill(0, dstOffset, dstOffset + length);
    if (this.backings.isEmpty) return;
    for (const run of this.backings.runs(addr, addr + length)) {
      run.value.source.fill(dst, dstOffset + (run.start - addr), run.value.offset, run.end - run.start);
    }
  }
}
