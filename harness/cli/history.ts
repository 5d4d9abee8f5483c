// `bisect --git GOOD..BAD --fixture F --variant V`: the commit of this
// repository where one case's verdict or trace changed (after a model fix,
// say). Each commit tested is checked out in a separate, temporary git
// worktree, built there and run there, so the user's working copy and branch
// are never touched; the worktree is removed at the end, on error, and on
// Ctrl-C.

import { execFile, type ChildProcess, type ExecFileOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { simpleGit, type SimpleGit } from 'simple-git';
import { InputError, type InputProblem } from '../input-error.js';
import { projectRoot } from '../paths.js';
import { outcome } from '../report/render/common.js';
import type { Report } from '../report/report-types.generated.js';

const run = promisify(execFile);

export interface HistoryOptions {
  git: string;
  fixture?: string[];
  variant?: string;
}

interface Outcome {
  /** What is compared: status, verdict and trace. */
  key: string;
  verdict: string;
  trace: string[];
}

async function commitOf(git: SimpleGit, ref: string): Promise<string | null> {
  const out = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
  return out.trim() === '' ? null : out.trim();
}

async function exists(git: SimpleGit, commit: string, path: string): Promise<boolean> {
  return git
    .raw(['cat-file', '-e', `${commit}:${path}`])
    .then(() => true)
    .catch(() => false);
}

async function subjectOf(git: SimpleGit, commit: string): Promise<string> {
  return (await git.raw(['log', '-1', '--format=%h %s', commit])).trim();
}

/** Check everything before any checkout: refs, range, the case at both ends, uncommitted changes that matter. */
async function checkInput(git: SimpleGit, opts: HistoryOptions): Promise<{ good: string; bad: string; commits: string[]; fixture: string; variant: string }> {
  const problems: InputProblem[] = [];
  const m = /^(.+?)\.\.(.+)$/.exec(opts.git);
  const fixture = opts.fixture?.[0];
  if (m === null) problems.push({ file: 'command line', pointer: '/git', message: `expected GOOD..BAD, got "${opts.git}"` });
  if (fixture === undefined || (opts.fixture?.length ?? 0) > 1) problems.push({ file: 'command line', pointer: '/fixture', message: 'bisect --git needs exactly one --fixture' });
  if (opts.variant === undefined) problems.push({ file: 'command line', pointer: '/variant', message: 'bisect --git needs --variant' });
  if (problems.length > 0) throw new InputError(problems);
  const [, goodRef, badRef] = m!;
  const good = await commitOf(git, goodRef!);
  const bad = await commitOf(git, badRef!);
  if (good === null) problems.push({ file: 'command line', pointer: '/git', message: `unknown git ref "${goodRef}"` });
  if (bad === null) problems.push({ file: 'command line', pointer: '/git', message: `unknown git ref "${badRef}"` });
  if (problems.length > 0) throw new InputError(problems);
  const commits = (await git.raw(['rev-list', '--reverse', '--first-parent', `${good}..${bad}`])).split('\n').filter((c) => c !== '');
  if (commits.length === 0) throw new InputError([{ file: 'command line', pointer: '/git', message: `${badRef} has no commits after ${goodRef}` }]);

  const fixturePath = `fixtures/corpus/${fixture}.json`;
  const variantPath = `variants/${opts.variant}/variant.json`;
  for (const [ref, commit] of [[goodRef!, good!], [badRef!, bad!]] as const) {
    if (!(await exists(git, commit, fixturePath))) problems.push({ file: 'command line', pointer: '/fixture', message: `no fixture "${fixture}" (${fixturePath}) at ${ref}` });
    if (!(await exists(git, commit, variantPath))) problems.push({ file: 'command line', pointer: '/variant', message: `no variant "${opts.variant}" (${variantPath}) at ${ref}` });
  }
  // Uncommitted changes are not part of any commit: say so when the range ends at HEAD and they touch the case.
  const head = await commitOf(git, 'HEAD');
  if (bad === head) {
    const status = await git.status();
    const relevant = status.files.map((f) => f.path).filter((p) => p === fixturePath || p.startsWith(`variants/${opts.variant}/`) || p.startsWith('harness/'));
    if (relevant.length > 0) {
      problems.push({ file: 'command line', pointer: '/git', message: `${badRef} is HEAD, but uncommitted changes to ${relevant.slice(0, 3).join(', ')} are not part of it: commit or stash them first` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return { good: good!, bad: bad!, commits, fixture: fixture!, variant: opts.variant! };
}

class Worktree {
  private removed = false;
  /** The child process running now, and its end: stopped and awaited before removal. */
  private active: ChildProcess | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly git: SimpleGit,
    readonly dir: string,
  ) {}

  /** A worktree in a new temporary folder; add() puts a commit there. */
  static async reserve(git: SimpleGit): Promise<Worktree> {
    return new Worktree(git, await mkdtemp(join(tmpdir(), 'harness-bisect-')));
  }

  private exec(file: string, args: string[], options: ExecFileOptions): Promise<{ stdout: string; stderr: string }> {
    if (this.removed) return Promise.reject(new Error('interrupted'));
    const p = run(file, args, { ...options, encoding: 'utf8', maxBuffer: 1 << 24 }) as Promise<{ stdout: string; stderr: string }> & { child: ChildProcess };
    this.active = p.child;
    this.busy = p.catch(() => undefined);
    return p;
  }

  async add(commit: string): Promise<void> {
    await this.exec('git', ['worktree', 'add', '--detach', '--quiet', this.dir, commit], { cwd: projectRoot });
    await symlink(join(projectRoot, 'node_modules'), join(this.dir, 'node_modules'));
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    this.active?.kill('SIGTERM');
    await this.busy;
    await this.git.raw(['worktree', 'remove', '--force', this.dir]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
    await this.git.raw(['worktree', 'prune']).catch(() => undefined);
  }

  /** Check out a commit, build it, and run the one case there. */
  async outcome(commit: string, fixture: string, variant: string): Promise<Outcome> {
    await this.exec('git', ['checkout', '--quiet', '--detach', '--force', commit], { cwd: this.dir });
    const tsc = join(this.dir, 'node_modules', 'typescript', 'bin', 'tsc');
    await this.exec(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: this.dir }).catch((e: { stdout?: string }) => {
      throw new Error(`the tree at ${commit.slice(0, 12)} does not build:\n${e.stdout ?? ''}`);
    });
    const out = join(this.dir, '.bisect-report');
    const cli = join(this.dir, 'dist', 'harness', 'cli', 'main.js');
    await this.exec(process.execPath, [cli, 'run', '--fixture', fixture, '--variant', variant, '--out', out, '--workers', '1', '--quiet'], { cwd: this.dir, env: { ...process.env, CI: 'true' } }).catch(
      (e: { code?: number; stderr?: string }) => {
        if (e.code !== 1) throw new Error(`at ${commit.slice(0, 12)} the case does not run:\n${e.stderr ?? ''}`);
      },
    );
    if (!existsSync(join(out, 'report.json'))) throw new Error(`at ${commit.slice(0, 12)} the run wrote no report`);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Pick<Report, 'cases'>;
    await rm(out, { recursive: true, force: true });
    const c = report.cases[0]!;
    const verdict = outcome(c);
    const trace = c.status === 'ok' ? c.trace : [];
    return { key: `${verdict}\n${trace.join('\n')}`, verdict, trace };
  }
}

export async function historyBisect(opts: HistoryOptions): Promise<void> {
  const git = simpleGit(projectRoot);
  if (!(await git.checkIsRepo().catch(() => false))) throw new InputError([{ file: 'command line', pointer: '/git', message: `${projectRoot} is not a git work tree` }]);
  const { good, bad, commits, fixture, variant } = await checkInput(git, opts);

  // Whatever happens from here on, the worktree goes away.
  const tree = await Worktree.reserve(git);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    void tree.remove().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await tree.add(good);
    const tested = new Map<string, Outcome>();
    const outcome = async (commit: string): Promise<Outcome> => {
      let o = tested.get(commit);
      if (o === undefined) {
        process.stderr.write(`testing ${await subjectOf(git, commit)}\n`);
        o = await tree.outcome(commit, fixture, variant);
        tested.set(commit, o);
      }
      return o;
    };
    const before = await outcome(good);
    const after = await outcome(bad);
    const head = `${fixture} on ${variant}, ${opts.git} (${commits.length} commits)`;
    if (before.key === after.key) {
      process.stdout.write(`${head}: no change (${before.verdict}, identical trace at both ends)\n`);
      return;
    }
    // commits[hi] differs from good; commits[lo] (or good, lo = -1) does not.
    let lo = -1;
    let hi = commits.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await outcome(commits[mid]!)).key === before.key) lo = mid;
      else hi = mid;
    }
    const first = commits[hi]!;
    const parent = lo === -1 ? good : commits[lo]!;
    const a = await outcome(parent);
    const b = await outcome(first);
    const what = a.verdict !== b.verdict ? `verdict ${a.verdict} -> ${b.verdict}` : `trace changes (verdict ${a.verdict} both)`;
    const out = [`${head}:`, `first changed at ${await subjectOf(git, first)}`, `  ${what}`, `  ${tested.size} commits built and run`, ''];
    out.push(createTwoFilesPatch(`trace at ${parent.slice(0, 12)}`, `trace at ${first.slice(0, 12)}`, a.trace.join('\n') + '\n', b.trace.join('\n') + '\n', '', '', { context: 2 }));
    process.stdout.write(out.join('\n'));
  } catch (e) {
    // An interrupted step fails as its worktree vanishes: leave the exit to the signal handler.
    if (interrupted) await new Promise(() => undefined);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await tree.remove();
  }
}
