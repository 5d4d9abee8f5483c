// The benchmark of running cases (`npm run bench`; not part of the tests).
// Every figure comes from this one run, so that ratios between them are of
// one machine (a shared machine's speed moves by several percent within a
// minute):
//
//   - a cold run: the corpus on every core from a fresh pool, start-up
//     included, which is what one `run` costs;
//   - cases per second once the code is warm (V8 keeps compiling the
//     variants' functions for seconds): the main thread's sequential loop,
//     a pool of one worker and a pool of one worker per core, taking turns
//     slice by slice; the speed-up of the full pool over one worker;
//   - peak memory of the process;
//   - memory a live case holds after mapping a buffer of 1 MiB, 64 MiB and
//     1 GiB without touching it.
//
// `npm run bench:start -- --against DIR` compares the wall time of `run`
// with another checkout (bench/start.ts).

import { writeFile, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fixtureFiles, loadFixtures } from '../harness/fixtures/load.js';
import { NO_ASSUMPTIONS, type Scenario } from '../harness/fixtures/scenario.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM } from '../harness/machine/platform.js';
import { DMA_TO_DEVICE } from '../harness/machine/dma.js';
import { Workspace } from '../harness/machine/workspace.js';
import { corpusDir, reportsDir } from '../harness/paths.js';
import { executeScenario } from '../harness/run/execute.js';
import { runCase } from '../harness/runner/run-case.js';
import { CasePool, runCases } from '../harness/runner/pool.js';
import { loadVariants, readVariantMetas, type Variant } from '../harness/variants/registry.js';

const WARM_SECONDS = 8;
const SLICE_SECONDS = 1;
const TURNS = 6;

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Run `round` (which says how many cases it ran) until `seconds` have passed: cases and seconds. */
async function measure(round: () => number | Promise<number>, seconds: number): Promise<{ cases: number; seconds: number }> {
  let cases = 0;
  const t0 = performance.now();
  do cases += await round();
  while (performance.now() - t0 < seconds * 1000);
  return { cases, seconds: (performance.now() - t0) / 1000 };
}

/** Memory (heap and array buffers) a live case holds at its end, after mapping a `size`-byte buffer and reading 64 bytes of it. */
function mappedBufferMemory(size: number, variant: Variant): number {
  const scenario: Scenario = {
    id: `map-${size}`,
    file: undefined,
    question: 'How much memory does mapping a large buffer cost?',
    platform: DEFAULT_PLATFORM,
    device: { ...DEFAULT_DEVICE, coherent: false, untrusted: false },
    devices: [{ ...DEFAULT_DEVICE, coherent: false, untrusted: false }],
    contract: { fromDeviceUntouched: 'undefined', skipCpuSync: 'driver-syncs' },
    driver: NO_ASSUMPTIONS,
    fail: null,
    buffers: new Map([['big', { name: 'big', phys: 0x1_0000_0000, size, fill: { counter: 0 } }]]),
    steps: [
      { op: 'cpu_write', path: '/steps/0', buffer: 'big', offset: size - 64, size: 64, fill: { byte: 1 } },
      { op: 'map_page', path: '/steps/1', handle: 'h', device: 'dev', buffer: 'big', offset: 0, size, dir: DMA_TO_DEVICE, attrs: 0 },
      { op: 'device_read', path: '/steps/2', handle: 'h', offset: size - 64, size: 64, afterUnmap: false },
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
  const outcome = executeScenario(scenario, variant.kernel, { atEnd: () => (during = used()) });
  if (outcome.verdict.length !== 0) throw new Error('the mapping case did not run cleanly');
  return during - before;
}

async function main(): Promise<void> {
  const metas = await readVariantMetas();
  const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
  const variants = await loadVariants();
  const cases: Array<[number, number]> = [];
  scenarios.forEach((_, f) => variants.forEach((_, v) => cases.push([f, v])));
  const plan = { scenarios, variants: metas };
  const cores = availableParallelism();
  const say = (line: string): void => void process.stdout.write(line + '\n');
  say(`corpus: ${scenarios.length} fixtures x ${variants.length} variants = ${cases.length} cases; ${cores} cores; node ${process.version}`);

  // Cold: a fresh pool on every core, start-up included.
  const t0 = performance.now();
  const cold = await runCases({ ...plan, cases });
  const coldSeconds = (performance.now() - t0) / 1000;
  if (cold.some((r) => r.status !== 'ok')) throw new Error('a corpus case did not finish');
  say(`cold run on ${cores} workers: ${coldSeconds.toFixed(2)} s`);

  // Warm: each contender warmed up on its own, then all of them taking turns.
  const workspace = new Workspace();
  const loop = (): number => {
    for (const s of scenarios) for (const v of variants) runCase(s, v, { workspace });
    return cases.length;
  };
  const one = new CasePool(plan, { workers: 1 });
  const all = new CasePool(plan, { workers: cores });
  const contenders: Array<[string, () => number | Promise<number>]> = [
    ['main thread loop', loop],
    ['pool, 1 worker', async () => (await one.run(cases)).length],
    [`pool, ${cores} workers`, async () => (await all.run(cases)).length],
  ];
  for (const [, round] of contenders) await measure(round, WARM_SECONDS);
  const totals = contenders.map(() => ({ cases: 0, seconds: 0 }));
  for (let t = 0; t < TURNS; t++) {
    for (const [i, [, round]] of contenders.entries()) {
      const m = await measure(round, SLICE_SECONDS);
      totals[i]!.cases += m.cases;
      totals[i]!.seconds += m.seconds;
    }
  }
  await one.close();
  await all.close();
  const rates = totals.map((t) => t.cases / t.seconds);
  contenders.forEach(([name], i) => say(`${name}, warm: ${Math.round(rates[i]!)} cases/s`));
  const speedup = rates[2]! / rates[1]!;
  say(`speed-up of ${cores} workers over 1: ${speedup.toFixed(2)}; over the main thread's loop: ${(rates[2]! / rates[0]!).toFixed(2)}`);

  const mapped = [1 << 20, 64 << 20, 1 << 30].map((size) => {
    for (let i = 0; i < 3; i++) mappedBufferMemory(size, variants[0]!);
    return { size, held_kib: Math.round(median(Array.from({ length: 7 }, () => mappedBufferMemory(size, variants[0]!))) / 1024) };
  });
  say(`memory a live case holds after mapping 1 MiB / 64 MiB / 1 GiB: ${mapped.map((m) => `${m.held_kib} KiB`).join(' / ')}`);
  const peak = Math.round(process.resourceUsage().maxRSS / 1024);
  say(`peak RSS: ${peak} MiB`);

  const figures = {
    cores,
    node: process.version,
    cases: cases.length,
    cold_run_seconds: coldSeconds,
    warm_cases_per_second: Object.fromEntries(contenders.map(([name], i) => [name, Math.round(rates[i]!)])),
    speedup_all_over_one_worker: speedup,
    speedup_all_over_main_loop: rates[2]! / rates[0]!,
    peak_rss_mib: peak,
    mapped_buffer_heap_kib: mapped,
  };
  await mkdir(reportsDir, { recursive: true });
  await writeFile(join(reportsDir, 'bench.json'), JSON.stringify(figures, null, 2) + '\n');
  say(`figures: ${join(reportsDir, 'bench.json')}`);
}

await main();
