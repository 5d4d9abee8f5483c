// What a correct DMA implementation owes a correct driver: the contents the
// CPU and the device should each see in a buffer, and who owns which bytes.
//
// Two views per buffer. The CPU view changes when the CPU writes and when
// ownership passes to the CPU (unmap, sync_*_for_cpu) for a direction the
// device may write; the device view changes when the device writes and when
// ownership passes to the device (map, sync_*_for_device). A byte whose
// content the contract leaves open is "undefined" and is never checked.
//
// Views are runs of content, so a huge buffer that is only mapped costs a
// few runs; bytes are materialised only where something is read or written.

import { RangeMap } from '../machine/range-map.js';
import { patternSource } from '../fixtures/fill.js';
import type { BufferSpec } from '../fixtures/scenario.js';

type Content =
  | { k: 'init' }
  | { k: 'undef' }
  /** data[at] is the byte at the run's start. */
  | { k: 'bytes'; data: Uint8Array; at: number };

const INIT: Content = { k: 'init' };
const UNDEF: Content = { k: 'undef' };

export interface ViewBytes {
  bytes: Uint8Array;
  /** 1 where the byte is defined. */
  defined: Uint8Array;
}

class ContentView {
  readonly runs = new RangeMap<Content>({
    slice: (c, delta) => (c.k === 'bytes' ? { k: 'bytes', data: c.data, at: c.at + delta } : c),
  });

  constructor(
    size: number,
    /** Copies written bytes for as long as the case lasts. */
    private readonly keep: (data: Uint8Array) => Uint8Array,
  ) {
    this.runs.set(0, size, INIT);
  }

  write(start: number, data: Uint8Array): void {
    this.runs.set(start, start + data.length, { k: 'bytes', data: this.keep(data), at: 0 });
  }

  undefine(start: number, end: number): void {
    this.runs.set(start, end, UNDEF);
  }

  copyFrom(other: ContentView, start: number, end: number): void {
    for (const run of other.runs.runs(start, end)) this.runs.set(run.start, run.end, run.value);
  }
}

export class IdealBuffer {
  readonly cpu: ContentView;
  readonly dev: ContentView;
  /** Bytes the device owns; `writable` when the owning mapping lets it write. */
  readonly deviceOwned = new RangeMap<{ writable: boolean }>({ canMerge: (l, r) => l.value.writable === r.value.writable });

  constructor(
    readonly spec: BufferSpec,
    keep: (data: Uint8Array) => Uint8Array,
    /**
     * Coherent memory (dma_alloc_coherent's): the CPU and the device that
     * allocated it see each other's writes at once, without a sync. Only a
     * streaming mapping of it for another device owns part of it.
     */
    readonly coherent = false,
  ) {
    this.cpu = new ContentView(spec.size, keep);
    this.dev = new ContentView(spec.size, keep);
  }

  /** The bytes of a view; into `out` (zeroed, end - start long) when given. */
  read(view: 'cpu' | 'dev', start: number, end: number, out?: ViewBytes): ViewBytes {
    const bytes = out?.bytes ?? new Uint8Array(end - start);
    const defined = out?.defined ?? new Uint8Array(end - start);
    const source = this.spec.fill !== undefined ? patternSource(this.spec.fill) : undefined;
    for (const run of this[view].runs.runs(start, end)) {
      const o = run.start - start;
      const n = run.end - run.start;
      const c = run.value;
      if (c.k === 'undef') continue;
      defined.fill(1, o, o + n);
      if (c.k === 'bytes') bytes.set(c.data.subarray(c.at, c.at + n), o);
      else source?.fill(bytes, o, run.start, n);
    }
    return { bytes, defined };
  }

  /** Where the two views may differ, make the CPU view undefined (an unmap that skips the CPU sync). */
  forgetUnsyncedDeviceWrites(start: number, end: number): void {
    for (const run of this.dev.runs.runs(start, end)) {
      const cpuRuns = this.cpu.runs.runs(run.start, run.end);
      const same = cpuRuns.length === 1 && sameContent(cpuRuns[0]!.value, run.value);
      if (same) continue;
      const d = this.read('dev', run.start, run.end);
      const c = this.read('cpu', run.start, run.end);
      for (let i = 0; i < d.bytes.length; i++) {
        if (d.defined[i] !== c.defined[i] || d.bytes[i] !== c.bytes[i]) this.cpu.undefine(run.start + i, run.start + i + 1);
      }
    }
  }
}

function sameContent(a: Content, b: Content): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'bytes' && b.k === 'bytes') return a.data === b.data && a.at === b.at;
  return true;
}
