// The benchmark (`npm run bench`; not part of the tests). Every figure comes
// from this one run, so ratios between them are meaningful on a noisy machine:
//
//   - cases per second on the standard corpus once the code is warm (V8 has
//     compiled every variant's functions, which takes a few seconds), each
//     warmed up on its own, then all measured taking turns, slice by slice,
//     so that every ratio between them is of one machine (whose speed moves
//     by several percent within a minute), each in a child process of its
//     own: the main thread's sequential loop; a worker pool with one worker
//     and with all cores; the one-worker pool pinned to one core (taskset),
//     to each core in turn, so that the main thread and V8's own threads
//     share that core with the worker rather than use a free one. The
//     speed-up on all cores is given over this (the usual definition: the
//     same program on one core and on all of them), over one worker, and
//     over the main thread's loop, which has no pool to pay for. With each,
//     the cores it kept busy;
//   - in the same turns, what the machine gives without a pool's costs: the
//     main thread's loop in one child process per core, all at once (work
//     that shares nothing), and workers that run the cases and send nothing
//     back (bench/discard-worker.ts), each over the main thread's rate;
//   - a cold run: the corpus on all cores from a fresh pool, start-up
//     included, which is what one `run` costs;
//   - what reading a result costs the main thread (results arrive as bytes
//     and are decoded when first read, see harness/runner/record.ts);
//   - how the time grows when the corpus is doubled and quadrupled
//     (renamed copies of every fixture), on the warm pool;
//   - peak memory of the whole run;
//   - memory held by a case that maps a buffer of 1 MiB, 64 MiB and 1 GiB
//     without touching it.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureFiles, loadFixtures } from '../harness/fixtures/load.js';
import type { Scenario } from '../harness/fixtures/scenario.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM } from '../harness/machine/platform.js';
import { DMA_TO_DEVICE } from '../harness/machine/dma.js';
import { corpusDir, reportsDir } from '../harness/paths.js';
import { executeScenario } from '../harness/run/execute.js';
import { runCase } from '../harness/runner/run-case.js';
import { Piscina } from 'piscina';
import { CasePool, runCases, WORKER_LIMITS, type CasePlan } from '../harness/runner/pool.js';
import { fixtureEnds } from '../harness/runner/share.js';
import type { WorkerInit } from '../harness/runner/worker.js';
import type { DiscardTask } from './discard-worker.js';
import { loadVariants, readVariantMetas, type Variant } from '../harness/variants/registry.js';

/** A full collection in this thread (the benchmark runs with --expose-gc); a test of memory only: it also shrinks the young generation. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function medianOf(xs: number[]): number {
  return xs.sort((a, b) => a - b)[xs.length >> 1]!;
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** The corpus once in this thread, as the sequential loop runs it: how many cases. */
function mainThreadRound(scenarios: Scenario[], variants: Variant[]): number {
  for (const s of scenarios) for (const v of variants) runCase(s, v);
  return scenarios.length * variants.length;
}

/** The corpus `copies` times over, each copy under new fixture ids. */
function copies(scenarios: Scenario[], n: number): Scenario[] {
  return Array.from({ length: n }, (_, k) => scenarios.map((s) => ({ ...s, id: `${s.id}+copy${k}` }))).flat();
}

/** Every case of the first `n` scenarios. */
function casesOf(n: number, variants: number): Array<[number, number]> {
  const cases: Array<[number, number]> = [];
  for (let f = 0; f < n; f++) for (let v = 0; v < variants; v++) cases.push([f, v]);
  return cases;
}

async function timed(pool: CasePool, cases: Array<[number, number]>): Promise<{ cases: number; seconds: number }> {
  const t0 = performance.now();
  const results = await pool.run(cases);
  const bad = results.filter((r) => r.status !== 'ok');
  if (bad.length > 0) throw new Error(`${bad.length} cases did not finish`);
  return { cases: cases.length, seconds: secondsSince(t0) };
}

