// `fuzz --against C`: the chain a search runs is a C variant's model and
// the C variant; a finding is a scenario on which they disagree (a verdict
// kind, a cost counter, the bytes, the final state, or a case that does
// not finish on one side). The C runs in a child process, built first for
// every configuration the generator makes.

import { disagreementClasses } from '../ckernel/model-check.js';
import { ALL_CONFIGS, isCVariant, prepareCVariants } from '../ckernel/variant.js';
import { ProcessPool } from '../runner/process-pool.js';
import { runCase } from '../runner/run-case.js';
import { loadVariant, type Variant, type VariantMeta } from '../variants/registry.js';
import type { SearchHooks } from './search.js';

export interface AgainstChain {
  /** The search's name: `C-against-MODEL`. */
  name: string;
  /** The model first, the C variant second. */
  chain: Variant[];
  hooks: SearchHooks;
  /** Ends the child process. */
  close(): void;
}

type Folder = { meta: VariantMeta; dir: string };

export async function againstChain(model: Folder, c: Folder, timeoutMs: number): Promise<AgainstChain> {
  await prepareCVariants([c], ALL_CONFIGS);
  const pool = new ProcessPool([model, c], timeoutMs);
  const chain = [await loadVariant(model.meta, model.dir), await loadVariant(c.meta, c.dir)];
  return {
    name: `${c.meta.id}-against-${model.meta.id}`,
    chain,
    hooks: {
      classify: (ids, results) => disagreementClasses(ids[1]!, ids[0]!, results[1]!, results[0]!),
      question: (cls) => `Found by fuzzing ${c.meta.id} against ${model.meta.id}: do the C and its model agree here (${cls})?`,
      run: async (scenario, v) => (isCVariant(v.meta) ? (await pool.run([{ scenario, variant: 1 }]))[0]! : runCase(scenario, v)),
    },
    close: () => pool.close(),
  };
}
