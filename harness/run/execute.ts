// Running one scenario on one variant: build a fresh machine, play the
// driver's and the device's steps against the variant's dma_map_ops, keep
// the ideal views of every buffer alongside, and check the DMA API contract
// after every step. The result is a trace, the violations found, the costs
// and the final state; nothing here knows which variant it is running.

import { alignDown, hex } from '../machine/bits.js';
import { withMachine } from '../machine/current.js';
import {
  attrNames,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_DIRECTION_NAMES,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
} from '../machine/dma.js';
import { KernelBug, SoftLockup, type MachineEvent } from '../machine/events.js';
import type { Translation, TranslationEntry } from '../machine/translation.js';
import { DEFAULT_MODEL_OPTIONS, Machine, type ModelOptions } from '../machine/machine.js';
import type { Run } from '../machine/range-map.js';
import type { scatterlist } from '../machine/scatterlist.js';
import { SLOT, Workspace } from '../machine/workspace.js';
import { patternSource } from '../fixtures/fill.js';
import type { Fill } from '../fixtures/fixture-types.generated.js';
import type { BufferSpec, Scenario, ScenarioStep } from '../fixtures/scenario.js';
import type { dma_map_ops, Kernel } from '../variant-api.js';
import type { device } from '../machine/device.js';
import { DEFAULT_DEVICE_NAME } from '../machine/platform.js';
import { checkCpuRead, checkCpuReadOwners, checkFailedMapWrite, checkDeviceRead, checkDeviceReach, checkDeviceReadOwners, checkPrivateAccess, compareBytes, keepOnly } from '../contract/bytes.js';
import { checkAfterCall, checkKernelStop, checkLeaks, ExposureSet, type CallContext, type RunReach, type RunState } from '../contract/checks.js';
import { IdealBuffer, type ViewBytes } from '../contract/ideal.js';
import { sentenceOf, sortVerdict, type ViolationKind } from '../contract/kinds.js';
import { costsOf } from './costs.js';
import { finalState } from './final-state.js';
import type { Mapping } from './mapping.js';
import { COST_KEYS, type CaseOutcome, type Costs, type Violation } from './result.js';
import { AFTER_LAST_STEP, BOOTING, type Position } from './position.js';
import { bytesText, eventText, plural, range, VIOLATION_MARK } from './trace.js';

/** How a case is run; the defaults are what every run uses, the rest is for tests and the benchmark. */
export interface CaseOptions {
  /** Memory reused from case to case; a fresh one by default. */
  workspace?: Workspace;
  /** Switches of the model (machine.ts). */
  model?: Partial<ModelOptions>;
  /** Whether the exposure check reuses its answers for unchanged page-table runs (contract/checks.ts). */
  reachReuse?: boolean;
  /** Sees the machine after the last step, before it is taken apart (the benchmark weighs it). */
  atEnd?: (m: Machine) => void;
  /** Where the case is, kept up to date for a watchdog (run/position.ts). */
  position?: Position;
  /** Filled with the costs of each kind of step (the DMA API call, or what the CPU or device did), and how many ran. */
  costsByCall?: Map<string, CallCosts>;
}

/** The costs of one kind of step over a case, and how many such steps ran. */
export interface CallCosts {
  calls: number;
  costs: Costs;
}

/** What a run says about itself beyond its outcome (for tests). */
export interface CaseStats {
  /** Exposure answers reused. */
  reachReused: number;
}

export function executeScenario(s: Scenario, kernel: Kernel, options: CaseOptions = {}): CaseOutcome {
  return executeCase(s, kernel, options).outcome;
}

/**
 * Run one scenario on one variant's kernel. The case's context (its machine,
 * with the workspace its memory comes from, and the model's switches) is
 * installed here and removed here, whatever the variant does.
 */
