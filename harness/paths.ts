// Where the project's folders are, whatever the working directory, and
// whether this code runs from the TypeScript sources (tests) or from the
// compiled tree in dist/ (the command line and the worker threads).

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && !dir.endsWith('/dist')) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

const here = fileURLToPath(import.meta.url);
export const projectRoot = findRoot(dirname(here));
export const distRoot = join(projectRoot, 'dist');
/** True when running the TypeScript sources directly (under vitest). */
export const runningFromSource = here.endsWith('.ts');

export const fixturesDir = join(projectRoot, 'fixtures');
export const corpusDir = join(projectRoot, 'fixtures', 'corpus');
export const matrixDir = join(projectRoot, 'fixtures', 'matrix');
export const variantsDir = join(projectRoot, 'variants');
export const reportsDir = join(projectRoot, 'reports');

/** The module to load for a source file: itself from source, its compiled twin otherwise. */
export function codeFile(sourceTs: string): string {
  if (runningFromSource) return sourceTs;
  return join(distRoot, relative(projectRoot, sourceTs)).replace(/\.ts$/, '.js');
}

/** The compiled worker of the case pool; worker threads always run compiled code. */
export function compiledFile(sourceTs: string): string {
  return join(distRoot, relative(projectRoot, sourceTs)).replace(/\.ts$/, '.js');
}

/** A path as messages and reports show it: relative to the project when inside it, absolute otherwise. */
export function shownPath(path: string): string {
  const rel = relative(projectRoot, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
