// Bad input, class by class: every one ends in exit 2 with one line naming
// the file (or the command line) and the JSON pointer (or option, or line)
// of what is wrong and what was expected, before anything runs, with
// nothing written: not the output folder, not a file in the working folder.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { cli } from './cli.js';

const fixture = (id: string, change: (f: Record<string, unknown>) => void = () => undefined): string => {
  const f: Record<string, unknown> = {
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
    expect: { 'v5.14': ['device-read-stale'] },
  };
  change(f);
  return JSON.stringify(f);
};

const variantJson = (id: string, parent: string | null): string =>
  JSON.stringify({ id, parent, series: 'x', date: '2026-01-01', subject: 'A variant', summary: 'A variant for a test.', changes: {}, effects: [] });

/** Every file under a folder with its size: what "nothing was written" compares. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      out.push(`${p.slice(dir.length)} ${s.isDirectory() ? 'dir' : s.size}`);
    }
  };
  walk(dir);
  return out;
}

/** Folders made read-only for the test, made writable again afterwards so they can be removed. */
const frozen: string[] = [];
afterAll(() => {
  for (const d of frozen) {
    try {
      execFileSync('chattr', ['-i', d], { stdio: 'ignore' });
    } catch {
      // Not made immutable.
    }
    chmodSync(d, 0o755);
  }
});

