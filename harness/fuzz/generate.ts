// Generated scenarios: a platform, a device, a few buffers, and a sequence of
// what a *correct* driver and its device may do with them under the DMA API
// (fast-check model-based commands). The model tracks who owns each mapped
// byte, and a command runs only when the DMA API allows it: the device touches
// a mapping only while it owns it, the CPU reads and writes only what it owns,
// mappings never overlap. Whatever the contract checks then report is the
// variant's doing, not the driver's.
//
// Sizes and offsets lean towards the edges (1 byte, a cache line ± 1, a slot
// or a granule ± 1). The scenario is built as fixture JSON, so a finding can
// be written out as it is and replayed by the ordinary loader.

import fc from 'fast-check';
import type { Direction, Fill, Fixture, Segment, Step } from '../fixtures/fixture-types.generated.js';

export type Focus = NonNullable<NonNullable<Fixture['origin']>['focus']>;
export type IommuFlavour = NonNullable<Focus['platform']>;

export interface SearchSpace {
  /** CONFIG_SWIOTLB values to try. */
  swiotlb: 'on' | 'off' | 'both';
  /** Longest command sequence. */
  maxCommands: number;
  /** What a reviewer fixed: only untrusted devices, only non-coherent ones, one IOMMU page-table format. */
  focus?: Focus;
}

export const DEFAULT_SPACE: SearchSpace = { swiotlb: 'both', maxCommands: 12 };

/**
 * A boolean that is true `percent` times in a hundred. fast-check shrinks it
 * towards false (the first of the two).
 */
function likely(percent: number): fc.Arbitrary<boolean> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(false) }, { weight: percent, arbitrary: fc.constant(true) });
}

/** CONFIG_SWIOTLB: mostly on when both are searched, since only then can anything bounce. */
function swiotlbArb(space: SearchSpace): fc.Arbitrary<boolean> {
  return space.swiotlb === 'on' ? fc.constant(true) : space.swiotlb === 'off' ? fc.constant(false) : likely(85);
}

interface Range {
  buffer: string;
  offset: number;
  size: number;
}

interface Live {
  handle: string;
  kind: 'page' | 'sg';
  /** For a scatterlist: the sg_table it lives in. */
  table?: string;
  dir: Direction;
  segments: Range[];
  size: number;
  /** Who may touch the mapping's bytes now; "partial" means the CPU owns cpuRange only. */
  owner: 'cpu' | 'device' | 'partial';
  /** For "partial": the synced range, in mapping offsets. */
  cpuRange: [number, number];
}

/** A driver's sg_table kept after its unmap, to be mapped again as the kernel left it. */
interface KeptTable {
  name: string;
  segments: Range[];
}

export interface Model {
  buffers: Array<{ name: string; size: number }>;
  live: Live[];
  handles: number;
  /** The IOMMU's page-table format: which accesses its entries let a device make. */
  iommu: IommuFlavour;
  /** sg_tables no live mapping uses. */
  tables: KeptTable[];
}

/** What the commands build: the fixture's steps. */
export interface Builder {
  steps: Step[];
}

type Cmd = fc.Command<Model, Builder>;

/** Two fractions pick a non-empty range inside [0, size). */
function pick(size: number, a: number, b: number): [number, number] {
  const offset = Math.min(size - 1, Math.floor(a * size));
  const len = 1 + Math.floor(b * (size - offset - 1));
  return [offset, len];
}

/** The range of buffer b (modulo the buffer count) that fractions a and c pick. */
function bufferRange(m: Readonly<Model>, b: number, a: number, c: number): Range {
  const buf = m.buffers[b % m.buffers.length]!;
  const [offset, size] = pick(buf.size, a, c);
  return { buffer: buf.name, offset, size };
}

function overlaps(a: Range, b: Range): boolean {
  return a.buffer === b.buffer && a.offset < b.offset + b.size && b.offset < a.offset + a.size;
}

/** The part of a mapping's byte range that a buffer range covers, in mapping offsets. */
function mappingRange(l: Live, r: Range): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let pos = 0;
  for (const s of l.segments) {
    if (overlaps(s, r)) {
      const from = Math.max(s.offset, r.offset);
      const to = Math.min(s.offset + s.size, r.offset + r.size);
      out.push([pos + from - s.offset, pos + to - s.offset]);
    }
    pos += s.size;
  }
  return out;
}