export function executeCase(s: Scenario, kernel: Kernel, options: CaseOptions = {}): { outcome: CaseOutcome; stats: CaseStats } {
  const workspace = options.workspace ?? new Workspace();
  const m = new Machine(s.platform, s.devices, workspace, { ...DEFAULT_MODEL_OPTIONS, ...options.model }, s.fail);
  try {
    const run = new CaseRun(s, kernel, m, options.reachReuse ?? true, options.position, options.costsByCall);
    const outcome = withMachine(m, () => run.run());
    options.atEnd?.(m);
    return { outcome, stats: { reachReused: run.reachReused } };
  } finally {
    workspace.endCase();
  }
}

/** What a step that made the machine do nothing hands to the checks. */
const NO_EVENTS: MachineEvent[] = [];

class CaseRun implements RunState {
  private readonly trace: string[] = [];
  private readonly violations: Violation[] = [];
  private readonly notes: string[] = [];
  private readonly ideal = new Map<string, IdealBuffer>();
  readonly mappings = new Map<string, Mapping>();
  /** Mappings by serial number (the owner tag of what their map call created). */
  readonly bySerial: Mapping[] = [];
  private serial = 0;
  private rendered = 0;
  /** Map calls that returned an error. */
  private failedMaps = 0;
  private label = '';
  readonly runReaches = new Map<Run<TranslationEntry>, RunReach>();
  /** The driver's kept sg_tables, by name: the lists the kernel writes into, as it left them. */
  private readonly tables = new Map<string, scatterlist[]>();
  readonly exposures = new Map<Translation, ExposureSet>();
  reachReused = 0;

  constructor(
    readonly scenario: Scenario,
    private readonly kernel: Kernel,
    readonly m: Machine,
    readonly reachReuse: boolean,
    private readonly position: Position | undefined,
    private readonly costsByCall: Map<string, CallCosts> | undefined,
  ) {}

  run(): CaseOutcome {
    const keep = (data: Uint8Array): Uint8Array => this.m.workspace.caseCopy(data);
    for (const b of this.scenario.buffers.values()) {
      if (b.fill !== undefined) this.m.dram.back(b.phys, b.size, patternSource(b.fill));
      this.ideal.set(b.name, new IdealBuffer(b, keep));
      this.m.provenance.mark(b.phys, b.size, this.ownerOf(b.name));
    }
    try {
      this.label = 'boot';
      this.position?.set(BOOTING);
      this.kernel.boot(this.m);
      this.flushEvents();
      this.steps(this.scenario.steps, '', 0);
      this.label = 'end';
      this.position?.set(AFTER_LAST_STEP);
      checkLeaks(this.context([]));
    } catch (e) {
      this.flushEvents();
      if (!(e instanceof KernelBug || e instanceof SoftLockup)) throw e;
      checkKernelStop(this, e);
    }
    this.label = 'end';
    for (const mp of this.mappings.values()) {
      if (mp.live) this.note(`driver never unmapped "${mp.name}"`);
    }
    const f = this.scenario.fail;
    return {
      verdict: sortVerdict(this.violations.map((v) => v.kind)),
      violations: this.violations,
      notes: this.notes,
      costs: costsOf(this.m.recorder.events, this.m.bouncePools()),
      trace: this.trace,
      final: finalState(this.m, [...this.mappings.values()].filter((mp) => mp.live).map((mp) => mp.name)),
      ...(f === null ? {} : { faults: { kind: f.kind, nth: f.nth, times: f.times ?? 1, injected: this.m.faults.injected, points: { ...this.m.faults.points }, failed_maps: this.failedMaps } }),
    };
  }

  raise(kind: ViolationKind, situation: string, fields: Record<string, string | number>): void {
    const v: Violation = { kind, step: this.label, sentence: sentenceOf(kind, situation, fields) };
    this.violations.push(v);
    this.trace.push(`${v.step}${VIOLATION_MARK}${kind}: ${v.sentence}`);
  }

  note(text: string): void {
    this.notes.push(`${this.label}: ${text}`);
  }

