// Splitting a run between machines, as vitest and Playwright shard: `--shard
// i/n` takes every n-th unit of work from the i-th on (cases of `run` and
// `matrix`, shares of the seed stream for `fuzz`), so that n shards are
// disjoint and cover everything, whatever n.

import { InvalidArgumentError } from 'commander';

export interface Shard {
  /** From 1. */
  index: number;
  count: number;
}

/** `i/n` with 1 <= i <= n; anything else is bad input (commander prints it as one line, exit 2). */
export function parseShard(text: string): Shard {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text);
  if (m === null) throw new InvalidArgumentError(`expected i/n, the shard to run of n (for example 1/2), not "${text}"`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.index > shard.count) throw new InvalidArgumentError(`expected i/n with i at most n, not "${text}"`);
  return shard;
}

/** Whether the unit of work at `position` (from 0) belongs to the shard. */
export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index - 1;
}

export function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
