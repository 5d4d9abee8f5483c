// The commands that report: byte-identical output whatever the worker count,
// crashing and hanging variants as cells of their own, the reviewer's e-mail
// with a replay command that works when pasted, and re-rendering.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureFiles } from '../../harness/fixtures/load.js';
import { corpusDir } from '../../harness/paths.js';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { cli } from '../cli/cli.js';

async function out(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reports-'));
}

describe('reports', () => {
  it('are byte-identical with one worker and with two', async () => {
    const [a, b] = [await out(), await out()];
    const args = ['run', '--series', 'v3', '--quiet'];
    const ra = cli([...args, '-j', '1', '-o', a]);
    const rb = cli([...args, '-j', '2', '-o', b]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const files = (await readdir(a)).sort();
    expect(files).toEqual(['email.txt', 'junit.xml', 'report.html', 'report.json', 'report.md', 'summary.txt']);
    for (const f of files) expect(await readFile(join(b, f), 'utf8'), f).toBe(await readFile(join(a, f), 'utf8'));
    // JUnit viewers split a classname at its dots: none has any.
    const classnames = [...(await readFile(join(a, 'junit.xml'), 'utf8')).matchAll(/classname="([^"]*)"/g)].map((m) => m[1]!);
    // A test case per fixture on v5.14 and the five v3 steps.
    expect(classnames.length).toBe((await fixtureFiles(corpusDir)).length * 6);
    expect(classnames.filter((c) => c.includes('.'))).toEqual([]);
    expect(classnames).toContain('v5_14');
    expect(classnames).toContain('v3-1-sync-sg');
  });

  it('show a variant that throws as error cells and one that never returns as timeout cells, and report every other cell', async () => {
    const dir = await out();
    const r = cli([
      'run', '--variants-dir', 'test/broken-variants', '--quiet', '--timeout', '300', '-o', dir,
      '--fixture', 'map_page+trusted+coherent+to_device+unaligned', 'map_sg+trusted+coherent+to_device+skip_sync',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const cells = Object.fromEntries(report.cases.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(cells).toEqual({
      'map_page+trusted+coherent+to_device+unaligned@loops': 'timeout',
      'map_page+trusted+coherent+to_device+unaligned@throws': 'error',
      // map_sg never calls map_page on the trusted path: these cells complete.
      'map_sg+trusted+coherent+to_device+skip_sync@loops': 'ok',
      'map_sg+trusted+coherent+to_device+skip_sync@throws': 'ok',
    });
    const error = report.cases.find((c: { status: string }) => c.status === 'error');
    expect(error.message).toMatch(/^TypeError: model bug: cannot map 512 bytes \(at test\/broken-variants\/throws\/dma-iommu\.[tj]s:\d+\)$/);
    expect(await readFile(join(dir, 'summary.txt'), 'utf8')).toMatch(/map_page\+trusted\+coherent\+to_device\+unaligned +\?T\?E$/m);
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites name="dma-iommu-harness" tests="4" failures="0" errors="2" skipped="0">/);
  });

  it('review prints an e-mail naming what 2/5 fixes, with the bytes, and a replay command that works when pasted', async () => {
    const r = cli(['review', 'v3-2-arch-sync', '--quiet', '-o', await out()]);
    expect(r.code).toBe(0);
    const mail = r.stdout;
    for (const line of mail.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(mail).toMatch(/^Subject: Re: \[PATCH v3 2\/5\] dma-iommu: fix arch_sync_dma for map$/m);
    const fixtures = (await fixtureFiles(corpusDir)).length;
    expect(mail.replace(/\n {2}/g, ' ')).toMatch(new RegExp(`^dma-iommu-harness compared v3-2-arch-sync with its parent v3-1-sync-sg over ${fixtures} fixtures: 3 fixed, 0 regressed, 0 mixed; 0 errors, 0 timeouts\\.$`, 'm'));
    for (const f of ['map_page+untrusted+noncoherent+to_device+unaligned', 'map_page+untrusted+noncoherent+bidirectional+unaligned', 'map_sg+untrusted+noncoherent+to_device+unaligned']) {
      expect(mail).toContain(`in testcase: ${f}`);
    }
    const block = mail.slice(mail.indexOf('in testcase: map_page+untrusted+noncoherent+to_device+unaligned'));
    expect(block).toMatch(/step 3 device read:\n {4}before: h\[0x0\.\.\+0x200\] 512 bytes 00 00 00 00 00 00 00 00\.\.\./);
    expect(block).toMatch(/after: h\[0x0\.\.\+0x200\] 512 bytes 10 11 12 13 14 15 16 17\.\.\. \(as\n? *expected\)/);
    const replay = /replay:\n((?:    .*\\\n)*    .*)\n/.exec(block)![1]!;
    const run = spawnSync('bash', ['-c', replay], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^case map_page\+untrusted\+noncoherent\+to_device\+unaligned@v3-2-arch-sync\n/);
    expect(run.stdout).toMatch(/^verdict: clean$/m);
  });

  it('compare exits 1 when the second variant regresses, and report re-renders the saved JSON', async () => {
    const dir = await out();
    const r = cli(['compare', 'v3-2-arch-sync', 'alt-robin-else-if', '--quiet', '-o', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ +3 +verdict changed: regressed$/m);
    const again = await out();
    const rr = cli(['report', join(dir, 'report.json'), '-o', again]);
    expect(rr.code).toBe(0);
    for (const f of ['report.md', 'email.txt', 'junit.xml', 'report.html', 'summary.txt']) {
      expect(await readFile(join(again, f), 'utf8'), f).toBe(await readFile(join(dir, f), 'utf8'));
    }
    const md = cli(['report', join(dir, 'report.json'), '--format', 'markdown']);
    expect(md.stdout).toBe(await readFile(join(dir, 'report.md'), 'utf8'));
  });

  it('report refuses a file that is not a report, with exit 2', async () => {
    const dir = await out();
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ format: 'something else' }));
    const r = cli(['report', join(dir, 'bad.json'), '--format', 'markdown']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: \/format: must be equal to constant/);
  });
});