/** May the CPU touch this buffer range now? Only where no mapping lets the device own it. */
function cpuOwns(m: Readonly<Model>, r: Range): boolean {
  return m.live.every((l) => {
    const parts = mappingRange(l, r);
    if (parts.length === 0 || l.owner === 'cpu') return true;
    if (l.owner === 'device') return false;
    return parts.every(([s, e]) => s >= l.cpuRange[0] && e <= l.cpuRange[1]);
  });
}

function free(m: Readonly<Model>, r: Range): boolean {
  return m.live.every((l) => l.segments.every((s) => !overlaps(s, r)));
}

/**
 * What a driver does once the CPU owns what the device wrote: read it. After
 * an unmap or a sync for the CPU of a FROM_DEVICE or BIDIRECTIONAL mapping,
 * each segment (or the synced part of one) is read back, so that stale or
 * lost bytes show.
 */
function readBack(l: Live, r: Builder, part?: [number, number]): void {
  if (l.dir === 'DMA_TO_DEVICE') return;
  let pos = 0;
  for (const s of l.segments) {
    const from = Math.max(pos, part?.[0] ?? pos);
    const to = Math.min(pos + s.size, part?.[1] ?? pos + s.size);
    if (from < to) r.steps.push({ op: 'cpu_read', buffer: s.buffer, offset: s.offset + from - pos, size: to - from });
    pos += s.size;
  }
}

function fillOf(seed: number): Fill {
  return seed % 3 === 0 ? { counter: seed % 256 } : { seed };
}

const dirs: Direction[] = ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'];
const fraction = fc.oneof(fc.constantFrom(0, 0.5, 0.999), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }));
const fillSeed = fc.integer({ min: 1, max: 0xffff });

class CpuWrite implements Cmd {
  constructor(readonly b: number, readonly a: number, readonly c: number, readonly seed: number) {}
  range(m: Readonly<Model>): Range {
    return bufferRange(m, this.b, this.a, this.c);
  }
  check(m: Readonly<Model>): boolean {
    return cpuOwns(m, this.range(m));
  }
  run(m: Model, r: Builder): void {
    const x = this.range(m);
    r.steps.push({ op: 'cpu_write', buffer: x.buffer, offset: x.offset, size: x.size, fill: fillOf(this.seed) });
  }
  toString(): string {
    return `cpu_write(${this.b},${this.a},${this.c})`;
  }
}

class CpuRead implements Cmd {
  constructor(readonly b: number, readonly a: number, readonly c: number) {}
  range(m: Readonly<Model>): Range {
    return bufferRange(m, this.b, this.a, this.c);
  }
  check(m: Readonly<Model>): boolean {
    return cpuOwns(m, this.range(m));
  }
  run(m: Model, r: Builder): void {
    const x = this.range(m);
    r.steps.push({ op: 'cpu_read', buffer: x.buffer, offset: x.offset, size: x.size });
  }
  toString(): string {
    return `cpu_read(${this.b},${this.a},${this.c})`;
  }
}

class MapPage implements Cmd {
  constructor(readonly b: number, readonly a: number, readonly c: number, readonly dir: Direction, readonly skip: boolean) {}
  range(m: Readonly<Model>): Range {
    return bufferRange(m, this.b, this.a, this.c);
  }
  check(m: Readonly<Model>): boolean {
    return m.live.length < 4 && free(m, this.range(m));
  }
  run(m: Model, r: Builder): void {
    const x = this.range(m);
    const handle = `h${m.handles++}`;
    m.live.push({ handle, kind: 'page', dir: this.dir, segments: [x], size: x.size, owner: this.skip ? 'cpu' : 'device', cpuRange: [0, 0] });
    r.steps.push({ op: 'map_page', handle, buffer: x.buffer, offset: x.offset, size: x.size, dir: this.dir, ...(this.skip ? { attrs: ['DMA_ATTR_SKIP_CPU_SYNC'] } : {}) });
  }
  toString(): string {
    return `map_page(${this.b},${this.a},${this.c},${this.dir},${this.skip})`;
  }
}

