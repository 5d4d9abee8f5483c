// Running the built command line as a user would.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../harness/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(projectRoot, 'dist', 'harness', 'cli', 'main.js'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
