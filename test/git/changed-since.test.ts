// run --changed-since REF in a repository built by the test: a commit that
// edits one variant runs only that variant, and an edit of a kernel file
// runs every variant that runs that copy; one that edits the machine runs
// everything; one that touches neither runs nothing.

import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { commitAll, projectRepo, sh } from './project-copy.js';

function run(dir: string, args: string): { out: string; code: number } {
  const out = sh(dir, `node dist/harness/cli/main.js run -q ${args} 2>&1; echo "exit $?"`);
  return { out, code: Number(/exit (\d+)\n$/.exec(out)![1]) };
}

describe('run --changed-since', () => {
  let dir: string;
  /** How many variants there are: "everything". */
  let all: number;
  beforeAll(async () => {
    all = (await readVariantMetas()).length;
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
    expect(r.out).toMatch(new RegExp(`^1 fixtures x ${all} variants = ${all} cases`, 'm'));
  }, 60_000);

  it('runs every variant that runs an edited kernel file, its own or inherited', async () => {
    await appendFile(join(dir, 'variants', 'v5.14', 'swiotlb.ts'), '\n// A comment.\n');
    commitAll(dir, 'edit the base swiotlb');
    const r = run(dir, '--changed-since HEAD~1');
    // v5.14 and the series on it, not the mainline series, which runs v5.15-rc3's copy.
    expect(r.out).toContain('running only variants alt-hch-raw-sync, alt-robin-else-if, alt-robin-else-unmap, v3-1-sync-sg, v3-2-arch-sync, v3-3-skip-sync, v3-4-config-swiotlb, v3-5-min-align, v5.14 (on every fixture)');
    expect(r.out).toMatch(/^\d+ fixtures x 9 variants/m);
  }, 60_000);

  it('runs everything when the simulated machine changed', async () => {
    await appendFile(join(dir, 'harness', 'machine', 'cache.ts'), '\n// A comment.\n');
    commitAll(dir, 'edit the cache model');
    const r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('including shared parts of the harness (harness/machine/cache.ts): running everything');
    expect(r.out).toMatch(new RegExp(`^\\d+ fixtures x ${all} variants`, 'm'));
  }, 60_000);

  it('runs a new variant with its parent, reports the step, and fails until its expectations are written', async () => {
    sh(dir, 'node dist/harness/cli/main.js scaffold alt-new --from v3-2-arch-sync --subject "A new variant" --date 2026-01-01 >/dev/null && npm run -s build');
    commitAll(dir, 'a new variant');
    const r = run(dir, '--changed-since HEAD~1');
    expect(r.out).toContain('running only variant alt-new, and the parent v3-2-arch-sync of the new variants to compare them with (on every fixture)');
    expect(r.out).toMatch(/^\d+ fixtures x 2 variants = \d+ cases/m);
    expect(r.out).toMatch(/^new variant alt-new against its parent v3-2-arch-sync: 0 fixed, 0 regressed, 0 mixed; 0 with other costs or final state, \d+ alike$/m);
    expect(r.out).toMatch(/^no expectation for alt-new \(\d+ fixtures\); this fails the run/m);
    expect(r.code).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'reports', 'report.json'), 'utf8'));
    expect(report.variants.map((v: { id: string }) => v.id)).toEqual(['v3-2-arch-sync', 'alt-new']);
    expect(report.comparisons.map((s: { before: string; after: string }) => `${s.before} -> ${s.after}`)).toEqual(['v3-2-arch-sync -> alt-new']);
    // Once its verdicts are written into the fixtures, the same check passes.
    sh(dir, 'node dist/harness/cli/main.js promote alt-new >/dev/null');
    commitAll(dir, 'alt-new: expectations');
    expect(run(dir, '--changed-since HEAD~2').code).toBe(0);
    expect(run(dir, '--changed-since HEAD~1 --allow-missing-expect').code).toBe(0);
  }, 120_000);

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
