// npm start: the corpus run and the exhaustive matrices in one process. The
// matrices are refreshed even when the run finds something (exit 1), and
// the exit code is the worse of the two.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { cli } from './cli.js';

const fixture = {
  id: 'a',
  question: 'Does a non-coherent untrusted device read the payload of a bounced map_page?',
  device: { coherent: false, untrusted: true },
  buffers: { buf: { size: 512, page_offset: 2048 } },
  steps: [
    { op: 'cpu_write', buffer: 'buf', fill: { counter: 1 } },
    { op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_TO_DEVICE' },
    { op: 'device_read', handle: 'h' },
    { op: 'unmap_page', handle: 'h' },
  ],
  // v5.14 reads stale data here: this expectation is not met, so `run` exits 1.
  expect: { 'v5.14': [] },
};

describe('npm start', () => {
  it('refreshes the matrices when the run exits 1, and exits 1', async () => {
    const fx = await mkdtemp(join(tmpdir(), 'start-fx-'));
    await writeFile(join(fx, 'a.json'), JSON.stringify(fixture));
    const out = await mkdtemp(join(tmpdir(), 'start-out-'));
    await mkdir(join(out, 'matrix'));
    for (const f of ['matrix.txt', 'matrix.json', 'matrix.md']) await writeFile(join(out, 'matrix', f), 'left over from an older run\n');

    const r = spawnSync('npm', ['start', '--silent', '--', '--fixtures-dir', fx, '--variant', 'v5.14', '--out', out, '--quiet'], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^1 fixtures x 1 variants = 1 cases/m);
    expect(r.stdout).toMatch(/^2 matrices, \d+ instances x 1 variants = \d+ cases$/m);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.totals).toMatchObject({ expectations_met: 0, expectations_failed: 1 });
    // Every matrix file is this run's: summaries of the v5.14 column.
    const text = await readFile(join(out, 'matrix', 'matrix.txt'), 'utf8');
    expect(text).toMatch(/v5\.14 +(Always|Sometimes|Never)/);
    expect(JSON.parse(await readFile(join(out, 'matrix', 'matrix.json'), 'utf8')).matrices).toHaveLength(2);
    expect(await readFile(join(out, 'matrix', 'matrix.md'), 'utf8')).not.toContain('left over');
  }, 120_000);

  it('exits 0 when both parts find nothing, and 2 with nothing run when either input is bad', async () => {
    const out = await mkdtemp(join(tmpdir(), 'start-out-'));
    const ok = cli(['start', '--fixture', 'map_page+trusted+coherent+to_device+unaligned', '--variant', 'v5.14', '--out', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^expectations: 1 met, 0 not met$/m);
    expect(ok.stdout).toMatch(/^2 matrices, \d+ instances x 1 variants = \d+ cases$/m);
    const bad = join(out, 'bad');
    const r = cli(['start', '--variant', 'v9.99', '--out', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/command line: \/variant: no variant "v9\.99"/);
    expect(r.stdout).toBe('');
  }, 120_000);
});
