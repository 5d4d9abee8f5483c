// Running many cases on a pool of worker threads (piscina).
//
// Cases go out in batches of a few dozen so that message passing stays
// cheap. A batch that overruns its deadline has its worker terminated; its
// cases are then run again one by one, each with the per-case budget, so a
// variant that never returns costs one `timeout` cell and nothing else.
// Results come back in case order whatever the worker count or scheduling.
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
import { decodeBatch } from './record.js';
import type { WorkerInit } from './worker.js';

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
  /** Called after each finished batch. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_TIMEOUT_MS = 2000;

export function defaultWorkers(): number {
  return availableParallelism();
}

/** The compiled worker module: worker threads always run the compiled tree. */
function workerEntry(): string {
  const filename = compiledFile(join(projectRoot, 'harness', 'runner', 'worker.ts'));
  if (!existsSync(filename)) throw new Error(`${filename} is missing: run npm run build first`);
  return filename;
}

function batches(cases: Array<[number, number]>, workers: number): Array<Array<[number, number]>> {
  const size = Math.max(1, Math.min(64, Math.ceil(cases.length / (workers * 8))));
  const out: Array<Array<[number, number]>> = [];
  for (let i = 0; i < cases.length; i += size) out.push(cases.slice(i, i + size));
  return out;
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || /aborted|terminated/i.test(e.message));
}

export async function runCases(plan: CasePlan, options: PoolOptions = {}): Promise<CaseResult[]> {
  const pool = new CasePool(plan, options);
  try {
    return await pool.run(plan.cases, options.onProgress);
  } finally {
    await pool.close();
  }
}

/** Worker threads that know a plan's scenarios and variants and run any of its cases, run after run. */
export class CasePool {
  private readonly workers: number;
  private readonly timeoutMs: number;
  private readonly pool: Piscina;
  private readonly limit: ReturnType<typeof pLimit>;

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
      // A case allocates a lot that dies young; with the default young
      // generation of a worker, scavenges take a sixth of its time (measured
      // by the benchmark: 64 MiB is 7% faster on one worker, 12% on two).
      resourceLimits: { maxYoungGenerationSizeMb: 64 },
    });
    // Keep one batch queued behind each running one, so a worker never waits
    // for the main thread, and no more: a batch's deadline starts when it is
    // submitted, so it must not wait in the queue for long.
    this.limit = pLimit(this.workers * 2);
  }

  private runBatch(batch: Array<[number, number]>, budget: number): Promise<CaseResult[]> {
    return this.limit(async () => {
      const bytes = (await this.pool.run(batch, { signal: AbortSignal.timeout(budget) })) as Uint8Array;
      return decodeBatch(bytes, batch.map(([f, v]) => ({ fixture: this.plan.scenarios[f]!.id, variant: this.plan.variants[v]!.meta.id })));
    });
  }

  /** The cases [scenario index, variant index], results in the same order. */
  async run(cases: Array<[number, number]>, onProgress?: (done: number, total: number) => void): Promise<CaseResult[]> {
    const { plan, timeoutMs } = this;
    const total = cases.length;
    let done = 0;
    const results = new Map<string, CaseResult>();
    const keyOf = ([f, v]: [number, number]): string => `${f}:${v}`;
    await Promise.all(
      batches(cases, this.workers).map(async (batch) => {
        let out: CaseResult[];
        try {
          out = await this.runBatch(batch, 2 * timeoutMs + 50 * batch.length);
        } catch (e) {
          if (!isAbort(e)) throw e;
          // Find the culprit: each case alone, with its own budget.
          out = [];
          for (const c of batch) {
            try {
              out.push(...(await this.runBatch([c], timeoutMs)));
            } catch (e2) {
              if (!isAbort(e2)) throw e2;
              const s = plan.scenarios[c[0]]!;
              const v = plan.variants[c[1]]!.meta.id;
              out.push({ id: caseId(s.id, v), fixture: s.id, variant: v, status: 'timeout', budget_ms: timeoutMs });
            }
          }
        }
        batch.forEach((c, i) => results.set(keyOf(c), out[i]!));
        done += batch.length;
        onProgress?.(done, total);
      }),
    );
    return cases.map((c) => results.get(keyOf(c))!);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
