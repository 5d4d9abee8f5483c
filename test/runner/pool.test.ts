// The pool on many cases that hang, interleaved with cases that finish: each
// hanging case is one timeout cell, every other case has its result (the
// same as running it in this thread), whatever the number of workers. A
// fresh worker that replaces a stopped one loads the variants first; that
// time is not the next case's.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir, projectRoot } from '../../harness/paths.js';
import { runCase } from '../../harness/runner/run-case.js';
import { CasePool } from '../../harness/runner/pool.js';
import { loadVariants, readVariantMetas } from '../../harness/variants/registry.js';

const brokenDir = join(projectRoot, 'test', 'broken-variants');

describe('CasePool', () => {
  it('turns each hanging case into one timeout cell and returns every other result, on one worker and on two', async () => {
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const variants = [...(await readVariantMetas(brokenDir)), ...(await readVariantMetas())];
    const inThread = [...(await loadVariants(brokenDir)), ...(await loadVariants())];
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
      const pool = new CasePool({ scenarios, variants }, { workers, timeoutMs: 150 });
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
  }, 60_000);
});
