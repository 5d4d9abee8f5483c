// Wall time of `npm start` in this checkout against another one (an older
// commit, say), taking turns so that both see the same machine:
//
//   npm run -s bench:start -- --against ../other-checkout [--rounds 5]
//
// Both checkouts must have their dependencies installed. Each round runs
// `npm start` once in each, in alternating order; the medians are printed.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../harness/paths.js';

const { values } = parseArgs({ options: { against: { type: 'string' }, rounds: { type: 'string', default: '5' } } });
if (values.against === undefined) {
  process.stderr.write('usage: bench:start -- --against DIR [--rounds N]\n');
  process.exit(2);
}
const trees = [projectRoot, resolve(values.against)];
const rounds = Number(values.rounds);

function startSeconds(dir: string): number {
  const t0 = performance.now();
  const r = spawnSync('npm', ['start', '--silent'], { cwd: dir, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`npm start failed in ${dir} (exit ${r.status})`);
  return (performance.now() - t0) / 1000;
}

const times: number[][] = trees.map(() => []);
// One untimed start each: a build that has to catch up is not what is measured.
trees.forEach(startSeconds);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) times[i]!.push(startSeconds(trees[i]!));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
trees.forEach((dir, i) => process.stdout.write(`${dir}: median ${median(times[i]!).toFixed(2)} s (${times[i]!.map((t) => t.toFixed(2)).join(', ')})\n`));
process.stdout.write(`ratio this / other: ${(median(times[0]!) / median(times[1]!)).toFixed(3)}\n`);
