// Running the built command line as a user would.

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../harness/paths.js';

/** The built command line's entry point. */
const MAIN = join(projectRoot, 'dist', 'harness', 'cli', 'main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The working directory (the project by default). */
  cwd?: string;
  /** How long before the command is killed (it then exits with -1). */
  timeoutMs?: number;
}

export function cli(args: string[], env: Record<string, string> = {}, options: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: options.timeoutMs ?? 120_000,
  });
  // A command killed (a signal, or the timeout) says so on its stderr, so that a failing test shows how it ended.
  const ended = r.status === null ? `\n[the command ended by ${r.signal ?? r.error?.message ?? 'an unknown cause'}]\n` : '';
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + ended };
}

/** The command line with a reader that has gone away: its standard output is closed before it writes anything. */
export function cliReaderGone(args: string[]): Promise<Omit<CliResult, 'stdout'>> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: projectRoot });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
