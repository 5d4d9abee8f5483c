// A C patch that crashes or loops costs one cell, not the run: patched
// onto the real 6.1 code, a NULL dereference in swiotlb_map() when a map
// is 256 KiB long is an error cell naming the signal, an endless loop in
// iommu_dma_map_page() when it is 300 KiB long a timeout cell, and a
// BUG_ON there when it is 254 KiB a kernel-oops in that case's verdict
// (each size is one fixture's); every other case of those variants runs
// to the result the unpatched C gives.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeResult } from '../../harness/compare/normalize.js';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import type { Scenario } from '../../harness/fixtures/scenario.js';
import { corpusDir } from '../../harness/paths.js';
import type { CaseResult } from '../../harness/run/result.js';
import { runCases } from '../../harness/runner/pool.js';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { haveSource } from './c-source.js';
import { debianTree, firstLinePatch } from './patches.js';

const PATCHES = {
  crash: { file: 'kernel/dma/swiotlb.c', fn: 'swiotlb_map', line: 'if (size == 0x40000) *(volatile int *)0 = 0;' },
  loops: { file: 'drivers/iommu/dma-iommu.c', fn: 'iommu_dma_map_page', line: 'while (size == 307200) barrier();' },
  bug: { file: 'drivers/iommu/dma-iommu.c', fn: 'iommu_dma_map_page', line: 'BUG_ON(size == 0x3f800);' },
};
const CRASH = 'map_page+direct+32bit_mask+from_device+slot_reuse@crash';
const LOOP = 'map_page+untrusted+coherent+to_device+300k@loops';
const OOPS = 'map_page+untrusted+from_device+slot_reuse@bug';

describe.skipIf(!haveSource)('a C patch that crashes, loops or hits BUG', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c-variants-'));
    const tree = await debianTree();
    const base = { kind: 'c', parent: null, series: 'c-test', date: '2025-11-26', subject: 'Debian 6.1.192', summary: 'The base.', changes: {}, effects: [] };
    await mkdir(join(dir, 'c-base'));
    await writeFile(join(dir, 'c-base', 'variant.json'), JSON.stringify({ ...base, id: 'c-base', kernel: { debian: 'linux-source-6.1' } }));
    for (const [id, p] of Object.entries(PATCHES)) {
      await mkdir(join(dir, id));
      await writeFile(join(dir, id, 'one-line.patch'), await firstLinePatch(tree, p.file, p.fn, p.line));
      await writeFile(join(dir, id, 'variant.json'), JSON.stringify({ ...base, id, parent: 'c-base', subject: p.line, patches: ['one-line.patch'] }));
    }
  }, 120_000);
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('makes one error, one timeout and one kernel-oops, and reports every other case', async () => {
    // The fixtures of the default configuration: one build per variant.
    const scenarios: Scenario[] = (await loadFixtures(await fixtureFiles(corpusDir))).filter((s) => s.platform.pageSize === 4096 && s.platform.swiotlb);
    const variants = await readVariantMetas(dir);
    const cases: Array<[number, number]> = [];
    scenarios.forEach((_, f) => variants.forEach((_, v) => cases.push([f, v])));
    const results = await runCases({ scenarios, variants, cases }, { workers: 2, timeoutMs: 2000 });
    const byId = new Map(results.map((r) => [r.id, r]));
    const at = (fixture: string, variant: string): CaseResult => byId.get(`${fixture}@${variant}`)!;

    const crashed = byId.get(CRASH)!;
    expect(crashed.status).toBe('error');
    expect(crashed.status === 'error' && crashed.message).toMatch(/killed by SIGSEGV/);
    expect(byId.get(LOOP)!.status).toBe('timeout');
    const oops = byId.get(OOPS)!;
    expect(oops.status === 'ok' && oops.verdict).toContain('kernel-oops');

    const special = new Set([CRASH, LOOP, OOPS]);
    let compared = 0;
    for (const r of results) {
      if (r.variant === 'c-base' || special.has(r.id)) continue;
      const base = normalizeResult(at(r.fixture, 'c-base'));
      expect(r.status, r.id).toBe('ok');
      expect(JSON.stringify({ ...normalizeResult(r), id: '', variant: '' }), r.id).toBe(JSON.stringify({ ...base, id: '', variant: '' }));
      compared++;
    }
    expect(compared).toBe(3 * scenarios.length - 3);
  }, 300_000);
});
