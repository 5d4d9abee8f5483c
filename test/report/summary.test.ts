// The terminal summary fits the width it is given: at 80 columns the
// corpus's variants are split by series into tables that each fit, with
// every variant and every step of every series inside one table; on a wide
// terminal it is one table. The command line uses the terminal's width.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { renderSummary } from '../../harness/report/render/summary.js';
import type { Report } from '../../harness/report/report-types.generated.js';
import { cli } from '../cli/cli.js';

/** The tables of a summary: the variant ids of their columns, and their rows. */
function tables(summary: string, report: Report): Array<{ variants: string[]; rows: string[] }> {
  const legend = new Map([...summary.matchAll(/(?:^|\s)(\S)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  expect(legend.size).toBe(report.variants.length);
  const out: Array<{ variants: string[]; rows: string[] }> = [];
  const lines = summary.split('\n');
  lines.forEach((l, i) => {
    if (!l.startsWith('fixture ')) return;
    const variants = l.slice(7).trim().split(/\s+/).map((x) => legend.get(x)!);
    expect(variants.every((v) => v !== undefined)).toBe(true);
    out.push({ variants, rows: lines.slice(i + 1, i + 1 + report.fixtures.length) });
  });
  return out;
}

describe('the terminal summary', () => {
  let report: Report;
  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'summary-'));
    expect(cli(['run', '-q', '-o', out]).code).toBe(0);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
  });

  it.each([80, 90])('at %i columns: tables by series, each fitting, every step inside one', (columns) => {
    const text = renderSummary(report, columns);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(columns);
    const ts = tables(text, report);
    expect(ts.length).toBeGreaterThan(1);
    expect(new Set(ts.flatMap((t) => t.variants))).toEqual(new Set(report.variants.map((v) => v.id)));
    for (const s of report.series) {
      for (const [parent, child] of s.steps) expect(ts.some((t) => t.variants.includes(parent) && t.variants.includes(child)), `${parent} -> ${child}`).toBe(true);
    }
    // Each row is its fixture and one cell per column, and the cells say what the report says.
    const byId = new Map(report.cases.map((c) => [c.id, c]));
    for (const t of ts) {
      t.rows.forEach((row, i) => {
        const f = report.fixtures[i]!;
        expect(row.startsWith(f.id)).toBe(true);
        const cells = row.slice(-2 * t.variants.length).match(/../g)!;
        cells.forEach((cell, k) => {
          // A case the plan left out (a C variant's fixture with coherent allocations) is a blank cell.
          const c = byId.get(`${f.id}@${t.variants[k]}`);
          expect(cell[1]).toBe(c === undefined ? ' ' : c.status === 'ok' ? (c.verdict.length === 0 ? '.' : 'x') : c.status === 'error' ? 'E' : 'T');
        });
      });
    }
  });

  it('is one table when the terminal is wide enough', () => {
    const text = renderSummary(report, 200);
    const ts = tables(text, report);
    expect(ts).toHaveLength(1);
    expect(ts[0]!.variants).toEqual(report.variants.map((v) => v.id));
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)("run prints it at the terminal's width", async () => {
    const out = await mkdtemp(join(tmpdir(), 'summary-'));
    const widths = [90, 200].map((cols) => {
      const r = spawnSync('script', ['-qfec', `stty cols ${cols}; exec node dist/harness/cli/main.js run -o ${out}`, '/dev/null'], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120_000 });
      // The summary: everything before the list of reports written.
      const lines = r.stdout.replace(/\r/g, '').split('\n').filter((l) => !l.startsWith('reports: '));
      return { cols, widest: Math.max(...lines.map((l) => l.length)), tables: lines.filter((l) => l.startsWith('fixture ')).length };
    });
    expect(widths[0]!.widest).toBeLessThanOrEqual(90);
    expect(widths[0]!.tables).toBeGreaterThan(1);
    expect(widths[1]!.tables).toBe(1);
    expect(widths[1]!.widest).toBeGreaterThan(90);
  });
});