interface Measure {
  cases: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * Run `round` (which says how many cases it ran) over and over for at least
 * `seconds`. `cpuSeconds` is what the whole process used meanwhile (every
 * thread: workers, the main thread, V8's collector and compiler threads),
 * which says how many cores were busy.
 */
async function rounds(round: () => number | Promise<number>, seconds: number): Promise<Measure> {
  let n = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  do n += await round();
  while (secondsSince(t0) < seconds);
  const cpu = process.cpuUsage(cpu0);
  return { cases: n, seconds: secondsSince(t0), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Something measured taking turns: run for at least `seconds`, and say what it did. */
type Contender = (seconds: number) => Promise<Measure>;

/**
 * Each contender in turn for a slice of `slice` seconds, `turns` times over,
 * each turn starting one further along: every contender sees the same
 * machine, whose speed moves by several percent within a minute (the others
 * wait meanwhile, their workers idle). The sum of each one's slices.
 */
async function takeTurns(contenders: readonly Contender[], turns: number, slice: number): Promise<Measure[]> {
  const sums = contenders.map(() => ({ cases: 0, seconds: 0, cpuSeconds: 0 }));
  for (let t = 0; t < turns; t++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = (t + k) % contenders.length;
      const m = await contenders[c]!(slice);
      sums[c]!.cases += m.cases;
      sums[c]!.seconds += m.seconds;
      sums[c]!.cpuSeconds += m.cpuSeconds;
    }
  }
  return sums;
}

/** Run `cases` on the pool over and over for at least `seconds` (see rounds). */
async function repeatedly(pool: CasePool, cases: Array<[number, number]>, seconds: number): Promise<Measure> {
  return rounds(async () => (await timed(pool, cases)).cases, seconds);
}

/**
 * Microseconds a result costs the main thread when every field of it is read
 * (as building a report does): results arrive as bytes, decoded on first read.
 */
async function readCost(pool: CasePool, cases: Array<[number, number]>): Promise<number> {
  const once = async (): Promise<number> => {
    const results = await pool.run(cases);
    const t0 = performance.now();
    let items = 0;
    for (const r of results) {
      if (r.status !== 'ok') continue;
      items += r.verdict.length + r.violations.length + r.notes.length + Object.keys(r.costs).length + r.trace.length + r.final.ptes.length;
    }
    if (items === 0) throw new Error('no results');
    return ((performance.now() - t0) * 1000) / results.length;
  };
  // The collector's state moves a single measure by half; the median of five does not.
  const us: number[] = [];
  for (let k = 0; k < 5; k++) us.push(await once());
  return medianOf(us);
}

/** The corpus from a fresh pool on all cores, start-up included. */
async function cold(scenarios: Scenario[], metas: CasePlan['variants'], workers: number): Promise<{ cases: number; seconds: number }> {
  const cases = casesOf(scenarios.length, metas.length);
  const t0 = performance.now();
  const results = await runCases({ scenarios, variants: metas, cases }, { workers, timeoutMs: 10_000 });
  if (results.some((r) => r.status !== 'ok')) throw new Error('a case did not finish');
  return { cases: cases.length, seconds: secondsSince(t0) };
}

/** Memory (heap and array buffers) a live case holds at its end, after mapping a `size`-byte buffer and reading 64 bytes of it. */
function mappedBufferMemory(size: number, variant: Variant): number {
  const scenario: Scenario = {
    id: `map-${size}`,
    file: undefined,
    question: 'How much memory does mapping a large buffer cost?',
    platform: DEFAULT_PLATFORM,
    device: { ...DEFAULT_DEVICE, coherent: false, untrusted: false },
    contract: { fromDeviceUntouched: 'undefined' },
    buffers: new Map([['big', { name: 'big', phys: 0x1_0000_0000, size, fill: { counter: 0 } }]]),
    steps: [
      { op: 'cpu_write', path: '/steps/0', buffer: 'big', offset: size - 64, size: 64, fill: { byte: 1 } },
      { op: 'map_page', path: '/steps/1', handle: 'h', buffer: 'big', offset: 0, size, dir: DMA_TO_DEVICE, attrs: 0 },
      { op: 'device_read', path: '/steps/2', handle: 'h', offset: size - 64, size: 64 },
    ],
    expect: {},
  };
  const used = (): number => {
    collectGarbage();
    const u = process.memoryUsage();
    return u.heapUsed + u.arrayBuffers;
  };
  const before = used();
  let during = 0;
  const outcome = executeScenario(scenario, variant.ops, () => {
    during = used();
  });
  if (outcome.verdict.length !== 0) throw new Error('the mapping case did not run cleanly');
  return during - before;
}

/** The CPUs this process may run on, from the kernel's list ("0-1", "2,4-5"). */
function allowedCpus(): number[] | undefined {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (list === null) return undefined;
    return list[1]!.split(',').flatMap((part) => {
      const [lo, hi = lo] = part.split('-').map(Number) as [number, number?];
      return Array.from({ length: hi! - lo + 1 }, (_, k) => lo + k);
    });
  } catch {
    return undefined;
  }
}

/**
 * What a child process of this benchmark measures, a slice at a time (see
 * child()): the main thread's loop, a pool of n workers, or n workers that
 * send nothing back.
 */
type Served = 'main-thread' | `pool:${number}` | `discarding:${number}`;
const SERVE_FLAG = '--serve';

/** A child process that measures when asked; close() lets it go. */
interface Child {
  measure: Contender;
  close: () => void;
}

/**
 * This benchmark in a child process that measures `what` for as long as it
 * is asked, whenever it is asked, so that it can take turns with what this
 * process measures. `command` starts it (taskset, to pin it to a core);
 * rejects when it cannot be started.
 */
function child(what: Served, command: string[] = []): Promise<Child> {
  const node = [process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), SERVE_FLAG, what];
  const [file, ...args] = [...command, ...node];
  const proc = spawn(file!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const measure = (seconds: number): Promise<Measure> =>
    new Promise((resolve, reject) => {
      const exited = (code: number | null): void => reject(new Error(`the child measuring ${what} exited (${code})`));
      proc.once('exit', exited);
      proc.once('message', (m) => {
        proc.off('exit', exited);
        resolve(m as Measure);
      });
      proc.send({ seconds });
    });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    proc.once('message', () => resolve({ measure, close: () => proc.disconnect() }));
  });
}

