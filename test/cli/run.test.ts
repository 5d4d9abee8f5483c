import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliReaderGone } from './cli.js';

const fixture = (id: string, expectBase: string[]) => ({
  id,
  question: 'Does a non-coherent untrusted device read the payload of a bounced map_page?',
  device: { coherent: false, untrusted: true },
  buffers: { buf: { size: 512, page_offset: 2048 } },
  steps: [
    { op: 'cpu_write', buffer: 'buf', fill: { counter: 1 } },
    { op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_TO_DEVICE' },
    { op: 'device_read', handle: 'h' },
    { op: 'unmap_page', handle: 'h' },
  ],
  expect: { 'v5.14': expectBase },
});

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fixtures-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('dma-harness run', () => {
  it('runs the fixtures, prints the matrix, writes the report, exits 0 when expectations hold', async () => {
    const fx = await dirWith({ 'a.json': JSON.stringify(fixture('a', ['device-read-stale'])) });
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    const r = cli(['run', '--fixtures-dir', fx, '--out', out, '--variant', 'v5.14', '--workers', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 fixtures x 1 variants = 1 cases/);
    expect(r.stdout).toMatch(/^a +x$/m);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.cases[0]).toMatchObject({ id: 'a@v5.14', status: 'ok', verdict: ['device-read-stale'] });
  });

  it('exits 1 when a fixture does not get the verdict it expects', async () => {
    const fx = await dirWith({ 'a.json': JSON.stringify(fixture('a', [])) });
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    const r = cli(['run', '--fixtures-dir', fx, '--out', out, '--variant', 'v5.14', '--workers', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  a\n    on v5.14: expected clean, got device-read-stale\n');
  });

  it('fails when a fixture states no expectation for a variant that ran, unless --allow-missing-expect', async () => {
    const fx = await dirWith({ 'a.json': JSON.stringify(fixture('a', ['device-read-stale'])) });
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    const r = cli(['run', '--fixtures-dir', fx, '--out', out, '--variant', 'v5.14', 'v3-2-arch-sync', '--workers', '1']);
    expect(r.stdout).toMatch(/^expectations: 1 met, 0 not met, 1 case without one$/m);
    expect(r.stdout).toMatch(/^a {8}x\?\.$/m);
    expect(r.stdout).toContain('no expectation for v3-2-arch-sync (1 fixture); this fails the run: promote the variant');
    expect(r.code).toBe(1);
    const allowed = cli(['run', '--fixtures-dir', fx, '--out', out, '--variant', 'v5.14', 'v3-2-arch-sync', '--workers', '1', '--allow-missing-expect']);
    expect(allowed.stdout).toContain('no expectation for v3-2-arch-sync (1 fixture); allowed by --allow-missing-expect');
    expect(allowed.code).toBe(0);
  });

  it.each([
    ['bad JSON', '{ "id": "a",', /a\.json: \(document\): not valid JSON \(line 1, column 13\)/],
    ['a schema violation', JSON.stringify({ ...fixture('a', []), device: { coherent: 'yes', untrusted: false } }), /a\.json: \/device\/coherent: must be boolean/],
    ['an unknown operation', JSON.stringify({ ...fixture('a', []), steps: [{ op: 'teleport' }] }), /a\.json: \/steps\/0: unknown op "teleport"/],
    ['a missing buffer', JSON.stringify({ ...fixture('a', []), steps: [{ op: 'cpu_read', buffer: 'nope' }] }), /a\.json: \/steps\/0\/buffer: no buffer named "nope"/],
    ['a missing handle', JSON.stringify({ ...fixture('a', []), steps: [{ op: 'device_read', handle: 'h' }] }), /a\.json: \/steps\/0\/handle: no mapping named "h"/],
    ['an unknown variant in expect', JSON.stringify({ ...fixture('a', []), expect: { 'v9.99': [] } }), /a\.json: \/expect\/v9\.99: no variant "v9\.99"/],
  ])('stops on %s before running anything: file, pointer, message, exit 2, no report', async (_, text, message) => {
    const fx = await dirWith({ 'a.json': text, 'b.json': JSON.stringify(fixture('b', ['device-read-stale'])) });
    const out = join(await mkdtemp(join(tmpdir(), 'reports-')), 'out');
    const r = cli(['run', '--fixtures-dir', fx, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bad input, nothing was run:/);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('finishes its work and exits with its own code when the reader of its output goes away', async () => {
    const fx = await dirWith({ 'a.json': JSON.stringify(fixture('a', ['device-read-stale'])) });
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    const run = await cliReaderGone(['run', '--fixtures-dir', fx, '--out', out, '--variant', 'v5.14', '--workers', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Every report is written, whole: the same files, byte for byte, as a run whose output is read.
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.cases[0]).toMatchObject({ id: 'a@v5.14', status: 'ok', verdict: ['device-read-stale'] });
    const read = await mkdtemp(join(tmpdir(), 'reports-'));
    expect(cli(['run', '--fixtures-dir', fx, '--out', read, '--variant', 'v5.14', '--workers', '1']).code).toBe(0);
    const files = (await readdir(read)).sort();
    expect(files).toContain('email.txt');
    expect((await readdir(out)).sort()).toEqual(files);
    for (const f of files.filter((name) => name.includes('.'))) expect(await readFile(join(out, f), 'utf8')).toBe(await readFile(join(read, f), 'utf8'));
    // `explain ... | head`: no EPIPE error, the command's own exit code.
    const explain = await cliReaderGone(['explain', 'a', '--fixtures-dir', fx, '--variant', 'v5.14']);
    expect(explain.stderr).toBe('');
    expect(explain.code).toBe(0);
  });

  it('exits 2 on a bad command-line argument', () => {
    expect(cli(['run', '--workers', 'many']).code).toBe(2);
    expect(cli(['run', '--variant', 'v9.99']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
  });

  it('keeps an existing report when a later run is refused', async () => {
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    await writeFile(join(out, 'report.json'), 'previous');
    const fx = await dirWith({ 'a.json': '[' });
    expect(cli(['run', '--fixtures-dir', fx, '--out', out]).code).toBe(2);
    expect(await readFile(join(out, 'report.json'), 'utf8')).toBe('previous');
    expect(await readdir(out)).toEqual(['report.json']);
  });
});
