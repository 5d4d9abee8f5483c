// `run`: every selected fixture on every selected variant; with
// --changed-since REF, only what changed since REF (everything when a shared
// part of the machine changed), a new variant with its parent so that the
// step it adds is compared. A case whose fixture states no expectation for
// its variant fails the run unless --allow-missing-expect: a gate that
// checks nothing must not pass.

import { relative, resolve } from 'node:path';
import { changedSince, type Changes } from '../changes.js';
import { projectRoot } from '../paths.js';
import { kernelFilesOf, readVariantMetas, type VariantMeta } from '../variants/registry.js';
import { changeCounts, changesText, plural } from '../report/render/common.js';
import { renderSummary, SUMMARY_COLUMNS } from '../report/render/summary.js';
import type { Report } from '../report/report-types.generated.js';
import type { Prepared } from '../plan.js';
import { checkFolders, finish, outFolder, prepareRun, runPlan, type CommonOptions } from './session.js';
import { InputError } from '../input-error.js';
import { BLOB_FORMAT, BLOB_VERSION, writeBlob, type ShardBlob } from '../report/shard-blob.js';
import { caseId, type CaseResult } from '../run/result.js';
import { inShard, shardText, type Shard } from '../shard.js';

export interface RunOptions extends CommonOptions {
  variant?: string[];
  series?: string[];
  changedSince?: string;
  /** Do not fail on cases whose fixture has no expectation for their variant. */
  allowMissingExpect?: boolean;
  /** Only every n-th fixture; write a blob for merge instead of reports. */
  shard?: Shard;
}

/**
 * The variants a change reaches: those whose folder changed, and those that
 * run a changed kernel file of an ancestor's folder (a variant inherits the
 * files it does not carry).
 */
async function affected(c: Changes, all: ReadonlyArray<{ meta: VariantMeta; dir: string }>): Promise<Changes> {
  const changed = new Set(c.paths);
  const variants = new Set(c.variants);
  for (const v of all) {
    for (const path of (await kernelFilesOf(v.meta, v.dir)).values()) if (changed.has(relative(projectRoot, path))) variants.add(v.meta.id);
  }
  return { ...c, variants: [...variants].sort() };
}

/** The parents a new variant is compared with, when they would not run otherwise. */
function parentsOfNew(c: Changes, variants: readonly string[], all: ReadonlyArray<{ meta: VariantMeta }>): string[] {
  const parents = c.newVariants.map((id) => all.find((v) => v.meta.id === id)?.meta.parent ?? null);
  return [...new Set(parents.filter((p): p is string => p !== null && !variants.includes(p)))];
}

/** Narrow the selection to what changed; null when nothing that affects results did. */
function selectChanged(c: Changes, opts: RunOptions, all: ReadonlyArray<{ meta: VariantMeta }>): RunOptions | null {
  if (c.shared.length > 0) return opts;
  const variants = c.variants.filter((v) => all.some((x) => x.meta.id === v));
  if (variants.length === 0 && c.fixtures.length === 0) return null;
  // A changed variant runs on every fixture, a changed fixture on every variant; both: everything.
  if (variants.length > 0 && c.fixtures.length > 0) return opts;
  if (variants.length > 0) return { ...opts, variant: [...variants, ...parentsOfNew(c, variants, all)], series: undefined };
  return { ...opts, fixture: c.fixtures };
}

function describeChanges(c: Changes, narrowed: RunOptions | null, original: RunOptions, all: ReadonlyArray<{ meta: VariantMeta }>): string {
  const head = `changed since ${c.ref}: ${c.paths.length} files`;
  if (narrowed === null) return `${head}, none that affects a result; nothing to run\n`;
  if (c.shared.length > 0) return `${head}, including shared parts of the harness (${c.shared.slice(0, 3).join(', ')}${c.shared.length > 3 ? ', ...' : ''}): running everything\n`;
  if (narrowed === original) return `${head}: variants ${c.variants.join(', ')} and fixtures ${c.fixtures.join(', ')}: running everything\n`;
  if (narrowed.variant !== original.variant) {
    const parents = parentsOfNew(c, c.variants, all);
    const changed = narrowed.variant!.filter((v) => !parents.includes(v));
    const compared = parents.length > 0 ? `, and the parent${parents.length > 1 ? 's' : ''} ${parents.join(', ')} of the new variants to compare them with` : '';
    return `${head}: running only variant${changed.length > 1 ? 's' : ''} ${changed.join(', ')}${compared} (on every fixture)\n`;
  }
  return `${head}: running only fixture${c.fixtures.length > 1 ? 's' : ''} ${c.fixtures.join(', ')} (on every variant)\n`;
}

/** What the steps from each new variant's parent to it change, one line each. */
function newVariantLines(report: Report, newVariants: readonly string[]): string[] {
  return report.comparisons
    .filter((s) => newVariants.includes(s.after))
    .map((s) => `new variant ${s.after} against its parent ${s.before}: ${changesText(changeCounts([s]))}; ${s.counts['same-verdict']} with other costs or final state, ${s.counts.identical + s.counts['same-state']} alike`);
}

/** How wide the summary may be: the terminal's width, or summary.txt's when output is not a terminal. */
function terminalColumns(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : SUMMARY_COLUMNS;
}

/** Cases whose fixture says nothing about their variant, by variant. */
function missingExpectations(report: Report): Map<string, number> {
  const expected = new Set(report.expectations.map((e) => e.case));
  const missing = new Map<string, number>();
  for (const c of report.cases) if (!expected.has(c.id)) missing.set(c.variant, (missing.get(c.variant) ?? 0) + 1);
  return missing;
}

