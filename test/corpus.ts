// Loading fixtures and variants from the repository for tests, and running
// a case in-process (these cases are known to terminate).

import { join } from 'node:path';
import { loadFixtureFile } from '../harness/fixtures/load.js';
import type { Scenario } from '../harness/fixtures/scenario.js';
import { corpusDir } from '../harness/paths.js';
import { executeScenario } from '../harness/run/execute.js';
import type { CaseOutcome } from '../harness/run/result.js';
import type { dma_map_ops } from '../harness/variant-api.js';
import { loadVariants, type Variant } from '../harness/variants/registry.js';

let variants: Promise<Variant[]> | undefined;

export async function variant(id: string): Promise<Variant> {
  variants ??= loadVariants();
  const v = (await variants).find((x) => x.meta.id === id);
  if (v === undefined) throw new Error(`no variant ${id}`);
  return v;
}

export async function allVariants(): Promise<Variant[]> {
  variants ??= loadVariants();
  return variants;
}

export function fixture(id: string): Promise<Scenario> {
  return loadFixtureFile(join(corpusDir, `${id}.json`));
}

export async function run(fixtureId: string, variantId: string): Promise<CaseOutcome> {
  return executeScenario(await fixture(fixtureId), (await variant(variantId)).kernel);
}

/** A variant's iommu_dma_ops, to drive its dma-iommu.c directly as a driver would. */
export async function iommuOps(variantId: string): Promise<dma_map_ops> {
  return (await variant(variantId)).kernel.files['dma-iommu']!['iommu_dma_ops'] as dma_map_ops;
}
