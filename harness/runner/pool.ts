// Running many cases on a pool of worker threads (piscina). A task is a
// batch of cases, the cases of one fixture on the variants asked for (a
// task per case cost more in messages than the case itself), at most one
// task per worker at a time. A worker says in shared memory which case of
// its batch it has started (a fresh worker first loads the variants); a
// watchdog aborts a batch whose case has run past its budget, which stops
// its worker (piscina starts a fresh one): that case becomes a `timeout`
// cell and the rest of the batch runs again without it. A variant that
// never returns costs one cell per case that hangs and nothing else.
// Results come back in case order whatever the worker count or scheduling.
//
// A CasePool keeps its workers between runs (the benchmark measures warm
// workers that way); runCases() is one pool for one run.
//
// Cases of C variants, whose kernel is native code, run in child processes
// instead (process-pool.ts), after the pool has built their kernels for
// the configurations the scenarios need (ckernel/variant.ts).

import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import type { Scenario } from '../fixtures/scenario.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';
import { compiledFile, projectRoot } from '../paths.js';
import { POSITION_SLOTS, readPosition } from '../run/position.js';
import type { CaseTask, WorkerInit } from './worker.js';
import { configsFor, isCVariant, prepareCVariants } from '../ckernel/variant.js';
import { ProcessPool } from './process-pool.js';

export interface CasePlan {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
  /** [scenario index, variant index] pairs, in report order. */
  cases: Array<[number, number]>;
  /** What the plan left out and why, said once the C variants are built (a bad input found then goes first). */
  notices?: string[];
}

export interface PoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  workers?: number;
  /** Budget for one case, in milliseconds. */
  timeoutMs?: number;
  /** Called as results arrive. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A case allocates a lot that dies young; with the default young generation
 * of a worker, scavenges take a sixth of its time (64 MiB measured 7% faster
 * on one worker, 12% on two).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

export function defaultWorkers(): number {
  return availableParallelism();
}

/** The compiled worker module: worker threads always run the compiled tree. */
function workerEntry(): string {
  const filename = compiledFile(join(projectRoot, 'harness', 'runner', 'worker-main.ts'));
  if (!existsSync(filename)) throw new Error(`${filename} is missing: run npm run build first`);
  return filename;
}

export async function runCases(plan: CasePlan, options: PoolOptions = {}): Promise<CaseResult[]> {
  const pool = new CasePool(plan, options);
  try {
    return await pool.run(plan.cases, options.onProgress);
  } finally {
    await pool.close();
  }
}

/** How often the watchdog looks at the cases running. */
const WATCHDOG_MS = 10;

/** Most cases in one task. */
const BATCH = 32;

/** A batch handed to a worker, as the watchdog sees it. */
interface Running {
  /** [0]: 1 + the index in the batch of the case the worker has started, 0 before; from [1]: where that case is. */
  started: Int32Array;
  /** The value of `started` the watchdog last saw, and when it first saw it. */
  seen: number;
  since: number;
  abort: AbortController;
}

/** Worker threads that know a plan's scenarios and variants and run any of its cases, run after run. */
export class CasePool {
  readonly workers: number;
  private readonly timeoutMs: number;
  private readonly init: WorkerInit;
  /** The worker threads, started at the first run, once the C variants' builds are known to be there: a bad input ends the process with no thread half started. */
  private threads: Piscina | null = null;
  /** The C variants' children, made when a run first has a case of one. */
  private processes: ProcessPool | null = null;
  private builds: Promise<unknown> | null = null;

  constructor(
    private readonly plan: Omit<CasePlan, 'cases'>,
    options: Omit<PoolOptions, 'onProgress'> = {},
  ) {
    this.workers = Math.max(1, options.workers ?? defaultWorkers());
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.init = { scenarios: plan.scenarios, variants: plan.variants };
  }

  private get pool(): Piscina {
    this.threads ??= new Piscina({
      filename: workerEntry(),
      workerData: this.init,
      minThreads: this.workers,
      maxThreads: this.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      resourceLimits: WORKER_LIMITS,
    });
    return this.threads;
  }

