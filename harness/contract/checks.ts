// The DMA API contract checks that look at the machine rather than at bytes:
// what a call printed, where its copies landed, why a map was refused, what
// the device can still reach, what is left over at the end, and a kernel that
// stopped. The checks on bytes read are in bytes.ts; the kinds and their
// sentences in kinds.ts. The run engine raises nothing itself.

import { last } from '../machine/arrays.js';
import { alignDown, alignUp, and, andNot, hex } from '../machine/bits.js';
import type { KernelBug, MachineEvent, SoftLockup } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import type { Run } from '../machine/range-map.js';
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, slotOf, type BouncePool, type io_tlb_slots } from '../machine/swiotlb-slots.js';
import type { Translation, TranslationEntry } from '../machine/translation.js';
import type { BounceSlot } from '../machine/bounce-slots.js';
import { PageAllocator } from '../machine/page-alloc.js';
import type { Scenario } from '../fixtures/scenario.js';
import type { Mapping } from '../run/mapping.js';
import type { DriverMemory } from '../run/memory.js';
import type { ViolationKind } from './kinds.js';
import { range } from '../run/trace.js';

export interface RunState {
  readonly m: Machine;
  readonly scenario: Scenario;
  /** The driver's buffers and coherent allocations, by name. */
  readonly memory: DriverMemory;
  readonly mappings: Map<string, Mapping>;
  /** Mappings by serial number, the owner tag of what they created (0, no owner, has none). */
  readonly bySerial: readonly Mapping[];
  /** Exposures currently reported through each translation, so a lasting one is reported once. */
  readonly exposures: Map<Translation, ExposureSet>;
  /** What each page-table run lets the device reach, as last worked out (see reachOf). */
  readonly runReaches: Map<Run<TranslationEntry>, RunReach>;
  /** Whether reachOf may reuse those answers: off only in the test that shows reuse changes nothing. */
  readonly reachReuse: boolean;
  /** How often it did. */
  reachReused: number;
  /** Begin a violation's line with what happened; its fields follow, then end(). */
  /** The provenance tag of a buffer's data, and the buffer a tag stands for. */
  ownerOf(buffer: string): number;
  ownerName(tag: number): string;
  /** Record a violation: its kind, the situation that picks its sentence (kinds.ts), and its labelled values in order. */
  raise(kind: ViolationKind, situation: string, fields: Record<string, string | number>): void;
  note(text: string): void;
}

export interface CallContext {
  run: RunState;
  /** What the machine recorded during the call. */
  events: MachineEvent[];
  mapping: Mapping | undefined;
}

export type Interval = [number, number];

/** The rest of a reported exposure, filed under its start address. */
interface ExposureEnd {
  b: number;
  owner: number;
  kind: ViolationKind;
}

/**
 * The exposures reported at the last check, held as the page-table runs'
 * answers (RunReach) they came from; each answer carries the number of the
 * last check it was current at. An answer still current at the next check
 * had every one of its reaches reported (or known) then, so only fresh
 * answers are looked up reach by reach, by physical range, kind and the
 * owner of the entry; the index for that is built on the first lookup.
 */
export class ExposureSet {
  private byStart: Map<number, ExposureEnd[]> | undefined;

  constructor(
    private readonly answers: readonly RunReach[] = [],
    /** The check that built the set: its answers have `check` set to this. */
    readonly check = 0,
  ) {}

  /** Whether this answer was current at the check that built the set. */
  holds(rr: RunReach): boolean {
    return rr.check === this.check;
  }

  has(a: number, b: number, owner: number, kind: ViolationKind): boolean {
    this.byStart ??= this.index();
    return this.byStart.get(a)?.some((x) => x.b === b && x.owner === owner && x.kind === kind) ?? false;
  }

  private index(): Map<number, ExposureEnd[]> {
    const byStart = new Map<number, ExposureEnd[]>();
    for (const rr of this.answers) {
      for (const r of rr.reaches) {
        const list = byStart.get(r.a);
        if (list === undefined) byStart.set(r.a, [{ b: r.b, owner: rr.owner, kind: r.kind }]);
        else list.push({ b: r.b, owner: rr.owner, kind: r.kind });
      }
    }
    return byStart;
  }
}

/**
 * Physical ranges a mapping may legitimately touch (its buffers and its
 * bounce slots), as their union: sorted, disjoint, touching ones joined.
 */
function ownRanges(run: RunState, mp: Mapping): readonly Interval[] {
  // A mapping's buffers and slots are fixed when it is made.
  return (mp.own ??= unionOf(run, mp));
}