  private steps(steps: readonly ScenarioStep[], prefix: string, level: number): void {
    steps.forEach((step, i) => {
      const label = `${prefix}${i + 1}`;
      if (step.op === 'repeat') {
        for (let it = 1; it <= step.count; it++) {
          this.position?.at(level, i + 1, it);
          this.steps(step.steps, `${label}#${it}.`, level + 1);
        }
        return;
      }
      this.position?.at(level, i + 1, 0);
      this.label = label;
      if (this.costsByCall === undefined) return this.step(step);
      const from = this.m.recorder.events.length;
      this.step(step);
      this.addCallCosts(step.op, from);
    });
  }

  /** Count the costs of the events since `from` against a kind of step. */
  private addCallCosts(op: string, from: number): void {
    const c = costsOf(this.m.recorder.events.slice(from), this.m.bouncePools());
    const entry = this.costsByCall!.get(op);
    if (entry === undefined) this.costsByCall!.set(op, { calls: 1, costs: c });
    else {
      entry.calls++;
      for (const k of COST_KEYS) entry.costs[k] += c[k];
    }
  }

  private line(text: string): void {
    this.trace.push(`${this.label} ${text}`);
  }

  /** A call's line: what the step asked (the same on every variant), then what came back. */
  private callLine(asked: string, returned: string): void {
    this.trace.push(`${this.label} ${asked}${returned}`);
  }

  private flushEvents(): MachineEvent[] {
    const all = this.m.recorder.events;
    if (this.rendered === all.length) return NO_EVENTS;
    const events = all.slice(this.rendered);
    for (const e of events) this.trace.push(`${this.label}   ${eventText(e)}`);
    this.rendered = all.length;
    return events;
  }

  /** The provenance tag of a buffer's data: its place in the fixture, from 1. */
  ownerOf(buffer: string): number {
    let i = 1;
    for (const name of this.scenario.buffers.keys()) {
      if (name === buffer) return i;
      i++;
    }
    throw new Error(`no buffer ${buffer}`);
  }

  /** The buffer whose data a provenance tag stands for. */
  ownerName(tag: number): string {
    return [...this.scenario.buffers.keys()][tag - 1] ?? '?';
  }

  private scratch(slot: (typeof SLOT)[keyof typeof SLOT], length: number): Uint8Array {
    return this.m.workspace.scratch(slot, length);
  }

  /** Room for one ideal read, valid for this step only. */
  private idealScratch(length: number): ViewBytes {
    return { bytes: this.scratch(SLOT.idealBytes, length), defined: this.scratch(SLOT.idealDefined, length) };
  }

  private buffer(name: string): BufferSpec {
    return this.scenario.buffers.get(name)!;
  }

  private idealOf(name: string): IdealBuffer {
    return this.ideal.get(name)!;
  }

  context(events: MachineEvent[], mapping?: Mapping): CallContext {
    return { run: this, events, mapping };
  }

  /** A device's DMA API: its dma_ops, or dma-direct's. */
  private ops(dev: device): dma_map_ops {
    return this.kernel.opsFor(dev);
  }

