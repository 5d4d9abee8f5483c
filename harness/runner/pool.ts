// Running many cases on a pool of worker threads (piscina).
//
// Cases go out in batches of a few dozen so that message passing stays
// cheap. A batch that overruns its deadline has its worker terminated; its
// cases are then run again one by one, each with the per-case budget, so a
// variant that never returns costs one `timeout` cell and nothing else.
// Results come back in case order whatever the worker count or scheduling.

import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import type { Scenario } from '../fixtures/scenario.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';
import { compiledFile, projectRoot } from '../paths.js';
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
  const workers = Math.max(1, options.workers ?? defaultWorkers());
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const filename = workerEntry();
  const init: WorkerInit = { scenarios: plan.scenarios, variants: plan.variants };
  const pool = new Piscina({
    filename,
    workerData: init,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  const total = plan.cases.length;
  let done = 0;
  const results = new Map<string, CaseResult>();
  const keyOf = ([f, v]: [number, number]): string => `${f}:${v}`;

  // Keep one batch queued behind each running one, so a worker never waits
  // for the main thread, and no more: a batch's deadline starts when it is
  // submitted, so it must not wait in the queue for long.
  const limit = pLimit(workers * 2);
  const runBatch = (batch: Array<[number, number]>, budget: number): Promise<CaseResult[]> =>
    limit(async () => (await pool.run(batch, { signal: AbortSignal.timeout(budget) })) as CaseResult[]);

  try {
    await Promise.all(
      batches(plan.cases, workers).map(async (batch) => {
        let out: CaseResult[];
        try {
          out = await runBatch(batch, 2 * timeoutMs + 50 * batch.length);
        } catch (e) {
          if (!isAbort(e)) throw e;
          // Find the culprit: each case alone, with its own budget.
          out = [];
          for (const c of batch) {
            try {
              out.push(...(await runBatch([c], timeoutMs)));
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
        options.onProgress?.(done, total);
      }),
    );
  } finally {
    await pool.destroy();
  }
  return plan.cases.map((c) => results.get(keyOf(c))!);
}