function unionOf(run: RunState, mp: Mapping): Interval[] {
  const buffers: Interval[] = [];
  for (const s of mp.segments) buffers.push(...run.memory.physRanges(s.buffer, s.offset, s.size));
  // A coherent allocation owns every page the kernel allocated for it, whether or not its buffer spans them.
  if (mp.kind === 'coherent') {
    const p = run.m.pages.pageSize;
    for (const r of run.m.pages.allocatedRuns()) if (r.owner === mp.serial) buffers.push([r.phys, r.phys + r.pages * p]);
  }
  const slots: Interval[] = [];
  const pool = run.m.swiotlb;
  if (pool !== null) {
    for (const [index, nslots] of mp.bounce) slots.push([pool.start + index * IO_TLB_SIZE, pool.start + (index + nslots) * IO_TLB_SIZE]);
  }
  for (const r of mp.pooled) slots.push([r[0], r[1]]);
  slots.sort((x, y) => x[0] - y[0]);
  const union: Interval[] = [];
  for (const [s, e] of inOrderOfStart(buffers, slots)) {
    if (s >= e) continue;
    const prev = last(union);
    if (prev !== undefined && s <= prev[1]) prev[1] = Math.max(prev[1], e);
    else union.push([s, e]);
  }
  return union;
}

/** Two lists of intervals as one, in order of start: merged when each is in order already (segments and slots usually are), sorted otherwise. */
function inOrderOfStart(a: Interval[], b: Interval[]): Interval[] {
  if (!sortedByStart(a) || !sortedByStart(b)) return a.concat(b).sort((x, y) => x[0] - y[0]);
  if (b.length === 0) return a;
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]![0] <= b[j]![0] ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

function sortedByStart(all: readonly Interval[]): boolean {
  for (let i = 1; i < all.length; i++) if (all[i]![0] < all[i - 1]![0]) return false;
  return true;
}

