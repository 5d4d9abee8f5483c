// Interrupted while the progress bar shows (it hides the cursor), a command
// gives the terminal its cursor back and ends as the signal says, writing
// no reports. The command runs on a pseudo-terminal (util-linux `script`),
// since the bar shows only on one.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('NOTICE: util-linux script is missing, so an interrupted progress bar is not tested on a terminal');

/** Run the command line on a pseudo-terminal until the cursor is hidden, then send it a signal. */
async function interrupt(signal: NodeJS.Signals, out: string): Promise<{ output: string; status: number | null }> {
  // Two fixtures on two workers: the broken map_page spins on one, the other finishes, so the bar starts and the run goes on.
  const command = [
    'echo "pid $$";',
    `exec node dist/harness/cli/main.js run --variants-dir test/broken-variants --timeout 600000 -j 2 -o ${out}`,
    '--fixture map_page+trusted+coherent+to_device+unaligned map_sg+trusted+coherent+to_device+skip_sync',
  ].join(' ');
  const env = { ...process.env };
  delete env['CI'];
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: projectRoot, env });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let i = 0; i < 600 && !output.includes(HIDE); i++) await new Promise((r) => setTimeout(r, 50));
  expect(output).toContain(HIDE);
  const pid = Number(/pid (\d+)/.exec(output)![1]);
  process.kill(pid, signal);
  const status = await exited;
  return { output, status };
}

describe.skipIf(!hasScript)('an interrupted command', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('shows the cursor again after %s, and writes no reports', async (signal) => {
    const out = join(await mkdtemp(join(tmpdir(), 'signals-')), 'out');
    const { output, status } = await interrupt(signal, out);
    expect(output.lastIndexOf(SHOW)).toBeGreaterThan(output.indexOf(HIDE));
    expect(status).toBe(128 + (signal === 'SIGINT' ? 2 : 15));
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