/** A folder nobody can write into: mode 555, and for root (which ignores modes) immutable; null if this system allows neither. */
async function readOnlyFolder(dir: string): Promise<string | null> {
  const ro = join(dir, 'read-only');
  await mkdir(ro);
  frozen.push(ro);
  chmodSync(ro, 0o555);
  const writable = (): boolean => {
    try {
      execFileSync('touch', [join(ro, 'probe')], { stdio: 'ignore' });
      execFileSync('rm', ['-f', join(ro, 'probe')], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!writable()) return ro;
  try {
    execFileSync('chattr', ['+i', ro], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return writable() ? null : ro;
}

interface Scratch {
  /** The test's own folder: everything the command may touch is in it. */
  dir: string;
  /** An output folder that does not exist yet (and must not exist after). */
  out: string;
  /** A folder of fixtures: a.json as given, b.json a good one. */
  fixtures(a: string | Buffer): Promise<string>;
}

interface BadCase {
  name: string;
  /** Make the input in the scratch folder; the arguments, and the working folder if not the project. Null: cannot be set up here. */
  setup(s: Scratch): Promise<{ args: string[]; cwd?: string } | null>;
  /** The line on standard error: file (or command line), pointer (or option, or line), message. */
  line: RegExp;
}

const CASES: BadCase[] = [
  // The folders a command names.
  { name: 'a --fixtures-dir that does not exist', setup: async (s) => ({ args: ['run', '--fixtures-dir', join(s.dir, 'nope'), '-o', s.out] }), line: /^ {2}command line: \/fixtures-dir: \S+\/nope does not exist; expected a folder$/m },
  {
    name: 'a --fixtures-dir that is a file',
    setup: async (s) => (await writeFile(join(s.dir, 'a.json'), '{}'), { args: ['run', '--fixtures-dir', join(s.dir, 'a.json'), '-o', s.out] }),
    line: /^ {2}command line: \/fixtures-dir: \S+\/a\.json is a file; expected a folder$/m,
  },
  { name: 'a --variants-dir that does not exist', setup: async (s) => ({ args: ['run', '--variants-dir', join(s.dir, 'nope'), '-o', s.out] }), line: /^ {2}command line: \/variants-dir: \S+\/nope does not exist; expected a folder$/m },
  {
    name: 'a --variants-dir that is a file',
    setup: async (s) => (await writeFile(join(s.dir, 'v'), ''), { args: ['run', '--variants-dir', join(s.dir, 'v'), '-o', s.out] }),
    line: /^ {2}command line: \/variants-dir: \S+\/v is a file; expected a folder$/m,
  },
  {
    name: 'an output folder that is a file',
    setup: async (s) => (await writeFile(join(s.dir, 'taken'), 'keep'), { args: ['run', '-v', 'v5.14', '-o', join(s.dir, 'taken')] }),
    line: /^ {2}command line: \/out: \S+\/taken is a file; expected a folder for the reports$/m,
  },
  {
    name: 'a faults run into an output folder that is a file',
    setup: async (s) => (await writeFile(join(s.dir, 'taken'), 'keep'), { args: ['faults', '-v', 'v5.14', '-o', join(s.dir, 'taken')] }),
    line: /^ {2}command line: \/out: \S+\/taken is a file; expected a folder for the reports$/m,
  },
  {
    name: 'a fixture that fails an allocation nothing makes',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['fail'] = { kind: 'iova', nth: 0 }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/fail\/nth: must be >= 1$/m,
  },
  {
    name: 'an output folder under a file',
    setup: async (s) => (await writeFile(join(s.dir, 'taken'), 'keep'), { args: ['run', '-v', 'v5.14', '-o', join(s.dir, 'taken', 'out')] }),
    line: /^ {2}command line: \/out: \S+\/taken\/out cannot be created: \S+\/taken is a file$/m,
  },
  {
    name: 'a read-only output folder',
    setup: async (s) => {
      const ro = await readOnlyFolder(s.dir);
      return ro === null ? null : { args: ['run', '-v', 'v5.14', '-o', ro] };
    },
    line: /^ {2}command line: \/out: \S+\/read-only is not writable; expected a folder the reports can be written into$/m,
  },
  {
    name: 'an empty fixture set',
    setup: async (s) => (await mkdir(join(s.dir, 'empty')), { args: ['run', '--fixtures-dir', join(s.dir, 'empty'), '-o', s.out] }),
    line: /^ {2}command line: \/fixtures-dir: \S+\/empty holds no fixtures \(\*\.json\); expected at least one$/m,
  },
  // Variants that cannot be loaded.
  {
    name: 'a variant whose kernel file throws as it is imported',
    setup: async (s) => ({ args: ['run', '--variants-dir', 'test/unloadable-variants', '-o', s.out] }),
    line: /^ {2}test\/unloadable-variants\/throws-at-import\/dma-iommu\.ts:8: variant throws-at-import: fails to import: TypeError: Cannot read properties of undefined/m,
  },
  {
    name: 'a variant outside the project, which is never compiled',
    setup: async (s) => {
      await cp(join(projectRoot, 'test', 'broken-variants', 'throws'), join(s.dir, 'variants', 'throws'), { recursive: true });
      return { args: ['run', '--variants-dir', join(s.dir, 'variants'), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/variants\/throws\/boot\.ts: \(document\): variant throws: outside the project, so never compiled; expected a --variants-dir inside the project, where npm run build compiles it$/m,
  },
  {
    name: 'a variant.json that is not JSON',
    setup: async (s) => {
      await mkdir(join(s.dir, 'variants', 'x'), { recursive: true });
      await writeFile(join(s.dir, 'variants', 'x', 'variant.json'), '{ "id": "x",');
      return { args: ['run', '--variants-dir', join(s.dir, 'variants'), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/variants\/x\/variant\.json: \(document\): not valid JSON \(line 1, column 13\)/m,
  },
  {
    name: 'a variant.json with a byte-order mark',
    setup: async (s) => {
      await mkdir(join(s.dir, 'variants', 'x'), { recursive: true });
      await writeFile(join(s.dir, 'variants', 'x', 'variant.json'), '\ufeff' + variantJson('x', null));
      return { args: ['run', '--variants-dir', join(s.dir, 'variants'), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/variants\/x\/variant\.json: \(document\): starts with a UTF-8 byte-order mark; expected UTF-8 without one$/m,
  },
  {
    name: 'a variant whose parent does not exist',
    setup: async (s) => {
      await mkdir(join(s.dir, 'variants', 'x'), { recursive: true });
      await writeFile(join(s.dir, 'variants', 'x', 'variant.json'), variantJson('x', 'nope'));
      return { args: ['run', '--variants-dir', join(s.dir, 'variants'), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/variants\/x\/variant\.json: \/parent: no variant "nope"$/m,
  },
  // Fixture files that cannot be read as JSON, or hold more than the machine can.
  { name: 'a fixture that is not JSON', setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures('{ "id": "a",'), '-o', s.out] }), line: /^ {2}\/\S+\/a\.json: \(document\): not valid JSON \(line 1, column 13\)/m },
  {
    name: 'a fixture with a byte-order mark',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures('\ufeff' + fixture('a')), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \(document\): starts with a UTF-8 byte-order mark; expected UTF-8 without one$/m,
  },
  {
    name: 'a fixture that is not UTF-8',
    setup: async (s) => {
      const text = Buffer.from(fixture('a'), 'utf8');
      text[text.indexOf('payload')] = 0xe9; // a Latin-1 e-acute, not a UTF-8 sequence
      return { args: ['run', '--fixtures-dir', await s.fixtures(text), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/a\.json: \(document\): is not UTF-8: byte 0xe9 at offset \d+ \(line 1, column \d+\) starts no valid character$/m,
  },
  {
    name: 'a fixture file larger than 1 MiB',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['notes'] = 'x'.repeat(2 << 20)))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \(document\): is \d+ bytes; a fixture may be at most 1048576 bytes$/m,
  },
  {
    name: 'repeats nested 1,500 deep',
    setup: async (s) => {
      let step: Record<string, unknown> = { op: 'cpu_read', buffer: 'buf' };
      for (let i = 0; i < 1500; i++) step = { op: 'repeat', count: 1, steps: [step] };
      return { args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['steps'] = [step]))), '-o', s.out] };
    },
    line: /^ {2}\/\S+\/a\.json: (\/steps\/0){32}: nests deeper than 64 levels of objects and arrays \(repeat inside repeat, say\); expected at most 64$/m,
  },
  {
    name: 'a hex fill longer than the schema allows',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['buffers'] = { buf: { size: 512, fill: { hex: 'ab'.repeat(5000) } } }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/buffers\/buf\/fill\/hex: must NOT have more than 8192 characters$/m,
  },
  {
    name: 'a CPU write of 2^53-1 bytes',
    setup: async (s) => ({
      args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => ((f['buffers'] = { buf: { size: 2 ** 53 - 1 } }), (f['steps'] = [{ op: 'cpu_write', buffer: 'buf', fill: { byte: 1 } }])))), '-o', s.out],
    }),
    line: /^ {2}\/\S+\/a\.json: \/steps\/0: moves 9007199254740991 bytes in one access \(the whole buffer or mapping, as no size is given\); the machine holds at most 16777216 \(16 MiB\) per access$/m,
  },
  {
    name: 'a buffer that ends past the physical address space',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['buffers'] = { buf: { size: 2 ** 53 - 1 } }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/buffers\/buf\/size: puts the buffer's end at 0x20000080000000; the machine holds physical addresses below 0x10000000000000 \(2\^52\)$/m,
  },
  {
    name: 'a device read of a 1 TiB mapping',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['buffers'] = { buf: { size: '0x10000000000' } }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/steps\/2: moves 1099511627776 bytes in one access .*; the machine holds at most 16777216 \(16 MiB\) per access$/m,
  },
  // Fixtures the schema or the loader rejects.
  {
    name: 'a value of the wrong type',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['device'] = { coherent: 'yes', untrusted: false }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/device\/coherent: must be boolean$/m,
  },
  {
    name: 'a guest RAM end that is not a whole number of 256 MiB blocks',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['platform'] = { ram_end: 0x1234_5678 }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/platform\/ram_end: must be multiple of 268435456$/m,
  },
  { name: 'an unknown field', setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['colour'] = 'red'))), '-o', s.out] }), line: /^ {2}\/\S+\/a\.json: \/colour: unknown field$/m },
  {
    name: 'an unknown operation',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['steps'] = [{ op: 'teleport' }]))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/steps\/0: unknown op "teleport"; expected one of map_page, /m,
  },
  {
    name: 'a step naming a buffer that does not exist',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['steps'] = [{ op: 'cpu_read', buffer: 'nope' }]))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/steps\/0\/buffer: no buffer named "nope" \(buffers: buf\)$/m,
  },
  {
    name: 'a step using a handle no step mapped',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['steps'] = [{ op: 'device_read', handle: 'h' }]))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/steps\/0\/handle: no mapping named "h" is made by an earlier step$/m,
  },
  {
    name: 'an expectation about a variant that does not exist',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('a', (f) => (f['expect'] = { 'v9.99': [] }))), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/expect\/v9\.99: no variant "v9\.99"$/m,
  },
  {
    name: 'an id that is not the file name',
    setup: async (s) => ({ args: ['run', '--fixtures-dir', await s.fixtures(fixture('other')), '-o', s.out] }),
    line: /^ {2}\/\S+\/a\.json: \/id: must equal the file name without \.json \("a"\)$/m,
  },
  // The command line.
  { name: 'an unknown --fixture', setup: async (s) => ({ args: ['run', '--fixture', 'no-such-fixture', '-o', s.out] }), line: /^ {2}command line: \/fixture: no fixture "no-such-fixture" in /m },
  { name: 'an unknown --variant', setup: async (s) => ({ args: ['run', '--variant', 'v9.99', '-o', s.out] }), line: /^ {2}command line: \/variant: no variant "v9\.99"$/m },
  { name: 'an unknown --series', setup: async (s) => ({ args: ['run', '--series', 'v9', '-o', s.out] }), line: /^ {2}command line: \/series: no series "v9" \(series: base, .*\bv3\b/m },
  {
    name: 'an option value commander rejects',
    setup: async (s) => ({ args: ['run', '--workers', 'many', '-o', s.out] }),
    line: /^bad input, nothing was run: command line: option '-j, --workers <n>' argument 'many' is invalid\. expected a whole number of at least 1 \(see dma-harness run --help\)$/m,
  },
  { name: 'an unknown option', setup: async (s) => ({ args: ['run', '--frobnicate', '-o', s.out] }), line: /^bad input, nothing was run: command line: unknown option '--frobnicate' \(see dma-harness run --help\)$/m },
  { name: 'an unknown command', setup: async () => ({ args: ['frobnicate'] }), line: /^bad input, nothing was run: command line: unknown command 'frobnicate' \(see dma-harness --help\)$/m },
  { name: 'an unknown git ref for --changed-since', setup: async (s) => ({ args: ['run', '--changed-since', 'no-such-ref', '-o', s.out] }), line: /^ {2}command line: \/changed-since: unknown git ref "no-such-ref"$/m },
  { name: 'review of a variant without a parent', setup: async (s) => ({ args: ['review', 'v5.14', '-o', s.out] }), line: /^ {2}command line: \/variant: "v5\.14" has no parent to review it against$/m },
  { name: 'explain with an unknown variant', setup: async () => ({ args: ['explain', 'map_page+untrusted+4k_pages+odd_slot', '--variant', 'v9.99'] }), line: /^ {2}command line: \/variant: no variant "v9\.99"$/m },
  {
    name: 'report with neither --format nor -o',
    setup: async (s) => ({ args: ['report', join(projectRoot, 'test', 'cli', 'bad-input.test.ts')], cwd: s.dir }),
    line: /^ {2}command line: \/format: expected --format FORMAT \(print it\) or -o DIR \(write every format there\)$/m,
  },
  {
    name: 'report of a file that is not a report',
    setup: async (s) => (await writeFile(join(s.dir, 'bad.json'), JSON.stringify({ format: 'something else' })), { args: ['report', join(s.dir, 'bad.json'), '-o', s.out] }),
    line: /^ {2}\/\S+\/bad\.json: \/format: must be equal to constant$/m,
  },
  {
    name: 'matrix into an output folder that is a file',
    setup: async (s) => (await writeFile(join(s.dir, 'taken'), 'keep'), { args: ['matrix', '-o', join(s.dir, 'taken')] }),
    line: /^ {2}command line: \/out: \S+\/taken is a file; expected a folder for the reports$/m,
  },
];

