// Trace lines: one per step and one per thing the machine did during it,
// each prefixed with the step's label, so that two traces can be diffed
// line by line and every difference names its step.

import { hex } from '../machine/bits.js';
import type { MachineEvent } from '../machine/events.js';
import { IOMMU_READ, IOMMU_WRITE } from '../machine/iommu.js';
import type { Violation, ViolationKind } from './result.js';
import type { TraceWriter } from './trace-text.js';

/**
 * What follows the step label on a violation's line: "<step>   !! <kind>:
 * <sentence>". A step's own line has one space after the label, a machine
 * event's line three and then a word, so only violation lines read this way.
 */
export const VIOLATION_MARK = '   !! ';

/** The violation a trace line records, if it is a violation's line. */
export function violationOfLine(line: string): Violation | undefined {
  const label = line.indexOf(' ');
  if (label <= 0 || !line.startsWith(VIOLATION_MARK, label)) return undefined;
  const kindAt = label + VIOLATION_MARK.length;
  const colon = line.indexOf(': ', kindAt);
  if (colon < 0) return undefined;
  return { kind: line.slice(kindAt, colon) as Violation['kind'], step: line.slice(0, label), sentence: line.slice(colon + 2) };
}

/**
 * Writes one violation's line, "<step>   !! <kind>: <what happened>" and
 * then its " [label=value]" pairs, as the kernel's dma-debug prints them;
 * end() ends the line. Straight into the trace's bytes: the line is the
 * violation (a result's list is read back from these lines).
 */
export class ViolationLine {
  constructor(private readonly w: TraceWriter) {}

  begin(step: string, kind: ViolationKind, text: string): this {
    this.w.str(step).str(VIOLATION_MARK).str(kind).str(': ').str(text);
    return this;
  }

  /** A value as it reads, a number in decimal. */
  field(label: string, value: string | number): this {
    const w = this.open(label);
    if (typeof value === 'number') w.dec(value);
    else w.str(value);
    w.str(']');
    return this;
  }

  /** A number in hex, as hex() writes it. */
  hex(label: string, value: number): this {
    this.open(label).hex(value).str(']');
    return this;
  }

  /** "addr+size" in hex, as range() writes it. */
  range(label: string, addr: number, size: number): this {
    writeRange(this.open(label), addr, size).str(']');
    return this;
  }

  /** A field's opening, " [label=". */
  private open(label: string): TraceWriter {
    return this.w.str(' [').str(label).str('=');
  }

  end(): void {
    this.w.end();
  }
}

export function protText(prot: number): string {
  return (prot & IOMMU_READ ? 'R' : '-') + (prot & IOMMU_WRITE ? 'W' : '-');
}

export function range(addr: number, size: number): string {
  return `${hex(addr)}+${hex(size)}`;
}

