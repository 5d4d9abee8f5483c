// Finding the variants: every folder under variants/ with a variant.json and
// a dma-iommu.ts is one. Nothing else lists them, so adding a variant is
// adding a folder.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, type InputProblem } from '../input-error.js';
import { codeFile, projectRoot, variantsDir } from '../paths.js';
import type { dma_map_ops } from '../variant-api.js';
import { schemaProblems } from '../fixtures/load.js';
import { validator } from '../schemas.js';
import type { Series } from '../report/report-types.generated.js';
import type { VariantMeta } from './variant-types.generated.js';

export type { Series, VariantMeta };

export interface Variant {
  meta: VariantMeta;
  /** The variant's folder. */
  dir: string;
  ops: dma_map_ops;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Metadata of every variant folder, validated, without loading any code. */
export async function readVariantMetas(dir: string = variantsDir): Promise<Array<{ meta: VariantMeta; dir: string }>> {
  const validate = validator('variant');
  const problems: InputProblem[] = [];
  const found: Array<{ meta: VariantMeta; dir: string }> = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of entries) {
    const folder = join(dir, name);
    const metaPath = join(folder, 'variant.json');
    const file = relative(projectRoot, metaPath);
    if (!(await isFile(metaPath))) continue;
    if (!(await isFile(join(folder, 'dma-iommu.ts')))) {
      problems.push({ file, pointer: '', message: 'the folder has no dma-iommu.ts' });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(metaPath, 'utf8'));
    } catch (e) {
      problems.push({ file, pointer: '', message: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    if (!validate(doc)) {
      problems.push(...schemaProblems(file, validate.errors ?? []));
      continue;
    }
    const meta = doc as VariantMeta;
    if (meta.id !== name) problems.push({ file, pointer: '/id', message: `must equal the folder name "${name}"` });
    found.push({ meta, dir: folder });
  }
  const ids = new Set(found.map((v) => v.meta.id));
  for (const v of found) {
    if (v.meta.parent !== null && !ids.has(v.meta.parent)) {
      problems.push({ file: relative(projectRoot, join(v.dir, 'variant.json')), pointer: '/parent', message: `no variant "${v.meta.parent}"` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return orderVariants(found);
}

/**
 * Series by the date of their first variant (a series building on another
 * one's variant after it), each series' variants from parent to child.
 */
function orderVariants<T extends { meta: VariantMeta }>(list: T[]): T[] {
  const byId = new Map(list.map((v) => [v.meta.id, v]));
  const depth = (v: T): number => {
    let d = 0;
    for (let p = v.meta.parent; p !== null && d <= list.length; p = byId.get(p)?.meta.parent ?? null) d++;
    return d;
  };
  const bySeries = new Map<string, T[]>();
  for (const v of list) bySeries.set(v.meta.series, [...(bySeries.get(v.meta.series) ?? []), v]);
  const groups = [...bySeries.values()].map((members) => members.sort((a, b) => depth(a) - depth(b) || a.meta.id.localeCompare(b.meta.id)));
  // A series with a root variant (a base) comes first, whatever its date.
  const rank = (g: T[]): string => (depth(g[0]!) === 0 ? '' : g[0]!.meta.date);
  groups.sort((a, b) => rank(a).localeCompare(rank(b)) || depth(a[0]!) - depth(b[0]!) || a[0]!.meta.series.localeCompare(b[0]!.meta.series));
  return groups.flat();
}

export async function loadVariant(meta: VariantMeta, dir: string): Promise<Variant> {
  const mod = (await import(pathToFileURL(codeFile(join(dir, 'dma-iommu.ts'))).href)) as { iommu_dma_ops?: dma_map_ops };
  if (mod.iommu_dma_ops === undefined) {
    throw new InputError([{ file: relative(projectRoot, join(dir, 'dma-iommu.ts')), pointer: '', message: 'does not export iommu_dma_ops' }]);
  }
  return { meta, dir, ops: mod.iommu_dma_ops };
}

export async function loadVariants(dir: string = variantsDir): Promise<Variant[]> {
  const metas = await readVariantMetas(dir);
  return Promise.all(metas.map((m) => loadVariant(m.meta, m.dir)));
}

/** Group variants by series; `metas` must list parents before children. */
export function seriesOf(metas: readonly VariantMeta[]): Series[] {
  const out: Series[] = [];
  for (const name of [...new Set(metas.map((m) => m.series))]) {
    const own = metas.filter((m) => m.series === name);
    const ids = new Set(own.map((m) => m.id));
    const bases = [...new Set(own.filter((m) => m.parent !== null && !ids.has(m.parent)).map((m) => m.parent!))];
    const steps = own.filter((m) => m.parent !== null).map((m): [string, string] => [m.parent!, m.id]);
    const members = [...bases, ...own.map((m) => m.id)];
    const linear = bases.length <= 1 && steps.every(([p], i) => i === 0 || p === steps[i - 1]![1]);
    out.push({ name, variants: own.map((m) => m.id), members, steps, chain: linear ? members : null });
  }
  return out;
}
