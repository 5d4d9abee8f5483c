// The TypeScript diff between two variants' kernels, file by file (the copy
// each runs, its own or its nearest ancestor's): what a reviewer holds next
// to the C patch to check that the model says the same. For a C variant
// against its parent, the patch itself.

import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { structuredPatch, createTwoFilesPatch } from 'diff';
import { projectRoot } from '../paths.js';
import { kernelFilesOf, type VariantMeta } from '../variants/registry.js';
import type { SourceDiff } from './report-types.generated.js';

async function textOf(path: string | undefined): Promise<string> {
  return path === undefined ? '' : readFile(path, 'utf8');
}

/** Lines a patch adds and removes, counted inside its hunks (not the mail around them). */
function hunkCounts(patch: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let inHunk = false;
  for (const l of patch.split('\n')) {
    if (l.startsWith('@@')) inHunk = true;
    else if (l.startsWith('diff ') || l === '-- ' || l.startsWith('--- ') || l.startsWith('+++ ')) inHunk = false;
    else if (inHunk && l.startsWith('+')) added++;
    else if (inHunk && l.startsWith('-')) removed++;
  }
  return { added, removed };
}

/** A C variant's own patches, as the diff from its parent (for another pair of C variants, nothing is shown). */
async function cPatches(before: { meta: VariantMeta; dir: string }, after: { meta: VariantMeta; dir: string }): Promise<SourceDiff> {
  const files: SourceDiff['files'] = [];
  if (after.meta.parent === before.meta.id) {
    for (const p of after.meta.patches ?? []) {
      const path = join(after.dir, p);
      const patch = await readFile(path, 'utf8');
      files.push({ file: basename(p), before_path: '', after_path: relative(projectRoot, path), ...hunkCounts(patch), patch });
    }
  }
  return { before: before.meta.id, after: after.meta.id, files };
}

export async function sourceDiff(before: { meta: VariantMeta; dir: string }, after: { meta: VariantMeta; dir: string }): Promise<SourceDiff> {
  if (before.meta.kind === 'c' || after.meta.kind === 'c') return cPatches(before, after);
  const a = await kernelFilesOf(before.meta, before.dir);
  const b = await kernelFilesOf(after.meta, after.dir);
  const files: SourceDiff['files'] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.get(name);
    const to = b.get(name);
    if (from === to) continue;
    const textA = await textOf(from);
    const textB = await textOf(to);
    if (textA === textB) continue;
    // A file only one side has (a new kernel file) is diffed against
    // /dev/null, as git does, so that patch readers know where it starts.
    const fromPath = from === undefined ? '/dev/null' : relative(projectRoot, from);
    const toPath = to === undefined ? '/dev/null' : relative(projectRoot, to);
    const hunks = structuredPatch(fromPath, toPath, textA, textB, '', '', { context: 3 }).hunks;
    const lines = hunks.flatMap((h) => h.lines);
    files.push({
      file: basename(to ?? from!),
      before_path: fromPath,
      after_path: toPath,
      added: lines.filter((l) => l.startsWith('+')).length,
      removed: lines.filter((l) => l.startsWith('-')).length,
      patch: createTwoFilesPatch(fromPath, toPath, textA, textB, '', '', { context: 3 }),
    });
  }
  return { before: before.meta.id, after: after.meta.id, files };
}