  /** Build the C variants' kernels for the scenarios' configurations (bad input: InputError, before any case runs). */
  private async prepareC(cases: ReadonlyArray<[number, number]>): Promise<ProcessPool | null> {
    const cVariants = this.plan.variants.filter((v) => isCVariant(v.meta));
    if (cVariants.length === 0 || !cases.some(([, v]) => isCVariant(this.plan.variants[v]!.meta))) return null;
    this.builds ??= prepareCVariants(cVariants, configsFor(this.plan.scenarios.map((s) => s.platform))).then(() => {
      for (const n of this.plan.notices ?? []) process.stderr.write(`NOTICE: ${n}\n`);
    });
    await this.builds;
    this.processes ??= new ProcessPool(this.plan.variants, this.timeoutMs);
    return this.processes;
  }

  /** The cases [scenario index, variant index], results in the same order. */
  async run(cases: ReadonlyArray<[number, number]>, onProgress?: (done: number, total: number) => void): Promise<CaseResult[]> {
    const processes = await this.prepareC(cases);
    const oneAtATime = pLimit(this.workers);
    const running = new Set<Running>();
    const watchdog = setInterval(() => {
      const now = performance.now();
      for (const r of running) {
        const at = Atomics.load(r.started, 0);
        if (at !== r.seen) {
          r.seen = at;
          r.since = now;
        } else if (at !== 0 && now - r.since > this.timeoutMs) {
          r.abort.abort();
        }
      }
    }, WATCHDOG_MS);
    const results = new Array<CaseResult>(cases.length);
    let done = 0;
    const settle = (indices: readonly number[], out: readonly CaseResult[]): void => {
      indices.forEach((i, k) => (results[i] = out[k]!));
      done += indices.length;
      onProgress?.(done, cases.length);
    };
    const inProcess = (indices: readonly number[]): boolean => processes !== null && isCVariant(this.plan.variants[cases[indices[0]!]![1]]!.meta);
    try {
      await Promise.all(
        batchesOf(cases, (v) => isCVariant(this.plan.variants[v]!.meta)).map((indices) =>
          oneAtATime(() =>
            inProcess(indices)
              ? processes!.run(indices.map((i) => ({ scenario: this.plan.scenarios[cases[i]![0]]!, variant: cases[i]![1] }))).then((out) => settle(indices, out))
              : this.runBatch(cases, indices, running, settle),
          ),
        ),
      );
      return results;
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Run a batch; on a timeout, its case is a timeout cell and the others run again. */
  private async runBatch(
    cases: ReadonlyArray<[number, number]>,
    indices: readonly number[],
    running: Set<Running>,
    settle: (indices: readonly number[], out: readonly CaseResult[]) => void,
  ): Promise<void> {
    let todo = indices;
    while (todo.length > 0) {
      const r: Running = { started: new Int32Array(new SharedArrayBuffer(4 * (1 + POSITION_SLOTS))), seen: 0, since: 0, abort: new AbortController() };
      running.add(r);
      try {
        const task: CaseTask = { cases: todo.map((i) => cases[i]!), started: r.started };
        settle(todo, (await this.pool.run(task, { signal: r.abort.signal })) as CaseResult[]);
        return;
      } catch (e) {
        if (!(e instanceof Error && e.name === 'AbortError')) throw e;
        const hung = Atomics.load(r.started, 0) - 1;
        const i = todo[hung]!;
        const scenario = this.plan.scenarios[cases[i]![0]]!;
        const fixture = scenario.id;
        const variant = this.plan.variants[cases[i]![1]]!.meta.id;
        // Where it was: the worker kept its position in the same shared memory.
        const reached = readPosition(r.started, 1, scenario.steps);
        settle([i], [{ id: caseId(fixture, variant), fixture, variant, status: 'timeout', budget_ms: this.timeoutMs, ...reached }]);
        todo = todo.filter((_, k) => k !== hung);
      } finally {
        running.delete(r);
      }
    }
  }

  async close(): Promise<void> {
    this.processes?.close();
    await this.threads?.destroy();
  }
}

/** Indices of the cases, in batches: consecutive cases of one fixture and one kind of variant (C or not), at most BATCH of them. */
function batchesOf(cases: ReadonlyArray<[number, number]>, isC: (variant: number) => boolean): number[][] {
  const out: number[][] = [];
  cases.forEach(([scenario, variant], i) => {
    const last = out[out.length - 1];
    const first = last === undefined ? undefined : cases[last[0]!]!;
    if (last !== undefined && last.length < BATCH && first![0] === scenario && isC(first![1]) === isC(variant)) last.push(i);
    else out.push([i]);
  });
  return out;
}
