// The command line. Exit codes: 0 nothing regressed, 1 something regressed
// or a case errored or timed out, 2 bad input (nothing is run or written).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InputError, formatProblem } from '../input-error.js';
import { projectRoot } from '../paths.js';
import { FORMATS } from '../report/render/index.js';
import { bisectCommand } from './bisect.js';
import { compareCommand, reviewCommand } from './compare.js';
import { explainCommand } from './explain.js';
import { faultsCommand } from './faults.js';
import { fuzzCommand } from './fuzz.js';
import { matrixCommand } from './matrix.js';
import { mergeCommand } from './merge.js';
import { parseShard } from '../shard.js';
import { promoteCommand } from './promote.js';
import { propagateCommand } from './propagate.js';
import { scaffoldCommand } from './scaffold.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { startCommand } from './start.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

/** Options shared by every command that runs cases. */
function withRunOptions(cmd: Command): Command {
  return cmd
    .option('-f, --fixture <id...>', 'only these fixtures (ids, or paths to fixture files)')
    .option('--fixtures-dir <dir>', 'where the fixtures are (default: fixtures/corpus)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('-o, --out <dir>', 'where to write the reports (default: reports)')
    .option('-j, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--timeout <ms>', 'time budget of one case in milliseconds (default: 2000)', positiveInt)
    .option('-q, --quiet', 'no progress bar; print only the essentials')
    .option('--cost-profile <id>', "price every case with this cost profile (profiles/<id>.json) instead of its fixture's");
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** The version in package.json. */
function version(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Options that choose what `run` and `start` run. */
function withSelection(cmd: Command): Command {
  return cmd
    .option('-v, --variant <id...>', 'only these variants (ids, upstream commit ids or Message-IDs)')
    .option('-s, --series <name...>', 'only the variants of these series (with the base each starts from)')
    .option('--changed-since <ref>', 'only the variants and fixtures changed since this git ref (everything when a shared part of the machine changed; a new variant runs with its parent)')
    .option('--allow-missing-expect', 'do not fail when a fixture states no expected verdict for a variant that ran');
}

/** --shard i/n: one of n disjoint parts of the work, for n machines; `merge` makes the report of the whole. */
function withShard(cmd: Command, what: string): Command {
  return cmd.option('--shard <i/n>', `run only the i-th of n disjoint parts (${what}) and write shard-I-of-N.json for merge instead of reports`, parseShard);
}

/**
 * An argument commander rejects is bad input like any other: one line,
 * naming the command line and pointing at that command's help; exit 2.
 */
function oneLineErrors(cmd: Command, name: string): void {
  cmd.configureOutput({
    outputError: (message, write) => write(`bad input, nothing was run: command line: ${message.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, '; ')} (see ${name} --help)\n`),
  });
  for (const sub of cmd.commands) oneLineErrors(sub, `${name} ${sub.name()}`);
}

export function buildProgram(): Command {
  const program = new Command('dma-harness')
    .description('Runs fixtures (DMA API scenarios) against models of drivers/iommu/dma-iommu.c and reports what changes in behaviour.')
    .version(`dma-iommu-harness ${version()}`, '-V, --version', 'print the version')
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 nothing regressed, 1 something regressed or a case errored or timed out, 2 bad input.');

  withShard(
    withRunOptions(
      withSelection(program.command('run').description('Run every fixture on every variant (or a selection), print the matrix and write all reports.')),
    ),
    'every n-th fixture',
  ).action(runCommand);

  withRunOptions(
    withSelection(
      program
        .command('start')
        .description('What npm start runs: `run`, then the exhaustive matrices (`matrix`) into OUT/matrix, in one process; both always run, and the exit code is the worse of the two.'),
    ),
  ).action(startCommand);

  withRunOptions(
    program
      .command('compare')
      .description('Compare two variants fixture by fixture, at graded strengths; exit 1 if anything regressed.')
      .argument('<a>', 'the variant before (id, upstream commit id or Message-ID)')
      .argument('<b>', 'the variant after'),
  ).action(compareCommand);

  withRunOptions(
    program
      .command('review')
      .description("Compare a variant with its parent and print a reviewer's e-mail: fixes, regressions, bytes, costs, replay commands. With --kernel-tree, review a posted C patch as it is.")
      .argument('[variant]', 'the variant to review (id, upstream commit id or Message-ID)')
      .option('--kernel-tree <dir>', 'a kernel git tree: build --base and each --patch on it from its own C (the tree is only read)')
      .option('--base <rev>', 'with --kernel-tree: the revision the patches apply to')
      .option('--patch <file...>', 'with --kernel-tree: the patches, in order (mboxes or diffs; an mbox may hold a whole series)'),
  ).action(reviewCommand);

  withRunOptions(
    program
      .command('bisect')
      .description('Find, for each fixture, the first variant along a series where its verdict (or trace) changes; or, with --git GOOD..BAD, the commit of this repository where one case changed.')
      .option('-s, --series <name>', 'the series to bisect (a chain of variants)')
      .option('--git <GOOD..BAD>', "bisect this repository's history instead (needs one --fixture and --variant); runs in a temporary worktree")
      .option('-v, --variant <id>', 'with --git: the variant whose case to follow')
      .option('--trace', 'look for trace changes, not only verdict changes'),
  ).action(bisectCommand);

  const fuzz = withRunOptions(
    program
      .command('fuzz')
      .description('Generate correct-driver scenarios, keep those that change behaviour along a series or still violate on its last variant, shrink them, and write them out as fixtures.')
      .option('-s, --series <name>', 'the series to search (a chain of variants)')
      .option('--against <c-variant>', "instead: look for scenarios on which a C variant and its model (its variant.json's model) disagree")
      .option('--seed <n>', 'random seed; the same seed and run count give the same findings (default 1)', nonNegativeInt)
      .option('--runs <n>', 'scenarios to generate (default 2000 unless --time is given)', positiveInt)
      .option('--time <seconds>', 'stop after this many seconds instead (results then depend on the machine)', positiveInt)
      .addOption(new Option('--swiotlb <which>', 'CONFIG_SWIOTLB values to search (default both)').choices(['on', 'off', 'both']))
      .option('--max-commands <n>', 'longest driver sequence (default 12)', positiveInt)
      .option('--untrusted', 'only untrusted devices (the ones dma-iommu bounces for)')
      .option('--noncoherent', 'only non-coherent devices (the ones that need cache maintenance)')
      .addOption(new Option('--platform <iommu>', "only this IOMMU page-table format (default: all three)").choices(['arm', 'arm-s2', 'intel']))
      .option('--replay <fixture-file>', 'regenerate a written finding from the seed and paths in its origin, print it, and fail if it differs; then stop'),
  );
  withShard(fuzz, 'every n-th share of 100 scenarios of the seed stream').action(fuzzCommand);

  program
    .command('merge')
    .description('Merge the shard-I-of-N.json files that run, matrix or fuzz wrote with --shard into the reports of the whole run, byte for byte those of the run unsplit.')
    .argument('<files...>', 'shard files, or folders holding them')
    .option('-o, --out <dir>', 'where to write the reports (default: where the command would write them)')
    .option('-j, --workers <n>', 'worker threads, for what is left to run (default: one per core)', positiveInt)
    .option('--timeout <ms>', 'time budget of one case in milliseconds (default: 2000)', positiveInt)
    .option('-q, --quiet', 'no progress bar; print only the essentials')
    .action(mergeCommand);

  withRunOptions(
    program
      .command('faults')
      .description('Run each fixture failing its allocations one at a time (an IOVA range, swiotlb slots, page-table memory), N = 1, 2, ... until none is left to fail, and report what each error path leaves behind.')
      .option('-v, --variant <id...>', 'only these variants (ids, or upstream commit ids)')
      .option('-s, --series <name...>', 'only the variants of these series')
      .addOption(new Option('--kind <kind...>', 'only these kinds of allocation (default all)').choices(['iova', 'swiotlb', 'pgtable', 'pages', 'slab'])),
  ).action(faultsCommand);

  program
    .command('scaffold')
    .description("Start modelling a proposed patch: a new variant whose parent is --from, with copies of the kernel files the patch touches (dma-iommu by default), registered with the patch's subject and origin.")
    .argument('<id>', 'the new variant id (the folder name)')
    .requiredOption('--from <parent>', 'the variant the patch applies to')
    .requiredOption('--subject <subject>', "the patch's subject line")
    .option('--message-id <id>', "the posting's Message-ID, <...>")
    .option('--link <url>', 'where the posting or review can be read')
    .option('--author <name>', "the patch's author")
    .option('--series <name>', 'the series it belongs to (default review-<id>)')
    .option('--date <YYYY-MM-DD>', 'date of the posting (default today)')
    .option('--files <names...>', 'kernel files to copy, e.g. dma-iommu swiotlb (default dma-iommu)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .action(scaffoldCommand);

  withRunOptions(
    program
      .command('promote')
      .description("Write today's verdicts into the fixtures' expect for the variants named (all fixtures, or --fixture).")
      .argument('<variant...>', 'variant ids (or upstream commit ids)')
      .option('--dry-run', 'say what would change, write nothing'),
  ).action(promoteCommand);

  program
    .command('propagate')
    .description("Carry an edit of a variant's kernel files into the copies its descendants carry, by three-way merge; stop, writing nothing, on a conflict.")
    .argument('<variant>', 'the variant whose files were edited')
    .option('--base <ref>', 'the git ref the edit is measured from (default HEAD)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('--dry-run', 'say what would change, write nothing')
    .action(propagateCommand);

  const matrix = program
    .command('matrix')
    .description('Exhaustive small-scope mode: expand matrix fixtures (fixtures/matrix by default), run every instance on every variant, and say per variant whether the contract breaks always, sometimes or never, with counts and the smallest violating instance.')
    .argument('[files...]', 'matrix fixture files (default: fixtures/matrix/*.json)')
    .option('-v, --variant <id...>', 'only these variants (ids, or upstream commit ids)')
    .option('-s, --series <name...>', 'only the variants of these series')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('-o, --out <dir>', 'where to write matrix.{json,md,txt} (default: reports/matrix)')
    .option('-j, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--timeout <ms>', 'time budget of one case in milliseconds (default: 2000)', positiveInt)
    .option('-q, --quiet', 'print only the totals');
  withShard(matrix, 'every n-th instance').action(matrixCommand);

  program
    .command('explain')
    .description('Run one fixture on one variant and show it step by step: trace, violations, costs, final state.')
    .argument('<fixture>', 'fixture id, or path to a fixture file')
    .requiredOption('-v, --variant <id>', 'variant id, or upstream commit id')
    .option('--fixtures-dir <dir>', 'where the fixtures are (default: fixtures/corpus)')
    .option('--variants-dir <dir>', 'where the variants are (default: variants)')
    .option('--timeout <ms>', 'time budget in milliseconds', positiveInt)
    .option('--cost-profile <id>', "price the case with this cost profile (profiles/<id>.json) instead of its fixture's")
    .action(explainCommand);

  program
    .command('report')
    .description('Re-render reports from a saved report.json.')
    .argument('<report.json>', 'a canonical report written by another command')
    .option('--format <format...>', `formats to render: ${FORMATS.join(', ')} (default: all)`)
    .option('-o, --out <dir>', 'write files here (default: print a single format to stdout)')
    .option('--since <older.json>', 'instead: what changed since an older report (trees, fixtures and variants by content hash, case outcomes)')
    .action(reportCommand);

  oneLineErrors(program, 'dma-harness');
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

/**
 * A reader that stops reading (`explain ... | head`) is not an error: what
 * is left to print is dropped, and the command finishes its work (a run
 * still writes every report) and exits with its own code.
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

process.setSourceMapsEnabled(true);

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  ignoreClosedPipe(process.stdout);
  process.exitCode = await main(process.argv.slice(2));
}
