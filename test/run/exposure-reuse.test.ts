// The exposure check reuses what it worked out for a page-table run until the
// run, its mapping's liveness or the owners of the slots it covers change.
// Shown here to change nothing: generated scenarios run with and without
// reuse give the same outcome, on every variant.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { buildFixture, DEFAULT_SPACE, scenarioArb } from '../../harness/fuzz/generate.js';
import { executeCase } from '../../harness/run/execute.js';
import { allVariants } from '../corpus.js';

describe('exposure check reuse', () => {
  it('gives the same outcome as working out every run afresh, on 150 generated scenarios and every variant', async () => {
    const variants = await allVariants();
    const samples = fc.sample(scenarioArb({ ...DEFAULT_SPACE, maxCommands: 16 }), { seed: 20261122, numRuns: 150 });
    let reaches = 0;
    let reused = 0;
    for (const [i, g] of samples.entries()) {
      const scenario = await resolveFixture(buildFixture(g, `reuse-${i}`, 'A generated scenario.'), `reuse-${i}.json`);
      for (const v of variants) {
        const withReuse = executeCase(scenario, v.kernel);
        reused += withReuse.stats.reachReused;
        const afresh = executeCase(scenario, v.kernel, { reachReuse: false }).outcome;
        expect(JSON.stringify(withReuse.outcome), `${scenario.id} on ${v.meta.id}`).toBe(JSON.stringify(afresh));
        if (afresh.violations.some((x) => x.kind.startsWith('reach-'))) reaches++;
      }
    }
    // Not vacuous: devices reached memory that is not theirs, and answers were reused.
    expect(reaches).toBeGreaterThan(100);
    expect(reused).toBeGreaterThan(1000);
  });
});