  private step(step: ScenarioStep): void {
    switch (step.op) {
      case 'map_page':
        return this.mapPage(step);
      case 'map_sg':
        return this.mapSg(step);
      case 'unmap_page':
      case 'unmap_sg':
        return this.unmap(step.handle, step.attrs, step.op);
      case 'sync_single_for_cpu':
      case 'sync_single_for_device':
        return this.syncSingle(step.op, step.handle, step.offset, step.size);
      case 'sync_sg_for_cpu':
      case 'sync_sg_for_device':
        return this.syncSg(step.op, step.handle);
      case 'cpu_write':
        return this.cpuWrite(step.buffer, step.offset, this.pattern(step.fill, step.size));
      case 'cpu_read':
        return this.cpuRead(step.buffer, step.offset, step.size);
      case 'cpu_prefetch': {
        const b = this.buffer(step.buffer);
        this.m.cache.cpuReadInto(b.phys + step.offset, this.scratch(SLOT.actual, step.size), 0, step.size);
        this.line(`cpu prefetch ${step.buffer}[${hex(step.offset)}..+${hex(step.size)}]`);
        return;
      }
      case 'device_read':
        return this.deviceRead(step.handle, step.offset, step.size);
      case 'device_write':
        return this.deviceWrite(step.handle, step.offset, step.size, step.fill);
      case 'evict': {
        const b = step.buffer !== undefined ? this.buffer(step.buffer) : undefined;
        const r = b !== undefined ? this.m.cache.evict(b.phys, b.size) : this.m.cache.evict();
        this.line(`evict ${step.buffer ?? 'all'}: ${r.lines} lines dropped, ${r.written} written back`);
        return;
      }
      case 'repeat':
        throw new Error('repeat is unrolled by steps()');
    }
  }

  /** Begin a DMA API call: a fresh owner tag for what it creates. */
  private beginCall(): number {
    this.flushEvents();
    this.serial++;
    this.m.beginCall(this.serial);
    return this.serial;
  }

  private mapPage(step: Extract<ScenarioStep, { op: 'map_page' }>): void {
    const b = this.buffer(step.buffer);
    const dev = this.m.device(step.device);
    const phys = b.phys + step.offset;
    const page = alignDown(phys, this.scenario.platform.pageSize);
    const serial = this.beginCall();
    const handle = this.ops(dev).map_page(dev, page, phys - page, step.size, step.dir, step.attrs);
    const failed = handle === DMA_MAPPING_ERROR;
    this.callLine(
      stepText(step, () => `map_page ${step.handle}${onDevice(step.device)} = ${step.buffer}[${hex(step.offset)}..+${hex(step.size)}] ${DMA_DIRECTION_NAMES[step.dir]} attrs=${attrNames(step.attrs)} -> `),
      failed ? 'DMA_MAPPING_ERROR' : hex(handle),
    );
    const events = this.flushEvents();
    const mapping: Mapping = {
      name: step.handle,
      device: dev,
      kind: 'page',
      serial,
      dir: step.dir,
      segments: [{ buffer: step.buffer, offset: step.offset, size: step.size }],
      size: step.size,
      dma: failed ? [] : [{ addr: handle, len: step.size }],
      sgl: [],
      nents: 1,
      bounce: bounceSlots(events),
      live: !failed,
      own: undefined,
    };
    this.afterMap(mapping, step.attrs, events, failed);
  }

  private mapSg(step: Extract<ScenarioStep, { op: 'map_sg' }>): void {
    const pageSize = this.scenario.platform.pageSize;
    // A kept sg_table is mapped again as the kernel left it; otherwise the list is filled afresh.
    const kept = step.again ? this.tables.get(step.table!) : undefined;
    const sgl: scatterlist[] =
      kept ??
      step.segments.map((s) => {
        const phys = this.buffer(s.buffer).phys + s.offset;
        const page = alignDown(phys, pageSize);
        return { page, offset: phys - page, length: s.size, dma_address: 0, dma_length: 0 };
      });
    if (step.table !== undefined) this.tables.set(step.table, sgl);
    const nents = sgl.length;
    const dev = this.m.device(step.device);
    const serial = this.beginCall();
    const count = this.ops(dev).map_sg(dev, sgl, nents, step.dir, step.attrs);
    const failed = count <= 0;
    const dma = failed ? [] : sgl.slice(0, count).map((s) => ({ addr: s.dma_address, len: s.dma_length }));
    this.callLine(
      stepText(step, () => {
        const segs = step.segments.map((s) => `${s.buffer}[${hex(s.offset)}..+${hex(s.size)}]`).join(' ');
        const table = step.table === undefined ? '' : `table ${step.table}${step.again ? ' again' : ''} `;
        return `map_sg ${step.handle}${onDevice(step.device)} = ${table}{${segs}} ${DMA_DIRECTION_NAMES[step.dir]} attrs=${attrNames(step.attrs)} -> `;
      }),
      failed ? `${count}` : `${plural(count, 'segment')} ${dma.map((d) => range(d.addr, d.len)).join(' ')}`,
    );
    const events = this.flushEvents();
    const mapping: Mapping = {
      name: step.handle,
      device: dev,
      kind: 'sg',
      serial,
      dir: step.dir,
      segments: step.segments,
      size: step.segments.reduce((n, s) => n + s.size, 0),
      dma,
      sgl,
      nents,
      bounce: bounceSlots(events),
      live: !failed,
      own: undefined,
    };
    this.afterMap(mapping, step.attrs, events, failed);
  }

