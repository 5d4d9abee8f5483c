// What changed since a git ref, in the terms of a run: which variants and
// which fixtures, or "everything" when a shared part of the simulated
// machine (or the fixture format, or the dependencies) changed.

import { simpleGit } from 'simple-git';
import { InputError } from './input-error.js';
import { projectRoot } from './paths.js';

/** Paths whose change can alter any case's result: re-run everything. */
const SHARED = [
  'harness/machine/',
  'harness/run/',
  'harness/contract/',
  'harness/runner/',
  'harness/fixtures/',
  'harness/variants/',
  'harness/kernel.ts',
  'harness/plan.ts',
  'fixtures/fixture.schema.json',
  'variants/variant.schema.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

export interface Changes {
  ref: string;
  /** Every changed path (committed since ref, staged, unstaged or untracked). */
  paths: string[];
  /** The shared paths that changed; non-empty means everything re-runs. */
  shared: string[];
  variants: string[];
  /** Changed variants that did not exist at the ref. */
  newVariants: string[];
  fixtures: string[];
}

export function classify(ref: string, paths: readonly string[], existedAtRef: (variant: string) => boolean = () => true): Changes {
  const shared = paths.filter((p) => SHARED.some((s) => (s.endsWith('/') ? p.startsWith(s) : p === s)));
  const variants = [...new Set(paths.map((p) => /^variants\/([^/]+)\//.exec(p)?.[1]).filter((x): x is string => x !== undefined))].sort();
  const fixtures = [...new Set(paths.map((p) => /^fixtures\/corpus\/([^/]+)\.json$/.exec(p)?.[1]).filter((x): x is string => x !== undefined))].sort();
  return { ref, paths: [...paths], shared, variants, newVariants: variants.filter((v) => !existedAtRef(v)), fixtures };
}

export async function changedSince(ref: string, dir: string = projectRoot): Promise<Changes> {
  const git = simpleGit(dir);
  if (!(await git.checkIsRepo().catch(() => false))) throw new InputError([{ file: 'command line', pointer: '/changed-since', message: `${dir} is not a git work tree` }]);
  const commit = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
  if (commit.trim() === '') throw new InputError([{ file: 'command line', pointer: '/changed-since', message: `unknown git ref "${ref}"` }]);
  const diff = (await git.raw(['diff', '--name-only', ref, '--'])).split('\n');
  const untracked = (await git.raw(['ls-files', '--others', '--exclude-standard'])).split('\n');
  const paths = [...new Set([...diff, ...untracked].filter((p) => p !== ''))].sort();
  const atRef = new Set((await git.raw(['ls-tree', '-d', '--name-only', ref, 'variants/'])).split('\n').map((p) => p.replace(/^variants\//, '')));
  return classify(ref, paths, (v) => atRef.has(v));
}
