// The contract checks on bytes: what the CPU or the device read, compared
// with what the DMA API promised it (contract/ideal.ts), and what a device
// could not reach through a mapping made for it. The run engine reads the
// bytes; these checks decide what is a violation and say so.

import { hex } from '../machine/bits.js';
import { DMA_DIRECTION_NAMES } from '../machine/dma.js';
import type { Mapping } from '../run/mapping.js';
import { shortBytes } from '../run/trace.js';
import { physText, type RunState } from './checks.js';

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

/** Clear the flags outside the [start, end) pairs of `runs` (in order). */
export function keepOnly(flags: Uint8Array, runs: readonly number[]): void {
  let pos = 0;
  for (let k = 0; k < runs.length; k += 2) {
    flags.fill(0, pos, runs[k]);
    pos = runs[k + 1]!;
  }
  flags.fill(0, pos);
}

/** Up to 8 bytes from `at`, as a violation quotes them. */
function quoted(bytes: Uint8Array, at: number): string {
  return shortBytes(bytes.subarray(at));
}

/** The CPU read `size` bytes of a buffer at `offset`; `cmp` compared them with what it was promised. */
export function checkCpuRead(run: RunState, buffer: string, offset: number, size: number, actual: Uint8Array, expected: Uint8Array, cmp: Comparison): void {
  if (cmp.differ === 0) return;
  run.raise('cpu-read-stale', 'default', {
    buffer,
    offset: hex(offset + cmp.first),
    size,
    differing: `${cmp.differ} bytes`,
    read: quoted(actual, cmp.first),
    expected: quoted(expected, cmp.first),
  });
}

/** A kernel copy wrote bytes [offset, offset + size) of a buffer during a map that failed; `cmp` compared them with what the CPU had there. */
export function checkFailedMapWrite(run: RunState, mp: Mapping, buffer: string, offset: number, size: number, actual: Uint8Array, expected: Uint8Array, cmp: Comparison): void {
  if (cmp.differ === 0) return;
  run.raise('memory-corruption', 'failed-map', {
    handle: mp.name,
    buffer,
    offset: hex(offset + cmp.first),
    size,
    differing: `${cmp.differ} bytes`,
    now: quoted(actual, cmp.first),
    was: quoted(expected, cmp.first),
  });
}

/** The device read `len` bytes of a mapping at `off`; `cmp` compared what it reached with what it was promised. */
export function checkDeviceRead(run: RunState, mp: Mapping, off: number, len: number, actual: Uint8Array, expected: Uint8Array, cmp: Comparison): void {
  if (cmp.differ === 0) return;
  run.raise('device-read-stale', DMA_DIRECTION_NAMES[mp.dir], {
    handle: mp.name,
    offset: hex(off + cmp.first),
    size: len,
    differing: `${cmp.differ} bytes`,
    read: quoted(actual, cmp.first),
    expected: quoted(expected, cmp.first),
  });
}

/** A device access of `len` bytes through a mapping made for it, of which `unreachable` bytes faulted. */
export function checkDeviceReach(run: RunState, doing: 'reading' | 'writing', mp: Mapping, len: number, unreachable: number): void {
  if (unreachable <= 0) return;
  run.raise('device-fault', doing, {
    handle: mp.name,
    'device address': hex(mp.dma[0]?.addr ?? 0),
    size: len,
    unreachable: `${unreachable} bytes`,
  });
}


/** A device access of which `bytes` reached private guest memory the device has no key for. */
export function checkPrivateAccess(run: RunState, doing: 'reading' | 'writing', mp: Mapping, len: number, bytes: number): void {
  if (bytes <= 0) return;
  run.raise('private-memory', doing, { handle: mp.name, 'device address': hex(mp.dma[0]?.addr ?? 0), size: len, private: `${bytes} bytes` });
}

/** What a device access taken as one range reached: its bytes, what the mapping holds there, and where each piece landed. */
export interface AssumedAccess {
  /** What the device read (or wrote). */
  actual: Uint8Array;
  /** What the mapping's segments hold at those offsets (for a read). */
  expected: Uint8Array;
  /** The read's comparison; undefined for a write. */
  cmp: Comparison | undefined;
  /** Bytes that faulted. */
  unreached: number;
  /** Physical pieces reached, by offset in the access. */
  reached: ReadonlyArray<{ at: number; length: number; phys: number }>;
}

