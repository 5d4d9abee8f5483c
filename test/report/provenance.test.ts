// A report against an older one: the trees, which fixtures and variants
// changed (content hashes), and which cases now end differently.

import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir } from '../../harness/paths.js';
import { since } from '../../harness/report/provenance.js';
import type { Report } from '../../harness/report/report-types.generated.js';
import { cli } from '../cli/cli.js';

const A = 'map_page+untrusted+noncoherent+to_device+unaligned';
const B = 'map_page+untrusted+4k_pages+odd_slot';

describe('report --since', () => {
  it('names the fixtures edited, added and removed between two runs, and the cases whose verdict changed', async () => {
    const fixtures = await mkdtemp(join(tmpdir(), 'prov-fx-'));
    await cp(join(corpusDir, `${A}.json`), join(fixtures, `${A}.json`));
    await cp(join(corpusDir, `${B}.json`), join(fixtures, `${B}.json`));
    const older = await mkdtemp(join(tmpdir(), 'prov-old-'));
    expect(cli(['run', '--fixtures-dir', fixtures, '-v', 'v5.14', 'v3-2-arch-sync', '--out', older, '-q']).code).toBe(0);

    // Edit A (a coherent device needs no cache maintenance, so the stale read goes), add one fixture, remove B.
    const doc = JSON.parse(await readFile(join(fixtures, `${A}.json`), 'utf8'));
    doc.device.coherent = true;
    await writeFile(join(fixtures, `${A}.json`), JSON.stringify(doc));
    await cp(join(corpusDir, 'map_page+trusted+nvme+512b+offset_0x800.json'), join(fixtures, 'map_page+trusted+nvme+512b+offset_0x800.json'));
    await rm(join(fixtures, `${B}.json`));
    const newer = await mkdtemp(join(tmpdir(), 'prov-new-'));
    cli(['run', '--fixtures-dir', fixtures, '-v', 'v5.14', 'v3-2-arch-sync', '--out', newer, '-q']);

    const r = cli(['report', join(newer, 'report.json'), '--since', join(older, 'report.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tree: \S+.* -> \S+/m);
    expect(r.stdout).toContain('fixtures: 1 changed, 1 added, 1 removed');
    expect(r.stdout).toContain(`  changed  ${A}`);
    expect(r.stdout).toContain('  added    map_page+trusted+nvme+512b+offset_0x800');
    expect(r.stdout).toContain(`  removed  ${B}`);
    expect(r.stdout).toContain('variants: none changed');
    expect(r.stdout).toContain(`  ${A}@v5.14: device-read-stale -> clean`);
  }, 60_000);

  it('notices a variant whose folder hash differs', async () => {
    const report = JSON.parse(await readFile(join(await (async () => {
      const out = await mkdtemp(join(tmpdir(), 'prov-v-'));
      cli(['run', '-f', A, '-v', 'v5.14', '--out', out, '-q']);
      return out;
    })(), 'report.json'), 'utf8')) as Report;
    const edited = structuredClone(report);
    edited.variants[0]!.sha256 = '0'.repeat(64);
    expect(since(report, edited).variants).toEqual({ added: [], removed: [], changed: ['v5.14'] });
    expect(since(report, report).variants.changed).toEqual([]);
  }, 60_000);
});
