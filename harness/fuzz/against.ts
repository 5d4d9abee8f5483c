// `fuzz --against C`: the chain a search runs is a C variant's model and
// the C variant; a finding is a scenario on which they disagree (a verdict
// kind, a cost counter, the bytes, the final state, or a case that does
// not finish on one side). The C is built first for every configuration
// the generator makes; each fuzz worker runs its cases in a child process
// (fuzz/worker.ts).

import { ALL_CONFIGS, prepareCVariants } from '../ckernel/variant.js';
import type { VariantMeta } from '../variants/registry.js';
import type { SearchSpace } from './generate.js';
import type { SearchTarget } from './search.js';

type Folder = { meta: VariantMeta; dir: string };

/** The search's name for a C variant held to its model. */
export function againstName(model: Folder, c: Folder): string {
  return `${c.meta.id}-against-${model.meta.id}`;
}

export async function againstTarget(model: Folder, c: Folder, space: SearchSpace, timeoutMs: number): Promise<SearchTarget> {
  await prepareCVariants([c], ALL_CONFIGS);
  return { series: againstName(model, c), chain: [model, c], space, against: { timeoutMs } };
}