  private afterMap(mapping: Mapping, attrs: number, events: MachineEvent[], failed: boolean): void {
    this.mappings.set(mapping.name, mapping);
    this.bySerial[mapping.serial] = mapping;
    if (!failed) {
      if (attrs & DMA_ATTR_SKIP_CPU_SYNC) {
        // The driver keeps the buffer until it syncs for the device.
        for (const s of mapping.segments) this.idealOf(s.buffer).dev.undefine(s.offset, s.offset + s.size);
      } else {
        this.toDevice(mapping, 0, mapping.size);
      }
    }
    if (failed) {
      this.failedMaps++;
      this.failedMapWrites(mapping, events);
    }
    checkAfterCall(this.context(events, mapping), failed ? 'map-failed' : 'map');
  }

  /** A failed map hands the caller's buffer back as it was: compare what kernel copies in the call wrote into it with what the CPU had there. */
  private failedMapWrites(mapping: Mapping, events: MachineEvent[]): void {
    for (const e of events) {
      if (e.t !== 'memcpy' && e.t !== 'memset') continue;
      const dst = e.t === 'memcpy' ? e.dst : e.addr;
      for (const seg of mapping.segments) {
        const b = this.buffer(seg.buffer);
        const from = Math.max(dst, b.phys + seg.offset);
        const to = Math.min(dst + e.size, b.phys + seg.offset + seg.size);
        if (from >= to) continue;
        const offset = from - b.phys;
        const size = to - from;
        const actual = this.scratch(SLOT.actual, size);
        this.m.cache.snoopReadInto(from, actual, 0, size);
        const expected = this.idealOf(seg.buffer).read('cpu', offset, offset + size, this.idealScratch(size));
        checkFailedMapWrite(this, mapping, seg.buffer, offset, size, actual, expected.bytes, compareBytes(actual, expected.bytes, expected.defined));
      }
    }
  }

  private liveMapping(name: string, what: string): Mapping | undefined {
    const mp = this.mappings.get(name);
    if (mp === undefined || !mp.live) {
      this.line(`${what} ${name}: skipped, the mapping failed`);
      return undefined;
    }
    return mp;
  }

  private unmap(name: string, attrs: number, op: 'unmap_page' | 'unmap_sg'): void {
    const mp = this.liveMapping(name, op);
    if (mp === undefined) return;
    this.beginCall();
    const dev = mp.device;
    if (op === 'unmap_page') this.ops(dev).unmap_page(dev, mp.dma[0]!.addr, mp.size, mp.dir, attrs);
    else this.ops(dev).unmap_sg(dev, mp.sgl, mp.nents, mp.dir, attrs);
    this.line(`${op} ${name} attrs=${attrNames(attrs)}`);
    const events = this.flushEvents();
    mp.live = false;
    if (attrs & DMA_ATTR_SKIP_CPU_SYNC) {
      for (const s of mp.segments) {
        const ib = this.idealOf(s.buffer);
        if (mp.dir !== DMA_TO_DEVICE) ib.forgetUnsyncedDeviceWrites(s.offset, s.offset + s.size);
        ib.deviceOwned.clear(s.offset, s.offset + s.size);
      }
    } else {
      this.toCpu(mp, 0, mp.size);
    }
    checkAfterCall(this.context(events, mp), 'unmap');
  }

