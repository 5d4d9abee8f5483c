// A fuzz worker thread: it loads the chain's variants once, then does the
// shares and shrinks it is given (fuzz/share.ts), one at a time, and sends
// back each one's plain value. A C variant's cases (fuzz --against) run in a
// child process of the worker's own, so that a crash in the C is one case's
// error cell and not the worker's end.

import { workerData } from 'node:worker_threads';
import { ProcessPool } from '../runner/process-pool.js';
import { loadVariant, type VariantMeta } from '../variants/registry.js';
import { isCVariant } from '../ckernel/variant.js';
import type { SearchSpace } from './generate.js';
import { Evaluator, runTask, type FuzzTask, type ShareOutcome, type Shrunk } from './share.js';

export interface FuzzWorkerInit {
  chain: Array<{ meta: VariantMeta; dir: string }>;
  space: SearchSpace;
  /** fuzz --against: the chain is a model and a C variant; the C's cases get this budget each. */
  against?: { timeoutMs: number };
}

const init = workerData as FuzzWorkerInit;
const chain = await Promise.all(init.chain.map((v) => loadVariant(v.meta, v.dir)));
const children = init.chain.some((v) => isCVariant(v.meta)) ? new ProcessPool(init.chain, init.against?.timeoutMs ?? 2000) : null;
const evaluator = new Evaluator({
  chain,
  space: init.space,
  ...(init.against !== undefined ? { against: true } : {}),
  ...(children !== null ? { runC: async (scenario, index) => (await children.run([{ scenario, variant: index }]))[0]! } : {}),
});

export default function fuzzTask(task: FuzzTask): Promise<ShareOutcome | Shrunk> {
  return runTask(evaluator, task);
}