class MapSg implements Cmd {
  constructor(readonly parts: Array<[number, number, number]>, readonly dir: Direction, readonly skip: boolean) {}
  ranges(m: Readonly<Model>): Range[] {
    return this.parts.map(([b, a, c]) => {
      const buf = m.buffers[b % m.buffers.length]!;
      const [offset, size] = pick(buf.size, a, c);
      return { buffer: buf.name, offset, size };
    });
  }
  check(m: Readonly<Model>): boolean {
    const rs = this.ranges(m);
    return m.live.length < 4 && rs.every((x, i) => free(m, x) && rs.slice(0, i).every((y) => !overlaps(x, y)));
  }
  run(m: Model, r: Builder): void {
    const rs = this.ranges(m);
    const handle = `h${m.handles++}`;
    const table = `t${handle.slice(1)}`;
    m.live.push({ handle, kind: 'sg', table, dir: this.dir, segments: rs, size: rs.reduce((n, x) => n + x.size, 0), owner: this.skip ? 'cpu' : 'device', cpuRange: [0, 0] });
    r.steps.push({
      op: 'map_sg',
      handle,
      table,
      segments: rs.map((x) => ({ buffer: x.buffer, offset: x.offset, size: x.size })) as [Segment, ...Segment[]],
      dir: this.dir,
      ...(this.skip ? { attrs: ['DMA_ATTR_SKIP_CPU_SYNC'] } : {}),
    });
  }
  toString(): string {
    return `map_sg(${JSON.stringify(this.parts)},${this.dir},${this.skip})`;
  }
}

/**
 * A receive round as network and storage drivers do it: map, the device
 * writes, the CPU syncs part of the buffer (a header) for itself, reads it,
 * gives it back, the device reads what the IOMMU lets it, then unmap and
 * read back the whole.
 */
class RxRound implements Cmd {
  constructor(readonly b: number, readonly a: number, readonly c: number, readonly h: number, readonly bidirectional: boolean, readonly seed: number) {}
  range(m: Readonly<Model>): Range {
    return bufferRange(m, this.b, this.a, this.c);
  }
  check(m: Readonly<Model>): boolean {
    return m.live.length < 4 && free(m, this.range(m));
  }
  run(m: Model, r: Builder): void {
    const x = this.range(m);
    const handle = `h${m.handles++}`;
    const dir: Direction = this.bidirectional ? 'DMA_BIDIRECTIONAL' : 'DMA_FROM_DEVICE';
    const [offset, size] = pick(x.size, 0, this.h);
    const l: Live = { handle, kind: 'page', dir, segments: [x], size: x.size, owner: 'device', cpuRange: [offset, offset + size] };
    r.steps.push({ op: 'map_page', handle, buffer: x.buffer, offset: x.offset, size: x.size, dir });
    r.steps.push({ op: 'device_write', handle, fill: fillOf(this.seed) });
    r.steps.push({ op: 'sync_single_for_cpu', handle, offset, size });
    readBack(l, r, l.cpuRange);
    r.steps.push({ op: 'sync_single_for_device', handle, offset, size });
    if (this.bidirectional || m.iommu !== 'arm-s2') r.steps.push({ op: 'device_read', handle });
    r.steps.push({ op: 'unmap_page', handle });
    readBack(l, r);
  }
  toString(): string {
    return `rx_round(${this.b},${this.a},${this.c},${this.h},${this.bidirectional})`;
  }
}

/**
 * A driver that keeps its sg_table: map it, let the device use it, unmap,
 * and map the same table again as the kernel left it (dma_address and
 * dma_length from the first map still in it), maybe in another direction.
 */
