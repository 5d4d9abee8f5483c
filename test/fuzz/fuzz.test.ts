// The fuzz command, cold (only generated scenarios, no hand-written fixture
// involved): it finds the behaviour change of each v3 patch, its findings are
// small and replay from the written files, and a seed fixes the outcome.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureFile } from '../../harness/fixtures/load.js';
import type { Report } from '../../harness/report/report-types.generated.js';
import { runCase } from '../../harness/runner/run-case.js';
import { loadVariants, type Variant } from '../../harness/variants/registry.js';
import { cli } from '../cli/cli.js';

interface FuzzRun {
  out: string;
  report: Report;
  files: Record<string, string>;
  stdout: string;
}

async function fuzz(...args: string[]): Promise<FuzzRun> {
  const out = await mkdtemp(join(tmpdir(), 'fuzz-'));
  const r = cli(['fuzz', '--series', 'v3', '--out', out, '-q', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
  const files: Record<string, string> = {};
  for (const f of await readdir(join(out, 'fixtures'))) files[f] = await readFile(join(out, 'fixtures', f), 'utf8');
  return { out, report, files, stdout: r.stdout };
}

const V3 = ['v5.14', 'v3-1-sync-sg', 'v3-2-arch-sync', 'v3-3-skip-sync', 'v3-4-config-swiotlb', 'v3-5-min-align'];

describe('fuzz --series v3', () => {
  let first: FuzzRun;
  let variants: Variant[];
  beforeAll(async () => {
    first = await fuzz('--seed', '1', '--runs', '2000');
    variants = await loadVariants();
  }, 120_000);

  it('finds a behaviour change at every step of the series', () => {
    // A change shows as a finding of its own, or as a class a finding also shows.
    const classes = first.report.fuzz!.findings.flatMap((f) => f.classes);
    for (const v of V3.slice(1)) expect(classes.filter((c) => c.startsWith(`${v} fixes `) || c.startsWith(`${v} regresses `) || c.startsWith(`${v} changes `)), v).not.toEqual([]);
  });

  it('names a cost change by the call and counter that changed, one finding each', () => {
    const costs = first.report.fuzz!.findings.filter((f) => / changes costs: /.test(f.class));
    expect(costs.length).toBeGreaterThan(2);
    for (const f of costs) expect(f.class).toMatch(/^\S+ changes costs: (more|fewer) [a-z ]+ in [a-z_]+$/);
    // v3-3 stops unmap from copying out of the bounce buffer a second time.
    expect(first.report.fuzz!.findings.flatMap((f) => f.classes)).toContain('v3-3-skip-sync changes costs: fewer bounce copies in unmap_page');
  });

  it('shrinks every finding to at most 20 steps and writes it as a fixture that replays to the same verdicts', async () => {
    const findings = first.report.fuzz!.findings;
    expect(findings.length).toBeGreaterThan(4);
    for (const f of findings) {
      // Composite driver commands (a receive round, a kept sg_table mapped twice) and read-backs are a few steps each.
      expect(f.steps, f.class).toBeLessThanOrEqual(20);
      const scenario = await loadFixtureFile(join(first.out, 'fixtures', `${f.fixture}.json`));
      expect(JSON.parse(first.files[`${f.fixture}.json`]!).origin.class).toBe(f.class);
      for (const id of V3) {
        const r = runCase(scenario, variants.find((v) => v.meta.id === id)!);
        expect(r.status, `${f.fixture}@${id}`).toBe('ok');
        if (r.status === 'ok') expect(r.verdict, `${f.fixture}@${id}`).toEqual(scenario.expect[id]);
      }
      // The class it was kept for really shows between the step's parent and child.
      const at = V3.indexOf(f.variant);
      const verdict = (id: string): string[] => scenario.expect[id] ?? [];
      const m = /^(\S+) (fixes|regresses|still shows) (\S+)$/.exec(f.class);
      if (m !== null) {
        const [, , how, kind] = m;
        if (how === 'fixes') expect(verdict(V3[at - 1]!)).toContain(kind), expect(verdict(f.variant)).not.toContain(kind);
        if (how === 'regresses') expect(verdict(V3[at - 1]!)).not.toContain(kind), expect(verdict(f.variant)).toContain(kind);
        if (how === 'still shows') expect(verdict(f.variant)).toContain(kind);
      }
    }
  });

  it('the written fixtures pass as ordinary fixtures in a run', async () => {
    const r = cli(['run', '--fixtures-dir', join(first.out, 'fixtures'), '--series', 'v3', '--out', await mkdtemp(join(tmpdir(), 'rerun-')), '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('regenerates written findings from the seed and paths in their origin, and notices a changed file', async () => {
    // One process per replay: six findings, spread over the run, say as much as all.
    const names = Object.keys(first.files).sort();
    for (const name of names.filter((_, i) => i % Math.ceil(names.length / 6) === 0)) {
      const r = cli(['fuzz', '--replay', join(first.out, 'fixtures', name)]);
      expect(r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(first.files[name]!));
    }
    const [name, text] = Object.entries(first.files)[0]!;
    const doc = JSON.parse(text);
    doc.buffers.b0.size += 1;
    const dir = await mkdtemp(join(tmpdir(), 'edited-'));
    await writeFile(join(dir, name), JSON.stringify(doc));
    const r = cli(['fuzz', '--replay', join(dir, name)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/replay to a different scenario/);
  });

  it('reports the findings and the generation statistics', async () => {
    expect(first.stdout).toMatch(/findings in 2000 generated scenarios over v3 \(seed 1\)/);
    expect(first.stdout).toMatch(/^ {2}bounced +\d+\.\d%$/m);
    const fz = first.report.fuzz!;
    expect(fz.scenarios).toBe(2000);
    expect(fz.features['non-coherent']).toBeGreaterThan(0);
    expect(fz.features['scatterlist']).toBeGreaterThan(0);
    // What the generator aims at, by default: most scenarios bounce, many sync part of a buffer.
    expect(fz.features['bounced']! / fz.scenarios).toBeGreaterThan(0.5);
    expect(fz.features['partial sync']! / fz.scenarios).toBeGreaterThanOrEqual(0.1);
    for (const f of ['re-mapped sg_table', 'allocation failed', 'DMA mask <= 16 bits', 'read back', 'device read FROM_DEVICE']) expect(fz.features[f], f).toBeGreaterThan(0);
    const md = await readFile(join(first.out, 'report.md'), 'utf8');
    for (const f of fz.findings) expect(md).toContain(f.fixture);
  });
});

/** Every file a command wrote into a folder (fixtures/ included), by name. */
async function filesIn(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

describe('fuzz on one thread, two, or two machines', () => {
  it('writes the same bytes at -j 1 and -j 2, and sharded then merged', async () => {
    // Each writes into the same folder, so that the paths in the reports agree.
    const out = await mkdtemp(join(tmpdir(), 'fuzz-bytes-'));
    const args = ['fuzz', '--series', 'v3', '--seed', '7', '--runs', '200', '--out', out, '-q'];
    const one = cli([...args, '-j', '1']);
    expect(one.stderr).toBe('');
    const expected = await filesIn(out);
    expect(Object.keys(expected).filter((f) => f.startsWith('fixtures/')).length).toBeGreaterThan(3);
    await rm(out, { recursive: true });
    const two = cli([...args, '-j', '2']);
    expect(two.stdout).toBe(one.stdout);
    expect(await filesIn(out)).toEqual(expected);

    await rm(out, { recursive: true });
    const shards = [await mkdtemp(join(tmpdir(), 'fuzz-shard-')), await mkdtemp(join(tmpdir(), 'fuzz-shard-'))];
    for (const [i, dir] of shards.entries()) {
      const r = cli([...args.slice(0, -3), '--shard', `${i + 1}/2`, '--out', dir, '-q']);
      expect(r.stdout).toMatch(new RegExp(`^shard ${i + 1}/2: \\d+ scenarios`));
    }
    const merged = cli(['merge', ...shards, '--out', out, '-q']);
    expect(merged.stderr).toBe('');
    expect(merged.stdout).toBe(one.stdout);
    expect(await filesIn(out)).toEqual(expected);
  }, 120_000);
});

describe('fuzz with CONFIG_SWIOTLB fixed on', () => {
  it('finds nothing at 4/5, which only matters when swiotlb is configured out', async () => {
    const run = await fuzz('--seed', '1', '--runs', '600', '--swiotlb', 'on');
    const at = run.report.fuzz!.findings.filter((f) => f.kind === 'change').map((f) => f.variant);
    expect(at).not.toContain('v3-4-config-swiotlb');
    expect(at).toContain('v3-2-arch-sync');
    for (const f of Object.values(run.files)) expect(JSON.parse(f).platform.swiotlb).not.toBe(false);
  }, 120_000);
});