/** One machine event as a trace line's text. */
export function writeEvent(w: TraceWriter, e: MachineEvent): void {
  switch (e.t) {
    case 'memcpy':
      writeRange(w.str('memcpy '), e.src, e.size).str(' -> ').hex(e.dst);
      return;
    case 'memset':
      writeRange(w.str('memset 0 '), e.addr, e.size);
      return;
    case 'cache':
      writeRange(w.str('cache ').str(e.op).str(' '), e.addr, e.size).str(' (').dec(e.lines).str(' lines');
      if (e.written > 0) w.str(', ').dec(e.written).str(' written back');
      if (e.dropped > 0) w.str(', ').dec(e.dropped).str(' dirty dropped');
      w.str(')');
      return;
    case 'iova_alloc':
      writePlural(w.str('iova alloc '), e.pages, 'page').str(' at pfn ').hex(e.pfn).str(' from ').str(e.from).str(' (limit pfn ').hex(e.limitPfn).str(')');
      return;
    case 'iova_alloc_fail':
      writePlural(w.str('iova alloc '), e.pages, 'page').str(' failed (limit pfn ').hex(e.limitPfn).str(')');
      return;
    case 'iova_free':
      writePlural(w.str('iova free '), e.pages, 'page').str(' at pfn ').hex(e.pfn).str(' into ').str(e.into);
      return;
    case 'iova_rcache_release':
      w.str('iova rcache ').str(e.reason === 'flush' ? 'flushed' : 'magazine released (depot full)').str(': ').dec(e.nodes.length).str(' nodes back to the tree');
      return;
    case 'iommu_map':
      writeRange(w.str('iommu map '), e.iova, e.size).str(' -> ').hex(e.phys).str(' ').str(protText(e.prot));
      if (e.ret !== 0) w.str(' = ').dec(e.ret);
      return;
    case 'iommu_unmap':
      writeRange(w.str('iommu unmap '), e.iova, e.size);
      if (e.unmapped !== e.size) w.str(' unmapped only ').hex(e.unmapped);
      return;
    case 'iotlb_sync':
      w.str('iotlb sync');
      return;
    case 'pte_collision':
      if (e.kept) {
        w.str('iommu: DMA PTE for iova ').hex(e.iova).str(' already set (to ').hex(e.oldPhys).str(' not ').hex(e.newPhys).str('); WARNING, old entry kept');
      } else {
        w.str('iommu: entry for iova ').hex(e.iova).str(' already valid (').hex(e.oldPhys).str('); WARNING, -EEXIST');
      }
      return;
    case 'iova_to_phys':
      w.str('iova_to_phys ').hex(e.iova).str(' = ').hex(e.phys);
      return;
    case 'swiotlb_map':
      w.str('swiotlb map ').hex(e.orig).str(' -> ').hex(e.tlb).str(' (slots ').dec(e.index).str('..').dec(e.index + e.nslots - 1).str(', alloc ').dec(e.allocSize).str(')');
      return;
    case 'swiotlb_full':
      writePlural(w.str('swiotlb: no '), e.nslots, 'slot').str(' for ').hex(e.orig).str(' (used ').dec(e.used).str(' of ').dec(e.total).str(' slots)');
      return;
    case 'swiotlb_unmap':
      w.str('swiotlb unmap ').hex(e.tlb).str(' (slots ').dec(e.index).str('..').dec(e.index + e.nslots - 1).str(')');
      return;
    case 'warn':
      w.str(e.splat ? 'WARNING' : 'kernel').str(': ').str(e.site).str(': ').str(e.message);
      return;
  }
}

function writeRange(w: TraceWriter, addr: number, size: number): TraceWriter {
  return w.hex(addr).str('+').hex(size);
}

function writePlural(w: TraceWriter, n: number, word: string): TraceWriter {
  return w.dec(n).str(' ').str(word).str(n === 1 ? '' : 's');
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexBytes(bytes: Uint8Array, count: number): string {
  const n = Math.min(count, bytes.length);
  let out = n > 0 ? BYTE_HEX[bytes[0]!]! : '';
  for (let i = 1; i < n; i++) out += ' ' + BYTE_HEX[bytes[i]!]!;
  return bytes.length > count ? out + '…' : out;
}

export interface Comparison {
  differ: number;
  first: number;
  checked: number;
}

/**
 * Compare where `defined` (flags of 0 and 1) is set; faulted bytes are
 * excluded by the caller. Runs of defined bytes are compared in native code,
 * byte by byte only where they differ or are short.
 */
export function compareBytes(actual: Uint8Array, expected: Uint8Array, defined: Uint8Array): Comparison {
  // Past the end of `defined`, nothing is defined.
  const n = Math.min(actual.length, defined.length);
  let differ = 0;
  let first = -1;
  let checked = 0;
  // Each run of defined bytes: [s, e).
  let s = defined.indexOf(1);
  while (s >= 0 && s < n) {
    let e = defined.indexOf(0, s);
    if (e < 0 || e > n) e = n;
    checked += e - s;
    if (e - s < 64 || Buffer.compare(actual.subarray(s, e), expected.subarray(s, e)) !== 0) {
      for (let i = s; i < e; i++) {
        if (actual[i] !== expected[i]) {
          differ++;
          if (first < 0) first = i;
        }
      }
    }
    s = e === n ? -1 : defined.indexOf(1, e);
  }
  return { differ, first, checked };
}

/** "512 bytes 10 11 12 13 14 15 16 17…", with the expectation when it failed. */
export function bytesText(actual: Uint8Array, expected?: Uint8Array, cmp?: Comparison): string {
  const head = `${actual.length} bytes ${hexBytes(actual, 8)}`;
  if (expected === undefined || cmp === undefined) return head;
  if (cmp.checked === 0) return `${head} (nothing to check)`;
  if (cmp.differ === 0) return `${head} (as expected)`;
  const at = cmp.first;
  const where = at === 0 ? '' : `first at +${hex(at)}: ${hexBytes(actual.subarray(at), 8)}, `;
  return `${head} (${cmp.differ} of ${cmp.checked} bytes differ; ${where}expected ${hexBytes(expected.subarray(at), 8)})`;
}

export function shortBytes(bytes: Uint8Array, count = 8): string {
  return hexBytes(bytes, count);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
