// run --changed-since REF in a repository built by the test: a commit that
// edits one variant runs only that variant, and an edit of a kernel file
// runs every variant that runs that copy; one that edits the machine runs
// everything; one that touches neither runs nothing.

import { readFile, readdir, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, projectRepo, sh } from './project-copy.js';

function run(dir: string, args: string): { out: string; code: number } {
  const out = sh(dir, `node dist/harness/cli/main.js run -q ${args} 2>&1; echo "exit $?"`);
  return { out, code: Number(/exit (\d+)\n$/.exec(out)![1]) };
}

/** Variants in a tree: its folders under variants/. */
async function variantCount(dir: string): Promise<number> {
  return (await readdir(join(dir, 'variants'), { withFileTypes: true })).filter((e) => e.isDirectory()).length;
}

describe('run --changed-since', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await projectRepo();
    sh(dir, 'npm run -s build');
  }, 120_000);

  it('runs only the variant a commit edited, and says so', async () => {
    await appendFile(join(dir, 'variants', 'v3-3-skip-sync', 'dma-iommu.ts'), '\n// A comment.\n');
    commitAll(dir, 'edit one variant');
    const r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('changed since HEAD~1: 1 files: running only variant v3-3-skip-sync (on every fixture)');
    expect(r.out).toMatch(/^\d+ fixtures x 1 variants = \d+ cases/m);
    const report = JSON.parse(await readFile(join(dir, 'reports', 'report.json'), 'utf8'));
    expect(report.variants.map((v: { id: string }) => v.id)).toEqual(['v3-3-skip-sync']);
    expect(report.command.args).toEqual(['--changed-since', 'HEAD~1', '--variant', 'v3-3-skip-sync']);
    expect(r.code).toBe(0);
  }, 60_000);

  it('runs only an edited fixture on every variant', async () => {
    const file = join(dir, 'fixtures', 'corpus', 'map_page+untrusted+4k_pages+odd_slot.json');
    const doc = JSON.parse(await readFile(file, 'utf8'));
    doc.notes = `${doc.notes ?? ''} Edited.`;
    await writeFile(file, JSON.stringify(doc, null, 2));
    commitAll(dir, 'edit one fixture');
    const r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('running only fixture map_page+untrusted+4k_pages+odd_slot (on every variant)');
    const all = await variantCount(dir);
    expect(r.out).toMatch(new RegExp(`^1 fixtures x ${all} variants = ${all} cases`, 'm'));
  }, 60_000);

  it('runs every variant that runs an edited kernel file, its own or inherited', async () => {
    await appendFile(join(dir, 'variants', 'v5.14', 'swiotlb.ts'), '\n// A comment.\n');
    commitAll(dir, 'edit the base swiotlb');
    const r = run(dir, '--changed-since HEAD~1');
    // v5.14 and the series on it, not the mainline series, which runs v5.15-rc3's copy.
    expect(r.out).toContain('running only variants alt-hch-raw-sync, alt-robin-else-if, v3-1-sync-sg, v3-2-arch-sync, v3-3-skip-sync, v3-4-config-swiotlb, v3-5-min-align, v5.14 (on every fixture)');
    expect(r.out).toMatch(/^\d+ fixtures x 8 variants/m);
  }, 60_000);

  it('runs everything when the simulated machine changed', async () => {
    await appendFile(join(dir, 'harness', 'machine', 'cache.ts'), '\n// A comment.\n');
    commitAll(dir, 'edit the cache model');
    const r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('including shared parts of the harness (harness/machine/cache.ts): running everything');
    expect(r.out).toMatch(new RegExp(`^\\d+ fixtures x ${await variantCount(dir)} variants`, 'm'));
  }, 60_000);

  it('runs nothing when nothing that affects a result changed, and rejects an unknown ref', async () => {
    await appendFile(join(dir, 'README.md'), '\nA line.\n');
    commitAll(dir, 'edit the README');
    let r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('none that affects a result; nothing to run');
    expect(r.code).toBe(0);
    r = run(dir, '--changed-since no-such-ref');
    expect(r.out).toContain('unknown git ref "no-such-ref"');
    expect(r.code).toBe(2);
  }, 60_000);
});
