// bisect --git in a repository built by the test: a few commits, one of
// which undoes v3 2/5's fix inside the v3-2-arch-sync model. Bisection must
// name that commit and leave the working copy, branch and worktree list as
// they were, also when interrupted.

import { spawn } from 'node:child_process';
import { copyFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, projectRepo, sh } from './project-copy.js';

const FIXTURE = 'map_page+untrusted+noncoherent+to_device+unaligned';

describe('bisect --git', () => {
  let dir: string;
  const c: Record<string, string> = {};
  beforeAll(async () => {
    dir = await projectRepo();
    c['base'] = sh(dir, 'git rev-parse HEAD').trim();
    await appendFile(join(dir, 'README.md'), '\nA note.\n');
    c['readme'] = commitAll(dir, 'README: a note');
    // The model of 2/5 loses its fix: its map path is v3 1/5's again.
    await copyFile(join(dir, 'variants', 'v3-1-sync-sg', 'dma-iommu.ts'), join(dir, 'variants', 'v3-2-arch-sync', 'dma-iommu.ts'));
    c['model'] = commitAll(dir, 'v3-2-arch-sync: sync the original buffer at map');
    await appendFile(join(dir, 'harness', 'report', 'render', 'summary.ts'), '\n// A comment.\n');
    c['render'] = commitAll(dir, 'summary: a comment');
    await appendFile(join(dir, 'README.md'), '\nAnother note.\n');
    c['head'] = commitAll(dir, 'README: another note');
    sh(dir, 'npm run -s build');
  }, 120_000);

  it('names the commit where the verdict changed, and touches nothing of the working copy', () => {
    const before = { head: sh(dir, 'git rev-parse HEAD'), branch: sh(dir, 'git rev-parse --abbrev-ref HEAD'), status: sh(dir, 'git status --porcelain'), worktrees: sh(dir, 'git worktree list') };
    const out = sh(dir, `node dist/harness/cli/main.js bisect --git ${c['base']}..HEAD --fixture ${FIXTURE} --variant v3-2-arch-sync 2>/dev/null`);
    expect(out).toContain(`first changed at ${c['model']!.slice(0, 7)}`);
    expect(out).toContain('v3-2-arch-sync: sync the original buffer at map');
    expect(out).toContain('verdict clean -> device-read-stale');
    expect(out).toMatch(/^\+.*cache clean 0x8/m);
    expect(sh(dir, 'git rev-parse HEAD')).toBe(before.head);
    expect(sh(dir, 'git rev-parse --abbrev-ref HEAD')).toBe(before.branch);
    expect(sh(dir, 'git status --porcelain')).toBe(before.status);
    expect(sh(dir, 'git worktree list')).toBe(before.worktrees);
  }, 120_000);

  it('says so when nothing changed in the range', () => {
    const out = sh(dir, `node dist/harness/cli/main.js bisect --git ${c['model']}..HEAD --fixture ${FIXTURE} --variant v3-2-arch-sync 2>/dev/null`);
    expect(out).toContain('no change (device-read-stale, identical trace at both ends)');
  }, 120_000);

  it('gives clear errors for an unknown ref, a fixture missing at one end, and relevant uncommitted changes', async () => {
    const bisect = (args: string): string => sh(dir, `node dist/harness/cli/main.js bisect ${args} 2>&1; echo "exit $?"`);
    let r = bisect(`--git nope..HEAD --fixture ${FIXTURE} --variant v3-2-arch-sync`);
    expect(r).toContain('unknown git ref "nope"');
    expect(r).toMatch(/exit 2\n$/);
    r = bisect(`--git ${c['base']}..HEAD --fixture no-such-fixture --variant v3-2-arch-sync`);
    expect(r).toContain('no fixture "no-such-fixture" (fixtures/corpus/no-such-fixture.json) at');
    expect(r).toMatch(/exit 2\n$/);
    await appendFile(join(dir, 'variants', 'v3-2-arch-sync', 'dma-iommu.ts'), '\n// Uncommitted.\n');
    r = bisect(`--git ${c['base']}..HEAD --fixture ${FIXTURE} --variant v3-2-arch-sync`);
    expect(r).toContain('uncommitted changes to variants/v3-2-arch-sync/dma-iommu.ts are not part of it');
    expect(r).toMatch(/exit 2\n$/);
    sh(dir, 'git checkout -q -- variants');
    expect(sh(dir, 'git worktree list').trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('removes its worktree when interrupted', async () => {
    const child = spawn(process.execPath, ['dist/harness/cli/main.js', 'bisect', '--git', `${c['base']}..HEAD`, '--fixture', FIXTURE, '--variant', 'v3-2-arch-sync'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the worktree is there, then interrupt.
    for (let i = 0; i < 200 && sh(dir, 'git worktree list').trim().split('\n').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sh(dir, 'git worktree list').trim().split('\n')).toHaveLength(2);
    const tmp = sh(dir, 'git worktree list --porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9))[1]!;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(sh(dir, 'git worktree list').trim().split('\n')).toHaveLength(1);
    expect(sh(dir, `test -e '${tmp}' && echo present || echo gone`).trim()).toBe('gone');
    expect(sh(dir, 'git rev-parse HEAD').trim()).toBe(c['head']);
  }, 60_000);
});
