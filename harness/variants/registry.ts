// Finding the variants and linking their kernels. Every folder under
// variants/ with a variant.json is one; nothing else lists them, so adding a
// variant is adding a folder. A variant's kernel is the modelled kernel files
// (*.ts) of its folder and, for every file it does not carry, of its nearest
// ancestor that does; boot.ts, direct.ts and iommu.ts are the three the
// harness calls (variant-api.ts).

import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, type InputProblem } from '../input-error.js';
import { readJsonFile } from '../json-file.js';
import { projectFrames } from '../stack.js';
import { codeFile, shownPath, variantsDir } from '../paths.js';
import type { BootFunction, dma_map_ops, iommu_api, Kernel, KernelFiles } from '../variant-api.js';
import { schemaProblems } from '../fixtures/load.js';
import { validator } from '../schemas.js';
import type { Series } from '../report/report-types.generated.js';
import type { VariantMeta } from './variant-types.generated.js';
import { cVariantProblems, isCVariant, loadCKernel } from '../ckernel/variant.js';
import type { ModelIommuCore } from '../ckernel/kernel.js';

export type { Series, VariantMeta };

export interface Variant {
  meta: VariantMeta;
  /** The variant's folder. */
  dir: string;
  kernel: Kernel;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The largest variant.json accepted. */
const MAX_VARIANT_JSON_BYTES = 1 << 20;

/** Metadata of every variant folder, validated, without loading any code. */
export async function readVariantMetas(dir: string = variantsDir): Promise<Array<{ meta: VariantMeta; dir: string }>> {
  const validate = validator('variant');
  const problems: InputProblem[] = [];
  const found: Array<{ meta: VariantMeta; dir: string }> = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of entries) {
    const folder = join(dir, name);
    const metaPath = join(folder, 'variant.json');
    const file = shownPath(metaPath);
    if (!(await isFile(metaPath))) continue;
    let doc: unknown;
    try {
      doc = (await readJsonFile(metaPath, { maxBytes: MAX_VARIANT_JSON_BYTES, what: 'a variant.json' })).value;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
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
      problems.push({ file: shownPath(join(v.dir, 'variant.json')), pointer: '/parent', message: `no variant "${v.meta.parent}"` });
    }
  }
  problems.push(...cVariantProblems(found));
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

/** The files a variant's kernel is made of: file name without .ts -> the path of its own copy or its nearest ancestor's. */
export async function kernelFilesOf(meta: VariantMeta, dir: string): Promise<Map<string, string>> {
  const lineage: string[] = [];
  const root = dirname(dir);
  for (let id: string | null = meta.id, folder = dir; id !== null; ) {
    lineage.unshift(folder);
    const parentMeta = JSON.parse(await readFile(join(folder, 'variant.json'), 'utf8')) as VariantMeta;
    id = parentMeta.parent;
    if (id !== null) folder = join(root, id);
    if (lineage.length > 64) throw new Error(`variant ${meta.id}: its parents go round in a circle`);
  }
  const files = new Map<string, string>();
  for (const folder of lineage) {
    for (const name of (await readdir(folder)).sort()) {
      if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.set(basename(name, '.ts'), join(folder, name));
    }
  }
  return files;
}

/**
 * A kernel file's text, moved from `from` to `to`, with each import of a
 * kernel file (a relative import of a name `runs` knows) pointed at the copy
 * `runs` says the new place runs.
 */
export function relinked(text: string, from: string, to: string, runs: ReadonlyMap<string, string>): string {
  return text.replace(/(\bfrom ')(\.{1,2}\/[^']+)\.js'/g, (whole, head: string, spec: string) => {
    const name = basename(spec);
    const target = runs.get(name);
    if (target === undefined || !resolve(dirname(from), spec + '.ts').startsWith(dirname(dirname(from)))) return whole;
    let rel = relative(dirname(to), target).replace(/\.ts$/, '');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${head}${rel}.js'`;
  });
}

