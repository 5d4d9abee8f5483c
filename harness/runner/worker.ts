// A worker thread of the case pool. It receives the scenarios and the variant
// folders once, at start, loads the variants before it takes its first task,
// and then runs one case per task. Whatever a case does, it yields a result
// value (a variant that throws becomes an `error` result), which goes back to
// the main thread as it is.

import { workerData } from 'node:worker_threads';
import type { Scenario } from '../fixtures/scenario.js';
import { Workspace } from '../machine/workspace.js';
import type { CaseResult } from '../run/result.js';
import { loadVariant, type VariantMeta } from '../variants/registry.js';
import { runCase } from './run-case.js';

export interface WorkerInit {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
}

/** One case: indexes into the scenarios and variants the worker was given. */
export interface CaseTask {
  scenario: number;
  variant: number;
  /** Set to 1 when the case starts: its time budget runs from then (pool.ts). */
  started: Int32Array;
}

// Errors thrown by a variant name the TypeScript file and line, not the compiled ones.
process.setSourceMapsEnabled(true);

const init = workerData as WorkerInit;
// Loaded before the first task, so that a case's time budget is its own.
const variants = await Promise.all(init.variants.map((v) => loadVariant(v.meta, v.dir)));
const workspace = new Workspace();

export default function runTask(task: CaseTask): CaseResult {
  Atomics.store(task.started, 0, 1);
  return runCase(init.scenarios[task.scenario]!, variants[task.variant]!, { workspace });
}
