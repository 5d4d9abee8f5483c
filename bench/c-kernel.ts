// The kernel's own 6.1 C against the TypeScript v6.1 model, on the corpus
// (`npm run bench:c`; not part of the tests). Both run through the same
// pool the command line uses (worker threads for the model, child
// processes for the C), in one run, taking turns, so the ratio is of one
// machine:
//
//   - a cold run: the corpus from a fresh pool, start-up included (for the
//     C, forking the children and loading the library; the library is
//     built before the first round, so no round pays for a build);
//   - cases per second once warm: each pool kept open, warmed up, then
//     both taking turns, slice by slice.
//
// Writes reports/bench-c.json and prints a table for docs/benchmark.md.

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configsFor, prepareCVariants } from '../harness/ckernel/variant.js';
import { fixtureFiles, loadFixtures } from '../harness/fixtures/load.js';
import { corpusDir, reportsDir } from '../harness/paths.js';
import { CasePool, runCases, type CasePlan } from '../harness/runner/pool.js';
import { readVariantMetas } from '../harness/variants/registry.js';

const COLD_ROUNDS = 5;
const WARM_SECONDS = 5;
const SLICE_SECONDS = 1;
const TURNS = 6;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Run the corpus on `pool` until `seconds` have passed: cases and seconds. */
async function measure(pool: CasePool, cases: ReadonlyArray<[number, number]>, seconds: number): Promise<{ cases: number; seconds: number }> {
  let n = 0;
  const t0 = performance.now();
  do {
    const results = await pool.run(cases);
    if (results.some((r) => r.status !== 'ok')) throw new Error(`a case did not run to its end: ${results.find((r) => r.status !== 'ok')!.id}`);
    n += results.length;
  } while (performance.now() - t0 < seconds * 1000);
  return { cases: n, seconds: (performance.now() - t0) / 1000 };
}

const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
const metas = await readVariantMetas();
const c = metas.find((v) => v.meta.id === 'c-v6.1')!;
const model = metas.find((v) => v.meta.id === c.meta.model)!;
const workers = availableParallelism();
await prepareCVariants([c], configsFor(scenarios.map((s) => s.platform)));

const contenders = [
  { name: `C ${c.meta.id}`, plan: { scenarios, variants: [c], cases: scenarios.map((_, f): [number, number] => [f, 0]) } as CasePlan },
  { name: `TypeScript ${model.meta.id}`, plan: { scenarios, variants: [model], cases: scenarios.map((_, f): [number, number] => [f, 0]) } as CasePlan },
];

// Cold: a fresh pool per round, the two taking turns.
const cold = contenders.map(() => [] as number[]);
for (let r = 0; r < COLD_ROUNDS; r++) {
  for (const [i, k] of contenders.entries()) {
    const t0 = performance.now();
    await runCases(k.plan, { workers });
    cold[i]!.push((performance.now() - t0) / 1000);
  }
}

// Warm: pools kept open, each warmed up, then turns.
const pools = contenders.map((k) => new CasePool(k.plan, { workers }));
for (const [i, k] of contenders.entries()) await measure(pools[i]!, k.plan.cases, WARM_SECONDS);
const warm = contenders.map(() => [] as number[]);
for (let t = 0; t < TURNS; t++) {
  for (const [i, k] of contenders.entries()) {
    const m = await measure(pools[i]!, k.plan.cases, SLICE_SECONDS);
    warm[i]!.push(m.cases / m.seconds);
  }
}
await Promise.all(pools.map((p) => p.close()));

const rows = contenders.map((k, i) => ({
  contender: k.name,
  cold_seconds: median(cold[i]!),
  cold_cases_per_second: scenarios.length / median(cold[i]!),
  warm_cases_per_second: median(warm[i]!),
}));
const ratio = { cold: rows[0]!.cold_cases_per_second / rows[1]!.cold_cases_per_second, warm: rows[0]!.warm_cases_per_second / rows[1]!.warm_cases_per_second };
const result = { node: process.version, workers, fixtures: scenarios.length, rows, c_over_typescript: ratio };
await mkdir(reportsDir, { recursive: true });
await writeFile(join(reportsDir, 'bench-c.json'), JSON.stringify(result, null, 2) + '\n');

const f = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: x < 10 ? 2 : 0 });
process.stdout.write(`corpus: ${scenarios.length} fixtures, ${workers} workers, Node ${process.version}\n\n`);
process.stdout.write('| contender | cold run (median of 5) | warm, cases/s (median of 6 slices) |\n|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.contender} | ${f(r.cold_seconds)} s (${f(r.cold_cases_per_second)} cases/s) | ${f(r.warm_cases_per_second)} |\n`);
process.stdout.write(`| C / TypeScript | ${f(ratio.cold)} × | ${f(ratio.warm)} × |\n`);
