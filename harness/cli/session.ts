// What every command that runs cases shares: prepare the input (bad input
// stops here, exit 2), run the cases on the pool with a progress bar, build
// the canonical report, write every format all at once, set the exit code.

import { resolve } from 'node:path';
import { inputFolderProblems, outputFolderProblems } from '../folders.js';
import { InputError } from '../input-error.js';
import { prepare, type PlanOptions, type Prepared } from '../plan.js';
import { reportsDir } from '../paths.js';
import { buildReport, exitCodeOf, type Report, type ReportInput } from '../report/build.js';
import { renderAll } from '../report/render/index.js';
import { treeInfo } from '../report/tree.js';
import { writeReportFiles } from '../report/write.js';
import type { CaseResult } from '../run/result.js';
import { runCases, type CasePlan } from '../runner/pool.js';
import { progress } from './progress.js';

export interface CommonOptions {
  fixture?: string[];
  fixturesDir?: string;
  variantsDir?: string;
  out?: string;
  workers?: number;
  timeout?: number;
  quiet?: boolean;
}

export function planOptions(opts: CommonOptions & { variant?: string[]; series?: string[] }): PlanOptions {
  return {
    fixtures: opts.fixture,
    variants: opts.variant,
    series: opts.series,
    fixturesDir: opts.fixturesDir !== undefined ? resolve(opts.fixturesDir) : undefined,
    variantsDir: opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined,
  };
}

/** The folder a command writes its reports into. */
export function outFolder(opts: Pick<CommonOptions, 'out'>, fallback: string = reportsDir): string {
  return resolve(opts.out ?? fallback);
}

/**
 * The folders a command names, checked before anything else: those it reads
 * must be folders, the one it writes into must be writable. Bad input (exit
 * 2) when any is not, with nothing run and nothing written.
 */
export async function checkFolders(opts: Pick<CommonOptions, 'fixturesDir' | 'variantsDir'>, out: string | null): Promise<void> {
  const problems = [
    ...(opts.fixturesDir !== undefined ? await inputFolderProblems(resolve(opts.fixturesDir), '/fixtures-dir') : []),
    ...(opts.variantsDir !== undefined ? await inputFolderProblems(resolve(opts.variantsDir), '/variants-dir') : []),
    ...(out !== null ? await outputFolderProblems(out, '/out') : []),
  ];
  if (problems.length > 0) throw new InputError(problems);
}

/** Check the folders, then load and check the input of a command that runs cases and writes reports. */
export async function prepareRun(opts: CommonOptions & { variant?: string[]; series?: string[] }): Promise<Prepared> {
  await checkFolders(opts, outFolder(opts));
  return prepare(planOptions(opts));
}

export async function runPlan(plan: CasePlan, opts: CommonOptions): Promise<CaseResult[]> {
  const bar = progress('running', opts.quiet === true);
  try {
    return await runCases(plan, { workers: opts.workers, timeoutMs: opts.timeout, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
}

export async function finish(
  prepared: Prepared,
  results: CaseResult[],
  opts: CommonOptions,
  extra: Pick<ReportInput, 'command' | 'comparisons' | 'bisections' | 'fuzz' | 'faults' | 'sourceDiffs'>,
): Promise<{ report: Report; written: string[]; exitCode: number }> {
  const report = await buildReport({
    ...extra,
    tree: await treeInfo(),
    scenarios: prepared.plan.scenarios,
    variants: prepared.plan.variants,
    series: prepared.series,
    cases: results,
  });
  const written = await writeReportFiles(outFolder(opts), renderAll(report));
  const harnessErrors = results.filter((c) => c.status === 'error' && c.origin === 'harness');
  if (harnessErrors.length > 0) {
    const first = harnessErrors[0]!;
    process.stderr.write(`harness error in ${harnessErrors.length} case${harnessErrors.length === 1 ? '' : 's'}, a bug in the harness, not in the variants (first: ${first.id}: ${first.status === 'error' ? first.message : ''})\n`);
  }
  const exitCode = exitCodeOf(report);
  process.exitCode = exitCode;
  return { report, written, exitCode };
}

export { prepare };
