// The command line. Exit codes: 0 nothing regressed, 1 something regressed
// or a case errored or timed out, 2 bad input (nothing is run or written).

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { InputError, formatProblem } from '../input-error.js';
import { explainCommand } from './explain.js';
import { runCommand } from './run.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('dma-harness')
    .description('Runs fixtures (DMA API scenarios) against models of drivers/iommu/dma-iommu.c and reports what changes in behaviour.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('Run every fixture on every variant (or a selection), print the matrix and write reports.')
    .option('-f, --fixture <id...>', 'only these fixtures (ids, or paths to fixture files)')
    .option('-v, --variant <id...>', 'only these variants (ids, or upstream commit ids)')
    .option('-s, --series <name...>', 'only the variants of these series (with the base each starts from)')
    .option('--fixtures-dir <dir>', 'where the fixtures are (default: fixtures/corpus)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('-o, --out <dir>', 'where to write the reports (default: reports)')
    .option('-j, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--timeout <ms>', 'time budget of one case in milliseconds', positiveInt)
    .option('-q, --quiet', 'print only the totals and problems')
    .action(runCommand);

  program
    .command('explain')
    .description('Run one fixture on one variant and show it step by step: trace, violations, costs, final state.')
    .argument('<fixture>', 'fixture id, or path to a fixture file')
    .requiredOption('-v, --variant <id>', 'variant id, or upstream commit id')
    .option('--fixtures-dir <dir>', 'where the fixtures are (default: fixtures/corpus)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('--timeout <ms>', 'time budget in milliseconds', positiveInt)
    .action(explainCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`bad input, nothing was run:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  process.exitCode = await main(process.argv.slice(2));
}
