// `matrix [files...]`: expand each exhaustive fixture (fixtures/matrix by
// default), run every instance on every selected variant on the worker pool,
// and summarise per variant: Always / Sometimes / Never with counts, the
// kinds seen and the smallest violating instance. Exit 1 when a variant's
// summary is not what the fixture's /matrix/expect says.

import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { summarise, type MatrixSummary } from '../compare/herd.js';
import { fixtureFiles, loadEach } from '../fixtures/load.js';
import { loadMatrixFile, type MatrixFixture } from '../fixtures/matrix.js';
import { InputError } from '../input-error.js';
import { matrixDir, reportsDir } from '../paths.js';
import { checkImports, chooseVariants } from '../plan.js';
import { renderHerdMarkdown, renderHerdText } from '../report/render/herd.js';
import { treeInfo } from '../report/tree.js';
import { writeReportFiles } from '../report/write.js';
import type { CasePlan } from '../runner/pool.js';
import { readVariantMetas, seriesOf, type VariantMeta } from '../variants/registry.js';
import { checkFolders, outFolder, runPlan, type CommonOptions } from './session.js';
import { relative } from 'node:path';
import { BLOB_FORMAT, BLOB_VERSION, writeBlob, type ShardBlob } from '../report/shard-blob.js';
import { caseId, type CaseResult } from '../run/result.js';
import { inShard, shardText, type Shard } from '../shard.js';

export interface MatrixOptions extends CommonOptions {
  variant?: string[];
  series?: string[];
  /** Only every n-th instance; write a blob for merge instead of reports. */
  shard?: Shard;
}

/** A matrix run whose input has been checked: the matrices, the variants, one plan for every instance. */
export interface MatrixJob {
  matrices: MatrixFixture[];
  variants: Array<{ meta: VariantMeta; dir: string }>;
  plan: CasePlan;
  out: string;
  /** The matrix files as given. */
  files: string[];
}

/** Check the folders and load every matrix fixture and variant; bad input throws before anything runs. */
export async function prepareMatrix(files: string[], opts: MatrixOptions): Promise<MatrixJob> {
  const out = outFolder(opts, resolve(reportsDir, 'matrix'));
  await checkFolders(opts, out);
  const paths = files.length > 0 ? files.map((f) => resolve(f)) : existsSync(matrixDir) ? await fixtureFiles(matrixDir) : [];
  if (paths.length === 0) throw new InputError([{ file: 'command line', pointer: '/files', message: 'no matrix fixtures given and none in fixtures/matrix' }]);
  const { loaded: matrices, problems } = await loadEach(paths, loadMatrixFile);
  if (problems.length > 0) throw new InputError(problems);
  const all = await readVariantMetas(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
  const variants = chooseVariants(all, seriesOf(all.map((v) => v.meta)), { variants: opts.variant, series: opts.series });
  const ids = new Set(all.map((v) => v.meta.id));
  const unknown = matrices.flatMap((m) => Object.keys(m.expect).filter((v) => !ids.has(v)).map((v) => ({ file: m.file, pointer: `/matrix/expect/${v}`, message: `no variant "${v}"` })));
  if (unknown.length > 0 && opts.variantsDir === undefined) throw new InputError(unknown);
  await checkImports(variants);
  // One plan for all instances of all matrices.
  const scenarios = matrices.flatMap((m) => m.instances.map((i) => i.scenario));
  const cases: Array<[number, number]> = [];
  scenarios.forEach((_, f) => variants.forEach((_, v) => cases.push([f, v])));
  return { matrices, variants, plan: { scenarios, variants, cases }, out, files };
}

/** Run a prepared matrix job, write its reports, print the totals (and the summaries unless quiet); the exit code. */
export async function executeMatrix(job: MatrixJob, opts: MatrixOptions, print: { summaries: boolean } = { summaries: opts.quiet !== true }): Promise<number> {
  const { plan } = job;
  if (opts.shard === undefined) return reportMatrix(job, await runPlan(plan, opts), opts, print);
  const shard = opts.shard;
  const indices = plan.cases.flatMap(([f], i) => (inShard(f, shard) ? [i] : []));
  const results = await runPlan({ ...plan, cases: indices.map((i) => plan.cases[i]!) }, opts);
  const options = { files: job.files, ...Object.fromEntries((['variant', 'series', 'variantsDir', 'timeout'] as const).filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]])) };
  const file = await writeBlob(job.out, { format: BLOB_FORMAT, version: BLOB_VERSION, command: 'matrix', shard, options, data: { indices, results } });
  process.stdout.write(`shard ${shardText(shard)}: ${indices.length} of ${plan.cases.length} cases; merge every shard's file with: npm run -s cli -- merge FILES\nwrote ${relative(process.cwd(), file)}\n`);
  return results.some((r) => r.status !== 'ok') ? 1 : 0;
}

