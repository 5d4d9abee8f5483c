// Patch by patch: every step of every series changes the corpus exactly as
// its metadata says (and as its commit message or review reply claims), and
// nothing else changes its verdict.

import { beforeAll, describe, expect, it } from 'vitest';
import { compareResults, type Comparison } from '../../harness/compare/grade.js';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import type { Scenario } from '../../harness/fixtures/scenario.js';
import { corpusDir } from '../../harness/paths.js';
import type { CaseResult } from '../../harness/run/result.js';
import { runCase } from '../../harness/runner/run-case.js';
import type { Variant } from '../../harness/variants/registry.js';
import { allVariants } from '../corpus.js';

let scenarios: Scenario[];
let variants: Variant[];
const results = new Map<string, CaseResult>();

beforeAll(async () => {
  scenarios = await loadFixtures(await fixtureFiles(corpusDir));
  variants = await allVariants();
  for (const s of scenarios) for (const v of variants) results.set(`${s.id}@${v.meta.id}`, runCase(s, v));
});

function step(child: Variant): Comparison[] {
  return scenarios.map((s) => compareResults(results.get(`${s.id}@${child.meta.parent}`)!, results.get(`${s.id}@${child.meta.id}`)!));
}

const metas = (await allVariants()).filter((v) => v.meta.parent !== null);

describe.each(metas.map((v) => [`${v.meta.parent} -> ${v.meta.id}`, v] as const))('step %s', (_, child) => {
  it('runs every case to a result', () => {
    for (const s of scenarios) expect(results.get(`${s.id}@${child.meta.id}`)!.status).toBe('ok');
  });

  it('has the effect its metadata claims, on the fixtures it names', () => {
    const byFixture = new Map(step(child).map((c) => [c.fixture, c]));
    for (const e of child.meta.effects) {
      const c = byFixture.get(e.fixture);
      expect(c, `no fixture ${e.fixture}`).toBeDefined();
      expect(c!.removed.sort(), `${e.fixture}: kinds fixed`).toEqual([...(e.fixes ?? [])].sort());
      expect(c!.added.sort(), `${e.fixture}: kinds regressed`).toEqual([...(e.regresses ?? [])].sort());
      for (const [key, direction] of Object.entries(e.costs ?? {})) {
        const change = c!.costs.find((x) => x.key === key);
        expect(change, `${e.fixture}: ${key} changes`).toBeDefined();
        if (direction === 'fewer') expect(change!.after).toBeLessThan(change!.before);
        else expect(change!.after).toBeGreaterThan(change!.before);
      }
    }
  });

  it('changes no other fixture\'s verdict', () => {
    const named = new Set(child.meta.effects.map((e) => e.fixture));
    const unexplained = step(child).filter((c) => (c.removed.length > 0 || c.added.length > 0) && !named.has(c.fixture));
    expect(unexplained.map((c) => `${c.fixture}: -${c.removed.join(',')} +${c.added.join(',')}`)).toEqual([]);
  });

  it(child.meta.refactor === true ? 'is a pure refactor: every trace is identical' : 'changes at least one verdict or cost', () => {
    const comparisons = step(child);
    if (child.meta.refactor === true) {
      expect(comparisons.filter((c) => c.grade !== 'identical').map((c) => c.fixture)).toEqual([]);
    } else {
      expect(child.meta.effects.length).toBeGreaterThan(0);
      expect(comparisons.some((c) => c.grade !== 'identical' && c.grade !== 'same-state')).toBe(true);
    }
  });
});
