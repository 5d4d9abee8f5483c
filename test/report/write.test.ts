// Report files are written all or nothing.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../harness/report/write.js';

describe('writeReportFiles', () => {
  it('replaces every file when all can be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'write-'));
    await writeFile(join(dir, 'report.md'), 'old');
    const files = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}.txt`, `content ${i}`]));
    await writeReportFiles(dir, { ...files, 'report.md': 'new' });
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toBe('new');
    for (const [name, content] of Object.entries(files)) expect(await readFile(join(dir, name), 'utf8')).toBe(content);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes the temporary files a killed run left, and not those of a run still writing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'write-'));
    // A process that has ended: its pid is free (until reused, which a test cannot rule out but makes unlikely).
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const alive = process.ppid;
    await writeFile(join(dir, `.report.json.${gone}.tmp`), 'half a report');
    await writeFile(join(dir, `.email.txt.${gone}.tmp`), 'half an e-mail');
    await writeFile(join(dir, `.report.json.${alive}.tmp`), 'being written');
    await writeFile(join(dir, 'notes.tmp'), 'not a report file');
    await writeReportFiles(dir, { 'report.json': '{}' });
    expect((await readdir(dir)).sort()).toEqual([`.report.json.${alive}.tmp`, 'notes.tmp', 'report.json']);
  });

  it('leaves the old files and no temporary ones when one cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'write-'));
    await writeFile(join(dir, 'report.md'), 'old');
    await expect(writeReportFiles(dir, { 'report.md': 'new', 'a.txt': 'a', 'no-such-dir/b.txt': 'b', 'c.txt': 'c' })).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['report.md']);
  });
});
