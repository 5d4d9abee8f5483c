// Preparing a run: load and check every input, then choose the cases.
// Everything that can be wrong with the input is found here, before a single
// case executes, so a bad fixture or argument never leaves a partial report.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixtureFiles, loadFixtures } from './fixtures/load.js';
import type { Scenario } from './fixtures/scenario.js';
import { parseFailId, withFail } from './fixtures/fail.js';
import type { Fail } from './fixtures/fixture-types.generated.js';
import { inputFolderProblems } from './folders.js';
import { InputError, formatProblem, pointerToken, type InputProblem } from './input-error.js';
import { corpusDir, shownPath, variantsDir } from './paths.js';
import type { CasePlan } from './runner/pool.js';
import { loadVariant, readVariantMetas, seriesOf, type Series, type VariantMeta } from './variants/registry.js';
import { cRunsFixture, cSourceAvailable, isCVariant } from './ckernel/variant.js';
import { costProfiles } from './costs/profiles.js';

export interface PlanOptions {
  fixturesDir?: string;
  variantsDir?: string;
  /** Fixture ids or paths to fixture files. */
  fixtures?: string[];
  variants?: string[];
  series?: string[];
  /** Price every case with this cost profile (profiles/) instead of its fixture's. */
  costProfile?: string;
}

export interface Prepared {
  plan: CasePlan;
  /** Every variant found, selected or not. */
  allVariants: Array<{ meta: VariantMeta; dir: string }>;
  series: Series[];
}

/** Resolve a variant id, an upstream commit id prefix, or a posting's Message-ID (with or without <>) to a variant. */
export function findVariant(metas: ReadonlyArray<{ meta: VariantMeta }>, key: string): VariantMeta | undefined {
  const exact = metas.find((v) => v.meta.id === key);
  if (exact !== undefined) return exact.meta;
  const messageId = key.replace(/^<(.*)>$/, '$1');
  const posted = metas.find((v) => v.meta.upstream?.message_id?.replace(/^<(.*)>$/, '$1') === messageId);
  if (posted !== undefined) return posted.meta;
  if (/^[0-9a-f]{7,40}$/.test(key)) {
    const byCommit = metas.filter((v) => v.meta.upstream?.commit?.startsWith(key) === true);
    if (byCommit.length === 1) return byCommit[0]!.meta;
  }
  return undefined;
}

export async function loadCorpus(dir: string, only?: string[]): Promise<Scenario[]> {
  if (only === undefined || only.length === 0) {
    const files = await fixtureFiles(dir);
    if (files.length === 0) throw new InputError([{ file: 'command line', pointer: '/fixtures-dir', message: `${shownPath(dir)} holds no fixtures (*.json); expected at least one` }]);
    return loadFixtures(files);
  }
  const problems: InputProblem[] = [];
  const files: string[] = [];
  // Each key: a fixture's file and, for a name like "<id>~iova:2", what is made to fail.
  const wanted: Array<{ file: number; fail: Fail | undefined }> = [];
  for (const key of only) {
    const failed = parseFailId(key);
    const base = failed?.fixture ?? key;
    const asPath = resolve(base);
    const inCorpus = resolve(dir, `${base}.json`);
    const file = base.endsWith('.json') && existsSync(asPath) ? asPath : existsSync(inCorpus) ? inCorpus : undefined;
    if (file === undefined) {
      problems.push({ file: 'command line', pointer: '/fixture', message: `no fixture "${base}" in ${dir}` });
      continue;
    }
    if (!files.includes(file)) files.push(file);
    wanted.push({ file: files.indexOf(file), fail: failed?.fail });
  }
  if (problems.length > 0) throw new InputError(problems);
  const loaded = await loadFixtures(files);
  return wanted.map((w) => (w.fail === undefined ? loaded[w.file]! : withFail(loaded[w.file]!, w.fail)));
}

