// A C variant folder: its variant.json names a kernel source (at its root)
// and patches (along its parents), and the harness builds the kernel's C
// for each platform configuration a run needs. Building happens before a
// run starts (prepareCVariants); the processes that run cases only find
// the libraries in the cache (libraryPaths), by the hash of what went into
// them.

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError, type InputProblem } from '../input-error.js';
import { projectRoot } from '../paths.js';
import { allSteps, type ScenarioStep } from '../fixtures/scenario.js';
import type { VariantMeta } from '../variants/variant-types.generated.js';
import { BuildError, buildHash, configKey, libraryFile, buildLibrary, type BuildConfig } from './build.js';
import { CKernel, type ModelIommuCore } from './kernel.js';
import { debianTarball, prepareSource, readPatches, sourceIdentity, SourceError, type KernelSpec, type PatchFile } from './source.js';
import { UnknownTreeError } from './transform.js';

export function isCVariant(meta: VariantMeta): boolean {
  return meta.kind === 'c';
}

/** Every configuration a C build can have; a run builds those its scenarios need. */
export const ALL_CONFIGS: readonly BuildConfig[] = [12, 14, 16].flatMap((pageShift) => [true, false].map((swiotlb) => ({ pageShift, swiotlb })));

interface CSource {
  spec: KernelSpec;
  /** The patch files along the chain, root first. */
  patchFiles: string[];
  /** The variant.json that names the source. */
  rootFile: string;
}

/** The source a C variant is built from: its root's kernel, and every patch on the way down. */
async function cSourceOf(meta: VariantMeta, dir: string): Promise<CSource> {
  const chain: Array<{ meta: VariantMeta; dir: string }> = [];
  for (let m: VariantMeta | null = meta, d = dir; m !== null; ) {
    chain.unshift({ meta: m, dir: d });
    if (m.parent === null) break;
    d = join(d, '..', m.parent);
    m = JSON.parse(await readFile(join(d, 'variant.json'), 'utf8')) as VariantMeta;
    if (chain.length > 64) throw new Error(`variant ${meta.id}: its parents go round in a circle`);
  }
  const root = chain[0]!;
  const rootFile = relative(projectRoot, join(root.dir, 'variant.json'));
  if (root.meta.kernel === undefined || !isCVariant(root.meta)) {
    throw new InputError([{ file: rootFile, pointer: '/kernel', message: `expected the kernel source of C variant ${meta.id} (a C variant's root names one)` }]);
  }
  const spec: KernelSpec = 'debian' in root.meta.kernel ? { debian: root.meta.kernel.debian } : { tree: root.meta.kernel.tree, rev: root.meta.kernel.rev };
  const patchFiles = chain.flatMap((v) => (v.meta.patches ?? []).map((p) => join(v.dir, p)));
  return { spec, patchFiles, rootFile };
}

/**
 * What readVariantMetas checks of C variants: a root names its kernel, a
 * patch file exists, `model` names a TypeScript variant; a TypeScript
 * variant names none of these.
 */
export function cVariantProblems(found: ReadonlyArray<{ meta: VariantMeta; dir: string }>): InputProblem[] {
  const problems: InputProblem[] = [];
  const byId = new Map(found.map((v) => [v.meta.id, v]));
  for (const { meta, dir } of found) {
    const file = relative(projectRoot, join(dir, 'variant.json'));
    if (!isCVariant(meta)) {
      for (const key of ['kernel', 'patches', 'model'] as const) {
        if (meta[key] !== undefined) problems.push({ file, pointer: `/${key}`, message: 'only a C variant ("kind": "c") has this' });
      }
      continue;
    }
    if (meta.parent === null && meta.kernel === undefined) problems.push({ file, pointer: '/kernel', message: 'expected the kernel source of this C variant (it has no parent)' });
    if (meta.parent !== null && meta.kernel !== undefined) problems.push({ file, pointer: '/kernel', message: 'a C variant with a parent builds its parent\'s source: expected no kernel here' });
    const parent = meta.parent === null ? undefined : byId.get(meta.parent);
    if (parent !== undefined && !isCVariant(parent.meta)) problems.push({ file, pointer: '/parent', message: `"${meta.parent}" is a TypeScript variant; a C variant's parent is a C variant` });
    (meta.patches ?? []).forEach((p, i) => {
      if (!existsSync(join(dir, p))) problems.push({ file, pointer: `/patches/${i}`, message: `no patch file ${p} in ${relative(projectRoot, dir)}` });
    });
    if (meta.model !== undefined) {
      const m = byId.get(meta.model);
      if (m === undefined || isCVariant(m.meta)) problems.push({ file, pointer: '/model', message: `expected a TypeScript variant, not "${meta.model}"` });
    }
  }
  return problems;
}