  private syncSingle(op: 'sync_single_for_cpu' | 'sync_single_for_device', name: string, offset?: number, size?: number): void {
    const mp = this.liveMapping(name, op);
    if (mp === undefined) return;
    const off = offset ?? 0;
    const len = size ?? mp.size - off;
    this.beginCall();
    const addr = mp.dma[0]!.addr + off;
    const dev = mp.device;
    if (op === 'sync_single_for_cpu') this.ops(dev).sync_single_for_cpu(dev, addr, len, mp.dir);
    else this.ops(dev).sync_single_for_device(dev, addr, len, mp.dir);
    this.line(`${op} ${name}[${hex(off)}..+${hex(len)}] at ${hex(addr)}`);
    const events = this.flushEvents();
    if (op === 'sync_single_for_cpu') this.toCpu(mp, off, len);
    else this.toDevice(mp, off, len);
    checkAfterCall(this.context(events, mp), 'sync');
  }

  private syncSg(op: 'sync_sg_for_cpu' | 'sync_sg_for_device', name: string): void {
    const mp = this.liveMapping(name, op);
    if (mp === undefined) return;
    this.beginCall();
    const dev = mp.device;
    if (op === 'sync_sg_for_cpu') this.ops(dev).sync_sg_for_cpu(dev, mp.sgl, mp.nents, mp.dir);
    else this.ops(dev).sync_sg_for_device(dev, mp.sgl, mp.nents, mp.dir);
    this.line(`${op} ${name}`);
    const events = this.flushEvents();
    if (op === 'sync_sg_for_cpu') this.toCpu(mp, 0, mp.size);
    else this.toDevice(mp, 0, mp.size);
    checkAfterCall(this.context(events, mp), 'sync');
  }

  /** The buffer pieces behind bytes [off, off + len) of a mapping, in device order. */
  private pieces(mp: Mapping, off: number, len: number): Array<{ at: number; buffer: string; offset: number; size: number }> {
    const out: Array<{ at: number; buffer: string; offset: number; size: number }> = [];
    let pos = 0;
    for (const s of mp.segments) {
      const from = Math.max(off, pos);
      const to = Math.min(off + len, pos + s.size);
      if (from < to) out.push({ at: from - off, buffer: s.buffer, offset: s.offset + (from - pos), size: to - from });
      pos += s.size;
    }
    return out;
  }

  /** Ownership passes to the device for [off, off + len) of a mapping. */
  private toDevice(mp: Mapping, off: number, len: number): void {
    const preserve = this.scenario.contract.fromDeviceUntouched === 'preserved';
    for (const p of this.pieces(mp, off, len)) {
      const ib = this.idealOf(p.buffer);
      ib.deviceOwned.set(p.offset, p.offset + p.size, { writable: mp.dir !== DMA_TO_DEVICE });
      if (mp.dir !== DMA_FROM_DEVICE || preserve) ib.dev.copyFrom(ib.cpu, p.offset, p.offset + p.size);
      else ib.dev.undefine(p.offset, p.offset + p.size);
    }
  }

  /** Ownership passes back to the CPU for [off, off + len) of a mapping. */
  private toCpu(mp: Mapping, off: number, len: number): void {
    for (const p of this.pieces(mp, off, len)) {
      const ib = this.idealOf(p.buffer);
      if (mp.dir !== DMA_TO_DEVICE) ib.cpu.copyFrom(ib.dev, p.offset, p.offset + p.size);
      ib.deviceOwned.clear(p.offset, p.offset + p.size);
    }
  }