/** `merge` of matrix shards: the reports of the unsharded run. */
export async function mergeMatrix(blobs: ReadonlyArray<ShardBlob>, common: CommonOptions): Promise<void> {
  const { files, ...rest } = blobs[0]!.options as unknown as MatrixOptions & { files: string[] };
  const opts: MatrixOptions = { ...rest, out: common.out, workers: common.workers, quiet: common.quiet };
  const job = await prepareMatrix(files, opts);
  const results = new Array<CaseResult | undefined>(job.plan.cases.length);
  for (const b of blobs) {
    const d = b.data as { indices: number[]; results: CaseResult[] };
    d.indices.forEach((i, k) => (results[i] = d.results[k]));
  }
  const { plan } = job;
  const stale = plan.cases.findIndex(([f, v], i) => results[i]?.id !== caseId(plan.scenarios[f]!.id, plan.variants[v]!.meta.id));
  if (stale !== -1) throw new InputError([{ file: 'command line', pointer: '/files', message: `the shards do not hold the case of instance ${plan.cases[stale]![0]} where this tree's matrices put it: merge in the tree the shards ran` }]);
  process.exitCode = await reportMatrix(job, results as CaseResult[], opts, { summaries: opts.quiet !== true });
}

async function reportMatrix(job: MatrixJob, results: CaseResult[], opts: MatrixOptions, print: { summaries: boolean }): Promise<number> {
  const { matrices, variants, plan } = job;
  const summaries: MatrixSummary[] = [];
  let at = 0;
  for (const m of matrices) {
    const rows = m.instances.map((_, i) => results.slice((at + i) * variants.length, (at + i + 1) * variants.length));
    at += m.instances.length;
    summaries.push(summarise(m, variants.map((v) => v.meta.id), rows));
  }
  const text = renderHerdText(summaries);
  const tree = await treeInfo();
  const json = JSON.stringify({ version: 1, tree, matrices: summaries }, null, 2) + '\n';
  const written = await writeReportFiles(job.out, {
    'matrix.json': json,
    'matrix.md': renderHerdMarkdown(summaries),
    'matrix.txt': text,
  });
  process.stdout.write(`${matrices.length} matrices, ${plan.scenarios.length} instances x ${variants.length} variants = ${plan.cases.length} cases\n\n`);
  if (print.summaries) process.stdout.write(text);
  const unmet = summaries.flatMap((s) => s.variants.filter((v) => !v.met).map((v) => `${s.fixture}@${v.variant}`));
  if (unmet.length > 0) process.stdout.write(`expectations not met: ${unmet.join(', ')}\n`);
  process.stdout.write(`reports: ${written.join(', ')}\n`);
  return unmet.length > 0 || results.some((r) => r.status !== 'ok') ? 1 : 0;
}

export async function matrixCommand(files: string[], opts: MatrixOptions): Promise<void> {
  process.exitCode = await executeMatrix(await prepareMatrix(files, opts), opts);
}