class SgReuse implements Cmd {
  constructor(readonly sg: MapSg, readonly again: Direction, readonly seed: number) {}
  check(m: Readonly<Model>): boolean {
    return this.sg.check(m);
  }
  run(m: Model, r: Builder): void {
    const use = (l: Live): void => {
      if (l.dir !== 'DMA_TO_DEVICE') r.steps.push({ op: 'device_write', handle: l.handle, fill: fillOf(this.seed) });
      if (l.dir !== 'DMA_FROM_DEVICE' || m.iommu !== 'arm-s2') r.steps.push({ op: 'device_read', handle: l.handle });
    };
    this.sg.run(m, r);
    const first = m.live[m.live.length - 1]!;
    if (first.owner !== 'device') r.steps.push({ op: 'sync_sg_for_device', handle: first.handle }), (first.owner = 'device');
    use(first);
    unmap(m, r, first, false);
    new RemapSg(m.tables.length - 1, this.again, false).run(m, r);
    const second = m.live[m.live.length - 1]!;
    use(second);
    unmap(m, r, second, false);
  }
  toString(): string {
    return `sg_reuse(${this.sg.toString()},${this.again})`;
  }
}

/** Map a kept sg_table again, as the kernel left it at its unmap (dma_address and dma_length included). */
class RemapSg implements Cmd {
  constructor(readonly k: number, readonly dir: Direction, readonly skip: boolean) {}
  table(m: Readonly<Model>): KeptTable | undefined {
    return m.tables.length === 0 ? undefined : m.tables[this.k % m.tables.length];
  }
  check(m: Readonly<Model>): boolean {
    const t = this.table(m);
    return t !== undefined && m.live.length < 4 && t.segments.every((x) => free(m, x));
  }
  run(m: Model, r: Builder): void {
    const t = this.table(m)!;
    m.tables.splice(m.tables.indexOf(t), 1);
    const handle = `h${m.handles++}`;
    m.live.push({ handle, kind: 'sg', table: t.name, dir: this.dir, segments: t.segments, size: t.segments.reduce((n, x) => n + x.size, 0), owner: this.skip ? 'cpu' : 'device', cpuRange: [0, 0] });
    r.steps.push({ op: 'map_sg', handle, table: t.name, dir: this.dir, ...(this.skip ? { attrs: ['DMA_ATTR_SKIP_CPU_SYNC'] } : {}) });
  }
  toString(): string {
    return `remap_sg(${this.k},${this.dir},${this.skip})`;
  }
}

/** Base for commands on the k-th live mapping. */
abstract class OnMapping implements Cmd {
  constructor(readonly k: number) {}
  mapping(m: Readonly<Model>): Live | undefined {
    return m.live.length === 0 ? undefined : m.live[this.k % m.live.length];
  }
  abstract check(m: Readonly<Model>): boolean;
  abstract run(m: Model, r: Builder): void;
  abstract toString(): string;
}

class DeviceAccess extends OnMapping {
  constructor(k: number, readonly write: boolean, readonly a: number, readonly c: number, readonly seed: number) {
    super(k);
  }
  check(m: Readonly<Model>): boolean {
    const l = this.mapping(m);
    if (l === undefined || l.owner !== 'device') return false;
    // A device may read a FROM_DEVICE mapping wherever the entry lets it:
    // every format but the SMMU's stage 2 has no write-only entries.
    return this.write ? l.dir !== 'DMA_TO_DEVICE' : l.dir !== 'DMA_FROM_DEVICE' || m.iommu !== 'arm-s2';
  }
  run(m: Model, r: Builder): void {
    const l = this.mapping(m)!;
    const [offset, size] = pick(l.size, this.a, this.c);
    r.steps.push(
      this.write
        ? { op: 'device_write', handle: l.handle, offset, size, fill: fillOf(this.seed) }
        : { op: 'device_read', handle: l.handle, offset, size },
    );
  }
  toString(): string {
    return `device_${this.write ? 'write' : 'read'}(${this.k},${this.a},${this.c})`;
  }
}

class SyncForCpu extends OnMapping {
  constructor(k: number, readonly partial: boolean, readonly a: number, readonly c: number) {
    super(k);
  }
  check(m: Readonly<Model>): boolean {
    return this.mapping(m)?.owner === 'device';
  }
  run(m: Model, r: Builder): void {
    const l = this.mapping(m)!;
    if (l.kind === 'sg') {
      l.owner = 'cpu';
      r.steps.push({ op: 'sync_sg_for_cpu', handle: l.handle });
      readBack(l, r);
    } else if (this.partial && l.size > 1) {
      const [offset, size] = pick(l.size, this.a, this.c);
      l.owner = 'partial';
      l.cpuRange = [offset, offset + size];
      r.steps.push({ op: 'sync_single_for_cpu', handle: l.handle, offset, size });
      readBack(l, r, l.cpuRange);
    } else {
      l.owner = 'cpu';
      r.steps.push({ op: 'sync_single_for_cpu', handle: l.handle });
      readBack(l, r);
    }
  }
  toString(): string {
    return `sync_for_cpu(${this.k},${this.partial},${this.a},${this.c})`;
  }
}

