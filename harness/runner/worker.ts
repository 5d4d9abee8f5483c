// A worker thread of the case pool. It receives the scenarios and the variant
// folders once, at start. A task is a share of one run: the worker claims the
// run's cases a few at a time from a counter it shares with the other
// workers (share.ts), says in shared memory which case it is running (so that
// the pool can stop one that never returns), and sends its results back in
// encoded batches (record.ts) as it goes. Whatever a case does, it yields a
// result value: a variant that throws becomes an `error` result.

import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import type { Scenario } from '../fixtures/scenario.js';
import { loadVariant, type Variant, type VariantMeta } from '../variants/registry.js';
import { BatchWriter } from './record.js';
import { eachClaimed, IDLE, RUNNING } from './share.js';
import { runCase } from './run-case.js';

export interface WorkerInit {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
}

export interface ShareTask {
  /** [scenario index, variant index] pairs of the run, flat. */
  cases: Int32Array;
  /** For each case, where the cases of its fixture that follow it end (see claimEnd in share.ts). */
  ends: Int32Array;
  /** How many tasks share the run. */
  tasks: number;
  /** NEXT, then RUNNING + slot for each task: the index into `cases` being run, or IDLE. */
  state: Int32Array;
  slot: number;
  /** Where batches of results go, then DONE. */
  port: MessagePort;
}

/** The last message of a task that ran out of cases. */
export const DONE = 'done';

export interface ResultBatch {
  indices: number[];
  bytes: Uint8Array;
}

/**
 * Results go back every BATCH cases or every FLUSH_MS, whichever comes
 * first. Each batch wakes the main thread, which then takes a core from a
 * worker: batches of 16 ran 3% fewer cases a second on two workers than
 * batches of 64, and 256 ran 0.9 to 2.2% more (pools taking turns in one
 * process). The time bound keeps the progress bar moving, and bounds what a
 * worker stopped for a timeout had finished but not sent.
 */
const BATCH = 256;
const FLUSH_MS = 50;

// Errors thrown by a variant name the TypeScript file and line, not the compiled ones.
process.setSourceMapsEnabled(true);

const init = workerData as WorkerInit;
let variants: Promise<Variant[]> | undefined;

/** Run cases from the shared counter until there are none left. */
export default async function runShare(task: ShareTask): Promise<void> {
  variants ??= Promise.all(init.variants.map((v) => loadVariant(v.meta, v.dir)));
  const loaded = await variants;
  const { cases, ends, tasks, state, slot, port } = task;
  const batch = new BatchWriter();
  let indices: number[] = [];
  let since = performance.now();
  const flush = (): void => {
    if (indices.length === 0) return;
    const bytes = batch.take();
    port.postMessage({ indices, bytes } satisfies ResultBatch);
    indices = [];
    since = performance.now();
  };
  try {
    eachClaimed(state, ends, tasks, (i) => {
      Atomics.store(state, RUNNING + slot, i);
      batch.add(runCase(init.scenarios[cases[2 * i]!]!, loaded[cases[2 * i + 1]!]!));
      indices.push(i);
      if (indices.length >= BATCH || performance.now() - since >= FLUSH_MS) flush();
    });
    flush();
    port.postMessage(DONE);
  } finally {
    Atomics.store(state, RUNNING + slot, IDLE);
  }
}