/** Why a variant's kernel file did not import: the file and line where it failed, as bad input. */
function importProblem(e: unknown, meta: VariantMeta, path: string, code: string): InputProblem {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(code)) {
    const message = isAbsolute(shownPath(path))
      ? 'outside the project, so never compiled; expected a --variants-dir inside the project, where npm run build compiles it'
      : `not compiled (no ${shownPath(code)}); run npm run build`;
    return { file: shownPath(path), pointer: '', message: `variant ${meta.id}: ${message}` };
  }
  const at = projectFrames(e)[0];
  const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
  if (at === undefined) return { file: shownPath(path), pointer: '', message: `variant ${meta.id}: fails to import: ${what}` };
  return { file: at.file, line: at.line, pointer: '', message: `variant ${meta.id}: fails to import: ${what}` };
}

/** A C variant's IOMMU core: the iommu.ts its model variant runs (the C build has no probe or groups of its own). */
async function modelIommuCore(meta: VariantMeta, dir: string): Promise<ModelIommuCore> {
  // The shim builds 6.1 trees only: without a model named, v6.1's core, found next to the variant or in the project's variants.
  const modelId = meta.model ?? 'v6.1';
  const modelDir = [join(dirname(dir), modelId), join(variantsDir, modelId)].find((d) => existsSync(join(d, 'variant.json')));
  if (modelDir === undefined) throw new InputError([{ file: shownPath(join(dir, 'variant.json')), pointer: '/model', message: `variant ${meta.id}: no variant ${modelId} to take the IOMMU core (iommu.ts) from` }]);
  const modelMeta = JSON.parse(await readFile(join(modelDir, 'variant.json'), 'utf8')) as VariantMeta;
  const path = (await kernelFilesOf(modelMeta, modelDir)).get('iommu');
  if (path === undefined) throw new InputError([{ file: shownPath(join(dir, 'variant.json')), pointer: '/model', message: `variant ${meta.id}: its model ${modelId} runs no iommu.ts` }]);
  return (await importKernelFile(modelMeta, path)) as unknown as ModelIommuCore;
}

/** A variant's kernel file, compiled; one that does not import is bad input naming the file and line. */
async function importKernelFile(meta: VariantMeta, path: string): Promise<Record<string, unknown>> {
  const code = codeFile(path);
  try {
    return (await import(pathToFileURL(code).href)) as Record<string, unknown>;
  } catch (e) {
    throw new InputError([importProblem(e, meta, path, code)]);
  }
}

export async function loadVariant(meta: VariantMeta, dir: string): Promise<Variant> {
  if (isCVariant(meta)) return { meta, dir, kernel: await loadCKernel(meta, dir, await modelIommuCore(meta, dir)) };
  const paths = await kernelFilesOf(meta, dir);
  const files: Record<string, Record<string, unknown>> = {};
  for (const [name, path] of paths) files[name] = await importKernelFile(meta, path);
  const where = shownPath(join(dir, 'variant.json'));
  const boot = files['boot']?.['boot'] as BootFunction | undefined;
  const direct = files['direct']?.['dma_direct_ops'] as dma_map_ops | undefined;
  const iommu = files['iommu'] as unknown as iommu_api | undefined;
  if (boot === undefined) throw new InputError([{ file: where, pointer: '', message: 'its kernel has no boot.ts exporting boot (nor has any ancestor)' }]);
  if (direct === undefined) throw new InputError([{ file: where, pointer: '', message: 'its kernel has no direct.ts exporting dma_direct_ops (nor has any ancestor)' }]);
  if (iommu?.iommu_attach_device === undefined) throw new InputError([{ file: where, pointer: '', message: 'its kernel has no iommu.ts exporting the IOMMU API (nor has any ancestor)' }]);
  const linked: KernelFiles = files;
  return {
    meta,
    dir,
    kernel: {
      files: linked,
      boot: (m) => boot(m, linked),
      opsFor: (dev) => dev.dma_ops ?? direct,
      iommu,
    },
  };
}

/**
 * The TypeScript variants, loaded: they run in any thread. C variants
 * (ckernel/) run in child processes of their own (runner/process-pool.ts),
 * which load them with loadVariant.
 */
export async function loadVariants(dir: string = variantsDir): Promise<Variant[]> {
  const metas = (await readVariantMetas(dir)).filter((m) => !isCVariant(m.meta));
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
