// The benchmark of `fuzz` (`npm run bench:fuzz`; not part of the tests).
// Every figure comes from this one run, so that ratios are of one machine:
//
//   - the search of 2,000 scenarios of v3 (seed 1), shrinking included, on
//     every core, then on one: wall time, scenarios per second, the ratio;
//   - the peak memory of the process (its worker threads included), read
//     after the search on every core;
//   - for every verdict change the v3 and mainline variants claim in their
//     `effects` ("v3-2-arch-sync fixes device-read-stale"), the time from
//     the start of a search on every core until a shrunk finding shows it,
//     the median over seeds 1 to 5 (a seed that never shows it within the
//     run budget counts as never).
//
// It writes reports/bench-fuzz.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { mergeParts, search, type SearchTarget } from '../harness/fuzz/search.js';
import { DEFAULT_SPACE } from '../harness/fuzz/generate.js';
import { reportsDir } from '../harness/paths.js';
import { readVariantMetas, seriesOf, type VariantMeta } from '../harness/variants/registry.js';

const RUNS = 2000;
const SEEDS = [1, 2, 3, 4, 5];
/** The most scenarios a time-to-first-report search generates before it gives up. */
const FIRST_REPORT_RUNS = 4000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function targetOf(series: string): Promise<SearchTarget> {
  const metas = await readVariantMetas();
  const s = seriesOf(metas.map((m) => m.meta)).find((x) => x.name === series);
  if (s?.chain == null) throw new Error(`no chain "${series}"`);
  return { series, chain: s.chain.map((id) => metas.find((m) => m.meta.id === id)!), space: DEFAULT_SPACE };
}

/** The verdict changes a chain's variants claim in their effects, as fuzz classes. */
function claimedChanges(chain: ReadonlyArray<{ meta: VariantMeta }>): string[] {
  const out = new Set<string>();
  for (const { meta } of chain.slice(1)) {
    for (const e of meta.effects ?? []) {
      for (const k of e.fixes ?? []) out.add(`${meta.id} fixes ${k}`);
      for (const k of e.regresses ?? []) out.add(`${meta.id} regresses ${k}`);
    }
  }
  return [...out].sort();
}

/** The whole search, shrinking included: seconds and findings. */
async function timedSearch(target: SearchTarget, workers: number): Promise<{ seconds: number; cpuSeconds: number; findings: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const parts = await search(target, { seed: 1, runs: RUNS, workers });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { seconds, cpuSeconds: (c.user + c.system) / 1e6, findings: mergeParts(target, target.chain.map((v) => v.meta.id), [parts]).findings.length };
}

/** Seconds from the start until each claimed class first shows in a shrunk scenario (Infinity: never). */
async function firstReports(target: SearchTarget, seed: number, claimed: readonly string[], workers: number): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  const t0 = performance.now();
  await search(target, {
    seed,
    runs: FIRST_REPORT_RUNS,
    workers,
    onShrunk: (s) => {
      for (const c of s.classes) if (!at.has(c)) at.set(c, (performance.now() - t0) / 1000);
    },
    stop: () => claimed.every((c) => at.has(c)),
  });
  return new Map(claimed.map((c) => [c, at.get(c) ?? Number.POSITIVE_INFINITY]));
}

const seconds = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} s` : 'never');

async function main(): Promise<void> {
  const cores = availableParallelism();
  const v3 = await targetOf('v3');
  // Worker threads' CPU time is the process's: on a machine others share, wall time over CPU time says how much of the cores the run got.
  process.stdout.write(`fuzz benchmark: ${cores} cores, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}\n\n`);

  const all = await timedSearch(v3, cores);
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  const one = await timedSearch(v3, 1);
  const rate = (s: number): number => RUNS / s;
  process.stdout.write(
    [
      `search of ${RUNS} scenarios of v3 (seed 1), shrinking included:`,
      `  ${cores} workers  ${all.seconds.toFixed(1)} s  ${rate(all.seconds).toFixed(0)} scenarios/s  CPU ${all.cpuSeconds.toFixed(1)} s  (${all.findings} findings)`,
      `  1 worker   ${one.seconds.toFixed(1)} s  ${rate(one.seconds).toFixed(0)} scenarios/s  CPU ${one.cpuSeconds.toFixed(1)} s  (${one.findings} findings)`,
      `  ${cores} workers over 1: ${(one.seconds / all.seconds).toFixed(2)} x`,
      `peak RSS after the search on ${cores} workers: ${peakMiB.toFixed(0)} MiB`,
      '',
    ].join('\n') + '\n',
  );

  const firsts: Record<string, Record<string, number | null>> = {};
  for (const series of ['v3', 'mainline']) {
    const target = series === 'v3' ? v3 : await targetOf(series);
    const claimed = claimedChanges(target.chain);
    const bySeed: Array<Map<string, number>> = [];
    for (const seed of SEEDS) bySeed.push(await firstReports(target, seed, claimed, cores));
    process.stdout.write(`time to first report on ${cores} workers, median of seeds ${SEEDS.join(', ')} (${series}, at most ${FIRST_REPORT_RUNS} scenarios):\n`);
    firsts[series] = {};
    for (const c of claimed) {
      const times = bySeed.map((m) => m.get(c)!);
      const m = median(times);
      firsts[series][c] = Number.isFinite(m) ? Math.round(m * 10) / 10 : null;
      process.stdout.write(`  ${c.padEnd(48)} ${seconds(m).padStart(8)}   (${times.map(seconds).join(', ')})\n`);
    }
    process.stdout.write('\n');
  }
  await mkdir(reportsDir, { recursive: true });
  const json = { cores, node: process.version, load_average: loadavg()[0], runs: RUNS, all, one, peak_rss_mib: Math.round(peakMiB), first_report_seconds: firsts };
  await writeFile(join(reportsDir, 'bench-fuzz.json'), JSON.stringify(json, null, 2) + '\n');
  process.stdout.write(`wrote ${join('reports', 'bench-fuzz.json')}\n`);
}

await main();
