// `run`: every selected fixture on every selected variant; with
// --changed-since REF, only what changed since REF (everything when a shared
// part of the machine changed).

import { relative, resolve } from 'node:path';
import { changedSince, type Changes } from '../changes.js';
import { projectRoot } from '../paths.js';
import { kernelFilesOf, readVariantMetas, type VariantMeta } from '../variants/registry.js';
import { RENDERERS } from '../report/render/index.js';
import type { Prepared } from '../plan.js';
import { checkFolders, finish, outFolder, prepareRun, runPlan, type CommonOptions } from './session.js';

export interface RunOptions extends CommonOptions {
  variant?: string[];
  series?: string[];
  changedSince?: string;
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

/** Narrow the selection to what changed; null when nothing that affects results did. */
function selectChanged(c: Changes, opts: RunOptions, variantIds: ReadonlySet<string>): RunOptions | null {
  if (c.shared.length > 0) return opts;
  const variants = c.variants.filter((v) => variantIds.has(v));
  if (variants.length === 0 && c.fixtures.length === 0) return null;
  // A changed variant runs on every fixture, a changed fixture on every variant; both: everything.
  if (variants.length > 0 && c.fixtures.length > 0) return opts;
  if (variants.length > 0) return { ...opts, variant: variants, series: undefined };
  return { ...opts, fixture: c.fixtures };
}

function describeChanges(c: Changes, narrowed: RunOptions | null, original: RunOptions): string {
  const head = `changed since ${c.ref}: ${c.paths.length} files`;
  if (narrowed === null) return `${head}, none that affects a result; nothing to run\n`;
  if (c.shared.length > 0) return `${head}, including shared parts of the harness (${c.shared.slice(0, 3).join(', ')}${c.shared.length > 3 ? ', ...' : ''}): running everything\n`;
  if (narrowed === original) return `${head}: variants ${c.variants.join(', ')} and fixtures ${c.fixtures.join(', ')}: running everything\n`;
  if (narrowed.variant !== original.variant) return `${head}: running only variant${narrowed.variant!.length > 1 ? 's' : ''} ${narrowed.variant!.join(', ')} (on every fixture)\n`;
  return `${head}: running only fixture${c.fixtures.length > 1 ? 's' : ''} ${c.fixtures.join(', ')} (on every variant)\n`;
}

/** A run whose input has been checked: what to run, or null when nothing changed that affects a result. */
export interface RunJob {
  prepared: Prepared;
  selected: RunOptions;
}

/** Check the folders and the input, and narrow to what changed when asked; prints what --changed-since found. */
export async function prepareRunJob(opts: RunOptions): Promise<RunJob | null> {
  let selected = opts;
  if (opts.changedSince !== undefined) {
    await checkFolders(opts, outFolder(opts));
    const all = await readVariantMetas(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
    const changes = await affected(await changedSince(opts.changedSince), all);
    const narrowed = selectChanged(changes, opts, new Set(all.map((v) => v.meta.id)));
    process.stdout.write(describeChanges(changes, narrowed, opts));
    if (narrowed === null) return null;
    selected = narrowed;
  }
  return { prepared: await prepareRun(selected), selected };
}

/** Run a prepared job, write every report, print the summary; the exit code. */
export async function executeRun(job: RunJob, opts: RunOptions): Promise<number> {
  const { prepared, selected } = job;
  const results = await runPlan(prepared.plan, selected);
  // The selection only: execution options (workers, output folder) do not change the result.
  const args = [
    ...(opts.changedSince !== undefined ? ['--changed-since', opts.changedSince] : []),
    ...(selected.fixture ?? []).flatMap((f) => ['--fixture', f]),
    ...(selected.variant ?? []).flatMap((v) => ['--variant', v]),
    ...(selected.series ?? []).flatMap((s) => ['--series', s]),
  ];
  const { report, written, exitCode } = await finish(prepared, results, selected, { command: { name: 'run', args } });
  const summary = RENDERERS.summary.render(report);
  process.stdout.write(opts.quiet === true ? summary.split('\n')[0] + '\n' : summary);
  process.stdout.write(`reports: ${written.join(', ')}\n`);
  return exitCode;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  const job = await prepareRunJob(opts);
  process.exitCode = job === null ? 0 : await executeRun(job, opts);
}
