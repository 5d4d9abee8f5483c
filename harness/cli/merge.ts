// `merge FILES...`: the reports of a run split with --shard i/n, from the
// blob each shard wrote; byte for byte those of the run unsplit.

import { readBlobs, type ShardBlob, type ShardedCommand } from '../report/shard-blob.js';
import { mergeFuzz } from './fuzz.js';
import { mergeMatrix } from './matrix.js';
import { mergeRun } from './run.js';
import type { CommonOptions } from './session.js';

const MERGERS: Record<ShardedCommand, (blobs: ReadonlyArray<ShardBlob>, opts: CommonOptions) => Promise<void>> = {
  run: mergeRun,
  fuzz: mergeFuzz,
  matrix: mergeMatrix,
};

export async function mergeCommand(files: string[], opts: CommonOptions): Promise<void> {
  const blobs = await readBlobs(files);
  await MERGERS[blobs[0]!.command](blobs, opts);
}