describe('bad input', () => {
  it('has at least 25 classes', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: exit 2, one line with the file and pointer, nothing written', async (_, c) => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
    const scratch: Scratch = {
      dir,
      out: join(dir, 'out'),
      async fixtures(a) {
        const fx = join(dir, 'fixtures');
        await mkdir(fx);
        await writeFile(join(fx, 'a.json'), a);
        await writeFile(join(fx, 'b.json'), fixture('b'));
        return fx;
      },
    };
    const setup = await c.setup(scratch);
    if (setup === null) {
      console.warn(`NOTICE: ${c.name}: cannot be set up on this system; not tested`);
      return;
    }
    const before = listing(dir);
    const reportsBefore = existsSync(join(projectRoot, 'reports')) ? listing(join(projectRoot, 'reports')) : [];
    const r = cli(setup.args, {}, { cwd: setup.cwd });
    expect(r.stderr, r.stderr).toMatch(c.line);
    expect(r.stderr).toMatch(/^bad input, nothing was run:/);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // Nothing written: the scratch folder (which holds the output folder and the working folder) is as it was.
    expect(listing(dir)).toEqual(before);
    expect(existsSync(scratch.out)).toBe(false);
    expect(existsSync(join(projectRoot, 'reports')) ? listing(join(projectRoot, 'reports')) : []).toEqual(reportsBefore);
  });
});