class SyncForDevice extends OnMapping {
  check(m: Readonly<Model>): boolean {
    const owner = this.mapping(m)?.owner;
    return owner === 'cpu' || owner === 'partial';
  }
  run(m: Model, r: Builder): void {
    const l = this.mapping(m)!;
    // A driver that synced part of a buffer for the CPU gives that part back.
    const [from, to] = l.cpuRange;
    if (l.kind === 'sg') r.steps.push({ op: 'sync_sg_for_device', handle: l.handle });
    else if (l.owner === 'partial') r.steps.push({ op: 'sync_single_for_device', handle: l.handle, offset: from, size: to - from });
    else r.steps.push({ op: 'sync_single_for_device', handle: l.handle });
    l.owner = 'device';
  }
  toString(): string {
    return `sync_for_device(${this.k})`;
  }
}

class Unmap extends OnMapping {
  constructor(k: number, readonly skip: boolean) {
    super(k);
  }
  check(m: Readonly<Model>): boolean {
    // Skipping the CPU sync is only correct once the CPU owns the data it wants.
    const l = this.mapping(m);
    return l !== undefined && (!this.skip || l.owner === 'cpu' || l.dir === 'DMA_TO_DEVICE');
  }
  run(m: Model, r: Builder): void {
    unmap(m, r, this.mapping(m)!, this.skip);
  }
  toString(): string {
    return `unmap(${this.k},${this.skip})`;
  }
}

/** Unmap a mapping, read back what the device wrote, keep its sg_table. */
function unmap(m: Model, r: Builder, l: Live, skip: boolean): void {
  m.live.splice(m.live.indexOf(l), 1);
  r.steps.push({ op: l.kind === 'sg' ? 'unmap_sg' : 'unmap_page', handle: l.handle, ...(skip ? { attrs: ['DMA_ATTR_SKIP_CPU_SYNC'] } : {}) });
  readBack(l, r);
  if (l.table !== undefined) m.tables.push({ name: l.table, segments: l.segments });
}

class Evict implements Cmd {
  constructor(readonly b: number | null) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Builder): void {
    r.steps.push(this.b === null ? { op: 'evict' } : { op: 'evict', buffer: m.buffers[this.b % m.buffers.length]!.name });
  }
  toString(): string {
    return `evict(${this.b})`;
  }
}

class Prefetch implements Cmd {
  constructor(readonly b: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Builder): void {
    r.steps.push({ op: 'cpu_prefetch', buffer: m.buffers[this.b % m.buffers.length]!.name });
  }
  toString(): string {
    return `prefetch(${this.b})`;
  }
}

/** Map, let the device use it, unmap: `count` times over (IOVAs and slots get reused). */
class Loop implements Cmd {
  constructor(readonly b: number, readonly a: number, readonly c: number, readonly dir: Direction, readonly count: number, readonly seed: number) {}
  range(m: Readonly<Model>): Range {
    return bufferRange(m, this.b, this.a, this.c);
  }
  check(m: Readonly<Model>): boolean {
    return free(m, this.range(m));
  }
  run(m: Model, r: Builder): void {
    const x = this.range(m);
    const handle = `loop${m.handles++}`;
    const use: Step =
      this.dir === 'DMA_TO_DEVICE' ? { op: 'device_read', handle } : { op: 'device_write', handle, fill: fillOf(this.seed) };
    r.steps.push({
      op: 'repeat',
      count: this.count,
      steps: [
        { op: 'map_page', handle, buffer: x.buffer, offset: x.offset, size: x.size, dir: this.dir },
        use,
        { op: 'unmap_page', handle },
        ...(this.dir === 'DMA_TO_DEVICE' ? [] : [{ op: 'cpu_read' as const, buffer: x.buffer, offset: x.offset, size: x.size }]),
      ],
    });
  }
  toString(): string {
    return `loop(${this.b},${this.a},${this.c},${this.dir},${this.count})`;
  }
}