/** A run whose input has been checked: what to run, or null when nothing changed that affects a result. */
export interface RunJob {
  prepared: Prepared;
  selected: RunOptions;
  /** Variants --changed-since found new (compared with their parents). */
  newVariants: string[];
}

/** Check the folders and the input, and narrow to what changed when asked; prints what --changed-since found. */
export async function prepareRunJob(opts: RunOptions): Promise<RunJob | null> {
  let selected = opts;
  let newVariants: string[] = [];
  if (opts.changedSince !== undefined) {
    await checkFolders(opts, outFolder(opts));
    const all = await readVariantMetas(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
    const changes = await affected(await changedSince(opts.changedSince), all);
    const narrowed = selectChanged(changes, opts, all);
    process.stdout.write(describeChanges(changes, narrowed, opts, all));
    if (narrowed === null) return null;
    selected = narrowed;
    newVariants = changes.newVariants;
  }
  return { prepared: await prepareRun(selected), selected, newVariants };
}

/** Run a prepared job, write every report (or, for a shard, its blob), print the summary; the exit code. */
export async function executeRun(job: RunJob, opts: RunOptions): Promise<number> {
  const { plan } = job.prepared;
  if (opts.shard === undefined) return reportRun(job, await runPlan(plan, job.selected), opts);
  const shard = opts.shard;
  const indices = plan.cases.flatMap(([f], i) => (inShard(f, shard) ? [i] : []));
  const results = await runPlan({ ...plan, cases: indices.map((i) => plan.cases[i]!) }, job.selected);
  const data: RunShard = { indices, results };
  const file = await writeBlob(outFolder(opts), { format: BLOB_FORMAT, version: BLOB_VERSION, command: 'run', shard, options: resultOptions(opts), data });
  const failed = results.filter((r) => r.status !== 'ok').length;
  process.stdout.write(`shard ${shardText(shard)}: ${plural(indices.length, 'case')} of ${plan.cases.length}${failed > 0 ? `, ${failed} errored or timed out` : ''}; merge every shard's file with: npm run -s cli -- merge FILES\nwrote ${relative(process.cwd(), file)}\n`);
  return failed > 0 ? 1 : 0;
}

/** A shard's results: the indices of its cases in the whole run's plan, and their results. */
interface RunShard {
  indices: number[];
  results: CaseResult[];
}

/** The options that decide a run's result, as a shard's blob records them. */
function resultOptions(opts: RunOptions): Record<string, unknown> {
  const keys = ['fixture', 'fixturesDir', 'variantsDir', 'variant', 'series', 'changedSince', 'allowMissingExpect', 'timeout'] as const;
  return Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

/** `merge` of run shards: the reports of the unsharded run. */
export async function mergeRun(blobs: ReadonlyArray<ShardBlob>, opts: CommonOptions): Promise<void> {
  const runOpts: RunOptions = { ...(blobs[0]!.options as RunOptions), out: opts.out, workers: opts.workers, quiet: opts.quiet };
  const job = await prepareRunJob(runOpts);
  if (job === null) return;
  const { plan } = job.prepared;
  const results = new Array<CaseResult | undefined>(plan.cases.length);
  for (const b of blobs) {
    const d = b.data as RunShard;
    d.indices.forEach((i, k) => (results[i] = d.results[k]));
  }
  const stale = plan.cases.findIndex(([f, v], i) => results[i]?.id !== caseId(plan.scenarios[f]!.id, plan.variants[v]!.meta.id));
  if (stale !== -1) {
    const [f, v] = plan.cases[stale]!;
    throw new InputError([{ file: 'command line', pointer: '/files', message: `the shards do not hold case ${caseId(plan.scenarios[f]!.id, plan.variants[v]!.meta.id)} where this tree's fixtures and variants put it: merge in the tree the shards ran` }]);
  }
  process.exitCode = await reportRun(job, results as CaseResult[], runOpts);
}

/** Write every report of a job's results, print the summary; the exit code. */
async function reportRun(job: RunJob, results: CaseResult[], opts: RunOptions): Promise<number> {
  const { prepared, selected } = job;
  // The selection only: execution options (workers, output folder) do not change the result.
  const args = [
    ...(opts.changedSince !== undefined ? ['--changed-since', opts.changedSince] : []),
    ...(selected.fixture ?? []).flatMap((f) => ['--fixture', f]),
    ...(selected.variant ?? []).flatMap((v) => ['--variant', v]),
    ...(selected.series ?? []).flatMap((s) => ['--series', s]),
  ];
  const { report, written, exitCode } = await finish(prepared, results, selected, { command: { name: 'run', args } });
  const summary = renderSummary(report, terminalColumns());
  process.stdout.write(opts.quiet === true ? summary.slice(0, summary.indexOf('\n\n') + 1) : summary);
  for (const line of newVariantLines(report, job.newVariants)) process.stdout.write(`${line}\n`);
  const missing = missingExpectations(report);
  if (missing.size > 0) {
    const which = [...missing].map(([v, n]) => `${v} (${plural(n, 'fixture')})`).join(', ');
    const verdict = opts.allowMissingExpect === true ? 'allowed by --allow-missing-expect' : 'this fails the run: promote the variant (npm run -s cli -- promote VARIANT) once its verdicts are checked, or pass --allow-missing-expect';
    process.stdout.write(`no expectation for ${which}; ${verdict}\n`);
  }
  process.stdout.write(`reports: ${written.join(', ')}\n`);
  return missing.size > 0 && opts.allowMissingExpect !== true ? Math.max(exitCode, 1) : exitCode;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  const job = await prepareRunJob(opts);
  process.exitCode = job === null ? 0 : await executeRun(job, opts);
}
