// A child process that runs cases of C variants (process-pool.ts). The C
// kernel runs inside this process, so a crash or an endless loop in it
// takes this process down, never the harness: the parent turns the case
// that was running into an error or timeout cell and carries on with a
// fresh child. Before each case the child writes its index, synchronously,
// on a pipe of its own (fd 4), so the parent knows which case it was even
// when the process dies without a word.

import { writeSync } from 'node:fs';
import { Workspace } from '../machine/workspace.js';
import { loadVariant, type Variant } from '../variants/registry.js';
import { PROGRESS_FD, type ChildInit, type ChildResults, type ChildRun } from './child-protocol.js';
import { runCase } from './run-case.js';

process.setSourceMapsEnabled(true);

let variants: Promise<Variant[]> | null = null;
const workspace = new Workspace();

process.on('message', (msg: ChildInit | ChildRun) => {
  if (msg.type === 'init') {
    variants = Promise.all(msg.variants.map((v) => loadVariant(v.meta, v.dir)));
    return;
  }
  if (msg.type !== 'run') return;
  void (async () => {
    const loaded = await variants!;
    const results = msg.cases.map((c, k) => {
      writeSync(PROGRESS_FD, `${k}\n`);
      return runCase(c.scenario, loaded[c.variant]!, { workspace });
    });
    const answer: ChildResults = { type: 'results', id: msg.id, results };
    process.send!(answer);
  })();
});

// The parent closing the channel ends the child.
process.on('disconnect', () => process.exit(0));
