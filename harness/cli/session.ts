// What every command that runs cases shares: prepare the input (bad input
// stops here, exit 2), run the cases on the pool with a progress bar, build
// the canonical report, write every format all at once, set the exit code.

import { resolve } from 'node:path';
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
  /** Price every case with this cost profile instead of its fixture's. */
  costProfile?: string;
}

export function planOptions(opts: CommonOptions & { variant?: string[]; series?: string[] }): PlanOptions {
  return {
    fixtures: opts.fixture,
    variants: opts.variant,
    series: opts.series,
    fixturesDir: opts.fixturesDir !== undefined ? resolve(opts.fixturesDir) : undefined,
    variantsDir: opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined,
    costProfile: opts.costProfile,
  };
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
): Promise<{ report: Report; written: string[] }> {
  const report = await buildReport({
    ...extra,
    tree: await treeInfo(),
    scenarios: prepared.plan.scenarios,
    variants: prepared.plan.variants,
    series: prepared.series,
    cases: results,
  });
  const written = await writeReportFiles(resolve(opts.out ?? reportsDir), renderAll(report));
  process.exitCode = exitCodeOf(report);
  return { report, written };
}

export { prepare };
