// A fuzz worker thread: it loads the chain's variants once, then does the
// shares and shrinks it is given (fuzz/share.ts), one at a time, and sends
// back each one's plain value.

import { workerData } from 'node:worker_threads';
import { loadVariant, type VariantMeta } from '../variants/registry.js';
import type { SearchSpace } from './generate.js';
import { Evaluator, runTask, type FuzzTask, type ShareOutcome, type Shrunk } from './share.js';

export interface FuzzWorkerInit {
  chain: Array<{ meta: VariantMeta; dir: string }>;
  space: SearchSpace;
}

const init = workerData as FuzzWorkerInit;
const chain = await Promise.all(init.chain.map((v) => loadVariant(v.meta, v.dir)));
const evaluator = new Evaluator({ chain, space: init.space });

export default function fuzzTask(task: FuzzTask): Promise<ShareOutcome | Shrunk> {
  return runTask(evaluator, task);
}
