// Splitting a run between machines: --shard i/n runs disjoint parts, and
// `merge` of every part writes the reports of the run unsplit, byte for
// byte; a malformed --shard or an incomplete set of parts is bad input.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

/** Every file a command wrote into a folder (fixtures/ included), by name. */
async function filesIn(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

const tmp = (name: string): Promise<string> => mkdtemp(join(tmpdir(), name));

describe('run --shard and merge', () => {
  it('two shards run disjoint cases that merge into the unsharded reports, byte for byte', async () => {
    const whole = await tmp('whole-');
    const args = ['run', '--series', 'v3', '-q'];
    const unsplit = cli([...args, '--out', whole]);
    expect(unsplit.stderr).toBe('');
    const expected = await filesIn(whole);
    expect(Object.keys(expected)).toContain('report.json');

    const [a, b] = [await tmp('shard-a-'), await tmp('shard-b-')];
    const s1 = cli([...args, '--shard', '1/2', '--out', a, '-j', '1']);
    const s2 = cli([...args, '--shard', '2/2', '--out', b]);
    expect(s1.stdout).toMatch(/^shard 1\/2: \d+ cases of \d+/);
    expect(Object.keys(await filesIn(a))).toEqual(['shard-1-of-2.json']);
    const casesOf = async (dir: string, n: number): Promise<string[]> =>
      (JSON.parse(await readFile(join(dir, `shard-${n}-of-2.json`), 'utf8')) as { data: { results: Array<{ id: string }> } }).data.results.map((r) => r.id);
    const [ca, cb] = [await casesOf(a, 1), await casesOf(b, 2)];
    expect(ca.length).toBeGreaterThan(0);
    expect(cb.length).toBeGreaterThan(0);
    expect(ca.filter((id) => cb.includes(id))).toEqual([]);

    // Merged where the unsplit run wrote, so that paths in the reports are the same.
    await rm(whole, { recursive: true });
    const merged = cli(['merge', a, join(b, 'shard-2-of-2.json'), '--out', whole, '-q']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(unsplit.code);
    expect(merged.stdout).toBe(unsplit.stdout);
    expect(await filesIn(whole)).toEqual(expected);
  }, 120_000);

  it('refuses a malformed --shard in one line, before anything runs', async () => {
    const out = await tmp('bad-shard-');
    for (const bad of ['0/2', '3/2', '1-2', '1/0']) {
      const r = cli(['run', '--shard', bad, '--out', out]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).toMatch(/--shard/);
    }
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses to merge when a shard is missing', async () => {
    const a = await tmp('lone-shard-');
    expect(cli(['run', '--series', 'v3', '-q', '--shard', '1/2', '--out', a]).code).toBe(0);
    const out = await tmp('merged-');
    const r = cli(['merge', a, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 2\/2 is missing/);
    expect(await readdir(out)).toEqual([]);
  }, 60_000);
});

describe('matrix --shard and merge', () => {
  it('merges into the unsharded reports, byte for byte', async () => {
    const whole = await tmp('matrix-whole-');
    const unsplit = cli(['matrix', '-q', '--out', whole]);
    const expected = await filesIn(whole);
    const [a, b] = [await tmp('matrix-a-'), await tmp('matrix-b-')];
    expect(cli(['matrix', '-q', '--shard', '1/2', '--out', a]).stderr).toBe('');
    expect(cli(['matrix', '-q', '--shard', '2/2', '--out', b]).stderr).toBe('');
    await rm(whole, { recursive: true });
    const merged = cli(['merge', a, b, '--out', whole, '-q']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(unsplit.code);
    expect(await filesIn(whole)).toEqual(expected);
  }, 120_000);
});
