// `fuzz --against C`: generated scenarios run on a C variant and on the
// model it names, and a scenario on which they disagree is a finding. On
// the kernel's own 6.1 the v6.1 model gives none; a C variant carrying a
// one-line patch the model does not (a bounce mapped with its
// granule-aligned size again, as before 2cbc61a1b166) gives findings,
// each shrunk: kinds of violation the patched C shows and the model does
// not (the device reaches past its bounce slot through the rest of the
// IOVA page), or counters the two count differently.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { afterAll, describe, expect, it } from 'vitest';
import { modelDifference } from '../../harness/ckernel/model-check.js';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { againstTarget } from '../../harness/fuzz/against.js';
import { DEFAULT_SPACE } from '../../harness/fuzz/generate.js';
import { mergeParts, search } from '../../harness/fuzz/search.js';
import { runCases } from '../../harness/runner/pool.js';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { cli } from '../cli/cli.js';
import { C_TIMEOUT_MS, haveSource } from './c-source.js';
import { debianTree } from './patches.js';

const CALL = '__iommu_dma_map(dev, phys, size, prot, dma_mask)';
const BUGGY = '__iommu_dma_map(dev, phys, is_swiotlb_buffer(dev, phys) ? iova_align(iovad, size) : size, prot, dma_mask)';

describe.skipIf(!haveSource)('fuzz --against', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('finds no scenario on which c-v6.1 and the v6.1 model disagree', () => {
    const r = cli(['fuzz', '--against', 'c-v6.1', '--runs', '150', '-q', '--out', join(tmpdir(), 'fuzz-against-none')], {}, { timeoutMs: 200_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no findings in 150 scenarios\n');
  }, 200_000);

  it('refuses a variant that is not a C variant, exit 2, before any search', () => {
    const r = cli(['fuzz', '--against', 'v6.1', '--runs', '10', '-q', '--out', join(tmpdir(), 'fuzz-against-bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bad input, nothing was run:\n.*\/against.*no C variant "v6\.1"/);
    expect(r.stdout).toBe('');
  });

  it('finds, and shrinks, the scenarios where a patched C lets the device reach past its bounce slot', async () => {
    dir = await mkdtemp(join(tmpdir(), 'c-against-'));
    const tree = await debianTree();
    const path = 'drivers/iommu/dma-iommu.c';
    const before = await readFile(join(tree, path), 'utf8');
    expect(before.split(CALL).length).toBe(2);
    await mkdir(join(dir, 'c-aligned'));
    await writeFile(join(dir, 'c-aligned', 'aligned.patch'), createTwoFilesPatch(`a/${path}`, `b/${path}`, before, before.replace(CALL, BUGGY)));
    const meta = { kind: 'c', id: 'c-aligned', parent: null, series: 'c-aligned', date: '2025-11-26', subject: 'map the aligned size of a bounce', summary: 'One line.', changes: {}, effects: [], kernel: { debian: 'linux-source-6.1' }, patches: ['aligned.patch'] };
    await writeFile(join(dir, 'c-aligned', 'variant.json'), JSON.stringify(meta));
    const c = (await readVariantMetas(dir))[0]!;
    const model = (await readVariantMetas()).find((v) => v.meta.id === 'v6.1')!;

    const target = await againstTarget(model, c, DEFAULT_SPACE, C_TIMEOUT_MS);
    const parts = await search(target, { seed: 1, runs: 300, workers: 2 });
    const result = mergeParts(target, target.chain.map((v) => v.meta.id), [parts]);
    // What the patched C adds, and only that: its device reaches the page past the bounce.
    const classes = result.findings.map((f) => f.class);
    expect(classes).toContain('c-aligned shows reach-free-slot where v6.1 does not');
    // Each a disagreement of the patched C with the model: a kind only the C shows, or a counter the two count differently.
    for (const cls of classes) expect(cls).toMatch(/^c-aligned (shows \S+ where v6\.1 does not|and v6\.1 count \S+ differently)$/);
    for (const f of result.findings) expect(f.steps, f.class).toBeLessThanOrEqual(20);
    // Each written fixture, run again on both sides, still shows the kind on the C and not on the model.
    const scenarios = await Promise.all(result.findings.map((f) => resolveFixture(f.fixture, `${f.fixture.id}.json`)));
    const cases: Array<[number, number]> = scenarios.flatMap((_, i): Array<[number, number]> => [[i, 0], [i, 1]]);
    const results = await runCases({ scenarios, variants: [c, model], cases }, { workers: 2, timeoutMs: C_TIMEOUT_MS });
    result.findings.forEach((f, i) => {
      const [onC, onModel] = [results[2 * i]!, results[2 * i + 1]!];
      expect(modelDifference(onC, onModel), f.class).not.toBeNull();
      if (!f.class.includes(' shows ')) return;
      const kind = f.class.split(' ')[2]!;
      expect(onC.status === 'ok' && onC.verdict, f.class).toContain(kind);
      expect(onModel.status === 'ok' && onModel.verdict, f.class).not.toContain(kind);
    });
  }, 300_000);
});