  private cpuWrite(name: string, offset: number, data: Uint8Array): void {
    const b = this.buffer(name);
    const ib = this.idealOf(name);
    this.m.cache.cpuWrite(b.phys + offset, data);
    this.m.provenance.mark(b.phys + offset, data.length, this.ownerOf(name));
    ib.cpu.write(offset, data);
    for (const run of ib.deviceOwned.runs(offset, offset + data.length)) {
      ib.dev.undefine(run.start, run.end);
      this.note(`driver writes ${name}[${hex(run.start)}..${hex(run.end)}) while the device owns it`);
    }
    this.line(`cpu write ${name}[${hex(offset)}..+${hex(data.length)}] ${bytesText(data)}`);
  }

  private cpuRead(name: string, offset: number, size: number): void {
    const b = this.buffer(name);
    const ib = this.idealOf(name);
    const actual = this.scratch(SLOT.actual, size);
    this.m.cache.cpuReadInto(b.phys + offset, actual, 0, size);
    const expected = ib.read('cpu', offset, offset + size, this.idealScratch(size));
    for (const run of ib.deviceOwned.runs(offset, offset + size)) {
      if (!run.value.writable) continue;
      expected.defined.fill(0, run.start - offset, run.end - offset);
      this.note(`driver reads ${name}[${hex(run.start)}..${hex(run.end)}) while the device may write it`);
    }
    const cmp = compareBytes(actual, expected.bytes, expected.defined);
    this.line(`cpu read ${name}[${hex(offset)}..+${hex(size)}] ${bytesText(actual, expected.bytes, cmp)}`);
    checkCpuReadOwners(this, name, offset, size);
    checkCpuRead(this, name, offset, size, actual, expected.bytes, cmp);
  }

  /** Device addresses for bytes [off, off + len) of a mapping's DMA segments. */
  private dmaPieces(mp: Mapping, off: number, len: number): Array<{ at: number; addr: number; size: number }> {
    const out: Array<{ at: number; addr: number; size: number }> = [];
    let pos = 0;
    for (const d of mp.dma) {
      const from = Math.max(off, pos);
      const to = Math.min(off + len, pos + d.len);
      if (from < to) out.push({ at: from - off, addr: d.addr + (from - pos), size: to - from });
      pos += d.len;
    }
    return out;
  }

  /** `length` bytes of a fill pattern, valid for this step only. */
  private pattern(fill: Fill, length: number): Uint8Array {
    const data = this.scratch(SLOT.data, length);
    patternSource(fill).fill(data, 0, 0, length);
    return data;
  }

  private deviceRead(name: string, offset: number | undefined, size: number | undefined): void {
    const mp = this.liveMapping(name, 'device_read');
    if (mp === undefined) return;
    const off = offset ?? 0;
    const len = size ?? mp.size - off;
    const actual = this.scratch(SLOT.actual, len);
    // What the device reached, as [start, end) pairs of offsets in the read, in order.
    const reached: number[] = [];
    let reachedBytes = 0;
    let faults = 0;
    let privateBytes = 0;
    const reachedPhys: Array<{ at: number; phys: number; length: number }> = [];
    for (const d of this.dmaPieces(mp, off, len)) {
      const r = this.m.dma(mp.device).readInto(d.addr, actual, d.at, d.size);
      for (const p of r.pieces) {
        reached.push(d.at + p.offset, d.at + p.offset + p.length);
        reachedBytes += p.length;
        reachedPhys.push({ at: d.at + p.offset, phys: p.phys, length: p.length });
      }
      faults += r.faults.length;
      privateBytes += r.private;
    }
    const expected = this.scratch(SLOT.expected, len);
    const defined = this.scratch(SLOT.defined, len);
    const readable = mp.dir !== DMA_FROM_DEVICE;
    for (const p of this.pieces(mp, off, len)) {
      const ib = this.idealOf(p.buffer);
      const v = ib.read('dev', p.offset, p.offset + p.size, this.idealScratch(p.size));
      expected.set(v.bytes, p.at);
      if (!readable) continue;
      const owned = ib.deviceOwned.runs(p.offset, p.offset + p.size);
      for (const run of owned) defined.set(v.defined.subarray(run.start - p.offset, run.end - p.offset), p.at + run.start - p.offset);
      if (owned.reduce((n, r) => n + r.end - r.start, 0) < p.size) this.note(`device reads "${name}" while the CPU owns part of it`);
    }
    // Pieces never overlap (each byte is translated once): what they leave out was not reached.
    const unreached = readable ? len - reachedBytes : 0;
    // Only bytes that are defined and that the device actually reached are compared.
    if (unreached > 0) keepOnly(defined, reached);
    const cmp = compareBytes(actual, expected, defined);
    this.line(`device read ${name}[${hex(off)}..+${hex(len)}] ${faults > 0 ? `(${faults} faults) ` : ''}${bytesText(actual, expected, cmp)}`);
    this.flushEvents();
    checkDeviceReach(this, 'reading', mp, len, unreached);
    checkPrivateAccess(this, 'reading', mp, len, privateBytes);
    checkDeviceReadOwners(this, mp, off, reachedPhys);
    checkDeviceRead(this, mp, off, len, actual, expected, cmp);
  }

