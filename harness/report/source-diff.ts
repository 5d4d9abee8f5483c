// The TypeScript diff between two variants' models, file by file: what a
// reviewer holds next to the C patch to check that the model says the same.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { structuredPatch, createTwoFilesPatch } from 'diff';
import type { SourceDiff } from './report-types.generated.js';

async function modelFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
}

async function textOf(dir: string, file: string): Promise<string> {
  return readFile(join(dir, file), 'utf8').catch(() => '');
}

export async function sourceDiff(before: { id: string; dir: string }, after: { id: string; dir: string }): Promise<SourceDiff> {
  const names = [...new Set([...(await modelFiles(before.dir)), ...(await modelFiles(after.dir))])].sort();
  const files: SourceDiff['files'] = [];
  for (const file of names) {
    const a = await textOf(before.dir, file);
    const b = await textOf(after.dir, file);
    if (a === b) continue;
    const from = `variants/${before.id}/${file}`;
    const to = `variants/${after.id}/${file}`;
    const hunks = structuredPatch(from, to, a, b, '', '', { context: 3 }).hunks;
    const lines = hunks.flatMap((h) => h.lines);
    files.push({
      file,
      added: lines.filter((l) => l.startsWith('+')).length,
      removed: lines.filter((l) => l.startsWith('-')).length,
      patch: createTwoFilesPatch(from, to, a, b, '', '', { context: 3 }),
    });
  }
  return { before: before.id, after: after.id, files };
}
