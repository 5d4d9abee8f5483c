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
  DMA_BIDIRECTIONAL,
  DMA_DIRECTION_NAMES,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type dma_data_direction,
} from '../machine/dma.js';
import { KernelBug, SoftLockup, type MachineEvent } from '../machine/events.js';
import type { Translation, TranslationEntry } from '../machine/translation.js';
import { DEFAULT_MODEL_OPTIONS, Machine, type ModelOptions } from '../machine/machine.js';
import type { Run } from '../machine/range-map.js';
import { emptySgTable, sg_phys, type scatterlist, type sg_table } from '../machine/scatterlist.js';
import { GFP_KERNEL } from '../machine/pages.js';
import { IOMMU_READ, IOMMU_WRITE, type IommuDomain } from '../machine/iommu.js';
import { SLOT, Workspace } from '../machine/workspace.js';
import { patternSource } from '../fixtures/fill.js';
import type { Fill } from '../fixtures/fixture-types.generated.js';
import type { BufferSpec, Scenario, ScenarioStep, SegmentSpec } from '../fixtures/scenario.js';
import type { dma_map_ops, Kernel, ptr } from '../variant-api.js';
import type { device } from '../machine/device.js';
import { DEFAULT_DEVICE_NAME } from '../machine/platform.js';
import { checkAssumedRange, checkCpuRead, checkCpuReadOwners, checkFailedMapWrite, checkDeviceRead, checkDeviceReach, checkDeviceReadOwners, checkPrivateAccess, compareBytes, keepOnly } from '../contract/bytes.js';
import { checkAfterCall, checkIgnoredError, checkKernelStop, checkLeaks, ExposureSet, type CallContext, type RunReach, type RunState } from '../contract/checks.js';
import { IdealBuffer, type ViewBytes } from '../contract/ideal.js';
import { sentenceOf, sortVerdict, type ViolationKind } from '../contract/kinds.js';
import { costsOf } from './costs.js';
import { setMask } from './masks.js';
import { estimateOf } from '../costs/estimate.js';
import { costProfile } from '../costs/profiles.js';
import { finalState } from './final-state.js';
import type { Mapping } from './mapping.js';
import { DriverMemory } from './memory.js';
import { COST_KEYS, type CaseOutcome, type Costs, type Violation } from './result.js';
import { AFTER_LAST_STEP, BOOTING, type Position } from './position.js';
import { bytesText, eventText, plural, range, VIOLATION_MARK } from './trace.js';
import { msecs_to_jiffies } from '../machine/workqueue.js';

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
  /** A mask setter failed: the driver's probe failed, so it makes no further call. */
  private probeFailed = false;
  readonly runReaches = new Map<Run<TranslationEntry>, RunReach>();
  /** The driver's kept sg_tables, by name: the lists the kernel writes into, as it left them. */
  private readonly tables = new Map<string, scatterlist[]>();
  readonly exposures = new Map<Translation, ExposureSet>();
  reachReused = 0;
  /** The driver's buffers and coherent allocations. */
  readonly memory: DriverMemory;
  /** The tables dma_get_sgtable filled, as the kernel left them, with what the call returned. */
  private readonly sgtables = new Map<string, { sgt: sg_table; ret: number }>();
  /** The domain each device's owning driver attached (iommu_attach_device), or null when the attach failed. */
  private readonly ownDomains = new Map<device, IommuDomain | null>();
  /** Every coherent allocation made, by handle, in order (for provenance tags). */
  private readonly allocationNames: string[] = [];

  constructor(
    readonly scenario: Scenario,
    private readonly kernel: Kernel,
    readonly m: Machine,
    readonly reachReuse: boolean,
    private readonly position: Position | undefined,
    private readonly costsByCall: Map<string, CallCosts> | undefined,
  ) {
    this.memory = new DriverMemory(m, scenario.buffers);
  }

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
      if (mp.live) this.note(`driver never ${mp.kind === 'coherent' ? 'freed' : 'unmapped'} "${mp.name}"`);
    }
    const f = this.scenario.fail;
    return {
      verdict: sortVerdict(this.violations.map((v) => v.kind)),
      violations: this.violations,
      notes: this.notes,
      costs: costsOf(this.m.recorder.events, this.m.bouncePools(), this.m.pages),
      estimate: this.estimate(),
      trace: this.trace,
      final: finalState(this.m, [...this.mappings.values()].filter((mp) => mp.live).map((mp) => mp.name), (tag) => this.bySerial[tag]?.name ?? '?'),
      ...(f === null ? {} : { faults: { kind: f.kind, nth: f.nth, times: f.times ?? 1, injected: this.m.faults.injected, points: { ...this.m.faults.points }, failed_maps: this.failedMaps } }),
    };
  }

  /** The case's operations priced by the platform's cost profile (costs/estimate.ts). */
  private estimate(): ReturnType<typeof estimateOf> {
    const p = this.scenario.platform;
    const profile = costProfile(p.costProfile);
    if (profile === undefined) throw new Error(`no cost profile "${p.costProfile}" (the fixture loader checks this)`);
    return estimateOf(this.m.recorder.events, profile, p.iovaGranule, p.cacheLineSize, { pools: this.m.bouncePools(), pages: this.m.pages });
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
      if (this.probeFailed) return;
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

  /** The provenance tag of a buffer's data: its place in the fixture, from 1; a coherent allocation's comes after them, in the order they were made. */
  ownerOf(buffer: string): number {
    let i = 1;
    for (const name of this.scenario.buffers.keys()) {
      if (name === buffer) return i;
      i++;
    }
    const made = this.allocationNames.lastIndexOf(buffer);
    if (made >= 0) return this.scenario.buffers.size + 1 + made;
    throw new Error(`no buffer ${buffer}`);
  }

  /** The buffer or allocation whose data a provenance tag stands for. */
  ownerName(tag: number): string {
    const buffers = [...this.scenario.buffers.keys()];
    return buffers[tag - 1] ?? this.allocationNames[tag - 1 - buffers.length] ?? '?';
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
      case 'dma_alloc_coherent':
        return this.allocCoherent(step);
      case 'dma_free_coherent':
        return this.freeCoherent(step.handle);
      case 'dma_get_sgtable':
        return this.getSgtable(step.table, step.handle);
      case 'dma_set_mask':
      case 'dma_set_coherent_mask':
      case 'dma_set_mask_and_coherent':
        return this.setMask(step);
      case 'iommu_attach_device':
        return this.attachOwnDomain(step.device);
      case 'iommu_map':
        return this.iommuMap(step);
      case 'iommu_unmap':
        return this.iommuUnmap(step.handle);
      case 'sync_single_for_cpu':
      case 'sync_single_for_device':
        return this.syncSingle(step.op, step.handle, step.offset, step.size);
      case 'sync_sg_for_cpu':
      case 'sync_sg_for_device':
        return this.syncSg(step.op, step.handle);
      case 'cpu_write':
        if (!this.cpuCanReach(step.buffer, 'cpu write')) return;
        return this.cpuWrite(step.buffer, step.offset, this.pattern(step.fill, step.size));
      case 'cpu_read':
        if (!this.cpuCanReach(step.buffer, 'cpu read')) return;
        return this.cpuRead(step.buffer, step.offset, step.size);
      case 'cpu_prefetch': {
        if (!this.cpuCanReach(step.buffer, 'cpu prefetch')) return;
        this.memory.cpuReadInto(step.buffer, step.offset, this.scratch(SLOT.actual, step.size), step.size);
        this.line(`cpu prefetch ${step.buffer}[${hex(step.offset)}..+${hex(step.size)}]`);
        return;
      }
      case 'device_read':
        if (step.afterUnmap) return this.deviceAfterUnmap(step.handle, step.offset, step.size, undefined);
        return this.deviceRead(step.handle, step.offset, step.size);
      case 'device_write':
        if (step.afterUnmap) return this.deviceAfterUnmap(step.handle, step.offset, step.size, step.fill);
        return this.deviceWrite(step.handle, step.offset, step.size, step.fill);
      case 'wait':
        return this.wait(step.ms);
      case 'evict': {
        if (step.buffer !== undefined && !this.cpuCanReach(step.buffer, 'evict')) return;
        const r = step.buffer === undefined ? this.m.cache.evict() : this.evictOf(step.buffer);
        this.line(`evict ${step.buffer ?? 'all'}: ${r.lines} lines dropped, ${r.written} written back`);
        return;
      }
      case 'repeat':
        throw new Error('repeat is unrolled by steps()');
    }
  }

  /** Time passes: the delayed work that comes due runs, creating nothing any mapping owns. */
  private wait(ms: number): void {
    this.flushEvents();
    this.m.recorder.owner = 0;
    const ran = this.m.timers.advance(msecs_to_jiffies(ms));
    this.line(`wait ${ms} ms: clock at ${this.m.timers.now} ms, ${plural(ran, 'delayed work')} ran`);
    checkAfterCall(this.context(this.flushEvents()), 'time');
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
      pooled: pooledPages(this.m, events),
      live: !failed,
      own: undefined,
    };
    this.afterMap(mapping, step.attrs, events, failed);
  }

  private mapSg(step: Extract<ScenarioStep, { op: 'map_sg' }>): void {
    const pageSize = this.scenario.platform.pageSize;
    let sgl: scatterlist[];
    let segments: SegmentSpec[] = step.segments;
    const gotTable = step.table !== undefined && step.segments.length === 0 && !step.again ? this.sgtables.get(step.table) : undefined;
    if (step.table !== undefined && step.segments.length === 0 && !step.again) {
      // dma_map_sgtable of a dma_get_sgtable table: its own entries, mapped in place.
      if (gotTable === undefined || gotTable.sgt.orig_nents === 0) {
        // The driver will not map a table with no entries (what a failed dma_get_sgtable leaves).
        this.line(`map_sg ${step.handle}${onDevice(step.device)} = table ${step.table}: denied by the driver, the table has no entries`);
        return;
      }
      sgl = gotTable.sgt.sgl;
      segments = this.segmentsOf(sgl, gotTable.sgt.orig_nents);
    } else {
      // A kept sg_table is mapped again as the kernel left it; otherwise the list is filled afresh.
      const kept = step.again ? this.tables.get(step.table!) : undefined;
      sgl =
        kept ??
        step.segments.map((s) => {
        const phys = this.buffer(s.buffer).phys + s.offset;
        const page = alignDown(phys, pageSize);
        return { page, offset: phys - page, length: s.size, dma_address: 0, dma_length: 0 };
      });
    }
    if (step.table !== undefined && gotTable === undefined) this.tables.set(step.table, sgl);
    const nents = gotTable !== undefined ? gotTable.sgt.orig_nents : sgl.length;
    const dev = this.m.device(step.device);
    const serial = this.beginCall();
    const count = this.ops(dev).map_sg(dev, sgl, nents, step.dir, step.attrs);
    const failed = count <= 0;
    if (gotTable !== undefined) gotTable.sgt.nents = failed ? 0 : count;
    const dma = failed ? [] : sgl.slice(0, count).map((s) => ({ addr: s.dma_address, len: s.dma_length }));
    this.callLine(
      stepText(step, () => {
        const segs = step.segments.map((s) => `${s.buffer}[${hex(s.offset)}..+${hex(s.size)}]`).join(' ');
        const what = gotTable !== undefined ? `table ${step.table}` : `${step.table === undefined ? '' : `table ${step.table}${step.again ? ' again' : ''} `}{${segs}}`;
        return `map_sg ${step.handle}${onDevice(step.device)} = ${what} ${DMA_DIRECTION_NAMES[step.dir]} attrs=${attrNames(step.attrs)} -> `;
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
      segments,
      size: segments.reduce((n, s) => n + s.size, 0),
      dma,
      sgl,
      nents,
      bounce: bounceSlots(events),
      pooled: pooledPages(this.m, events),
      live: !failed,
      own: undefined,
    };
    this.afterMap(mapping, step.attrs, events, failed);
  }

  private afterMap(mapping: Mapping, attrs: number, events: MachineEvent[], failed: boolean): void {
    this.mappings.set(mapping.name, mapping);
    this.bySerial[mapping.serial] = mapping;
    if (!failed) {
      if (attrs & DMA_ATTR_SKIP_CPU_SYNC && !this.syncsItself(mapping)) {
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

  /**
   * Whether, under the fixture's contract, a mapping made or unmapped with
   * DMA_ATTR_SKIP_CPU_SYNC needs no sync: a coherent device whose driver
   * takes the CPU's and the device's views to be the same memory.
   */
  private syncsItself(mp: Mapping): boolean {
    return this.scenario.contract.skipCpuSync === 'coherent' && mp.device.config.coherent;
  }

  /**
   * dma_alloc_coherent with GFP_KERNEL, dispatched as mapping.c does: the
   * device's ops (NULL alloc: no memory), or dma-direct. The allocation is a
   * mapping of its own (its DMA address) and memory the CPU reaches by its
   * name through the kernel address; it starts zeroed.
   */
  private allocCoherent(step: Extract<ScenarioStep, { op: 'dma_alloc_coherent' }>): void {
    const dev = this.m.device(step.device);
    const serial = this.beginCall();
    const ops = this.ops(dev);
    const handle: ptr<number> = { value: DMA_MAPPING_ERROR };
    const cpu = ops.alloc === undefined ? 0 : ops.alloc(dev, step.size, handle, GFP_KERNEL, step.attrs);
    const failed = cpu === 0;
    this.callLine(
      stepText(step, () => `dma_alloc_coherent ${step.handle}${onDevice(step.device)} = ${hex(step.size)} bytes attrs=${attrNames(step.attrs)} -> `),
      failed ? 'NULL' : `cpu ${hex(cpu)} dma ${hex(handle.value)}`,
    );
    const events = this.flushEvents();
    if (!failed) {
      const a = this.memory.allocate(step.handle, cpu, step.size);
      this.allocationNames.push(step.handle);
      const spec: BufferSpec = { name: step.handle, phys: a.pages[0]!, size: a.pages.length * this.scenario.platform.pageSize, fill: { byte: 0 } };
      this.ideal.set(step.handle, new IdealBuffer(spec, (data) => this.m.workspace.caseCopy(data), true));
    }
    const mapping: Mapping = {
      name: step.handle,
      device: dev,
      kind: 'coherent',
      serial,
      dir: DMA_BIDIRECTIONAL,
      segments: [{ buffer: step.handle, offset: 0, size: step.size }],
      size: step.size,
      dma: failed ? [] : [{ addr: handle.value, len: step.size }],
      sgl: [],
      nents: 0,
      bounce: [],
      pooled: [],
      live: !failed,
      own: undefined,
    };
    this.mappings.set(mapping.name, mapping);
    this.bySerial[serial] = mapping;
    checkAfterCall(this.context(events, mapping), failed ? 'map-failed' : 'map');
  }

  private freeCoherent(name: string): void {
    const mp = this.liveMapping(name, 'dma_free_coherent');
    if (mp === undefined) return;
    const a = this.memory.allocation(name)!;
    this.beginCall();
    this.ops(mp.device).free?.(mp.device, mp.size, a.cpu, mp.dma[0]!.addr, 0);
    this.line(`dma_free_coherent ${name}`);
    const events = this.flushEvents();
    mp.live = false;
    checkAfterCall(this.context(events, mp), 'unmap');
    this.memory.free(name);
  }

  /**
   * dma_get_sgtable (-ENXIO when the ops have none, as mapping.c answers).
   * A driver that checks the return value gives up on a failed table; one
   * that ignores it goes on with what the call left.
   */
  private getSgtable(table: string, name: string): void {
    const mp = this.liveMapping(name, `dma_get_sgtable ${table} =`);
    if (mp === undefined) return;
    const a = this.memory.allocation(name)!;
    const sgt = emptySgTable();
    this.beginCall();
    const ops = this.ops(mp.device);
    const ret = ops.get_sgtable === undefined ? -ENXIO : ops.get_sgtable(mp.device, sgt, a.cpu, mp.dma[0]!.addr, mp.size, 0);
    const entries = sgt.sgl.slice(0, sgt.orig_nents).map((e) => range(sg_phys(e), e.length));
    this.line(`dma_get_sgtable ${table} = ${name} -> ${ret}${ret === 0 ? `: ${plural(sgt.orig_nents, 'entry', 'entries')} ${entries.join(' ')}` : `${ERRNO_NAMES[-ret] !== undefined ? ` (${ERRNO_NAMES[-ret]})` : ''}, ${plural(sgt.orig_nents, 'entry', 'entries')}`}`);
    const events = this.flushEvents();
    checkAfterCall(this.context(events, mp), 'sync');
    const ignored = this.scenario.driver.returnValueIgnored.has(table);
    if (ret !== 0 && !ignored) {
      this.note(`dma_get_sgtable of "${name}" failed (${ret}); the driver gives up on table "${table}"`);
      this.sgtables.set(table, { sgt: emptySgTable(), ret });
      return;
    }
    if (ret !== 0) checkIgnoredError(this, 'dma_get_sgtable', { device: mp.device.name, table, ret: ERRNO_NAMES[-ret] !== undefined ? `-${ERRNO_NAMES[-ret]}` : ret });
    this.sgtables.set(table, { sgt, ret });
  }

  /** The buffer and allocation ranges a table's entries describe, in order (what a map of it makes the device see). */
  private segmentsOf(sgl: readonly scatterlist[], nents: number): SegmentSpec[] {
    const out: SegmentSpec[] = [];
    for (let i = 0; i < nents; i++) {
      const e = sgl[i]!;
      let done = 0;
      while (done < e.length) {
        const place = this.memory.whereIs(sg_phys(e) + done);
        if (place === undefined) throw new Error(`table entry ${i} (${range(sg_phys(e), e.length)}) is in none of the driver's memory`);
        const page = this.scenario.platform.pageSize;
        const n = place.allocation ? Math.min(e.length - done, page - (place.offset % page)) : e.length - done;
        const prev = out[out.length - 1];
        if (prev !== undefined && prev.buffer === place.name && prev.offset + prev.size === place.offset) prev.size += n;
        else out.push({ buffer: place.name, offset: place.offset, size: n });
        done += n;
      }
    }
    return out;
  }

  /** A driver that owns its device's DMA (VFIO-style): an unmanaged domain of its own, attached to the device. */
  /** The driver's probe sets a mask; if the call fails, the probe fails and the driver makes no further call. */
  private setMask(step: Extract<ScenarioStep, { op: 'dma_set_mask' | 'dma_set_coherent_mask' | 'dma_set_mask_and_coherent' }>): void {
    const dev = this.m.device(step.device);
    this.beginCall();
    const ret = setMask(step.op, this.ops(dev), dev, step.bits);
    this.line(`${step.op}${onDevice(step.device)} DMA_BIT_MASK(${step.bits}) -> ${ret}`);
    const events = this.flushEvents();
    checkAfterCall(this.context(events), 'sync');
    if (ret !== 0) {
      this.note(`${step.op} failed (${ret}): the driver's probe fails and it makes no further call`);
      this.probeFailed = true;
    }
  }

  private attachOwnDomain(name: string): void {
    const dev = this.m.device(name);
    this.beginCall();
    const domain = this.kernel.iommu.iommu_domain_alloc(dev.bus);
    const ret = domain === null ? -ENOMEM : this.kernel.iommu.iommu_attach_device(domain, dev);
    this.ownDomains.set(dev, ret === 0 ? domain : null);
    this.line(`iommu_attach_device ${name} to ${domain === null ? 'no domain' : `unmanaged ${domain.label}`} -> ${ret}`);
    const events = this.flushEvents();
    checkAfterCall(this.context(events), 'sync');
  }

  /** iommu_map in the device's own domain, with the permissions the direction asks for. */
  private iommuMap(step: Extract<ScenarioStep, { op: 'iommu_map' }>): void {
    const dev = this.m.device(step.device);
    const domain = this.ownDomains.get(dev) ?? null;
    const asked = (): string => `iommu_map ${step.handle}${onDevice(step.device)} = ${step.buffer}[${hex(step.offset)}..+${hex(step.size)}] at iova ${hex(step.iova)} ${DMA_DIRECTION_NAMES[step.dir]} -> `;
    if (domain === null) {
      this.line(`${stepText(step, asked)}skipped, the device has no domain of its own`);
      return;
    }
    const phys = this.buffer(step.buffer).phys + step.offset;
    const serial = this.beginCall();
    const ret = this.kernel.iommu.iommu_map(domain, step.iova, phys, step.size, iommuProt(step.dir));
    const failed = ret !== 0;
    this.callLine(stepText(step, asked), `${ret}`);
    const events = this.flushEvents();
    const mapping: Mapping = {
      name: step.handle,
      device: dev,
      kind: 'iommu',
      serial,
      dir: step.dir,
      segments: [{ buffer: step.buffer, offset: step.offset, size: step.size }],
      size: step.size,
      dma: failed ? [] : [{ addr: step.iova, len: step.size }],
      sgl: [],
      nents: 1,
      bounce: [],
      pooled: [],
      live: !failed,
      own: undefined,
    };
    this.afterMap(mapping, 0, events, failed);
  }

  private iommuUnmap(name: string): void {
    const mp = this.liveMapping(name, 'iommu_unmap');
    if (mp === undefined) return;
    const domain = this.ownDomains.get(mp.device)!;
    this.beginCall();
    const unmapped = this.kernel.iommu.iommu_unmap(domain, mp.dma[0]!.addr, mp.size);
    this.line(`iommu_unmap ${name} -> ${hex(unmapped)}`);
    const events = this.flushEvents();
    mp.live = false;
    this.toCpu(mp, 0, mp.size);
    checkAfterCall(this.context(events, mp), 'unmap');
  }

  /** Whether a buffer, or a coherent allocation that was made, is there for the CPU: an allocation that failed is skipped. */
  private cpuCanReach(name: string, what: string): boolean {
    if (this.scenario.buffers.has(name) || this.memory.isAllocation(name)) return true;
    // Only a coherent allocation that came back NULL; any other name is the harness's bug, left to throw.
    if (this.mappings.get(name)?.kind !== 'coherent') return true;
    this.line(`${what} ${name}: skipped, the allocation failed`);
    return false;
  }

  /** Write back and drop the lines of a buffer or allocation. */
  private evictOf(name: string): { lines: number; written: number } {
    const ib = this.idealOf(name);
    const total = { lines: 0, written: 0 };
    for (const [s, e] of this.memory.physRanges(name, 0, ib.spec.size)) {
      const r = this.m.cache.evict(s, e - s);
      total.lines += r.lines;
      total.written += r.written;
    }
    return total;
  }

  /** Whether the driver will use the mapping as one DMA range although the map gave it separate segments. */
  private assumesOneRange(mp: Mapping): boolean {
    if (!this.scenario.driver.oneContiguousRange.has(mp.name)) return false;
    for (let i = 1; i < mp.dma.length; i++) if (mp.dma[i]!.addr !== mp.dma[i - 1]!.addr + mp.dma[i - 1]!.len) return true;
    return false;
  }

  /** The device addresses the driver gives its device for bytes [off, off + len) of a mapping it takes for one range. */
  private oneRange(mp: Mapping, off: number, len: number): Array<{ at: number; addr: number; size: number }> {
    return [{ at: 0, addr: mp.dma[0]!.addr + off, size: len }];
  }

  /** A failed map hands the caller's buffer back as it was: compare what kernel copies in the call wrote into it with what the CPU had there. */
  private failedMapWrites(mapping: Mapping, events: MachineEvent[]): void {
    for (const e of events) {
      if (e.t !== 'memcpy' && e.t !== 'memset') continue;
      const dst = e.t === 'memcpy' ? e.dst : e.addr;
      for (const seg of mapping.segments) {
        let at = seg.offset;
        for (const [s, end] of this.memory.physRanges(seg.buffer, seg.offset, seg.size)) {
          const from = Math.max(dst, s);
          const to = Math.min(dst + e.size, end);
          if (from < to) {
            const offset = at + (from - s);
            const size = to - from;
            const actual = this.scratch(SLOT.actual, size);
            this.m.cache.snoopReadInto(from, actual, 0, size);
            const expected = this.idealOf(seg.buffer).read('cpu', offset, offset + size, this.idealScratch(size));
            checkFailedMapWrite(this, mapping, seg.buffer, offset, size, actual, expected.bytes, compareBytes(actual, expected.bytes, expected.defined));
          }
          at += end - s;
        }
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
    if (attrs & DMA_ATTR_SKIP_CPU_SYNC && !this.syncsItself(mp)) {
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
    const ib = this.idealOf(name);
    this.memory.cpuWrite(name, offset, data);
    for (const [s, e] of this.memory.physRanges(name, offset, data.length)) this.m.provenance.mark(s, e - s, this.ownerOf(name));
    ib.cpu.write(offset, data);
    // Coherent memory: the device that allocated it sees the store at once.
    if (ib.coherent) ib.dev.write(offset, data);
    for (const run of ib.deviceOwned.runs(offset, offset + data.length)) {
      ib.dev.undefine(run.start, run.end);
      this.note(`driver writes ${name}[${hex(run.start)}..${hex(run.end)}) while the device owns it`);
    }
    this.line(`cpu write ${name}[${hex(offset)}..+${hex(data.length)}] ${bytesText(data)}`);
  }

  private cpuRead(name: string, offset: number, size: number): void {
    const ib = this.idealOf(name);
    const actual = this.scratch(SLOT.actual, size);
    this.memory.cpuReadInto(name, offset, actual, size);
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
    const assumed = this.assumesOneRange(mp);
    // What the device reached, as [start, end) pairs of offsets in the read, in order.
    const reached: number[] = [];
    const reachedPhys: Array<{ at: number; length: number; phys: number }> = [];
    let reachedBytes = 0;
    let faults = 0;
    let privateBytes = 0;
    for (const d of assumed ? this.oneRange(mp, off, len) : this.dmaPieces(mp, off, len)) {
      const r = this.m.dma(mp.device).readInto(d.addr, actual, d.at, d.size);
      for (const p of r.pieces) {
        reached.push(d.at + p.offset, d.at + p.offset + p.length);
        reachedPhys.push({ at: d.at + p.offset, length: p.length, phys: p.phys });
        reachedBytes += p.length;
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
      if (ib.coherent && mp.kind === 'coherent') {
        // The allocating device and the CPU share coherent memory: no ownership to pass.
        defined.set(v.defined, p.at);
        continue;
      }
      const owned = ib.deviceOwned.runs(p.offset, p.offset + p.size);
      for (const run of owned) defined.set(v.defined.subarray(run.start - p.offset, run.end - p.offset), p.at + run.start - p.offset);
      if (owned.reduce((n, r) => n + r.end - r.start, 0) < p.size) this.note(`device reads "${name}" while the CPU owns part of it`);
    }
    // Pieces never overlap (each byte is translated once): what they leave out was not reached.
    const unreached = readable ? len - reachedBytes : 0;
    // Only bytes that are defined and that the device actually reached are compared.
    if (unreached > 0) keepOnly(defined, reached);
    const cmp = compareBytes(actual, expected, defined);
    this.line(`device read ${name}[${hex(off)}..+${hex(len)}] ${assumed ? `as one range from ${hex(mp.dma[0]!.addr)} ` : ''}${faults > 0 ? `(${faults} faults) ` : ''}${bytesText(actual, expected, cmp)}`);
    this.flushEvents();
    checkPrivateAccess(this, 'reading', mp, len, privateBytes);
    if (assumed) {
      checkAssumedRange(this, 'reading', mp, off, len, { actual, expected, cmp, unreached, reached: reachedPhys });
      return;
    }
    checkDeviceReach(this, 'reading', mp, len, unreached);
    checkDeviceReadOwners(this, mp, off, reachedPhys);
    checkDeviceRead(this, mp, off, len, actual, expected, cmp);
  }

  /**
   * The device uses a handle after its unmap: the access goes through
   * whatever the translation still holds. Nothing is promised about it, so
   * nothing is checked here; the trace says where it landed, and what it
   * wrote is the old buffer's data wherever it went.
   */
  private deviceAfterUnmap(name: string, offset: number | undefined, size: number | undefined, fill: Fill | undefined): void {
    const mp = this.mappings.get(name)!;
    const what = fill === undefined ? 'device read' : 'device write';
    if (mp.dma.length === 0) {
      this.line(`${what} ${name} after unmap: skipped, the mapping failed`);
      return;
    }
    const off = offset ?? 0;
    const len = size ?? mp.size - off;
    const data = fill === undefined ? this.scratch(SLOT.actual, len) : this.pattern(fill, len);
    const landed: string[] = [];
    let faulted = 0;
    for (const d of this.dmaPieces(mp, off, len)) {
      const dma = this.m.dma(mp.device);
      const r = fill === undefined ? dma.readInto(d.addr, data, d.at, d.size) : dma.write(d.addr, data.subarray(d.at, d.at + d.size));
      for (const p of r.pieces) {
        landed.push(range(p.phys, p.length));
        if (fill === undefined) continue;
        for (const b of this.pieces(mp, off, len)) {
          const from = Math.max(d.at + p.offset, b.at);
          const to = Math.min(d.at + p.offset + p.length, b.at + b.size);
          if (from < to) this.m.provenance.mark(p.phys + (from - d.at - p.offset), to - from, this.ownerOf(b.buffer));
        }
      }
      faulted += r.faults.reduce((n, f) => n + f.length, 0);
    }
    const where = landed.length === 0 ? 'nothing reached' : `reached ${landed.join(' ')}`;
    this.line(`${what} ${name}[${hex(off)}..+${hex(len)}] after unmap: ${where}${faulted > 0 ? `, ${faulted} bytes faulted` : ''}${fill === undefined ? '' : ` ${bytesText(data)}`}`);
    this.note(`the device used "${name}" after its unmap: ${landed.length === 0 ? 'the IOMMU stopped every byte' : `${len - faulted} bytes went through`}`);
    this.flushEvents();
  }

  private deviceWrite(name: string, offset: number | undefined, size: number | undefined, fill: Fill): void {
    const mp = this.liveMapping(name, 'device_write');
    if (mp === undefined) return;
    const off = offset ?? 0;
    const len = size ?? mp.size - off;
    const data = this.pattern(fill, len);
    const assumed = this.assumesOneRange(mp);
    let landed = 0;
    let faults = 0;
    let privateBytes = 0;
    const landedPhys: Array<{ at: number; length: number; phys: number }> = [];
    const buffers = this.pieces(mp, off, len);
    for (const d of assumed ? this.oneRange(mp, off, len) : this.dmaPieces(mp, off, len)) {
      const r = this.m.dma(mp.device).write(d.addr, data.subarray(d.at, d.at + d.size));
      for (const p of r.pieces) {
        landed += p.length;
        landedPhys.push({ at: d.at + p.offset, length: p.length, phys: p.phys });
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
    if (assumed) {
      // Where the bytes landed is not where the driver meant them to: what the mapping holds is open.
      for (const p of this.pieces(mp, off, len)) this.idealOf(p.buffer).dev.undefine(p.offset, p.offset + p.size);
      this.line(`device write ${name}[${hex(off)}..+${hex(len)}] as one range from ${hex(mp.dma[0]!.addr)} ${faults > 0 ? `(${faults} faults) ` : ''}${bytesText(data)}`);
      this.flushEvents();
      checkPrivateAccess(this, 'writing', mp, len, privateBytes);
      checkAssumedRange(this, 'writing', mp, off, len, { actual: data, expected: data, cmp: undefined, unreached: len - landed, reached: landedPhys });
      return;
    }
    if (writable) {
      for (const p of this.pieces(mp, off, len)) {
        const ib = this.idealOf(p.buffer);
        ib.dev.write(p.offset, data.subarray(p.at, p.at + p.size));
        // Coherent memory: the CPU sees what its allocating device wrote at once.
        if (ib.coherent && mp.kind === 'coherent') {
          ib.cpu.write(p.offset, data.subarray(p.at, p.at + p.size));
          continue;
        }
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


const ENXIO = 6;
const ENOMEM = 12;

/** errno names for trace lines. */
const ERRNO_NAMES: Record<number, string> = { 6: 'ENXIO', 12: 'ENOMEM', 14: 'EFAULT', 16: 'EBUSY', 19: 'ENODEV', 22: 'EINVAL' };

/** IOMMU permissions a driver asks for a direction. */
function iommuProt(dir: dma_data_direction): number {
  if (dir === DMA_TO_DEVICE) return IOMMU_READ;
  if (dir === DMA_FROM_DEVICE) return IOMMU_WRITE;
  return IOMMU_READ | IOMMU_WRITE;
}

/** How a map step names a device other than the default one, in its trace line. */
function onDevice(name: string): string {
  return name === DEFAULT_DEVICE_NAME ? '' : ` on ${name}`;
}

/** The pages of the bounce pool buffers a map call took, as physical [start, end) ranges. */
function pooledPages(m: Machine, events: MachineEvent[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const pageSize = m.platform.pageSize;
  for (const e of events) {
    if (e.t !== 'bounce_slot' || (e.op !== 'take-fresh' && e.op !== 'take-cached')) continue;
    const slot = m.bounceSlots.slotAt(e.phys, pageSize);
    if (slot === undefined) continue;
    for (const p of slot.pages) {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev[1] === p) prev[1] = p + pageSize;
      else out.push([p, p + pageSize]);
    }
  }
  return out;
}

function bounceSlots(events: MachineEvent[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const e of events) if (e.t === 'swiotlb_map') out.push([e.index, e.nslots]);
  return out;
}

