// The TypeScript v6.1 family held to the kernel's own 6.1 C: every corpus
// fixture, run on the C variant built from Debian's linux-source-6.1 and
// on the model it names, gives the same verdict, costs, bytes read and
// final state. A difference would be named with its fixture and the first
// step where the traces part (there are none). The traces themselves
// are identical but for the one model limitation docs/c-variants.md
// names: the model's messages leave out the device name.

import { describe, expect, it } from 'vitest';
import { differenceText, modelDifference } from '../../harness/ckernel/model-check.js';
import { cRunsFixture } from '../../harness/ckernel/variant.js';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir } from '../../harness/paths.js';
import { runCases } from '../../harness/runner/pool.js';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { C_TIMEOUT_MS, haveSource } from './c-source.js';

describe.skipIf(!haveSource)('c-v6.1 against its model', () => {
  it('gives the model\'s verdict, costs, bytes and final state on every corpus fixture', async () => {
    // Fixtures that allocate coherent memory are left out: the C build routes the streaming DMA API only.
    const scenarios = (await loadFixtures(await fixtureFiles(corpusDir))).filter((s) => cRunsFixture(s.steps));
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

    // Below the compared fields, the traces: the same line for line, but for the one limitation
    // docs/c-variants.md names, the device name the kernel's dev_err()/dev_WARN print and the
    // model's messages leave out.
    const traceOf = (r: (typeof results)[number]): string[] => (r.status === 'ok' ? r.trace : []);
    const differing = scenarios.filter((_, f) => JSON.stringify(traceOf(results[2 * f]!)) !== JSON.stringify(traceOf(results[2 * f + 1]!))).map((s) => s.id);
    expect(differing).toEqual(['map_page+untrusted+coherent+to_device+300k', 'map_page+untrusted+nvme+3000b+offset_0x100+sync_in_second_slot']);
    for (const id of differing) {
      const f = scenarios.findIndex((s) => s.id === id);
      const withoutDevice = traceOf(results[2 * f]!).map((l) => l.replace(/(: |\[message=)dev: /, '$1'));
      expect(withoutDevice, id).toEqual(traceOf(results[2 * f + 1]!));
    }
  }, 300_000);
});