/** Index of the first interval of a union that ends after pos. */
function firstEndingAfter(union: readonly Interval[], pos: number): number {
  let lo = 0;
  let hi = union.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (union[mid]![1] <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a union (from ownRanges) covers [a, b). */
function within(union: readonly Interval[], a: number, b: number): boolean {
  if (a >= b) return true;
  const iv = union[firstEndingAfter(union, a)];
  return iv !== undefined && iv[0] <= a && iv[1] >= b;
}

/** The parts of [a, b) that a union (from ownRanges) does not cover. */
function subtract(a: number, b: number, union: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let pos = a;
  for (let i = firstEndingAfter(union, a); i < union.length && pos < b; i++) {
    const [s, e] = union[i]!;
    if (s >= b) break;
    if (s > pos) out.push([pos, s]);
    pos = e;
  }
  if (pos < b) out.push([pos, b]);
  return out;
}

function eventChecks(ctx: CallContext): void {
  const { run, mapping } = ctx;
  let own: readonly Interval[] | undefined;
  for (const e of ctx.events) {
    switch (e.t) {
      case 'warn':
        if (e.splat) run.raise('kernel-warning', 'default', { site: e.site, message: e.message });
        break;
      case 'hv_read':
        if (e.private > 0) run.raise('private-memory', 'hypervisor', { what: e.what, range: range(e.addr, e.size), private: `${e.private} bytes` });
        break;
      case 'pte_collision':
        run.raise('iommu-collision', 'default', {
          iova: hex(e.iova),
          'old phys': hex(e.oldPhys),
          'new phys': hex(e.newPhys),
          outcome: e.kept ? 'old entry kept, map reported success' : '-EEXIST, map refused',
        });
        break;
      case 'cache':
        if (mapping !== undefined && !within((own ??= ownRanges(run, mapping)), e.addr, e.addr + e.size)) {
          run.raise('cache-outside', e.op, { range: range(e.addr, e.size), handle: mapping.name });
        }
        break;
      case 'memcpy':
      case 'memset': {
        const dst = e.t === 'memcpy' ? e.dst : e.addr;
        if (mapping !== undefined && !within((own ??= ownRanges(run, mapping)), dst, dst + e.size)) {
          run.raise('memory-corruption', 'copy', { op: e.t, dst: range(dst, e.size), handle: mapping.name });
        }
        break;
      }
      case 'swiotlb_unmap': {
        const owned = mapping?.bounce.some(([index, n]) => e.index >= index && e.index + e.nslots <= index + n) ?? false;
        if (!owned) {
          run.raise('memory-corruption', 'free', { handle: mapping?.name ?? '-', slots: `${e.index}..${e.index + e.nslots - 1}` });
        }
        break;
      }
      default:
        break;
    }
  }
}

/**
 * Slots in use that no live mapping allocated, in every pool, numbered as
 * the kernel's events number them: from the start of the default pool.
 */
function leakedSlots(run: RunState): number[] {
  const base = run.m.swiotlb;
  if (base === null) return [];
  const out: number[] = [];
  for (const pool of run.m.bouncePools()) {
    const first = slotOf(base, pool.start);
    for (const i of pool.slots.allocated()) {
      const mp = run.bySerial[pool.slots.owner(i)];
      const n = first + i;
      if (mp === undefined || !mp.live || !mp.bounce.some(([index, count]) => n >= index && n < index + count)) out.push(n);
    }
  }
  return out;
}

/** The swiotlb pool an address is in, if any. */
function poolAt(m: Machine, addr: number): BouncePool | undefined {
  if (m.swiotlb !== null && addr >= m.swiotlb.start && addr < m.swiotlb.end) return m.swiotlb;
  return m.swiotlbPools.find((p) => addr >= p.start && addr < p.end);
}

/** The devices' translations, each with its name shown when there are several. */
function translationsOf(m: Machine): Array<{ t: Translation; label: Record<string, string> }> {
  const all = m.translations();
  return all.map((t) => ({ t, label: all.length > 1 ? { via: t.label } : ({} as Record<string, string>) }));
}

/** Address ranges allocated from a translation that belong to no live mapping and are not held by its cache as intended. */
function leakedAllocations(run: RunState, t: Translation): Array<[number, number]> {
  const g = t.granule;
  const live: Interval[] = [];
  for (const mp of run.mappings.values()) {
    if (!mp.live || mp.device.translation !== t) continue;
    for (const d of mp.dma) live.push([alignDown(d.addr, g) / g, alignUp(d.addr + d.len, g) / g]);
  }
  const bounce = run.m.bounceSlots;
  return t
    .allocated()
    .filter((n) => !live.some(([s, e]) => s <= n.hi && e > n.lo))
    .filter((n) => !n.cached)
    .filter((n) => bounce.isEmpty || !bounce.isReserved(t.name, n.lo * g, (n.hi + 1) * g))
    .map((n): [number, number] => [n.lo, n.hi]);
}

/** The first run of free slots an ideal search would find for a bounce of orig, or -1. */
function freeRunFor(run: RunState, mp: Mapping | undefined, orig: number, nslots: number): number {
  const pool = run.m.swiotlb;
  if (pool === null) return -1;
  const mask = andNot((mp?.device ?? run.m.dev).dma_parms.min_align_mask, IO_TLB_SIZE - 1);
  for (let i = 0; i + nslots <= pool.nslabs; i++) {
    if (and(pool.start + i * IO_TLB_SIZE, mask) !== and(orig, mask)) continue;
    if (pool.slots.list(i) >= nslots) return i;
  }
  return -1;
}

function refusedCheck(ctx: CallContext): void {
  const { run, events } = ctx;
  let cause: string | undefined;
  let shortage: string | undefined;
  const collision = events.find((e) => e.t === 'pte_collision' && !e.kept);
  const einval = events.find((e) => e.t === 'iommu_map' && e.ret === -22);
  const full = events.find((e): e is Extract<MachineEvent, { t: 'swiotlb_full' }> => e.t === 'swiotlb_full');
  const lastIova = events.filter((e) => e.t === 'iova_alloc' || e.t === 'iova_alloc_fail').pop();
  const noPages = events.find((e): e is Extract<MachineEvent, { t: 'page_alloc_fail' }> => e.t === 'page_alloc_fail');
  const injected = events.find((e): e is Extract<MachineEvent, { t: 'fault_injected' }> => e.t === 'fault_injected');
  if (injected !== undefined) shortage = `${injected.site} was made to fail`;
  else if (collision !== undefined && collision.t === 'pte_collision') cause = `IOMMU entry already set at iova ${hex(collision.iova)}`;
  else if (einval !== undefined) cause = 'the IOMMU refused an unaligned map';
  else if (full !== undefined) {
    const leaked = leakedSlots(run).length;
    const fit = full.nslots <= IO_TLB_SEGSIZE ? freeRunFor(run, ctx.mapping, full.orig, full.nslots) : -1;
    if (full.nslots > IO_TLB_SEGSIZE) {
      cause = `a ${full.allocSize}-byte bounce needs ${full.nslots} contiguous slots, more than a ${IO_TLB_SEGSIZE}-slot segment holds`;
    } else if (leaked > 0) cause = `${leaked} swiotlb slots are held by no live mapping`;
    else if (fit >= 0) cause = `slots ${fit}..${fit + full.nslots - 1} were free and keep the address bits min_align_mask asks for, but the slot search did not visit them`;
    else shortage = 'the swiotlb pool is full';
  } else if (noPages !== undefined) {
    shortage = `the page allocator has no free block of order ${noPages.order} or larger`;
  } else if (lastIova?.t === 'iova_alloc_fail') {
    const t = ctx.mapping?.device.translation;
    const leaked = t === undefined ? [] : leakedAllocations(run, t);
    if (leaked.length > 0) cause = `IOVA space is held by ${leaked.length} ranges no live mapping uses`;
    else shortage = 'the IOVA space is full';
  } else {
    cause = 'no shortage of IOVA space or swiotlb slots was seen';
  }
  if (cause !== undefined) {
    run.raise('map-refused', 'default', { handle: ctx.mapping?.name ?? '-', cause });
  } else {
    run.note(`map of "${ctx.mapping?.name ?? '-'}" refused: ${shortage}`);
  }
}

/**
 * A failed map hands everything back: an IOVA range or swiotlb slots it
 * allocated must not still be held when it returns. (Its page-table entries
 * are stalePteCheck's, the caller's bytes bytes.ts's.)
 */
function failedMapResidueCheck(ctx: CallContext): void {
  const { run, events, mapping } = ctx;
  if (mapping === undefined) return;
  const t = mapping.device.translation;
  const held = t.allocated();
  for (const e of events) {
    if (e.t !== 'iova_alloc') continue;
    const n = held.find((r) => r.lo === e.pfn && !r.cached);
    if (n !== undefined) run.raise('resource-leak', 'failed-map-iovas', { handle: mapping.name, pfns: `${hex(n.lo)}-${hex(n.hi)}`, pages: n.hi - n.lo + 1 });
  }
  const pool = run.m.swiotlb;
  if (pool === null) return;
  for (const e of events) {
    if (e.t !== 'swiotlb_map') continue;
    let kept = 0;
    for (let i = e.index; i < e.index + e.nslots; i++) if (pool.slots.owner(i) === mapping.serial) kept++;
    if (kept > 0) run.raise('resource-leak', 'failed-map-slots', { handle: mapping.name, slots: `${e.index}..${e.index + e.nslots - 1}`, held: kept });
  }
}

/** Whether an entry maps a bounce pool's buffer, which the pool keeps mapped on purpose while it caches it. */
function onBouncePages(run: RunState, e: Run<TranslationEntry>, granule: number): boolean {
  const slots = run.m.bounceSlots;
  if (slots.isEmpty) return false;
  const pageSize = run.m.platform.pageSize;
  const start = e.value.phys;
  const end = start + (e.end - e.start) * granule;
  for (let p = start - (start % pageSize); p < end; p += pageSize) if (slots.slotAt(p, pageSize) === undefined) return false;
  return true;
}

function stalePteCheck(ctx: CallContext, after: 'unmap' | 'failed-map'): void {
  const { run, mapping } = ctx;
  if (mapping === undefined) return;
  const t = mapping.device.translation;
  const g = t.granule;
  for (const e of t.entries()) {
    if (e.value.owner !== mapping.serial) continue;
    if (onBouncePages(run, e, g)) continue;
    run.raise('stale-pte', after, { handle: mapping.name, iova: range(e.start * g, (e.end - e.start) * g), phys: hex(e.value.phys), pages: e.end - e.start });
  }
}

interface Reach {
  kind: ViolationKind;
  a: number;
  b: number;
  what: string;
  /** For swiotlb slots: the run of slots and whose they are. */
  firstSlot?: number;
  lastSlot?: number;
  holder?: string;
}

function reachText(r: Reach): string {
  if (r.firstSlot === undefined) return r.what;
  const slots = r.firstSlot === r.lastSlot ? `slot ${r.firstSlot}` : `slots ${r.firstSlot}..${r.lastSlot}`;
  return r.kind === 'reach-free-slot' ? `free swiotlb ${slots}` : `swiotlb ${slots}${r.holder}`;
}

function viaText(rr: RunReach): string {
  return rr.mp === undefined ? 'an entry of no mapping' : `entry of "${rr.mp.name}"${rr.live ? '' : ' (unmapped)'}`;
}

/** Whose bounce slots with owner tag `tag` are, for a sentence: '' when free. */
function holderText(run: RunState, tag: number): string {
  return tag === 0 ? '' : ` of "${run.bySerial[tag]?.name ?? '?'}"`;
}

/** What a physical range the device can reach but does not own is. */
function classify(run: RunState, mp: Mapping | undefined, a: number, b: number): Reach[] {
  const out: Reach[] = [];
  const base = run.m.swiotlb;
  const pageSize = run.m.platform.pageSize;
  let pos = a;
  while (pos < b) {
    // A bounce pool's buffer, page by page.
    const bs = run.m.bounceSlots.slotAt(pos, pageSize);
    if (bs !== undefined) {
      const end = Math.min(b, pos - (pos % pageSize) + pageSize);
      const kind: ViolationKind = bs.holder === 0 ? 'reach-free-slot' : 'reach-other-allocation';
      const what = bs.holder === 0 ? `cached bounce buffer ${hex(bs.iova)} of domain ${bs.domain}, last held by "${run.bySerial[bs.lastHolder]?.name ?? '?'}"` : `bounce buffer of "${run.bySerial[bs.holder]?.name ?? '?'}"`;
      const prev = last(out);
      if (prev !== undefined && prev.kind === kind && prev.b === pos && prev.what === what) prev.b = end;
      else out.push({ kind, a: pos, b: end, what });
      pos = end;
      continue;
    }
    const pool = poolAt(run.m, pos);
    if (pool !== undefined && base !== null) {
      // Slot by slot, merging neighbours that are free or held by the same mapping.
      const own = slotOf(pool, pos);
      const slot = slotOf(base, pool.start) + own;
      const end = Math.min(b, pool.start + (own + 1) * IO_TLB_SIZE);
      const tag = pool.slots.owner(own);
      const kind: ViolationKind = tag === 0 ? 'reach-free-slot' : 'reach-other-allocation';
      const holder = holderText(run, tag);
      const prev = last(out);
      if (prev !== undefined && prev.kind === kind && prev.b === pos && prev.holder === holder) {
        prev.b = end;
        prev.lastSlot = slot;
      } else {
        out.push({ kind, a: pos, b: end, what: '', firstSlot: slot, lastSlot: slot, holder });
      }
      pos = end;
      continue;
    }
    const zone = run.m.pages;
    if (zone.contains(pos) && run.memory.whereIs(pos) === undefined) {
      // A page of the allocator's zone that is no buffer: another allocation's page, or a free one.
      const end = Math.min(b, pos - (pos % zone.pageSize) + zone.pageSize);
      const tag = zone.ownerOf(pos);
      const holder = tag === undefined ? undefined : run.bySerial[tag];
      const r: Reach =
        holder !== undefined && holder.live
          ? { kind: 'reach-other-allocation', a: pos, b: end, what: `pages of "${holder.name}"` }
          : { kind: 'reach-unowned', a: pos, b: end, what: tag === undefined ? 'free pages' : 'pages of no live allocation' };
      const prev = last(out);
      if (prev !== undefined && prev.kind === r.kind && prev.what === r.what && prev.b === pos) prev.b = end;
      else out.push(r);
      pos = end;
      continue;
    }
    let stop = Math.min(b, zone.contains(pos) ? pos - (pos % zone.pageSize) + zone.pageSize : Number.MAX_SAFE_INTEGER);
    for (const p of run.m.bouncePools()) if (p.start > pos) stop = Math.min(stop, p.start);
    let found = false;
    for (const buf of run.scenario.buffers.values()) {
      const s = Math.max(pos, buf.phys);
      const e = Math.min(stop, buf.phys + buf.size);
      if (s >= e) continue;
      if (s > pos) out.push({ kind: 'reach-unowned', a: pos, b: s, what: 'memory outside any buffer' });
      const mine = mp?.segments.some((seg) => seg.buffer === buf.name) ?? false;
      out.push(
        mine
          ? { kind: 'reach-unowned', a: s, b: e, what: `unmapped part of buffer "${buf.name}"` }
          : { kind: 'reach-other-allocation', a: s, b: e, what: `buffer "${buf.name}"` },
      );
      pos = e;
      found = true;
      break;
    }
    if (!found && zone.contains(pos)) {
      // A live allocation's page (subtracted already when it is the mapping's own).
      const place = run.memory.whereIs(pos)!;
      const mine = mp?.segments.some((seg) => seg.buffer === place.name) ?? false;
      out.push(
        mine
          ? { kind: 'reach-unowned', a: pos, b: stop, what: `unmapped part of allocation "${place.name}"` }
          : { kind: 'reach-other-allocation', a: pos, b: stop, what: `allocation "${place.name}"` },
      );
      pos = stop;
      found = true;
    }
    if (!found) {
      out.push({ kind: 'reach-unowned', a: pos, b: stop, what: 'memory outside any buffer' });
      pos = stop;
    }
  }
  return out;
}

/** What one page-table run lets the device reach, as last worked out. */
export interface RunReach {
  /** The last exposure check this answer was current at (see ExposureSet); -1 before any. */
  check: number;
  /** The run's owner tag (fixed for a run), its mapping and whether that was live then. */
  owner: number;
  mp: Mapping | undefined;
  live: boolean;
  /** io_tlb_slots.changes then, and the [first, last] slot spans whose owners the answer read. */
  changes: number;
  /** BounceSlots.changes then. */
  bounceChanges: number;
  spans: number[];
  reaches: Reach[];
  /** Through which entry, for a sentence: worked out when first reported. */
  via: string | undefined;
}


// A page-table run is never changed in place (range-map.ts replaces it), so
// its answer holds while its mapping stays live or dead and the slots it
// covers keep their owners.
function reachOf(run: RunState, t: Translation, e: Run<TranslationEntry>): RunReach {
  const mp = run.bySerial[e.value.owner];
  const live = mp !== undefined && mp.live;
  const slots = run.m.swiotlb?.slots;
  const cached = run.runReaches.get(e);
  const bounce = run.m.bounceSlots;
  // Only the default pool's slot owners are tracked for reuse.
  if (
    run.reachReuse &&
    run.m.swiotlbPools.length === 0 &&
    cached !== undefined &&
    cached.mp === mp &&
    cached.live === live &&
    cached.bounceChanges === bounce.changes &&
    (slots === undefined || cached.changes === slots.changes || !spansChanged(slots, cached.spans, cached.changes))
  ) {
    run.reachReused++;
    return cached;
  }
  const start = e.value.phys;
  const end = start + (e.end - e.start) * t.granule;
  // A bounce pool's entries outlive the mapping whose map filled the slot:
  // whoever holds the slot now owns what they reach.
  const held = bounce.isEmpty ? [] : heldBounceRanges(run, start, end);
  const own = held.length === 0 ? (live ? ownRanges(run, mp) : []) : unionOfIntervals([...(live ? ownRanges(run, mp) : []), ...held.map((h) => h.range)]);
  const reaches: Reach[] = [];
  const spans: number[] = [];
  for (const [a, b] of subtract(start, end, own)) {
    for (const r of classify(run, mp, a, b)) {
      reaches.push(r);
      if (r.firstSlot !== undefined) spans.push(r.firstSlot, r.lastSlot!);
    }
  }
  for (const h of held) reaches.push(...foreignPadding(run, h));
  const fresh: RunReach = { check: -1, owner: e.value.owner, mp, live, changes: slots?.changes ?? 0, bounceChanges: bounce.changes, spans, reaches, via: undefined };
  run.runReaches.set(e, fresh);
  return fresh;
}

/** A bounce pool buffer's page a live mapping holds, within a page-table run. */
interface HeldBounce {
  range: Interval;
  slot: BounceSlot;
  /** The page's offset in the buffer. */
  offset: number;
  holder: Mapping;
}

/** The pages in [start, end) of bounce buffers that live mappings hold. */
function heldBounceRanges(run: RunState, start: number, end: number): HeldBounce[] {
  const pageSize = run.m.platform.pageSize;
  const out: HeldBounce[] = [];
  for (let p = start - (start % pageSize); p < end; p += pageSize) {
    const slot = run.m.bounceSlots.slotAt(p, pageSize);
    const holder = slot === undefined ? undefined : run.bySerial[slot.holder];
    if (slot === undefined || holder === undefined || !holder.live) continue;
    out.push({ range: [Math.max(p, start), Math.min(p + pageSize, end)], slot, offset: slot.pages.indexOf(p) * pageSize, holder });
  }
  return out;
}

/**
 * Another buffer's data left in the part of a held bounce buffer's page
 * that is not the holder's data: a reused slot keeps what earlier mappings
 * put there, and the device can read it through the holder's own entry.
 */
function foreignPadding(run: RunState, h: HeldBounce): Reach[] {
  const [a, b] = h.range;
  const pageStart = a - (a % h.slot.pageSize);
  // The holder's data, as offsets in the buffer.
  const data: Interval[] = h.holder.dma.filter((d) => d.addr >= h.slot.iova && d.addr < h.slot.iova + h.slot.size).map((d) => [d.addr - h.slot.iova, d.addr - h.slot.iova + d.len]);
  const own = new Set(h.holder.segments.map((s) => run.ownerOf(s.buffer)));
  const out: Reach[] = [];
  for (const r of run.m.provenance.owners(a, b - a)) {
    if (r.value === 0 || own.has(r.value)) continue;
    // Only what lies outside the holder's data: a byte of its own data is checked when read.
    for (const [x, y] of subtract(r.start, r.end, unionOfIntervals(data.map(([s, e]) => [pageStart + s - h.offset, pageStart + e - h.offset] as Interval)))) {
      out.push({ kind: 'reach-other-allocation', a: x, b: y, what: `buffer "${run.ownerName(r.value)}"'s data left in the bounce buffer of "${h.holder.name}"` });
    }
  }
  return out;
}

/** Intervals as a sorted union, touching ones joined. */
function unionOfIntervals(all: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of [...all].sort((x, y) => x[0] - y[0])) {
    if (s >= e) continue;
    const prev = last(out);
    if (prev !== undefined && s <= prev[1]) prev[1] = Math.max(prev[1], e);
    else out.push([s, e]);
  }
  return out;
}

function spansChanged(slots: io_tlb_slots, spans: readonly number[], since: number): boolean {
  for (let i = 0; i < spans.length; i += 2) if (slots.ownerChangedSince(spans[i]!, spans[i + 1]!, since)) return true;
  return false;
}

/** For an untrusted device: can it reach, through any live entry of its translation, memory that is not its own? */
function exposureCheck(run: RunState, t: Translation): void {
  const g = t.granule;
  const last = run.exposures.get(t) ?? NO_EXPOSURES;
  const check = last.check + 1;
  const answers: RunReach[] = [];
  for (const e of t.entries()) {
    const rr = reachOf(run, t, e);
    const held = last.holds(rr);
    rr.check = check;
    answers.push(rr);
    // Current at the last check: everything it reaches was reported then.
    if (held) continue;
    for (let i = 0; i < rr.reaches.length; i++) {
      const r = rr.reaches[i]!;
      if (last.has(r.a, r.b, rr.owner, r.kind)) continue;
      run.raise(r.kind, 'default', {
        iova: hex(e.start * g + (r.a - e.value.phys)),
        phys: range(r.a, r.b - r.a),
        what: reachText(r),
        via: (rr.via ??= viaText(rr)),
      });
    }
  }
  run.exposures.set(t, new ExposureSet(answers, check));
}

const NO_EXPOSURES = new ExposureSet();

/** The translations untrusted devices reach memory through. */
function untrustedTranslations(m: Machine): Translation[] {
  const out: Translation[] = [];
  for (const d of m.devices) if (d.untrusted && d.is_pci && !out.includes(d.translation)) out.push(d.translation);
  return out;
}

function changesReach(e: MachineEvent): boolean {
  return e.t === 'iommu_map' || e.t === 'iommu_unmap' || e.t === 'swiotlb_map' || e.t === 'swiotlb_unmap' || e.t === 'bounce_slot';
}

/** dma-debug's check_sg_segment: every DMA segment a map_sg hands out respects the device's length and boundary limits. */
function segmentLimitCheck(ctx: CallContext): void {
  const mp = ctx.mapping;
  if (mp === undefined || mp.kind !== 'sg') return;
  const max = mp.device.dma_parms.max_segment_size;
  const boundary = mp.device.dma_parms.segment_boundary_mask;
  for (const d of mp.dma) {
    if (d.len > max) ctx.run.raise('segment-limits', 'length', { handle: mp.name, len: d.len, max });
    const end = d.addr + d.len - 1;
    if (andNot(d.addr, boundary) !== andNot(end, boundary)) ctx.run.raise('segment-limits', 'boundary', { handle: mp.name, start: hex(d.addr), end: hex(end), boundary: hex(boundary) });
  }
}

export function checkAfterCall(ctx: CallContext, kind: 'map' | 'map-failed' | 'unmap' | 'sync' | 'time'): void {
  eventChecks(ctx);
  if (kind === 'map') segmentLimitCheck(ctx);
  if (kind === 'map-failed') {
    refusedCheck(ctx);
    stalePteCheck(ctx, 'failed-map');
    failedMapResidueCheck(ctx);
  }
  if (kind === 'unmap') stalePteCheck(ctx, 'unmap');
  // Only maps and unmaps change a page table or who owns a slot.
  if (kind !== 'sync' && ctx.events.some(changesReach)) for (const t of untrustedTranslations(ctx.run.m)) exposureCheck(ctx.run, t);
}

/** At the end: anything held that no live mapping accounts for. */
export function checkLeaks(ctx: CallContext): void {
  const { run } = ctx;
  const translations = translationsOf(run.m);
  for (const { t, label } of translations) {
    const g = t.granule;
    let ptePages = 0;
    const pteRuns: string[] = [];
    for (const e of t.entries()) {
      const mp = run.bySerial[e.value.owner];
      if (mp !== undefined && mp.live) continue;
      if (onBouncePages(run, e, g)) continue;
      ptePages += e.end - e.start;
      pteRuns.push(range(e.start * g, (e.end - e.start) * g));
    }
    if (ptePages > 0) run.raise('resource-leak', 'ptes', { ...label, pages: ptePages, iova: pteRuns.slice(0, 4).join(',') });
  }
  const slots = leakedSlots(run);
  if (slots.length > 0) {
    run.raise('resource-leak', 'slots', { slots: slots.length, first: slots[0]! });
  }
  const stuck = run.m.bounceSlots.all().filter((b) => b.holder !== 0 && !(run.bySerial[b.holder]?.live ?? false));
  if (stuck.length > 0) {
    const b = stuck[0]!;
    run.raise('resource-leak', 'bounce-buffers', { buffers: stuck.length, first: `${b.domain} ${range(b.iova, b.size)}`, 'last held by': run.bySerial[b.holder]?.name ?? '?' });
  }
  // A bounce pool's pages are its own while it keeps them (cached buffers are not leaks; stuck ones are named above).
  const pageSize = run.m.pages.pageSize;
  const inPool = (r: { phys: number; pages: number }): boolean => Array.from({ length: r.pages }, (_, i) => r.phys + i * pageSize).every((ph) => run.m.bounceSlots.slotAt(ph, pageSize) !== undefined);
  const pages = run.m.pages.allocatedRuns().filter((r) => {
    const mp = run.bySerial[r.owner];
    return (mp === undefined || !mp.live || mp.kind !== 'coherent') && !inPool(r) && r.owner !== PageAllocator.KEPT;
  });
  if (pages.length > 0) {
    run.raise('resource-leak', 'pages', { pages: pages.reduce((n, r) => n + r.pages, 0), first: hex(pages[0]!.phys), of: holderOfPages(run, pages[0]!.owner) });
  }
  for (const { t, label } of translations) {
    const ranges = leakedAllocations(run, t);
    if (ranges.length === 0) continue;
    const pages = ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
    run.raise('resource-leak', 'iovas', { ...label, ranges: ranges.length, pages, first: `pfn ${hex(ranges[0]![0])}-${hex(ranges[0]![1])}` });
  }
}

function holderOfPages(run: RunState, tag: number): string {
  const mp = run.bySerial[tag];
  return mp === undefined ? 'no call' : `"${mp.name}" (${mp.live ? 'live' : 'freed'})`;
}

/** What a physical address is, for a sentence: a buffer's or an allocation's byte, a free or foreign page, a swiotlb slot. */
export function physText(run: RunState, phys: number): string {
  const place = run.memory.whereIs(phys);
  if (place !== undefined) return `${place.allocation ? 'allocation' : 'buffer'} "${place.name}"+${hex(place.offset)}`;
  const pool = run.m.swiotlb;
  if (pool !== null && phys >= pool.start && phys < pool.end) {
    const slot = slotOf(pool, phys);
    const tag = pool.slots.owner(slot);
    return tag === 0 ? `free swiotlb slot ${slot}` : `swiotlb slot ${slot}${holderText(run, tag)}`;
  }
  const zone = run.m.pages;
  if (zone.contains(phys)) {
    const tag = zone.ownerOf(phys);
    return tag === undefined ? 'a free page' : `a page of "${run.bySerial[tag]?.name ?? '?'}"`;
  }
  return 'memory outside any buffer';
}

/** A DMA API call failed and the driver, which ignores its return value (driver.return_value_ignored), goes on as if it had not. */
export function checkIgnoredError(run: RunState, call: string, fields: Record<string, string | number>): void {
  run.raise('driver-assumption', 'return-value', { call, ...fields });
}

/** The simulated kernel stopped: a BUG() or a CPU spinning with a lock held. */
export function checkKernelStop(run: RunState, stop: KernelBug | SoftLockup): void {
  if (stop.name === 'KernelBug') run.raise('kernel-oops', 'default', { at: stop.message });
  else run.raise('soft-lockup', 'default', { at: stop.message });
}