/** Rounds of a map/use/unmap loop: mostly a few (enough to reuse an IOVA), sometimes enough to cycle the rcache. */
const loopCount = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 2, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 64 }) });

const bufferIndex = fc.nat(2);
const mappingIndex = fc.nat(3);
const dir = fc.constantFrom(...dirs);

const commandArbs: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(bufferIndex, fraction, fraction, fillSeed).map(([b, a, c, s]) => new CpuWrite(b, a, c, s)),
  fc.tuple(bufferIndex, fraction, fraction).map(([b, a, c]) => new CpuRead(b, a, c)),
  fc.tuple(bufferIndex, fraction, fraction, dir, fc.boolean()).map(([b, a, c, d, s]) => new MapPage(b, a, c, d, s)),
  fc
    .tuple(fc.array(fc.tuple(bufferIndex, fraction, fraction), { minLength: 1, maxLength: 3 }), dir, fc.boolean())
    .map(([p, d, s]) => new MapSg(p, d, s)),
  fc.tuple(mappingIndex, fc.boolean(), fraction, fraction, fillSeed).map(([k, w, a, c, s]) => new DeviceAccess(k, w, a, c, s)),
  fc.tuple(mappingIndex, likely(60), fraction, fraction).map(([k, p, a, c]) => new SyncForCpu(k, p, a, c)),
  mappingIndex.map((k) => new SyncForDevice(k)),
  fc.tuple(mappingIndex, fc.boolean()).map(([k, s]) => new Unmap(k, s)),
  fc.option(bufferIndex, { nil: null }).map((b) => new Evict(b)),
  bufferIndex.map((b) => new Prefetch(b)),
  fc.tuple(bufferIndex, fraction, fraction, dir, loopCount, fillSeed).map(([b, a, c, d, n, s]) => new Loop(b, a, c, d, n, s)),
  fc.tuple(mappingIndex, dir, fc.boolean()).map(([k, d, s]) => new RemapSg(k, d, s)),
  fc.tuple(bufferIndex, fraction, fraction, fraction, fc.boolean(), fillSeed).map(([b, a, c, h, bi, s]) => new RxRound(b, a, c, h, bi, s)),
  fc
    .tuple(fc.array(fc.tuple(bufferIndex, fraction, fraction), { minLength: 1, maxLength: 3 }), dir, fc.boolean(), dir, fillSeed)
    .map(([p, d, sk, again, s]) => new SgReuse(new MapSg(p, d, sk), again, s)),
];

const size = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(512, 1, 63, 64, 65, 511, 513, 2047, 2048, 2049, 4095, 4096, 4097, 8192) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 9000 }) },
);
const pageOffset = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 0x800, 1, 0x10, 63, 64, 0x7ff, 0x810, 0xfff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4095 }) },
);

export interface Settings {
  platform: NonNullable<Fixture['platform']>;
  device: Fixture['device'];
  buffers: Array<{ size: number; page_offset: number }>;
  /** Allocations made to fail (machine/faults.ts), or none. */
  fail: NonNullable<Fixture['fail']> | null;
}

/**
 * An allocation made to fail in one scenario in eight: an IOVA range,
 * swiotlb slots or a page-table batch, the first few of a run or every one
 * from there on, so that the unwinding of a failed map runs.
 */
const failArb = fc.oneof(
  { weight: 7, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('iova' as const, 'swiotlb' as const, 'pgtable' as const), nth: fc.integer({ min: 1, max: 6 }), times: fc.constantFrom(1, -1) }) },
);

