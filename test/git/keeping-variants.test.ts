// The tools for keeping variants, on a scratch copy of the tree: `promote`
// writes today's verdicts into the fixtures' expect, and `propagate` carries
// an edit of a variant's function into the copies its descendants carry,
// stopping without writing anything when the edit meets a descendant's own
// change.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { projectRepo, sh } from './project-copy.js';

function cli(dir: string, args: string): { out: string; code: number } {
  const out = sh(dir, `node dist/harness/cli/main.js ${args} 2>&1; echo "exit $?"`);
  return { out, code: Number(/exit (\d+)\n$/.exec(out)![1]) };
}

const FIXTURE = 'map_page+untrusted+nvme+512b+offset_0x800';

describe('keeping variants', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await projectRepo();
    sh(dir, 'npm run -s build');
  }, 120_000);

  it('promote writes the verdicts of the variants named, in registry order, and nothing else', async () => {
    const file = join(dir, 'fixtures', 'corpus', `${FIXTURE}.json`);
    const original = await readFile(file, 'utf8');
    const doc = JSON.parse(original);
    delete doc.expect['5.16-7-min-align'];
    doc.expect['v3-5-min-align'] = ['kernel-oops'];
    await writeFile(file, JSON.stringify(doc));
    const dry = cli(dir, `promote 5.16-7-min-align v3-5-min-align -f ${FIXTURE} --dry-run`);
    expect(dry.out).toContain('would change 2 expectations in 1 files');
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify(doc));
    const r = cli(dir, `promote 5.16-7-min-align v3-5-min-align -f ${FIXTURE}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('changed 2 expectations in 1 files');
    // Back to the committed file, byte for byte: the same verdicts, order and format.
    expect(await readFile(file, 'utf8')).toBe(original);
    expect(cli(dir, `run -q -f ${FIXTURE}`).code).toBe(0);
  }, 60_000);

  it('propagate merges an edit of v5.14 into every descendant that carries dma-iommu.ts, through v5.15-rc3 too', async () => {
    const base = join(dir, 'variants', 'v5.14', 'dma-iommu.ts');
    const text = await readFile(base, 'utf8');
    const edited = text.replace(
      '  // Strict mode only: the flush-queue (lazy) branch is not modelled.\n',
      '  // Strict mode only: the flush-queue (lazy) branch is not modelled.\n  // (propagated)\n',
    );
    expect(edited).not.toBe(text);
    await writeFile(base, edited);
    try {
      const r = cli(dir, 'propagate v5.14');
      expect(r.code).toBe(0);
      // Every TypeScript descendant of v5.14 carries its own dma-iommu.ts (a C variant carries no model; the pseries family descends from no one).
      const metas = (await readVariantMetas()).map((v) => v.meta);
      const parentOf = new Map(metas.map((m) => [m.id, m.parent]));
      const descends = (id: string): boolean => {
        for (let p = parentOf.get(id) ?? null; p !== null; p = parentOf.get(p) ?? null) if (p === 'v5.14') return true;
        return false;
      };
      const descendants = metas.filter((m) => m.kind !== 'c' && descends(m.id));
      expect(r.out).toContain(`propagate v5.14: 1 edited file since HEAD, updated ${descendants.length} descendant copies`);
      for (const v of ['v3-5-min-align', 'alt-robin-else-if', '5.16-7-min-align']) {
        const copy = await readFile(join(dir, 'variants', v, 'dma-iommu.ts'), 'utf8');
        expect(copy).toContain('  // (propagated)\n');
        // Each keeps its own patch.
        expect(copy).not.toBe(edited);
      }
      // Every variant still differs from its parent in exactly the functions it names.
      expect(sh(dir, 'npx vitest run test/variants/structure.test.ts 2>&1; echo "exit $?"')).toMatch(/exit 0\n$/);
    } finally {
      sh(dir, 'git checkout -q -- variants');
    }
  }, 120_000);

  it('propagate stops on a conflict and writes nothing', async () => {
    // v3 1/5 and 5.16-1 rewrite iommu_dma_sync_sg_for_cpu: an edit of the same lines in v5.14 conflicts there.
    const base = join(dir, 'variants', 'v5.14', 'dma-iommu.ts');
    const text = await readFile(base, 'utf8');
    const edited = text.replace('if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(sg_phys(sg), sg.length, dir);', 'if (!dev_is_dma_coherent(dev)) arch_sync_dma_for_cpu(sg_phys(sg), sg.length, dir); // edited');
    expect(edited).not.toBe(text);
    await writeFile(base, edited);
    try {
      const r = cli(dir, 'propagate v5.14');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/merges conflict; nothing was written/);
      expect(r.out).toContain('variants/v3-1-sync-sg/dma-iommu.ts');
      expect(r.out).toContain('<<<<<<< descendant');
      expect(sh(dir, 'git status --short variants')).toBe(' M variants/v5.14/dma-iommu.ts\n');
    } finally {
      sh(dir, 'git checkout -q -- variants');
    }
  }, 60_000);
});
