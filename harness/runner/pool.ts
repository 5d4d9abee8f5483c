// Running many cases on a pool of worker threads (piscina), one case per
// task, at most one task per worker at a time. A worker says in shared
// memory when it starts a case (a fresh worker first loads the variants);
// a watchdog aborts a case that has run past its budget since, which stops
// its worker (piscina starts a fresh one), and the case becomes a `timeout`
// cell: a variant that never returns costs one cell per case that hangs and
// nothing else. Results come back in case order whatever the worker count
// or scheduling.
//
// A CasePool keeps its workers between runs (the benchmark measures warm
// workers that way); runCases() is one pool for one run.

import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import type { Scenario } from '../fixtures/scenario.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';
import { compiledFile, projectRoot } from '../paths.js';
import type { CaseTask, WorkerInit } from './worker.js';

export interface CasePlan {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
  /** [scenario index, variant index] pairs, in report order. */
  cases: Array<[number, number]>;
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
  const filename = compiledFile(join(projectRoot, 'harness', 'runner', 'worker.ts'));
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

/** A case handed to a worker, as the watchdog sees it. */
interface Running {
  started: Int32Array;
  /** When the watchdog first saw it started. */
  since: number | undefined;
  abort: AbortController;
}

/** Worker threads that know a plan's scenarios and variants and run any of its cases, run after run. */
export class CasePool {
  readonly workers: number;
  private readonly timeoutMs: number;
  private readonly pool: Piscina;

  constructor(
    private readonly plan: Omit<CasePlan, 'cases'>,
    options: Omit<PoolOptions, 'onProgress'> = {},
  ) {
    this.workers = Math.max(1, options.workers ?? defaultWorkers());
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const init: WorkerInit = { scenarios: plan.scenarios, variants: plan.variants };
    this.pool = new Piscina({
      filename: workerEntry(),
      workerData: init,
      minThreads: this.workers,
      maxThreads: this.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      resourceLimits: WORKER_LIMITS,
    });
  }

  /** The cases [scenario index, variant index], results in the same order. */
  async run(cases: ReadonlyArray<[number, number]>, onProgress?: (done: number, total: number) => void): Promise<CaseResult[]> {
    const oneAtATime = pLimit(this.workers);
    const running = new Set<Running>();
    const watchdog = setInterval(() => {
      const now = performance.now();
      for (const r of running) {
        if (Atomics.load(r.started, 0) === 0) continue;
        r.since ??= now;
        if (now - r.since > this.timeoutMs) r.abort.abort();
      }
    }, WATCHDOG_MS);
    let done = 0;
    try {
      return await Promise.all(
        cases.map(([scenario, variant]) =>
          oneAtATime(() => this.runOne(scenario, variant, running)).then((r) => {
            onProgress?.(++done, cases.length);
            return r;
          }),
        ),
      );
    } finally {
      clearInterval(watchdog);
    }
  }

  private async runOne(scenario: number, variant: number, running: Set<Running>): Promise<CaseResult> {
    const r: Running = { started: new Int32Array(new SharedArrayBuffer(4)), since: undefined, abort: new AbortController() };
    running.add(r);
    try {
      const task: CaseTask = { scenario, variant, started: r.started };
      return (await this.pool.run(task, { signal: r.abort.signal })) as CaseResult;
    } catch (e) {
      if (!(e instanceof Error && e.name === 'AbortError')) throw e;
      const fixture = this.plan.scenarios[scenario]!.id;
      const id = this.plan.variants[variant]!.meta.id;
      return { id: caseId(fixture, id), fixture, variant: id, status: 'timeout', budget_ms: this.timeoutMs };
    } finally {
      running.delete(r);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
