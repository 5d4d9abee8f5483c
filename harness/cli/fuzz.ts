// `fuzz --series S`: search generated correct-driver scenarios for behaviour
// changes along a series (and violations left on its last variant), or
// `fuzz --against C` for scenarios where a C variant and its model
// disagree; shrink each finding, write it out as a fixture ready to commit,
// then run the written fixtures like any others so the reports show them.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../input-error.js';
import { formatFixture } from '../fixtures/format.js';
import { buildFixture, DEFAULT_SPACE, scenarioArb, spaceOfOrigin, type Focus, type Generated, type IommuFlavour, type SearchSpace } from '../fuzz/generate.js';
import type { Fixture } from '../fixtures/fixture-types.generated.js';
import { readJsonFile } from '../json-file.js';
import { resolveFixture } from '../fixtures/load.js';
import { mergeParts, runsOfShard, search, type SearchParts, type SearchTarget } from '../fuzz/search.js';
import { BLOB_FORMAT, BLOB_VERSION, writeBlob, type ShardBlob } from '../report/shard-blob.js';
import { DEFAULT_TIMEOUT_MS, defaultWorkers } from '../runner/pool.js';
import { checkImports } from '../plan.js';
import { shardText, type Shard } from '../shard.js';
import { projectRoot, reportsDir } from '../paths.js';
import { fuzzFindingLines, fuzzStatisticsLines } from '../report/render/common.js';
import { RENDERERS } from '../report/render/index.js';
import type { Finding as ReportFinding } from '../report/report-types.generated.js';
import { readVariantMetas, seriesOf } from '../variants/registry.js';
import { againstTarget } from '../fuzz/against.js';
import { isCVariant } from '../ckernel/variant.js';
import { progress } from './progress.js';
import { checkFolders, finish, outFolder, planOptions, prepare, runPlan, type CommonOptions } from './session.js';

export interface FuzzOptions extends CommonOptions {
  series?: string;
  /** A C variant to hold its model to (its variant.json's `model`). */
  against?: string;
  seed?: number;
  runs?: number;
  time?: number;
  swiotlb?: SearchSpace['swiotlb'];
  maxCommands?: number;
  untrusted?: boolean;
  noncoherent?: boolean;
  platform?: IommuFlavour;
  replay?: string;
  shard?: Shard;
}

function space(opts: Pick<FuzzSettings, 'swiotlb' | 'maxCommands' | 'focus'>): SearchSpace {
  return { swiotlb: opts.swiotlb ?? DEFAULT_SPACE.swiotlb, maxCommands: opts.maxCommands ?? DEFAULT_SPACE.maxCommands, ...(opts.focus !== undefined ? { focus: opts.focus } : {}) };
}

