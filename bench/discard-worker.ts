// For the benchmark only: a worker thread that runs its share of the cases,
// claimed as the case pool's workers claim them (harness/runner/share.ts),
// but keeps and sends back nothing but how many it ran. A pool of these
// measures what worker threads give before any result is carried back to
// the main thread.

import { workerData } from 'node:worker_threads';
import { runCase } from '../harness/runner/run-case.js';
import { eachClaimed } from '../harness/runner/share.js';
import type { WorkerInit } from '../harness/runner/worker.js';
import { loadVariant, type Variant } from '../harness/variants/registry.js';

export interface DiscardTask {
  /** [scenario index, variant index] pairs, flat. */
  cases: Int32Array;
  /** Where each case's claim may end at most (see claimEnd in share.ts). */
  ends: Int32Array;
  /** How many tasks share a round. */
  tasks: number;
  /** [0]: the next pair to claim, shared by every task of a round. */
  next: Int32Array;
}

const init = workerData as WorkerInit;
let variants: Promise<Variant[]> | undefined;

/** Run pairs from the shared counter until there are none left; how many this task ran. */
export default async function runAndDiscard({ cases, ends, tasks, next }: DiscardTask): Promise<number> {
  variants ??= Promise.all(init.variants.map((v) => loadVariant(v.meta, v.dir)));
  const loaded = await variants;
  let ran = 0;
  eachClaimed(next, ends, tasks, (i) => {
    const r = runCase(init.scenarios[cases[2 * i]!]!, loaded[cases[2 * i + 1]!]!);
    if (r.status !== 'ok') throw new Error(`${r.id} did not finish`);
    ran++;
  });
  return ran;
}