/** Whether the kernel source a C variant needs is on this machine (without building anything). */
export function cSourceAvailable(meta: VariantMeta, dir: string): { ok: true } | { ok: false; why: string; hint: string } {
  let root = meta;
  let d = dir;
  for (let i = 0; root.parent !== null && i < 64; i++) {
    d = join(d, '..', root.parent);
    const file = join(d, 'variant.json');
    if (!existsSync(file)) break;
    root = JSON.parse(readFileSync(file, 'utf8')) as VariantMeta;
  }
  const k = root.kernel;
  if (k === undefined) return { ok: false, why: `${root.id} names no kernel source`, hint: '' };
  if ('debian' in k) {
    const tarball = debianTarball(k.debian);
    return existsSync(tarball) ? { ok: true } : { ok: false, why: `${tarball} is missing (Debian's ${k.debian} package)`, hint: `apt-get install --no-install-recommends ${k.debian}` };
  }
  return existsSync(k.tree) ? { ok: true } : { ok: false, why: `${k.tree}: no such kernel tree`, hint: '' };
}

/** The library files of a C variant, per configuration, where the build puts them (they may not exist yet). */
export async function libraryPaths(meta: VariantMeta, dir: string): Promise<Map<string, string>> {
  const src = await cSourceOf(meta, dir);
  const patches = await readPatches(src.patchFiles);
  const treeId = await sourceIdentity(src.spec, patches);
  const out = new Map<string, string>();
  for (const c of ALL_CONFIGS) out.set(configKey(c), libraryFile(await buildHash(treeId, c)));
  return out;
}

/** A C variant's kernel for the harness: boots the library built for the machine's configuration. */
export async function loadCKernel(meta: VariantMeta, dir: string, core: ModelIommuCore): Promise<CKernel> {
  // Without its source on this machine there is no build either: boot says so.
  const paths = await libraryPaths(meta, dir).catch((e: unknown) => {
    if (e instanceof SourceError) return new Map<string, string>();
    throw e;
  });
  return new CKernel((config) => {
    const path = paths.get(configKey(config));
    if (path === undefined || !existsSync(path)) throw new Error(`${meta.id}: no build of its C kernel for ${configKey(config)} (the run did not prepare one)`);
    return path;
  }, core);
}

/** What preparing reports: the builds made (seconds) or found. */
export interface Prepared {
  variant: string;
  config: string;
  seconds: number;
}

/**
 * Build every C variant among `variants` for the configurations `configs`,
 * before a run starts. What cannot be built is bad input: one line per
 * variant naming the file and the symbol, exit 2.
 */
export async function prepareCVariants(variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>, configs: readonly BuildConfig[]): Promise<Prepared[]> {
  const problems: InputProblem[] = [];
  const out: Prepared[] = [];
  for (const v of variants.filter((x) => isCVariant(x.meta))) {
    const file = relative(projectRoot, join(v.dir, 'variant.json'));
    try {
      const src = await cSourceOf(v.meta, v.dir);
      const patches: PatchFile[] = await readPatches(src.patchFiles);
      const tree = await prepareSource(src.spec, patches);
      for (const c of configs) {
        const built = await buildLibrary(tree, c);
        out.push({ variant: v.meta.id, config: configKey(c), seconds: built.seconds });
      }
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else if (e instanceof SourceError) problems.push({ file, pointer: '/kernel', message: `${e.message}${e.hint === '' ? '' : ` (${e.hint})`}` });
      else if (e instanceof UnknownTreeError) problems.push({ file, pointer: '/kernel', message: `the shim does not know this tree: ${e.message}` });
      else if (e instanceof BuildError) problems.push({ file, pointer: '/kernel', message: `the build failed: ${e.file}: ${e.output.split('\n')[0]}` });
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** The configurations the scenarios of a run need. */
export function configsFor(platforms: ReadonlyArray<{ pageSize: number; swiotlb: boolean }>): BuildConfig[] {
  const keys = new Map<string, BuildConfig>();
  for (const p of platforms) {
    const c = { pageShift: Math.log2(p.pageSize), swiotlb: p.swiotlb };
    keys.set(configKey(c), c);
  }
  return [...keys.values()];
}

/**
 * The DMA API calls a C variant's build does not route: it holds the
 * streaming paths (map, unmap, sync) of dma-iommu.c and dma-direct, not
 * iommu_dma_alloc and its paths (their page allocator, vmap and remap would
 * need shim support of their own; docs/c-variants.md).
 */
export const C_UNROUTED_OPS: ReadonlySet<string> = new Set(['dma_alloc_coherent', 'dma_free_coherent', 'dma_get_sgtable']);

/** Whether a C variant can run a fixture: none of its steps, repeats included, makes a call the build does not route. */
export function cRunsFixture(steps: readonly ScenarioStep[]): boolean {
  return allSteps(steps).every((s) => !C_UNROUTED_OPS.has(s.op));
}