/**
 * A one-worker pool in a child process pinned to each core this process may
 * use (taskset, Linux's, from util-linux), so that the main thread and V8's
 * own threads share that core with the worker; one on each core, measured
 * one at a time, because the cores of a shared machine are not equally
 * fast (14,535 and 16,041 cases a second on the first and the second core
 * in one run). Or why there are none.
 */
async function pinnedChildren(cores: number): Promise<Child[] | { skipped: string }> {
  if (cores === 1) return { skipped: 'this process has one core only: the pool on all cores is the pool on one' };
  const cpus = allowedCpus();
  if (cpus === undefined) return { skipped: 'no /proc/self/status to read the allowed cores from' };
  try {
    return await Promise.all(cpus.slice(0, cores).map((cpu) => child('pool:1', ['taskset', '-c', String(cpu)])));
  } catch (e) {
    return { skipped: `taskset failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Measures of one thing taken in several processes, one at a time: their cases over their time. */
function together(measures: readonly Measure[]): Measure {
  const sum = (f: (m: Measure) => number): number => measures.reduce((total, m) => total + f(m), 0);
  return { cases: sum((m) => m.cases), seconds: sum((m) => m.seconds), cpuSeconds: sum((m) => m.cpuSeconds) };
}

/** `children` measuring at once: work that shares nothing but the machine. The cases of all over their mean time. */
function sideBySide(children: readonly Child[]): Contender {
  return async (seconds) => {
    const all = await Promise.all(children.map((c) => c.measure(seconds)));
    const sum = (f: (m: Measure) => number): number => all.reduce((total, m) => total + f(m), 0);
    return { cases: sum((m) => m.cases), seconds: sum((m) => m.seconds) / all.length, cpuSeconds: sum((m) => m.cpuSeconds) };
  };
}

/** `workers` threads that run their share of `cases` and send no result back: round() runs them all once. */
function discardingPool(init: WorkerInit, cases: Array<[number, number]>, workers: number): { round: () => Promise<number>; close: () => Promise<void> } {
  const pool = new Piscina({
    filename: join(dirname(fileURLToPath(import.meta.url)), 'discard-worker.js'),
    workerData: init,
    minThreads: workers,
    maxThreads: workers,
    resourceLimits: WORKER_LIMITS,
  });
  const flat = new Int32Array(new SharedArrayBuffer(cases.length * 2 * 4));
  cases.forEach(([f, v], k) => flat.set([f, v], 2 * k));
  const ends = fixtureEnds((k) => cases[k]![0], cases.length);
  const round = async (): Promise<number> => {
    const task: DiscardTask = { cases: flat, ends, tasks: workers, next: new Int32Array(new SharedArrayBuffer(4)) };
    const ran = (await Promise.all(Array.from({ length: workers }, () => pool.run(task) as Promise<number>))).reduce((a, b) => a + b, 0);
    if (ran !== cases.length) throw new Error(`${ran} of ${cases.length} cases ran`);
    return ran;
  };
  return { round, close: () => pool.destroy() };
}

const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
const metas = await readVariantMetas();

const WARM_UP_SECONDS = 8;
/** Every warm rate is measured taking turns: TURNS slices of SLICE_SECONDS each. */
const TURNS = 10;
const SLICE_SECONDS = 1;
/** The main thread's loop before the memory measures. */
const MEMORY_WARM_UP_SECONDS = 4;

// Each pool holds 64 renamed copies of the corpus; rates are measured on 16 of them.
const big = copies(scenarios, 64);
const x1Cases = casesOf(16 * scenarios.length, metas.length);
const variants = await loadVariants();
const cores = availableParallelism();

const served = process.argv.includes(SERVE_FLAG) ? (process.argv[process.argv.indexOf(SERVE_FLAG) + 1] as Served) : undefined;
if (served !== undefined) {
  // A child (see child()): measure a slice whenever asked, until the parent lets go.
  const [kind, n] = served.split(':') as [string, string | undefined];
  const workers = Number(n);
  let measure: Contender;
  let close = async (): Promise<void> => {};
  if (kind === 'pool') {
    const pool = new CasePool({ scenarios: big, variants: metas }, { workers, timeoutMs: 10_000 });
    measure = (seconds) => repeatedly(pool, x1Cases, seconds);
    close = () => pool.close();
  } else if (kind === 'discarding') {
    const pool = discardingPool({ scenarios: big, variants: metas }, x1Cases, workers);
    measure = (seconds) => rounds(pool.round, seconds);
    close = pool.close;
  } else {
    measure = (seconds) => rounds(() => mainThreadRound(scenarios, variants), seconds);
  }
  process.on('message', (m: { seconds: number }) => void measure(m.seconds).then((measured) => process.send!(measured)));
  process.send!('ready');
  await new Promise((resolve) => process.once('disconnect', resolve));
  await close();
  process.exit(0);
}

// First, while this process holds nothing else (no pool, no child, no
// results), once the code is warm here: cold, V8 allocates type feedback
// and code while the case runs, and a measure reads 30 to 170 KiB.
const base = variants.find((v) => v.meta.parent === null)!;
await rounds(() => mainThreadRound(scenarios, variants), MEMORY_WARM_UP_SECONDS);
mappedBufferMemory(2 ** 20, base);
// One measure moves by a few hundred KiB either way with what the collector
// happens to keep (caches, maps being resized); the median of seven does not.
const heap = [2 ** 20, 2 ** 26, 2 ** 30].map((size) => ({
  size,
  bytes: medianOf(Array.from({ length: 7 }, () => mappedBufferMemory(size, base))),
}));

const coldRun = await cold(scenarios, metas, cores);

// Every warm rate, each in a child process of its own (so that none shares a
// heap or V8's threads with another: the main thread's loop, run in this
// process, collected the pools' results and ran a tenth slower), each warmed
// up on its own, then all measured taking turns: the main thread's loop (in
// each of `cores` processes, one at a time: one process's compiled code can
// run a few percent faster or slower than another's), the pool with one
// worker and with every core, workers that send nothing back, the one-worker
// pool pinned to each core in turn, and the main thread's loops side by side.
const loops = await Promise.all(Array.from({ length: cores }, () => child('main-thread')));
const pools = await Promise.all([child('pool:1'), child(`pool:${cores}`), child(`discarding:${cores}`)]);
const pinnedPools = await pinnedChildren(cores);
const pinnedList = 'skipped' in pinnedPools ? [] : pinnedPools;
const contenders: Contender[] = [...pools.map((c) => c.measure), sideBySide(loops), ...loops.map((c) => c.measure), ...pinnedList.map((c) => c.measure)];
for (const measure of contenders) await measure(WARM_UP_SECONDS);
const measured = await takeTurns(contenders, TURNS, SLICE_SECONDS);
const [one, all, discarded, apart] = measured as [Measure, Measure, Measure, Measure];
const seqEach = measured.slice(4, 4 + cores);
const pinnedEach = measured.slice(4 + cores);
const seq = together(seqEach);
const pinned: Measure | { skipped: string } = 'skipped' in pinnedPools ? pinnedPools : together(pinnedEach);
for (const c of [...loops, ...pools, ...pinnedList]) c.close();

// Growth and the cost of reading results, on a warm pool in this process.
const allPool = new CasePool({ scenarios: big, variants: metas }, { workers: cores, timeoutMs: 10_000 });
await repeatedly(allPool, x1Cases, WARM_UP_SECONDS);
// The corpus x1, x2, x4, five times each in turn: the median time of each.
const sizes = [16, 32, 64].map((n) => casesOf(n * scenarios.length, metas.length));
const times: number[][] = sizes.map(() => []);
for (let k = 0; k < 5; k++) for (const [i, cases] of sizes.entries()) times[i]!.push((await timed(allPool, cases)).seconds);
const [x1, x2, x4] = times.map((ts) => ({ seconds: medianOf(ts) })) as [{ seconds: number }, { seconds: number }, { seconds: number }];
const readUs = await readCost(allPool, x1Cases);
await allPool.close();
/** A figure of the pinned run, or null when there was none. */
const ifPinned = (figure: (run: Measure) => number): number | null => ('skipped' in pinned ? null : figure(pinned));
const peakRss = process.resourceUsage().maxRSS * 1024;

const rate = (r: { cases: number; seconds: number }): number => r.cases / r.seconds;
const figures = {
  corpus: { fixtures: scenarios.length, variants: variants.length, cases: scenarios.length * variants.length },
  cores,
  warm_up_seconds: WARM_UP_SECONDS,
  cold_corpus_all_cores_seconds: Number(coldRun.seconds.toFixed(2)),
  main_thread_cases_per_second: Math.round(rate(seq)),
  main_thread_each_process_cases_per_second: seqEach.map((m) => Math.round(rate(m))),
  pool_1_worker_cases_per_second: Math.round(rate(one)),
  pool_all_cores_cases_per_second: Math.round(rate(all)),
  speedup_all_cores_over_1_worker: Number((rate(all) / rate(one)).toFixed(2)),
  // Over the sequential run in this thread, which has no pool to pay for.
  speedup_all_cores_over_main_thread: Number((rate(all) / rate(seq)).toFixed(2)),
  // What the machine gives without a pool's costs, and over the main thread.
  side_by_side_cases_per_second: Math.round(rate(apart)),
  side_by_side_over_main_thread: Number((rate(apart) / rate(seq)).toFixed(2)),
  pool_discarding_results_cases_per_second: Math.round(rate(discarded)),
  pool_discarding_results_over_main_thread: Number((rate(discarded) / rate(seq)).toFixed(2)),
  // The pool on one core (pinned), and the speed-up over it; null when it could not be measured.
  pool_1_core_cases_per_second: ifPinned((p) => Math.round(rate(p))),
  pool_1_core_each_core_cases_per_second: pinnedEach.map((m) => Math.round(rate(m))),
  speedup_all_cores_over_1_core: ifPinned((p) => Number((rate(all) / rate(p)).toFixed(2))),
  one_core_skipped: 'skipped' in pinned ? pinned.skipped : undefined,
  // Cores the process kept busy, and CPU time per case over all its threads.
  cores_busy: {
    pool_1_worker: Number((one.cpuSeconds / one.seconds).toFixed(2)),
    pool_all_cores: Number((all.cpuSeconds / all.seconds).toFixed(2)),
    pool_1_core: ifPinned((p) => Number((p.cpuSeconds / p.seconds).toFixed(2))),
  },
  cpu_us_per_case: {
    pool_1_worker: Number(((one.cpuSeconds * 1e6) / one.cases).toFixed(1)),
    pool_all_cores: Number(((all.cpuSeconds * 1e6) / all.cases).toFixed(1)),
    pool_1_core: ifPinned((p) => Number(((p.cpuSeconds * 1e6) / p.cases).toFixed(1))),
  },
  main_thread_us_to_read_a_result: Number(readUs.toFixed(1)),
  growth: { x1_seconds: x1.seconds, x2_over_x1: Number((x2.seconds / x1.seconds).toFixed(2)), x4_over_x1: Number((x4.seconds / x1.seconds).toFixed(2)) },
  peak_rss_mib: Number((peakRss / 2 ** 20).toFixed(1)),
  mapped_buffer_heap_kib: heap.map((h) => ({ buffer_mib: h.size / 2 ** 20, held_kib: Number((h.bytes / 1024).toFixed(1)) })),
};

const lines = [
  `corpus: ${figures.corpus.fixtures} fixtures x ${figures.corpus.variants} variants = ${figures.corpus.cases} cases; ${cores} cores`,
  `cold run, all cores:    ${figures.cold_corpus_all_cores_seconds} s for the corpus, worker start-up included`,
  `(warm figures below: each after ${WARM_UP_SECONDS} s of warm-up of its own, then all taking turns, ${TURNS} slices of ${SLICE_SECONDS} s each)`,
  `main thread:            ${figures.main_thread_cases_per_second} cases/s (the sequential loop; in ${cores} processes, one at a time: ${figures.main_thread_each_process_cases_per_second.join(', ')})`,
  `pool, 1 worker:         ${figures.pool_1_worker_cases_per_second} cases/s (${one.cases} cases)`,
  'skipped' in pinned
    ? `pool, 1 core:           not measured (${pinned.skipped})`
    : `pool, 1 core:           ${figures.pool_1_core_cases_per_second} cases/s (1 worker, the process pinned to one core; on each core in turn: ${figures.pool_1_core_each_core_cases_per_second.join(', ')})`,
  `pool, ${cores} workers:        ${figures.pool_all_cores_cases_per_second} cases/s (speed-up ${figures.speedup_all_cores_over_1_core ?? '-'} over 1 core, ${figures.speedup_all_cores_over_1_worker} over 1 worker, ${figures.speedup_all_cores_over_main_thread} over the main thread)`,
  `without a pool's costs: ${figures.side_by_side_cases_per_second} cases/s from ${cores} processes side by side, each the main thread's loop (${figures.side_by_side_over_main_thread}x the main thread); ${figures.pool_discarding_results_cases_per_second} cases/s from ${cores} workers that send no result back (${figures.pool_discarding_results_over_main_thread}x)`,
  `cores kept busy:        ${figures.cores_busy.pool_1_worker} with 1 worker, ${figures.cores_busy.pool_all_cores} with ${cores} workers, ${figures.cores_busy.pool_1_core ?? '-'} pinned to 1 core (CPU per case over every thread: ${figures.cpu_us_per_case.pool_1_worker}, ${figures.cpu_us_per_case.pool_all_cores} and ${figures.cpu_us_per_case.pool_1_core ?? '-'} us)`,
  `reading a result:       ${figures.main_thread_us_to_read_a_result} us on the main thread for every field (median of 5; results arrive as bytes, decoded on first read)`,
  `corpus x2, x4:          ${figures.growth.x2_over_x1}x and ${figures.growth.x4_over_x1}x the time of the corpus x1 (${x1.seconds.toFixed(2)} s for 16 copies; medians of 5)`,
  `peak RSS:               ${figures.peak_rss_mib} MiB (this process, which holds a pool of ${cores} workers and the results of its runs; not its children)`,
  `memory a live case holds after mapping a 1 MiB / 64 MiB / 1 GiB buffer (median of 7): ${figures.mapped_buffer_heap_kib.map((h) => `${h.held_kib} KiB`).join(' / ')}`,
];
process.stdout.write(lines.join('\n') + '\n');
await mkdir(reportsDir, { recursive: true });
await writeFile(join(reportsDir, 'bench.json'), JSON.stringify(figures, null, 1) + '\n');
