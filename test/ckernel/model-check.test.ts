// The TypeScript v6.1 family held to the kernel's own 6.1 C: every corpus
// fixture, run on the C variant built from Debian's linux-source-6.1 and
// on the model it names, gives the same verdict, costs, bytes read and
// final state. A difference would be named with its fixture and the first
// step where the traces part (there are none: docs/c-variants.md lists
// the model limitations a difference would have to be).

import { describe, expect, it } from 'vitest';
import { differenceText, modelDifference } from '../../harness/ckernel/model-check.js';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir } from '../../harness/paths.js';
import { runCases } from '../../harness/runner/pool.js';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { C_TIMEOUT_MS, haveSource } from './c-source.js';

describe.skipIf(!haveSource)('c-v6.1 against its model', () => {
  it('gives the model\'s verdict, costs, bytes and final state on every corpus fixture', async () => {
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const all = await readVariantMetas();
    const c = all.find((v) => v.meta.id === 'c-v6.1')!;
    const model = all.find((v) => v.meta.id === c.meta.model)!;
    expect(model.meta.id).toBe('v6.1');
    const cases: Array<[number, number]> = [];
    scenarios.forEach((_, f) => cases.push([f, 0], [f, 1]));
    const results = await runCases({ scenarios, variants: [c, model], cases }, { workers: 2, timeoutMs: C_TIMEOUT_MS });
    expect(scenarios.length).toBeGreaterThanOrEqual(50);
    const differences = scenarios.flatMap((s, f) => {
      const d = modelDifference(results[2 * f]!, results[2 * f + 1]!);
      return d === null ? [] : [differenceText(d)];
    });
    expect(differences).toEqual([]);
    // The C side ran: each of its cases is a result of the C kernel, not a skipped or failed one.
    for (let f = 0; f < scenarios.length; f++) expect(results[2 * f]!.status, results[2 * f]!.id).toBe('ok');
  }, 300_000);
});
