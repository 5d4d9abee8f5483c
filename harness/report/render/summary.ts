// The terminal summary: a fixture x variant matrix of two-character cells
// (a mark, then the outcome), then every expectation that was not met; at
// most `columns` wide. When the whole matrix is wider, it is split by
// series: one table per series (series whose variants fit together share
// one), a series too wide for one table split into pieces that overlap by
// one variant, so that every step of the series is in some table. Fixture
// names are shortened in the middle only when not even two variants fit
// beside them. summary.txt is rendered at 80 columns; the command line
// uses the terminal's width.

import type { CaseResult } from '../../run/result.js';
import { verdictText } from '../../contract/kinds.js';
import type { Report } from '../report-types.generated.js';
import { plural } from './common.js';
import { failingRunIds, faultLines } from './faults.js';

/** The width summary.txt is rendered at, and the terminal's when it has none (a pipe). */
export const SUMMARY_COLUMNS = 80;

/** Column labels: one character each, so that a cell is two characters wide. */
const LABELS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function label(i: number): string {
  return LABELS[i] ?? String(i + 1);
}

function cell(c: CaseResult | undefined, mismatch: boolean, missing: boolean): string {
  const mark = mismatch ? '!' : missing ? '?' : ' ';
  if (c === undefined) return '  ';
  if (c.status === 'error') return `${mark}E`;
  if (c.status === 'timeout') return `${mark}T`;
  return `${mark}${c.verdict.length === 0 ? '.' : 'x'}`;
}

/** Wrap at spaces to `columns`, keeping the text's indentation; continuation lines indented by two more. */
function wrapped(text: string, columns: number): string[] {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > columns) {
      lines.push(line.trimEnd());
      line = `${lead}  ${word}`;
    } else line = line.trim() === '' ? line + word : `${line} ${word}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** A name cut in the middle to `width` characters, with "~" where it was cut. */
function shortened(name: string, width: number): string {
  if (name.length <= width) return name.padEnd(width);
  const head = Math.ceil((width - 1) / 2);
  return `${name.slice(0, head)}~${name.slice(name.length - (width - 1 - head))}`;
}

interface Block {
  title: string;
  /** Indices into the report's variants. */
  columns: number[];
}

/** The tables the matrix is split into: by series, merged while they fit, split with one variant of overlap when one does not. */
function blocks(report: Report, perTable: number): Block[] {
  const index = new Map(report.variants.map((v, i) => [v.id, i]));
  let list: Block[] = report.series
    .map((s) => ({ title: s.name, columns: s.members.filter((id) => index.has(id)).map((id) => index.get(id)!) }))
    .filter((b) => b.columns.length > 0);
  // A series all of whose variants another one shows (the base, in every series that starts from it) needs no table.
  list = list.filter((b, i) => !list.some((o, j) => j !== i && o.columns.length > b.columns.length && b.columns.every((c) => o.columns.includes(c))));
  // Every variant in some table, even one no series lists.
  const listed = new Set(list.flatMap((b) => b.columns));
  const rest = report.variants.map((_, i) => i).filter((i) => !listed.has(i));
  if (rest.length > 0) list.push({ title: 'other variants', columns: rest });
  const pieces: Block[] = [];
  for (const b of list) {
    if (b.columns.length <= perTable) {
      pieces.push(b);
      continue;
    }
    // Each piece starts with the variant the last one ended with, so that no step falls between two tables.
    const step = Math.max(1, perTable - 1);
    for (let at = 0, part = 1; ; at += step, part++) {
      pieces.push({ title: `${b.title} (part ${part})`, columns: b.columns.slice(at, at + perTable) });
      if (at + perTable >= b.columns.length) break;
    }
  }
  const merged: Block[] = [];
  for (const b of pieces) {
    const last = merged[merged.length - 1];
    const union = last === undefined ? [] : [...new Set([...last.columns, ...b.columns])];
    if (last !== undefined && union.length <= perTable) merged[merged.length - 1] = { title: `${last.title}, ${b.title}`, columns: union };
    else merged.push(b);
  }
  return merged;
}

export function renderSummary(report: Report, columns: number = SUMMARY_COLUMNS): string {
  const byId = new Map(report.cases.map((c) => [c.id, c]));
  const failed = new Set(report.expectations.filter((e) => !e.met).map((e) => e.case));
  const expected = new Set(report.expectations.map((e) => e.case));
  const t = report.totals;
  const lines: string[] = [];
  // A faults run's failing runs are summed up after the matrix.
  const failing = failingRunIds(report);
  const fixtures = report.fixtures.filter((f) => !failing.has(f.id));
  const runs = failing.size > 0 ? ` (and ${failing.size} failing runs of them)` : '';
  const leftOut = failing.size === 0 ? fixtures.length * report.variants.length - t.cases : 0;
  const product = leftOut > 0 ? `, ${leftOut} pairs left out,` : '';
  lines.push(...wrapped(`${fixtures.length} fixtures${runs} x ${report.variants.length} variants${product} = ${t.cases} cases: ${t.clean} clean, ${t.violating} with violations, ${plural(t.error, 'error')}, ${plural(t.timeout, 'timeout')}`, columns));

  const longest = Math.max(7, ...fixtures.map((f) => f.id.length));
  const all = report.variants.map((_, i) => i);
  // A row: the fixture, a space, then two characters a variant.
  const fits = (n: number, name: number): boolean => name + 1 + 2 * n <= columns;
  const tables = fits(all.length, longest) ? [{ title: '', columns: all }] : blocks(report, Math.max(2, Math.floor((columns - longest - 1) / 2)));
  for (const table of tables) {
    const nameWidth = fits(table.columns.length, longest) ? longest : Math.max(7, columns - 1 - 2 * table.columns.length);
    lines.push('');
    if (table.title !== '') lines.push(...wrapped(`${table.title}:`, columns));
    lines.push(`${'fixture'.padEnd(nameWidth)} ${table.columns.map((i) => ` ${label(i)}`).join('')}`);
    for (const f of fixtures) {
      const cells = table.columns.map((i) => {
        const id = `${f.id}@${report.variants[i]!.id}`;
        return cell(byId.get(id), failed.has(id), !expected.has(id));
      });
      lines.push(`${shortened(f.id, nameWidth)} ${cells.join('')}`);
    }
  }
  lines.push('');
  lines.push(...wrapped(report.variants.map((v, i) => `${label(i)}=${v.id}`).join('  '), columns));
  lines.push(...wrapped(`. clean   x violations   E error   T timeout${leftOut > 0 ? '   (blank) left out' : ''}`, columns));
  lines.push(...wrapped('! not what the fixture expects   ? the fixture expects nothing', columns));
  lines.push('');
  const faults = faultLines(report);
  if (faults.length > 0) lines.push(...faults.flatMap((l) => wrapped(l, columns)), '');
  const missing = report.cases.filter((c) => !failing.has(c.fixture)).length - report.expectations.length;
  lines.push(`expectations: ${t.expectations_met} met, ${t.expectations_failed} not met${missing > 0 ? `, ${plural(missing, 'case')} without one` : ''}`);
  for (const e of report.expectations.filter((x) => !x.met)) {
    const c = byId.get(e.case)!;
    const actual = typeof e.actual === 'string' ? e.actual : verdictText(e.actual);
    // The fixture on a line of its own: a case id can be wider than the terminal.
    lines.push(`  ${c.fixture}`, ...wrapped(`    on ${c.variant}: expected ${verdictText(e.expected)}, got ${actual}`, columns));
  }
  return lines.join('\n') + '\n';
}
