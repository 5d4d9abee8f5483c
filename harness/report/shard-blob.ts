// What a shard writes instead of reports: a blob (as vitest's blob reporter
// does) holding the command, the options that decide its result, which shard
// it is, and the shard's raw results. `merge` reads the blobs of every shard
// and writes the reports an unsharded run would have written, byte for byte.

import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError, type InputProblem } from '../input-error.js';
import { readJsonFile } from '../json-file.js';
import { writeReportFiles } from './write.js';
import { shardText, type Shard } from '../shard.js';

export const BLOB_FORMAT = 'dma-harness-shard';
export const BLOB_VERSION = 1;

/** The largest shard file read (a shard of the whole corpus with its traces is a few MiB). */
const MAX_BLOB_BYTES = 1 << 30;

export type ShardedCommand = 'run' | 'fuzz' | 'matrix';

export interface ShardBlob<T = unknown> {
  format: typeof BLOB_FORMAT;
  version: typeof BLOB_VERSION;
  command: ShardedCommand;
  shard: Shard;
  /** The options that decide the result (never where to write or how many threads). */
  options: Record<string, unknown>;
  data: T;
}

export function blobName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/** Write a shard's blob into `out`; the file written. */
export async function writeBlob(out: string, blob: ShardBlob): Promise<string> {
  const [written] = await writeReportFiles(out, { [blobName(blob.shard)]: JSON.stringify(blob) + '\n' });
  return written!;
}

/** The blob files a path names: a file, or every shard-*.json in a folder. */
async function blobFiles(path: string): Promise<string[]> {
  const full = resolve(path);
  const s = await stat(full).catch(() => null);
  if (s === null) throw new InputError([{ file: path, pointer: '', message: 'no such file or folder' }]);
  if (!s.isDirectory()) return [full];
  return (await readdir(full))
    .filter((n) => /^shard-\d+-of-\d+\.json$/.test(n))
    .sort()
    .map((n) => join(full, n));
}

/**
 * The blobs of one sharded run, in shard order; bad input when they are not
 * every shard of one command with the same options, once each.
 */
export async function readBlobs(paths: readonly string[]): Promise<ShardBlob[]> {
  const files = (await Promise.all(paths.map(blobFiles))).flat();
  if (files.length === 0) throw new InputError([{ file: 'command line', pointer: '/files', message: 'expected the shard files (shard-I-of-N.json) or folders holding them' }]);
  const problems: InputProblem[] = [];
  const blobs: Array<{ file: string; blob: ShardBlob }> = [];
  for (const file of files) {
    const { value } = await readJsonFile(file, { maxBytes: MAX_BLOB_BYTES, what: 'a shard file' });
    const b = value as Partial<ShardBlob> | null;
    if (b === null || typeof b !== 'object' || b.format !== BLOB_FORMAT) problems.push({ file, pointer: '/format', message: `expected "${BLOB_FORMAT}", a file a --shard run wrote` });
    else if (b.version !== BLOB_VERSION) problems.push({ file, pointer: '/version', message: `expected ${BLOB_VERSION}, written by another version of the harness` });
    else blobs.push({ file, blob: b as ShardBlob });
  }
  if (problems.length > 0) throw new InputError(problems);
  const [first] = blobs;
  const same = JSON.stringify([first!.blob.command, first!.blob.options]);
  for (const { file, blob } of blobs) {
    if (JSON.stringify([blob.command, blob.options]) !== same) problems.push({ file, pointer: '/options', message: `expected the command and options of ${first!.file} (${first!.blob.command} ${JSON.stringify(first!.blob.options)})` });
    if (blob.shard.count !== first!.blob.shard.count) problems.push({ file, pointer: '/shard', message: `expected a shard of ${first!.blob.shard.count}, not ${shardText(blob.shard)}` });
  }
  const n = first!.blob.shard.count;
  for (let i = 1; i <= n; i++) {
    const of = blobs.filter((b) => b.blob.shard.index === i);
    if (of.length === 0) problems.push({ file: 'command line', pointer: '/files', message: `shard ${i}/${n} is missing` });
    if (of.length > 1) problems.push({ file: of[1]!.file, pointer: '/shard', message: `shard ${i}/${n} is given twice (also ${of[0]!.file})` });
  }
  if (problems.length > 0) throw new InputError(problems);
  return blobs.map((b) => b.blob).sort((a, b) => a.shard.index - b.shard.index);
}
