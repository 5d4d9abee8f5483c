// Patches the C tests make at run time against the kernel's own files (the
// repository holds no kernel text): each adds one line at the top of a
// function's body, and comes out as a unified diff git apply takes.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { prepareSource } from '../../harness/ckernel/source.js';
import { findDefinitions } from '../../harness/ckernel/transform.js';

/** The directory of Debian's 6.1 files the harness builds, extracted (once) into the cache. */
export async function debianTree(): Promise<string> {
  return (await prepareSource({ debian: 'linux-source-6.1' }, [])).dir;
}

/** The file with `line` inserted as the first statement of `fn`'s body. */
export function withFirstLine(text: string, fn: string, line: string): string {
  const defs = findDefinitions(text, fn);
  if (defs.length !== 1) throw new Error(`${fn}: ${defs.length} definitions`);
  const at = defs[0]!.open + 1;
  return `${text.slice(0, at)}\n\t${line}${text.slice(at)}`;
}

/** A patch of one file of the tree that adds `line` at the top of `fn`. */
export async function firstLinePatch(tree: string, path: string, fn: string, line: string): Promise<string> {
  const before = await readFile(join(tree, path), 'utf8');
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, withFirstLine(before, fn, line));
}
