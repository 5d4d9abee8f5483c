// The pool on many cases that hang, interleaved with cases that finish: each
// hanging case is one timeout cell, every other case has its result (the
// same as running it in this thread), whatever the number of workers. A
// fresh worker that replaces a stopped one loads the variants first; that
// time is not the next case's.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir, projectRoot } from '../../harness/paths.js';
import { brokenText } from '../../harness/report/render/common.js';
import type { CaseTimeout } from '../../harness/run/result.js';
import { runCase } from '../../harness/runner/run-case.js';
import { CasePool } from '../../harness/runner/pool.js';
import { loadVariants, readVariantMetas } from '../../harness/variants/registry.js';

const brokenDir = join(projectRoot, 'test', 'broken-variants');
const HEALTHY = ['v5.14', '5.16-7-min-align', 'v6.1', 'v6.9-rc', 'tj-force-bounce'];

describe('CasePool', () => {
  it('turns each hanging case into one timeout cell and returns every other result, on one worker and on two', async () => {
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    // One healthy variant of each family is enough beside the broken ones,
    // and keeps the run short on a loaded machine.
    const healthy = (id: string): boolean => HEALTHY.includes(id);
    const variants = [...(await readVariantMetas(brokenDir)), ...(await readVariantMetas()).filter((m) => healthy(m.meta.id))];
    const inThread = [...(await loadVariants(brokenDir)), ...(await loadVariants()).filter((v) => healthy(v.meta.id))];
    // Healthy cases between the hanging ones, each after a worker was replaced.
    const cases: Array<[number, number]> = [];
    scenarios.forEach((_, f) => variants.forEach((_, v) => cases.push([f, v])));
    const loops = variants.findIndex((v) => v.meta.id === 'loops');
    // The broken map_page is dma-iommu's: its twin that throws instead of
    // looping shows which cases get there (not a device without an IOMMU, nor
    // a kernel that stopped at boot).
    const throwing = inThread.find((v) => v.meta.id === 'throws')!;
    const reaches = scenarios.map((s) => runCase(s, throwing).status === 'error');
    const hangs = (f: number): boolean => reaches[f]!;
    expect(cases.filter(([f, v]) => v === loops && hangs(f)).length).toBeGreaterThan(10);

    for (const workers of [1, 2]) {
      // A budget a healthy case stays well inside even on a shared machine that is four times overloaded
      // (the slowest, nearly_full_pool on a fresh worker, takes 40 ms there; 150 ms was not always enough).
      const pool = new CasePool({ scenarios, variants }, { workers, timeoutMs: 400 });
      try {
        const results = await pool.run(cases);
        expect(results.map((r) => r.id)).toEqual(cases.map(([f, v]) => `${scenarios[f]!.id}@${variants[v]!.meta.id}`));
        cases.forEach(([f, v], i) => {
          const r = results[i]!;
          if (v === loops && hangs(f)) expect(r.status, r.id).toBe('timeout');
          else expect(JSON.stringify(r), r.id).toBe(JSON.stringify(runCase(scenarios[f]!, inThread[v]!)));
        });
      } finally {
        await pool.close();
      }
    }
  }, 120_000);

  it('says where a case was when its time ran out: the step, and the round of every repeat around it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timeout-'));
    const fixture = (id: string, steps: unknown[]): string =>
      JSON.stringify({ id, question: 'Where was this case when its time ran out?', device: { coherent: true, untrusted: false }, buffers: { buf: { size: 64 } }, steps, expect: {} });
    const map = [{ op: 'cpu_read', buffer: 'buf' }, { op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_TO_DEVICE' }, { op: 'unmap_page', handle: 'h' }];
    await writeFile(join(dir, 'hangs.json'), fixture('hangs', [{ op: 'repeat', count: 3, steps: map }]));
    const touch = [{ op: 'cpu_write', buffer: 'buf', size: 8, fill: { byte: 1 } }, { op: 'cpu_read', buffer: 'buf', size: 8 }];
    await writeFile(join(dir, 'long.json'), fixture('long', [{ op: 'repeat', count: 100000, steps: [{ op: 'repeat', count: 100000, steps: touch }] }]));
    const scenarios = await loadFixtures([join(dir, 'hangs.json'), join(dir, 'long.json')]);
    const variants = [...(await readVariantMetas(brokenDir)).filter((v) => v.meta.id === 'loops'), ...(await readVariantMetas()).filter((v) => v.meta.id === 'v5.14')];
    const pool = new CasePool({ scenarios, variants }, { workers: 1, timeoutMs: 150 });
    try {
      const [hangs, long] = (await pool.run([[0, 0], [1, 1]])) as CaseTimeout[];
      // The broken map_page spins in the first round of the repeat.
      expect(hangs).toMatchObject({ status: 'timeout', step: '1#1.2', rounds: [{ repeat: '1', round: 1, count: 3 }] });
      expect(brokenText(hangs!)).toBe('no result within 150 ms, at step 1#1.2 (round 1 of 3 of the repeat at step 1)');
      // Ten billion steps: the budget runs out somewhere inside the inner repeat.
      expect(long!.status).toBe('timeout');
      const [outer, inner] = long!.rounds!;
      expect(outer).toMatchObject({ repeat: '1', count: 100000 });
      expect(inner).toMatchObject({ repeat: `1#${outer!.round}.1`, count: 100000 });
      expect(inner!.round).toBeGreaterThan(1);
      expect(long!.step).toMatch(new RegExp(`^1#${outer!.round}\\.1#${inner!.round}\\.[12]$`));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