/**
 * The driver uses a mapping whose DMA segments are not one contiguous range
 * as if they were (driver.one_contiguous_range): the device reads or writes
 * from the first segment's address on. Reported with the segments, and the
 * bytes the device reached and where they are: for a read, the first byte
 * that is not what the mapping holds; for a write, the first byte that
 * landed outside the mapping's memory.
 */
export function checkAssumedRange(run: RunState, doing: 'reading' | 'writing', mp: Mapping, off: number, len: number, access: AssumedAccess): void {
  const fields: Record<string, string | number> = {
    handle: mp.name,
    segments: mp.dma.map((d) => `${hex(d.addr)}+${hex(d.len)}`).join(' '),
    [doing === 'reading' ? 'device read' : 'device write']: `${hex(mp.dma[0]!.addr + off)}+${hex(len)}`,
  };
  if (access.unreached > 0) fields['faulted'] = `${access.unreached} bytes`;
  const pieceAt = (at: number): { phys: number } | undefined => {
    const p = access.reached.find((x) => at >= x.at && at < x.at + x.length);
    return p === undefined ? undefined : { phys: p.phys + (at - p.at) };
  };
  if (doing === 'reading' && access.cmp !== undefined && access.cmp.differ > 0) {
    const at = access.cmp.first;
    const where = pieceAt(at);
    fields['differing'] = `${access.cmp.differ} bytes`;
    fields['at'] = `+${hex(off + at)}`;
    fields['read'] = quoted(access.actual, at);
    fields['expected'] = quoted(access.expected, at);
    if (where !== undefined) fields['reached'] = `${hex(where.phys)} (${physText(run, where.phys)})`;
  }
  if (doing === 'writing') {
    const own = new Set(mp.segments.map((s) => s.buffer));
    const outside = access.reached.find((p) => {
      const place = run.memory.whereIs(p.phys);
      return place === undefined || !own.has(place.name);
    });
    if (outside !== undefined) fields['landed'] = `+${hex(off + outside.at)} at ${hex(outside.phys)} (${physText(run, outside.phys)})`;
  }
  run.raise('driver-assumption', doing === 'reading' ? 'one-range-read' : 'one-range-write', fields);
}

/** Runs of another owner's data among [phys, phys + length), as [offset, length, owner] triples. */
function foreign(run: RunState, phys: number, length: number, own: ReadonlySet<number>): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (const r of run.m.provenance.owners(phys, length)) if (!own.has(r.value)) out.push([r.start - phys, r.end - r.start, r.value]);
  return out;
}

/** The CPU read `size` bytes of a buffer: any of them another owner's data (not stale, not zeroed: someone else's)? */
export function checkCpuReadOwners(run: RunState, buffer: string, offset: number, size: number): void {
  const own = new Set([run.ownerOf(buffer)]);
  const leaked: Array<[number, number, number]> = [];
  let at = 0;
  for (const [s, e] of run.memory.physRanges(buffer, offset, size)) {
    for (const [o, l, tag] of foreign(run, s, e - s, own)) leaked.push([at + o, l, tag]);
    at += e - s;
  }
  if (leaked.length === 0) return;
  const bytes = leaked.reduce((n, [, l]) => n + l, 0);
  run.raise('data-leak', 'cpu', { buffer, offset: hex(offset + leaked[0]![0]), bytes, from: `buffer "${run.ownerName(leaked[0]![2])}"` });
}

/** What the device read through a mapping, where it landed: any of it another owner's data? */
export function checkDeviceReadOwners(run: RunState, mp: Mapping, off: number, reached: ReadonlyArray<{ at: number; phys: number; length: number }>): void {
  const own = new Set(mp.segments.map((s) => run.ownerOf(s.buffer)));
  let bytes = 0;
  let first: [number, number] | undefined;
  for (const p of reached) {
    for (const [o, l, tag] of foreign(run, p.phys, p.length, own)) {
      bytes += l;
      first ??= [p.at + o, tag];
    }
  }
  if (first === undefined) return;
  run.raise('data-leak', 'device', { handle: mp.name, offset: hex(off + first[0]), bytes, from: `buffer "${run.ownerName(first[1])}"` });
}
