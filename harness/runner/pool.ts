// Running many cases on a pool of worker threads (piscina).
//
// A run gives each worker one task: claim cases from a counter the workers
// share, mostly a fixture at a time (share.ts), until there are none left,
// and send the results back in encoded batches as they come (worker.ts,
// record.ts). The main thread only collects them, so a worker never waits
// for it. Each worker says in shared memory which case it is running; a
// watchdog stops a worker whose case has run past its budget, that case
// becomes a `timeout` cell, and a fresh worker carries on with the counter.
// Cases the stopped worker had finished but not yet sent, or claimed but
// not yet run, are run again, so a variant that never returns costs one
// `timeout` cell per case that hangs and nothing else.
// Results come back in case order whatever the worker count or scheduling.
//
// A CasePool keeps its workers between runs (the benchmark measures warm
// workers that way); runCases() is one pool for one run.

import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Scenario } from '../fixtures/scenario.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';
import { compiledFile, projectRoot } from '../paths.js';
import { BatchReader } from './record.js';
import { fixtureEnds, IDLE, NEXT, RUNNING } from './share.js';
import { DONE, type ResultBatch, type ShareTask, type WorkerInit } from './worker.js';

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
 * of a worker, scavenges take a sixth of its time (measured by the
 * benchmark: 64 MiB is 7% faster on one worker, 12% on two).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

/** How often the watchdog looks at what each worker is running. */
const WATCHDOG_MS = 10;

export function defaultWorkers(): number {
  return availableParallelism();
}

/** The compiled worker module: worker threads always run the compiled tree. */
function workerEntry(): string {
  const filename = compiledFile(join(projectRoot, 'harness', 'runner', 'worker.ts'));
  if (!existsSync(filename)) throw new Error(`${filename} is missing: run npm run build first`);
  return filename;
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export async function runCases(plan: CasePlan, options: PoolOptions = {}): Promise<CaseResult[]> {
  const pool = new CasePool(plan, options);
  try {
    return await pool.run(plan.cases, options.onProgress);
  } finally {
    await pool.close();
  }
}

/** One pass over some of a run's cases: the shared counter and what each worker is running. */
interface Pass {
  /** Indices into the run's cases. */
  indices: number[];
  cases: Int32Array;
  /** Where each case's claim may end at most: see claimEnd() in share.ts. */
  ends: Int32Array;
  state: Int32Array;
}

/** Worker threads that know a plan's scenarios and variants and run any of its cases, run after run. */
export class CasePool {
  private readonly workers: number;
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
  async run(cases: Array<[number, number]>, onProgress?: (done: number, total: number) => void): Promise<CaseResult[]> {
    const total = cases.length;
    const results = new Array<CaseResult | undefined>(total);
    let done = 0;
    const labels = cases.map(([f, v]) => ({ fixture: this.plan.scenarios[f]!.id, variant: this.plan.variants[v]!.meta.id }));
    const settle = (i: number, r: CaseResult): void => {
      if (results[i] === undefined) done++;
      results[i] = r;
    };
    let todo = cases.map((_, i) => i);
    while (todo.length > 0) {
      const pass = this.pass(cases, todo);
      await this.runPass(pass, labels, settle, onProgress === undefined ? undefined : () => onProgress(done, total));
      // Cases a stopped worker had finished but not sent, or claimed but not run, run again.
      todo = todo.filter((i) => results[i] === undefined);
    }
    return results as CaseResult[];
  }

  private pass(cases: Array<[number, number]>, indices: number[]): Pass {
    const flat = new Int32Array(new SharedArrayBuffer(indices.length * 2 * 4));
    indices.forEach((i, k) => {
      flat[2 * k] = cases[i]![0];
      flat[2 * k + 1] = cases[i]![1];
    });
    const state = new Int32Array(new SharedArrayBuffer((RUNNING + this.workers) * 4)).fill(IDLE);
    state[NEXT] = 0;
    return { indices, cases: flat, ends: fixtureEnds((k) => flat[2 * k]!, indices.length), state };
  }

  private async runPass(
    pass: Pass,
    labels: ReadonlyArray<{ fixture: string; variant: string }>,
    settle: (i: number, r: CaseResult) => void,
    progress: (() => void) | undefined,
  ): Promise<void> {
    const slots = Math.min(this.workers, pass.indices.length);
    const aborts: AbortController[] = [];
    const seen = new Array<number>(slots).fill(IDLE);
    const seenAt = new Array<number>(slots).fill(0);
    const watchdog = setInterval(() => {
      const now = performance.now();
      for (let s = 0; s < slots; s++) {
        const running = Atomics.load(pass.state, RUNNING + s);
        if (running !== seen[s]) {
          seen[s] = running;
          seenAt[s] = now;
        } else if (running !== IDLE && now - seenAt[s]! > this.timeoutMs) {
          const i = pass.indices[running]!;
          const { fixture, variant } = labels[i]!;
          settle(i, { id: caseId(fixture, variant), fixture, variant, status: 'timeout', budget_ms: this.timeoutMs });
          progress?.();
          seen[s] = IDLE;
          aborts[s]!.abort();
        }
      }
    }, WATCHDOG_MS);

    const receive = (reader: BatchReader, m: ResultBatch): void => {
      const out = reader.read(
        m.bytes,
        m.indices.map((k) => labels[pass.indices[k]!]!),
      );
      m.indices.forEach((k, j) => settle(pass.indices[k]!, out[j]!));
      progress?.();
    };

    /** One worker's share; a worker stopped for a timeout is replaced and the share goes on. */
    const share = async (slot: number): Promise<void> => {
      for (;;) {
        const { port1, port2 } = new MessageChannel();
        // A task's batches may name traces in its earlier batches: one reader per task.
        const reader = new BatchReader();
        const finished = new Promise<void>((resolve) =>
          port1.on('message', (m: ResultBatch | typeof DONE) => (m === DONE ? resolve() : receive(reader, m))),
        );
        aborts[slot] = new AbortController();
        try {
          const task: ShareTask = { cases: pass.cases, ends: pass.ends, tasks: slots, state: pass.state, slot, port: port2 };
          await this.pool.run(task, { transferList: [port2], signal: aborts[slot].signal });
          await finished;
          return;
        } catch (e) {
          if (!isAbort(e)) throw e;
          Atomics.store(pass.state, RUNNING + slot, IDLE);
          if (Atomics.load(pass.state, NEXT) >= pass.indices.length) return;
        } finally {
          port1.close();
        }
      }
    };

    try {
      await Promise.all(Array.from({ length: slots }, (_, s) => share(s)));
    } finally {
      clearInterval(watchdog);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