/** What --untrusted, --noncoherent and --platform fix in the search space; undefined when nothing. */
function focusOf(opts: FuzzOptions): Focus | undefined {
  const focus: Focus = {
    ...(opts.untrusted === true ? { untrusted: true as const } : {}),
    ...(opts.noncoherent === true ? { noncoherent: true as const } : {}),
    ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
  };
  return Object.keys(focus).length > 0 ? focus : undefined;
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
  const arb = scenarioArb(spaceOfOrigin(o), o.commands_path);
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

/** What decides a fuzz run's findings: the same settings give the same bytes (a shard's blob records them). */
interface FuzzSettings {
  /** The series searched; with `against`, the search's name. */
  series: string;
  /** fuzz --against: the C variant, and its cases' time budget. */
  against?: string;
  timeoutMs?: number;
  seed: number;
  runs?: number;
  time?: number;
  swiotlb?: SearchSpace['swiotlb'];
  maxCommands?: number;
  focus?: Focus;
  variantsDir?: string;
}

function settingsOf(opts: FuzzOptions & { series: string }): FuzzSettings {
  const runs = opts.runs ?? (opts.time === undefined ? 2000 : undefined);
  return {
    series: opts.series,
    ...(opts.against !== undefined ? { against: opts.against, timeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS } : {}),
    seed: opts.seed ?? 1,
    ...(runs !== undefined ? { runs } : { time: opts.time }),
    ...(opts.swiotlb !== undefined ? { swiotlb: opts.swiotlb } : {}),
    ...(opts.maxCommands !== undefined ? { maxCommands: opts.maxCommands } : {}),
    ...(focusOf(opts) !== undefined ? { focus: focusOf(opts) } : {}),
    ...(opts.variantsDir !== undefined ? { variantsDir: opts.variantsDir } : {}),
  };
}

/** The chain to search and the space to generate from; bad input when the series is not a chain. */
async function targetOf(settings: FuzzSettings): Promise<SearchTarget> {
  const dir = settings.variantsDir !== undefined ? resolve(settings.variantsDir) : undefined;
  const metas = await readVariantMetas(dir);
  if (settings.against !== undefined) {
    const c = metas.find((m) => m.meta.id === settings.against);
    if (c === undefined || !isCVariant(c.meta)) throw new InputError([{ file: 'command line', pointer: '/against', message: `no C variant "${settings.against}"` }]);
    const model = metas.find((m) => m.meta.id === c.meta.model);
    if (model === undefined) throw new InputError([{ file: relative(projectRoot, join(c.dir, 'variant.json')), pointer: '/model', message: `expected the TypeScript variant ${c.meta.id} is checked against` }]);
    await checkImports([model]);
    return againstTarget(model, c, space(settings), settings.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }
  const s = seriesOf(metas.map((m) => m.meta)).find((x) => x.name === settings.series);
  if (s === undefined || s.chain === null) {
    throw new InputError([{ file: 'command line', pointer: '/series', message: `no series "${settings.series}" that is a chain of variants` }]);
  }
  const chain = s.chain.map((id) => metas.find((v) => v.meta.id === id)!);
  if (chain.some((v) => isCVariant(v.meta))) {
    throw new InputError([{ file: 'command line', pointer: '/series', message: `series "${s.name}" has C variants: fuzz holds one to its model with --against` }]);
  }
  await checkImports(chain);
  return { series: s.name, chain, space: space(settings) };
}

export async function fuzzCommand(opts: FuzzOptions): Promise<void> {
  if (opts.replay !== undefined) return replay(opts.replay);
  if ((opts.series === undefined) === (opts.against === undefined)) {
    throw new InputError([{ file: 'command line', pointer: '/series', message: 'expected --series NAME (the series to search), --against C_VARIANT (hold a model to the C) or --replay FILE' }]);
  }
  // Everything the search needs, and the folder it writes into, before it starts.
  const out = outFolder(opts, join(reportsDir, 'fuzz'));
  await checkFolders(opts, out);
  const settings = settingsOf({ ...opts, series: opts.series ?? `${opts.against}-against-model` });
  const target = await targetOf(settings);
  const total = settings.runs !== undefined ? runsOfShard(settings.runs, opts.shard) : undefined;
  const bar = progress('fuzzing', opts.quiet === true);
  const parts = await search(target, {
    seed: settings.seed,
    runs: settings.runs,
    seconds: settings.time,
    shard: opts.shard,
    workers: opts.workers ?? defaultWorkers(),
    onProgress: (done) => bar.update(done, total ?? done),
  });
  bar.stop();
  if (opts.shard !== undefined) {
    const file = await writeBlob(out, { format: BLOB_FORMAT, version: BLOB_VERSION, command: 'fuzz', shard: opts.shard, options: { ...settings }, data: parts });
    const runs = parts.shares.reduce((n, s) => n + s.runs, 0);
    process.stdout.write(`shard ${shardText(opts.shard)}: ${runs} scenarios, ${parts.shrunk.length} classes shrunk; merge every shard's file with: npm run -s cli -- merge FILES\nwrote ${relative(process.cwd(), file)}\n`);
    return;
  }
  await reportFuzz(target, settings, [parts], { ...opts, out });
}

/** `merge` of fuzz shards: the report of the unsharded run. */
export async function mergeFuzz(blobs: ReadonlyArray<ShardBlob>, opts: CommonOptions): Promise<void> {
  const settings = blobs[0]!.options as unknown as FuzzSettings;
  const out = outFolder(opts, join(reportsDir, 'fuzz'));
  await checkFolders(opts, out);
  const target = await targetOf(settings);
  await reportFuzz(target, settings, blobs.map((b) => b.data as SearchParts), { ...opts, out });
}

/** Choose the findings from the search's parts, write them as fixtures, run them, and write the reports. */
async function reportFuzz(target: SearchTarget, settings: FuzzSettings, parts: readonly SearchParts[], opts: CommonOptions & { out: string }): Promise<void> {
  const out = opts.out;
  const result = mergeParts(target, target.chain.map((v) => v.meta.id), parts);
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
    series: target.series,
    seed: settings.seed,
    runs: result.runs,
    scenarios: result.counts.scenarios,
    features: { ...result.counts.features },
    kinds: Object.fromEntries(Object.entries(result.counts.kinds).filter(([, n]) => n > 0)),
    findings,
  };
  const args = [
    ...(settings.against !== undefined ? ['--against', settings.against] : ['--series', target.series]),
    '--seed', String(settings.seed),
    ...(settings.runs !== undefined ? ['--runs', String(settings.runs)] : ['--time', String(settings.time)]),
    ...(settings.swiotlb !== undefined ? ['--swiotlb', settings.swiotlb] : []),
    ...(settings.maxCommands !== undefined ? ['--max-commands', String(settings.maxCommands)] : []),
    ...(settings.focus?.untrusted === true ? ['--untrusted'] : []),
    ...(settings.focus?.noncoherent === true ? ['--noncoherent'] : []),
    ...(settings.focus?.platform !== undefined ? ['--platform', settings.focus.platform] : []),
  ];
  if (findings.length === 0) {
    process.stdout.write(`no findings in ${result.runs} scenarios\n`);
    return;
  }
  const select = target.against !== undefined ? { variant: target.chain.map((v) => v.meta.id) } : { series: [target.series] };
  const prepared = await prepare(planOptions({ ...opts, variantsDir: settings.variantsDir, fixture: undefined, fixturesDir, ...select }));
  const results = await runPlan(prepared.plan, { ...opts, quiet: true });
  const { report, written } = await finish(prepared, results, opts, { command: { name: 'fuzz', args }, fuzz });
  const summary = RENDERERS.summary.render(report);
  process.stdout.write(summary.slice(0, summary.indexOf('\n\n') + 2));
  process.stdout.write([...fuzzFindingLines(report.fuzz!), '', ...fuzzStatisticsLines(report.fuzz!), ''].join('\n'));
  process.stdout.write(`reports: ${written.join(', ')}\nfixtures: ${relative(process.cwd(), fixturesDir)}/\n`);
}