/** Every fixture's expectations must name variants that exist. */
export function checkExpectations(scenarios: readonly Scenario[], metas: ReadonlyArray<{ meta: VariantMeta }>): void {
  const ids = new Set(metas.map((v) => v.meta.id));
  const problems: InputProblem[] = [];
  for (const s of scenarios) {
    for (const id of Object.keys(s.expect)) {
      if (!ids.has(id)) problems.push({ file: s.file ?? s.id, pointer: `/expect/${pointerToken(id)}`, message: `no variant "${id}"` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}

/** The variants named by --variant and --series (all of them when neither is given). */
export function chooseVariants(
  allVariants: Array<{ meta: VariantMeta; dir: string }>,
  series: readonly Series[],
  options: Pick<PlanOptions, 'variants' | 'series'>,
): Array<{ meta: VariantMeta; dir: string }> {
  if ((options.variants?.length ?? 0) === 0 && (options.series?.length ?? 0) === 0) return withoutMissingSources(allVariants);
  const problems: InputProblem[] = [];
  const wanted = new Set<string>();
  for (const key of options.variants ?? []) {
    const v = findVariant(allVariants, key);
    if (v === undefined) problems.push({ file: 'command line', pointer: '/variant', message: `no variant "${key}"` });
    else wanted.add(v.id);
  }
  for (const name of options.series ?? []) {
    const s = series.find((x) => x.name === name);
    if (s === undefined) {
      problems.push({ file: 'command line', pointer: '/series', message: `no series "${name}" (series: ${series.map((x) => x.name).join(', ')})` });
    } else s.members.forEach((id) => wanted.add(id));
  }
  if (problems.length > 0) throw new InputError(problems);
  return allVariants.filter((v) => wanted.has(v.meta.id));
}

/** Every scenario priced with the cost profile `id` (checked) instead of its own. */
export function withCostProfile(scenarios: Scenario[], id: string | undefined): Scenario[] {
  if (id === undefined) return scenarios;
  const profiles = costProfiles();
  if (!profiles.has(id)) throw new InputError([{ file: 'command line', pointer: '/cost-profile', message: `no cost profile "${id}" (profiles: ${[...profiles.keys()].join(', ')})` }]);
  return scenarios.map((s) => ({ ...s, platform: { ...s.platform, costProfile: id } }));
}

/**
 * Every chosen variant's kernel imports: a file that throws as it is loaded
 * is bad input, named by file and line, found before any case runs (the
 * workers load the same files).
 */
export async function checkImports(variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>): Promise<void> {
  const problems = new Map<string, InputProblem>();
  for (const v of variants) {
    try {
      await loadVariant(v.meta, v.dir);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const p of e.problems) problems.set(formatProblem(p), p);
    }
  }
  if (problems.size > 0) throw new InputError([...problems.values()]);
}

/**
 * All variants, less the C variants whose kernel source is not on this
 * machine, each skipped with a notice (named on the command line, such a
 * variant is an input error when the run builds it).
 */
const noticed = new Set<string>();

function withoutMissingSources(all: Array<{ meta: VariantMeta; dir: string }>): Array<{ meta: VariantMeta; dir: string }> {
  return all.filter((v) => {
    if (!isCVariant(v.meta)) return true;
    const s = cSourceAvailable(v.meta, v.dir);
    if (!s.ok && !noticed.has(v.meta.id)) noticed.add(v.meta.id) && process.stderr.write(`NOTICE: skipping C variant ${v.meta.id}: ${s.why}${s.hint === '' ? '' : `; ${s.hint}`}\n`);
    return s.ok;
  });
}

export async function prepare(options: PlanOptions = {}): Promise<Prepared> {
  const variantsFolder = options.variantsDir ?? variantsDir;
  const fixturesFolder = options.fixturesDir ?? corpusDir;
  const folders = [...(await inputFolderProblems(variantsFolder, '/variants-dir')), ...(await inputFolderProblems(fixturesFolder, '/fixtures-dir'))];
  if (folders.length > 0) throw new InputError(folders);
  const allVariants = await readVariantMetas(variantsFolder);
  const series = seriesOf(allVariants.map((v) => v.meta));
  const scenarios = withCostProfile(await loadCorpus(fixturesFolder, options.fixtures), options.costProfile);
  // With another set of variants, expectations about the usual ones are not this run's business.
  if (options.variantsDir === undefined) checkExpectations(scenarios, allVariants);

  const chosen = chooseVariants(allVariants, series, options);
  await checkImports(chosen);
  const cases: Array<[number, number]> = [];
  const leftOut = new Map<string, number>();
  scenarios.forEach((s, f) =>
    chosen.forEach((v, i) => {
      if (isCVariant(v.meta) && !cRunsFixture(s.steps)) leftOut.set(v.meta.id, (leftOut.get(v.meta.id) ?? 0) + 1);
      else cases.push([f, i]);
    }),
  );
  // Its build routes the streaming DMA API only (docs/c-variants.md).
  const notices = [...leftOut].map(([id, n]) => `${id} skips ${n} fixture${n === 1 ? '' : 's'} with coherent allocations (docs/c-variants.md)`);
  return { plan: { scenarios, variants: chosen, cases, notices }, allVariants, series };
}