export function settingsArb(space: SearchSpace): fc.Arbitrary<Settings> {
  return fc
    .record({
      page_size: fc.constantFrom(4096 as const, 65536 as const, 16384 as const),
      granule: fc.constantFrom(4096 as const, 16384 as const, 65536 as const),
      swiotlb: swiotlbArb(space),
      iommu: space.focus?.platform !== undefined ? fc.constant(space.focus.platform) : fc.constantFrom<IommuFlavour>('arm', 'intel', 'arm-s2'),
      small_pool: fc.boolean(),
      coherent: space.focus?.noncoherent === true ? fc.constant(false) : fc.boolean(),
      // Untrusted devices are the ones dma-iommu bounces for.
      untrusted: space.focus?.untrusted === true ? fc.constant(true) : likely(90),
      min_align_mask: fc.constantFrom(0, 0xfff, 0x7ff),
      // 13 and 14 bits leave an IOVA space of a few granules, which a few mappings exhaust.
      dma_mask_bits: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(64, 32) }, { weight: 1, arbitrary: fc.constantFrom(16, 14, 13) }),
      buffers: fc.array(fc.record({ size, page_offset: pageOffset }), { minLength: 1, maxLength: 3 }),
      fail: failArb,
    })
    .map((s) => ({
      platform: {
        page_size: s.page_size,
        iova_granule: Math.min(s.granule, s.page_size) as 4096 | 16384 | 65536,
        swiotlb: s.swiotlb,
        iommu: s.iommu,
        ...(s.small_pool ? { swiotlb_bytes: 0x40000 } : {}),
      },
      device: { coherent: s.coherent, untrusted: s.untrusted, min_align_mask: s.min_align_mask, dma_mask_bits: s.dma_mask_bits },
      buffers: s.buffers,
      fail: s.fail,
    }));
}

export interface Generated {
  settings: Settings;
  commands: Iterable<Cmd>;
}

/**
 * Settings and a driver's command sequence. To replay a shrunk sequence from
 * a seed and path, fast-check also needs the commands' replay path (which of
 * them ran while shrinking): pass it as replayPath.
 */
export function scenarioArb(space: SearchSpace, replayPath?: string): fc.Arbitrary<Generated> {
  return fc.record({
    settings: settingsArb(space),
    commands: fc.commands(commandArbs, { maxCommands: space.maxCommands, ...(replayPath !== undefined ? { replayPath } : {}) }),
  });
}

type Origin = NonNullable<Fixture['origin']>;

/** The search space as a finding's origin records it. */
export function originOfSpace(space: SearchSpace): Pick<Origin, 'swiotlb' | 'max_commands' | 'focus'> {
  return { swiotlb: space.swiotlb, max_commands: space.maxCommands, ...(space.focus !== undefined ? { focus: space.focus } : {}) };
}

/** The search space a finding's origin records. */
export function spaceOfOrigin(o: Origin): SearchSpace {
  return { swiotlb: o.swiotlb, maxCommands: o.max_commands, ...(o.focus !== undefined ? { focus: o.focus } : {}) };
}

/** The commands' replay path fast-check keeps for a generated sequence (after it ran). */
export function commandsPathOf(g: Generated): string {
  const m = /replayPath="([^"]*)"/.exec(String(g.commands));
  return m?.[1] ?? '';
}

/** Play the commands against the model and build the fixture document; every mapping still live is unmapped at the end. */
export function buildFixture(g: Generated, id: string, question: string): Fixture {
  const buffers = Object.fromEntries(
    g.settings.buffers.map((b, i) => [`b${i}`, { size: b.size, ...(b.page_offset !== 0 ? { page_offset: b.page_offset } : {}), fill: { seed: 1000 + i } }]),
  );
  const iommu = g.settings.platform.iommu ?? 'arm';
  const model: Model = { buffers: g.settings.buffers.map((b, i) => ({ name: `b${i}`, size: b.size })), live: [], handles: 0, iommu, tables: [] };
  const real: Builder = { steps: [] };
  fc.modelRun(() => ({ model, real }), g.commands);
  while (model.live.length > 0) unmap(model, real, model.live[0]!, false);
  const steps = real.steps.length > 0 ? real.steps : [{ op: 'evict' } as Step];
  return {
    id,
    question,
    platform: g.settings.platform,
    device: g.settings.device,
    buffers,
    ...(g.settings.fail !== null ? { fail: g.settings.fail } : {}),
    steps: steps as Fixture['steps'],
    expect: {},
  };
}
