// `start`, what `npm start` runs: the corpus on every variant, then the
// exhaustive matrices, in one process. Both inputs are checked before either
// runs (bad input in either stops both, nothing written); then both always
// run, so the matrices are refreshed even when the corpus run finds
// something, and the exit code is the worse of the two.

import { join } from 'node:path';
import { executeMatrix, prepareMatrix } from './matrix.js';
import { executeRun, prepareRunJob, type RunOptions } from './run.js';
import { outFolder } from './session.js';

export async function startCommand(opts: RunOptions): Promise<void> {
  const matrixOptions = { variant: opts.variant, series: opts.series, variantsDir: opts.variantsDir, workers: opts.workers, timeout: opts.timeout, quiet: opts.quiet, out: join(outFolder(opts), 'matrix') };
  const run = await prepareRunJob(opts);
  const matrix = await prepareMatrix([], matrixOptions);
  const runCode = run === null ? 0 : await executeRun(run, opts);
  process.stdout.write('\n');
  const matrixCode = await executeMatrix(matrix, matrixOptions, { summaries: false });
  process.exitCode = Math.max(runCode, matrixCode);
}
