// A tree the shim does not know is bad input: one line naming the file and
// the symbol (under the usual heading), exit 2, before any case runs and with nothing written. Two
// ways a tree can be unknown: an era the shim has no profile for (the
// Makefile says 5.15), and a 6.1 tree whose swiotlb.c no longer defines a
// function the shim hooks.

import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';
import { haveSource } from './c-source.js';
import { debianTree } from './patches.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=A Tester', '-c', 'user.email=tester@example.org', ...args], { cwd, encoding: 'utf8' }).trim();

const BASE = { kind: 'c', parent: null, series: 'unknown', date: '2025-11-26', summary: 'A tree the shim does not know.', changes: {}, effects: [] };

describe.skipIf(!haveSource)('a kernel tree the shim does not know', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'unknown-tree-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Run the corpus on the one variant of `variants`; the command's result, and whether it wrote a report. */
  const runOn = (variants: string): { code: number; stderr: string; wrote: boolean } => {
    const out = join(dir, 'reports');
    const r = cli(['run', '--variants-dir', variants, '-o', out, '-q'], {}, { timeoutMs: 120_000 });
    return { code: r.code, stderr: r.stderr, wrote: existsSync(join(out, 'report.json')) };
  };

  it('names the Makefile and VERSION for a tree of another era (5.15), exit 2, nothing written', async () => {
    const tree = join(dir, 'linux-5.15');
    await cp(await debianTree(), tree, { recursive: true, filter: (src) => !src.endsWith('.complete') });
    const makefile = join(tree, 'Makefile');
    await writeFile(makefile, (await readFile(makefile, 'utf8')).replace(/^PATCHLEVEL = 1$/m, 'PATCHLEVEL = 15').replace(/^VERSION = 6$/m, 'VERSION = 5'));
    git(tree, 'init', '-q');
    git(tree, 'add', '-A');
    git(tree, 'commit', '-q', '-m', 'a 5.15 tree');
    const variants = join(dir, 'era');
    await mkdir(join(variants, 'c-old'), { recursive: true });
    await writeFile(join(variants, 'c-old', 'variant.json'), JSON.stringify({ ...BASE, id: 'c-old', subject: '5.15', kernel: { tree, rev: 'HEAD' } }));

    const r = runOn(variants);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('bad input, nothing was run:');
    expect(lines).toHaveLength(2);
    expect(r.stderr).toMatch(/c-old\/variant\.json.*\/kernel.*the shim does not know this tree: Makefile: VERSION: Linux 5\.15: the shim is written for 6\.1/);
    expect(r.wrote).toBe(false);
  }, 120_000);

  it('names the file and the function for a 6.1 tree that lacks a function the shim hooks, exit 2, nothing written', async () => {
    const tree = await debianTree();
    const path = 'kernel/dma/swiotlb.c';
    const before = await readFile(join(tree, path), 'utf8');
    const after = before.replace(/^static void swiotlb_release_slots\(/m, 'static void swiotlb_free_slots(');
    expect(after).not.toBe(before);
    const variants = join(dir, 'renamed');
    await mkdir(join(variants, 'c-renamed'), { recursive: true });
    await writeFile(join(variants, 'c-renamed', 'rename.patch'), createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after));
    await writeFile(join(variants, 'c-renamed', 'variant.json'), JSON.stringify({ ...BASE, id: 'c-renamed', subject: 'renamed', kernel: { debian: 'linux-source-6.1' }, patches: ['rename.patch'] }));

    const r = runOn(variants);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('bad input, nothing was run:');
    expect(lines).toHaveLength(2);
    expect(r.stderr).toMatch(/c-renamed\/variant\.json.*\/kernel.*kernel\/dma\/swiotlb\.c: swiotlb_release_slots: no definition of this function/);
    expect(r.wrote).toBe(false);
  }, 120_000);
});
