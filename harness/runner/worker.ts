// A worker thread of the case pool. It receives the scenarios and the variant
// folders once, at start, loads the variants before it takes its first task,
// and then runs a batch of cases per task, saying in shared memory which one
// it has started. Whatever a case does, it yields a result value (a variant
// that throws becomes an `error` result); the batch's results go back to the
// main thread as they are.

import { workerData } from 'node:worker_threads';
import type { Scenario } from '../fixtures/scenario.js';
import { Workspace } from '../machine/workspace.js';
import type { CaseResult } from '../run/result.js';
import { loadVariant, type VariantMeta } from '../variants/registry.js';
import { Position } from '../run/position.js';
import { runCase } from './run-case.js';

export interface WorkerInit {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
}

/** Some cases, each [scenario index, variant index] into what the worker was given. */
export interface CaseTask {
  cases: Array<[number, number]>;
  /** [0]: 1 + the index of the case started, whose time budget runs from then (pool.ts); from [1]: where that case is (run/position.ts). */
  started: Int32Array;
}

const init = workerData as WorkerInit;
// Loaded before the first task, so that a case's time budget is its own.
const variants = await Promise.all(init.variants.map((v) => loadVariant(v.meta, v.dir)));
const workspace = new Workspace();

export default function runTask(task: CaseTask): CaseResult[] {
  const position = new Position(task.started, 1);
  return task.cases.map(([scenario, variant], k) => {
    Atomics.store(task.started, 0, k + 1);
    return runCase(init.scenarios[scenario]!, variants[variant]!, { workspace, position });
  });
}
