// A worker thread of the case pool. It receives the scenarios and the variant
// folders once, at start, and then runs batches of cases by index. Whatever a
// case does, the worker answers with a result value (a batch of them moves
// to the pool encoded, see record.ts): a variant that throws becomes an
// `error` result; only the pool can stop one that never returns.

import { workerData } from 'node:worker_threads';
import type { Scenario } from '../fixtures/scenario.js';
import { loadVariant, type Variant, type VariantMeta } from '../variants/registry.js';
import { runCase } from './run-case.js';
import { move } from 'piscina';
import { encodeBatch } from './record.js';

export interface WorkerInit {
  scenarios: Scenario[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
}

// Errors thrown by a variant name the TypeScript file and line, not the compiled ones.
process.setSourceMapsEnabled(true);

const init = workerData as WorkerInit;
let variants: Promise<Variant[]> | undefined;

/** Run the cases [scenario index, variant index] in order; their results, encoded, move to the caller. */
export default async function runBatch(batch: Array<[number, number]>): Promise<ReturnType<typeof move>> {
  variants ??= Promise.all(init.variants.map((v) => loadVariant(v.meta, v.dir)));
  const loaded = await variants;
  return move(encodeBatch(batch.map(([f, v]) => runCase(init.scenarios[f]!, loaded[v]!))));
}