  private deviceWrite(name: string, offset: number | undefined, size: number | undefined, fill: Fill): void {
    const mp = this.liveMapping(name, 'device_write');
    if (mp === undefined) return;
    const off = offset ?? 0;
    const len = size ?? mp.size - off;
    const data = this.pattern(fill, len);
    let landed = 0;
    let faults = 0;
    let privateBytes = 0;
    const buffers = this.pieces(mp, off, len);
    for (const d of this.dmaPieces(mp, off, len)) {
      const r = this.m.dma(mp.device).write(d.addr, data.subarray(d.at, d.at + d.size));
      for (const p of r.pieces) {
        landed += p.length;
        // The bytes are the data of the buffer they are for, wherever they land.
        for (const b of buffers) {
          const from = Math.max(d.at + p.offset, b.at);
          const to = Math.min(d.at + p.offset + p.length, b.at + b.size);
          if (from < to) this.m.provenance.mark(p.phys + (from - d.at - p.offset), to - from, this.ownerOf(b.buffer));
        }
      }
      faults += r.faults.length;
      privateBytes += r.private;
    }
    const writable = mp.dir !== DMA_TO_DEVICE;
    if (writable) {
      for (const p of this.pieces(mp, off, len)) {
        const ib = this.idealOf(p.buffer);
        ib.dev.write(p.offset, data.subarray(p.at, p.at + p.size));
        const owned = ib.deviceOwned.runs(p.offset, p.offset + p.size).reduce((n, r) => n + r.end - r.start, 0);
        if (owned < p.size) this.note(`device writes "${name}" while the CPU owns part of it`);
      }
    }
    this.line(`device write ${name}[${hex(off)}..+${hex(len)}] ${faults > 0 ? `(${faults} faults) ` : ''}${bytesText(data)}`);
    this.flushEvents();
    // As for a read: the pieces that landed never overlap.
    const lost = writable ? len - landed : 0;
    checkDeviceReach(this, 'writing', mp, len, lost);
    checkPrivateAccess(this, 'writing', mp, len, privateBytes);
  }
}


// What a step asks for reads the same on every variant, and a fixture runs
// on all of them: its text is built once per step (steps are never changed).
const stepTexts = new WeakMap<ScenarioStep, string>();

function stepText(step: ScenarioStep, build: () => string): string {
  let text = stepTexts.get(step);
  if (text === undefined) {
    text = build();
    stepTexts.set(step, text);
  }
  return text;
}


/** How a map step names a device other than the default one, in its trace line. */
function onDevice(name: string): string {
  return name === DEFAULT_DEVICE_NAME ? '' : ` on ${name}`;
}

function bounceSlots(events: MachineEvent[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const e of events) if (e.t === 'swiotlb_map') out.push([e.index, e.nslots]);
  return out;
}

