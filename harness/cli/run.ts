// `run`: every selected fixture on every selected variant.

import { resolve } from 'node:path';
import { prepare } from '../plan.js';
import { reportsDir } from '../paths.js';
import { buildReport } from '../report/build.js';
import { renderSummary } from '../report/summary.js';
import { treeInfo } from '../report/tree.js';
import { writeReportFiles } from '../report/write.js';
import { runCases } from '../runner/pool.js';

export interface RunOptions {
  fixture?: string[];
  variant?: string[];
  series?: string[];
  fixturesDir?: string;
  variantsDir?: string;
  out?: string;
  workers?: number;
  timeout?: number;
  quiet?: boolean;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  const prepared = await prepare({
    fixtures: opts.fixture,
    variants: opts.variant,
    series: opts.series,
    fixturesDir: opts.fixturesDir !== undefined ? resolve(opts.fixturesDir) : undefined,
    variantsDir: opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined,
  });
  const tree = await treeInfo();
  const results = await runCases(prepared.plan, { workers: opts.workers, timeoutMs: opts.timeout });
  const report = await buildReport(prepared.plan.scenarios, prepared.plan.variants, prepared.series, results, tree);
  const summary = renderSummary(report);
  const written = await writeReportFiles(resolve(opts.out ?? reportsDir), {
    'report.json': JSON.stringify(report, null, 1) + '\n',
    'summary.txt': summary,
  });
  process.stdout.write(opts.quiet === true ? summary.split('\n')[0] + '\n' : summary);
  process.stdout.write(`reports: ${written.join(', ')}\n`);
  const t = report.totals;
  process.exitCode = t.error > 0 || t.timeout > 0 || t.expectations_failed > 0 ? 1 : 0;
}
