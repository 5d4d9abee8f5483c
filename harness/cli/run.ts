// `run`: every selected fixture on every selected variant.

import { RENDERERS } from '../report/render/index.js';
import { finish, planOptions, prepare, runPlan, type CommonOptions } from './session.js';

export interface RunOptions extends CommonOptions {
  variant?: string[];
  series?: string[];
}

export async function runCommand(opts: RunOptions): Promise<void> {
  const prepared = await prepare(planOptions(opts));
  const results = await runPlan(prepared.plan, opts);
  // The selection only: execution options (workers, output folder) do not change the result.
  const args = [
    ...(opts.fixture ?? []).flatMap((f) => ['--fixture', f]),
    ...(opts.variant ?? []).flatMap((v) => ['--variant', v]),
    ...(opts.series ?? []).flatMap((s) => ['--series', s]),
  ];
  const { report, written } = await finish(prepared, results, opts, { command: { name: 'run', args } });
  const summary = RENDERERS.summary.render(report);
  process.stdout.write(opts.quiet === true ? summary.split('\n')[0] + '\n' : summary);
  process.stdout.write(`reports: ${written.join(', ')}\n`);
}
