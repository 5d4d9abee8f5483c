// Content hashes of fixtures and variants, so a report says exactly what it ran.

import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function fileHash(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** Hash of a folder's files (names and contents, in name order). */
export async function folderHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  for (const name of names) {
    h.update(name + '\0');
    h.update(await readFile(join(dir, name)));
    h.update('\0');
  }
  return h.digest('hex');
}
