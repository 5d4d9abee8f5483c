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

const GIT = 'git -c user.name=Tester -c user.email=tester@example.invalid -c commit.gpgsign=false';

/** Commit everything in dir with a message; returns the new commit id. */
export function commitAll(dir: string, message: string): string {
  sh(dir, `${GIT} add -A && ${GIT} commit -q -m "${message}"`);
  return sh(dir, 'git rev-parse HEAD').trim();
}

/** A project copy that is a git repository with one commit, "base". */
export async function projectRepo(): Promise<string> {
  const dir = await projectCopy();
  sh(dir, 'git init -q -b main && printf "node_modules\\ndist/\\nreports/\\n" >> .git/info/exclude');
  commitAll(dir, 'base');
  return dir;
}
