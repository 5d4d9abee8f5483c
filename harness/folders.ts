// The folders a command reads from and writes into, checked before anything
// runs: a folder to read must exist and be a folder; a folder to write into
// must be a writable folder, or not exist yet under a writable folder (it is
// created only when the reports are written). Nothing here writes anything.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InputProblem } from './input-error.js';

type Kind = 'folder' | 'file' | 'missing' | 'other';

async function kindOf(path: string): Promise<Kind> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** What is wrong with a folder the command reads (`pointer` names the option, e.g. /fixtures-dir). */
export async function inputFolderProblems(path: string, pointer: string): Promise<InputProblem[]> {
  const kind = await kindOf(path);
  if (kind === 'folder') return [];
  const what = kind === 'missing' ? 'does not exist' : kind === 'file' ? 'is a file' : 'is not a folder';
  return [{ file: 'command line', pointer, message: `${path} ${what}; expected a folder` }];
}

/** What is wrong with a folder the command writes its reports into. */
export async function outputFolderProblems(path: string, pointer: string): Promise<InputProblem[]> {
  const problem = (message: string): InputProblem[] => [{ file: 'command line', pointer, message }];
  const full = resolve(path);
  const kind = await kindOf(full);
  if (kind === 'folder') return (await isWritable(full)) ? [] : problem(`${full} is not writable; expected a folder the reports can be written into`);
  if (kind !== 'missing') return problem(`${full} ${kind === 'file' ? 'is a file' : 'is not a folder'}; expected a folder for the reports`);
  // It will be created: the nearest part of the path that exists must be a writable folder.
  let above = dirname(full);
  while ((await kindOf(above)) === 'missing' && dirname(above) !== above) above = dirname(above);
  const aboveKind = await kindOf(above);
  if (aboveKind !== 'folder') return problem(`${full} cannot be created: ${above} ${aboveKind === 'file' ? 'is a file' : 'is not a folder'}`);
  if (!(await isWritable(above))) return problem(`${full} cannot be created: ${above} is not writable`);
  return [];
}