describe('folders are checked before the first case', () => {
  // Each of these runs would take minutes if it started: a variant that never
  // returns with a ten-minute budget, or a search of ten million scenarios.
  // They are stopped after 60 s, which shows as exit -1.
  it('run refuses an output folder that is a file before running a variant that never returns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
    await writeFile(join(dir, 'taken'), 'keep');
    const r = cli(['run', '--variants-dir', 'test/broken-variants', '--variant', 'loops', '--timeout', '600000', '-j', '1', '-o', join(dir, 'taken')], {}, { timeoutMs: 60_000 });
    expect(r.stderr).toMatch(/^ {2}command line: \/out: \S+\/taken is a file; expected a folder for the reports$/m);
    expect(r.code).toBe(2);
  });

  it('fuzz refuses an output folder that is a file before its search', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
    await writeFile(join(dir, 'taken'), 'keep');
    const r = cli(['fuzz', '--series', 'v3', '--runs', '10000000', '-q', '-o', join(dir, 'taken')], {}, { timeoutMs: 60_000 });
    expect(r.stderr).toMatch(/^ {2}command line: \/out: \S+\/taken is a file; expected a folder for the reports$/m);
    expect(r.code).toBe(2);
    expect(listing(dir)).toEqual([`/taken 4`]);
  });
});
