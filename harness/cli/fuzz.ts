// `fuzz --series S`: search generated correct-driver scenarios for behaviour
// changes along a series (and violations left on its last variant), shrink
// each finding, write it out as a fixture ready to commit, then run the
// written fixtures like any others so the reports show them.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../input-error.js';
import { formatFixture } from '../fixtures/format.js';
import { buildFixture, DEFAULT_SPACE, scenarioArb, type Generated, type SearchSpace } from '../fuzz/generate.js';
import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { readJsonFile } from '../json-file.js';
import { resolveFixture } from '../fixtures/load.js';
import { search, Searcher } from '../fuzz/search.js';
import { projectRoot, reportsDir } from '../paths.js';
import { fuzzFindingLines, fuzzStatisticsLines } from '../report/render/common.js';
import { RENDERERS } from '../report/render/index.js';
import type { Finding as ReportFinding } from '../report/report-types.generated.js';
import { loadVariants, readVariantMetas, seriesOf } from '../variants/registry.js';
import { progress } from './progress.js';
import { checkFolders, finish, outFolder, planOptions, prepare, runPlan, type CommonOptions } from './session.js';

export interface FuzzOptions extends CommonOptions {
  series?: string;
  seed?: number;
  runs?: number;
  time?: number;
  swiotlb?: SearchSpace['swiotlb'];
  maxCommands?: number;
  replay?: string;
}

function space(opts: FuzzOptions): SearchSpace {
  return { swiotlb: opts.swiotlb ?? DEFAULT_SPACE.swiotlb, maxCommands: opts.maxCommands ?? DEFAULT_SPACE.maxCommands };
}

/**
 * `fuzz --replay FILE`: regenerate a written finding from the seed and paths
 * in its origin, print the regenerated fixture, and fail if it is not the
 * scenario the file holds.
 */
async function replay(file: string): Promise<void> {
  const { value } = await readJsonFile(resolve(file));
  await resolveFixture(value, file);
  const doc = value as Fixture;
  if (doc.origin === undefined) throw new InputError([{ file, pointer: '/origin', message: 'expected the origin of a fuzz finding (seed, path, commands_path) to replay' }]);
  const o = doc.origin;
  const arb = scenarioArb({ swiotlb: o.swiotlb, maxCommands: o.max_commands }, o.commands_path);
  let r: fc.RunDetails<[Generated]>;
  try {
    r = fc.check(fc.property(arb, (g) => (buildFixture(g, doc.id, doc.question), false)), { seed: o.seed, path: o.path, endOnFailure: true });
  } catch (e) {
    throw new InputError([{ file, pointer: '/origin/path', message: `does not replay: ${(e as Error).message}` }]);
  }
  if (!r.failed || r.counterexample === null) throw new InputError([{ file, pointer: '/origin/path', message: 'replays to no scenario' }]);
  const again = { ...buildFixture(r.counterexample[0] as Generated, doc.id, doc.question), origin: o, expect: doc.expect };
  process.stdout.write(formatFixture(again));
  const same = (['platform', 'device', 'buffers', 'steps'] as const).every((k) => JSON.stringify(again[k]) === JSON.stringify(doc[k]));
  if (!same) {
    process.stderr.write(`${file}: the seed and paths in /origin replay to a different scenario (printed above)\n`);
    process.exitCode = 1;
  }
}

export async function fuzzCommand(opts: FuzzOptions): Promise<void> {
  if (opts.replay !== undefined) return replay(opts.replay);
  if (opts.series === undefined) throw new InputError([{ file: 'command line', pointer: '/series', message: 'expected --series NAME (the series to search) or --replay FILE' }]);
  // Everything the search needs, and the folder it writes into, before it starts.
  const out = outFolder(opts, join(reportsDir, 'fuzz'));
  await checkFolders(opts, out);
  const metas = await readVariantMetas(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
  const s = seriesOf(metas.map((m) => m.meta)).find((x) => x.name === opts.series);
  if (s === undefined || s.chain === null) {
    throw new InputError([{ file: 'command line', pointer: '/series', message: `no series "${opts.series}" that is a chain of variants` }]);
  }
  const variants = await loadVariants(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
  const chain = s.chain.map((id) => variants.find((v) => v.meta.id === id)!);
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? (opts.time === undefined ? 2000 : undefined);
  const bar = progress('fuzzing', opts.quiet === true);
  const result = await search(new Searcher(s.name, chain, space(opts)), {
    seed,
    runs,
    seconds: opts.time,
    onProgress: (done) => bar.update(done, runs ?? done),
  });
  bar.stop();

  // Write the findings as fixtures, then run them like any other fixtures.
  const fixturesDir = join(out, 'fixtures');
  await rm(fixturesDir, { recursive: true, force: true });
  await mkdir(fixturesDir, { recursive: true });
  for (const f of result.findings) await writeFile(join(fixturesDir, `${f.fixture.id}.json`), formatFixture(f.fixture));

  const findings: ReportFinding[] = result.findings.map((f) => ({
    class: f.class,
    classes: f.classes,
    variant: f.variant,
    kind: f.kind,
    fixture: f.fixture.id,
    file: relative(projectRoot, join(fixturesDir, `${f.fixture.id}.json`)),
    steps: f.steps,
    seed: f.seed,
    path: f.path,
    commands_path: f.commandsPath,
  }));
  const fuzz = {
    series: s.name,
    seed,
    runs: result.runs,
    scenarios: result.stats.scenarios,
    features: { ...result.stats.features },
    kinds: Object.fromEntries(Object.entries(result.stats.kinds).filter(([, n]) => n > 0)),
    findings,
  };
  const args = ['--series', s.name, '--seed', String(seed), ...(runs !== undefined ? ['--runs', String(runs)] : ['--time', String(opts.time)]), ...(opts.swiotlb !== undefined ? ['--swiotlb', opts.swiotlb] : []), ...(opts.maxCommands !== undefined ? ['--max-commands', String(opts.maxCommands)] : [])];
  if (findings.length === 0) {
    process.stdout.write(`no findings in ${result.runs} scenarios\n`);
    return;
  }
  const prepared = await prepare(planOptions({ ...opts, fixture: undefined, fixturesDir, series: [s.name] }));
  const results = await runPlan(prepared.plan, { ...opts, quiet: true });
  const { report, written } = await finish(prepared, results, { ...opts, out }, { command: { name: 'fuzz', args }, fuzz });
  const summary = RENDERERS.summary.render(report);
  process.stdout.write(summary.slice(0, summary.indexOf('\n\n') + 2));
  process.stdout.write([...fuzzFindingLines(report.fuzz!), '', ...fuzzStatisticsLines(report.fuzz!), ''].join('\n'));
  process.stdout.write(`reports: ${written.join(', ')}\nfixtures: ${relative(process.cwd(), fixturesDir)}/\n`);
}
