// A copy of this project in a temporary folder (the committed files, plus a
// link to node_modules), optionally made a git repository: where the tests
// run commands that edit variants or walk git history without touching the
// real working copy.

import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { projectRoot } from '../../harness/paths.js';

export function sh(cwd: string, command: string): string {
  return execFileSync('bash', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function projectCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-copy-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '');
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    await cp(join(projectRoot, f), join(dir, f)).catch(() => undefined);
  }
  await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}
