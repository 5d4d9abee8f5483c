// `review --kernel-tree DIR --base REV --patch FILE...`: review a posted C
// patch as it is. The base and each patch of the series (each mail of an
// mbox, each file) become C variants, written under the output folder
// (reports/variants by default, so a case can be replayed with
// --variants-dir); the run builds each from the tree's files (read with git
// archive: the tree is left as it was) and runs the corpus on it. The
// reviewer's e-mail, one per patch, replies to the patch's Message-ID.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isoDate, splitPatches, type PatchMail } from '../ckernel/mail.js';
import { InputError, type InputProblem } from '../input-error.js';
import { comparisonSet } from '../report/build.js';
import { RENDERERS } from '../report/render/index.js';
import { sourceDiff } from '../report/source-diff.js';
import { checkFolders, finish, outFolder, planOptions, prepare, runPlan, type CommonOptions } from './session.js';

const run = promisify(execFile);

export interface ReviewTreeOptions extends CommonOptions {
  kernelTree?: string;
  base?: string;
  patch?: string[];
}

/** The series' steps from the patch files, in order; bad input is one InputError. */
async function readSeries(files: readonly string[]): Promise<PatchMail[]> {
  const problems: InputProblem[] = [];
  const out: PatchMail[] = [];
  for (const f of files) {
    const text = await readFile(resolve(f), 'utf8').catch(() => null);
    if (text === null) {
      problems.push({ file: 'command line', pointer: '/patch', message: `cannot read ${f}` });
      continue;
    }
    const mails = splitPatches(text, f.split('/').pop()!);
    mails.forEach((m, i) => {
      if (!/^(diff --git |--- )/m.test(m.text)) problems.push({ file: f, pointer: '', message: `mail ${i + 1} ("${m.subject}") holds no diff` });
    });
    out.push(...mails);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

async function resolveBase(tree: string, base: string): Promise<string> {
  const problem = (message: string): InputError => new InputError([{ file: 'command line', pointer: '/kernel-tree', message }]);
  if (!existsSync(tree)) throw problem(`no directory ${tree}`);
  try {
    return (await run('git', ['-C', tree, 'rev-parse', '--verify', `${base}^{commit}`])).stdout.trim();
  } catch {
    throw problem(`${tree} has no commit "${base}" (a git tree and a revision in it are needed)`);
  }
}

export async function reviewKernelTreeCommand(opts: ReviewTreeOptions): Promise<void> {
  const missing = (['kernelTree', 'base', 'patch'] as const).filter((k) => opts[k] === undefined);
  if (missing.length > 0) {
    throw new InputError([{ file: 'command line', pointer: '/kernel-tree', message: 'expected --kernel-tree DIR, --base REV and --patch FILE together (or a variant to review)' }]);
  }
  const out = outFolder(opts);
  await checkFolders(opts, out);
  const tree = resolve(opts.kernelTree!);
  const commit = await resolveBase(tree, opts.base!);
  const mails = await readSeries(opts.patch!);
  const variantsDir = join(out, 'variants');
  await rm(variantsDir, { recursive: true, force: true });

  // The variants: the base, then one per patch on top of the one before.
  const today = new Date().toISOString().slice(0, 10);
  const common = { kind: 'c', series: 'review', changes: {}, effects: [] };
  await writeVariant(variantsDir, 'base', {
    ...common,
    id: 'base',
    parent: null,
    date: today,
    subject: `${opts.base} (${commit.slice(0, 12)}) of ${tree}`,
    summary: `The tree the series applies to, built from its own C.`,
    kernel: { tree, rev: commit },
  });
  const ids: string[] = ['base'];
  for (const [i, m] of mails.entries()) {
    const id = `patch-${i + 1}`;
    await writeVariant(
      variantsDir,
      id,
      {
        ...common,
        id,
        parent: ids[ids.length - 1],
        date: isoDate(m.date) ?? today,
        subject: m.subject,
        ...(m.author === undefined ? {} : { author: m.author }),
        ...(m.messageId === undefined ? {} : { upstream: { message_id: m.messageId } }),
        summary: `The posted patch, built on ${ids[ids.length - 1]}.`,
        patches: ['patch.mbox'],
      },
      m.text,
    );
    ids.push(id);
  }

  const prepared = await prepare(planOptions({ ...opts, variantsDir, variant: ids }));
  const results = await runPlan(prepared.plan, opts);
  const fixtures = prepared.plan.scenarios.map((s) => s.id);
  const variantOf = (id: string) => prepared.allVariants.find((v) => v.meta.id === id)!;
  const sets = ids.slice(1).map((id, i) => comparisonSet(results, fixtures, ids[i]!, id, null));
  const diffs = await Promise.all(ids.slice(1).map((id, i) => sourceDiff(variantOf(ids[i]!), variantOf(id))));
  const args = ['--kernel-tree', tree, '--base', opts.base!, ...opts.patch!.flatMap((p) => ['--patch', p])];
  const { report } = await finish(prepared, results, { ...opts, out }, { command: { name: 'review', args }, comparisons: sets, sourceDiffs: diffs });
  // One e-mail per patch, each in reply to its own posting.
  const mailsText = sets.map((set, i) => RENDERERS.email.render({ ...report, comparisons: [set], source_diffs: [diffs[i]!] })).join('\n');
  await writeFile(join(out, 'email.txt'), mailsText);
  process.stdout.write(mailsText);
}

async function writeVariant(dir: string, id: string, meta: Record<string, unknown>, patch?: string): Promise<void> {
  await mkdir(join(dir, id), { recursive: true });
  await writeFile(join(dir, id, 'variant.json'), JSON.stringify(meta, null, 2) + '\n');
  if (patch !== undefined) await writeFile(join(dir, id, 'patch.mbox'), patch);
}
