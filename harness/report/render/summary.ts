// The terminal summary: a fixture x variant matrix of one-character cells,
// then every expectation that was not met.

import type { CaseResult } from '../../run/result.js';
import { verdictText } from '../../contract/kinds.js';
import type { Report } from '../report-types.generated.js';
import { failingRunIds, faultLines } from './faults.js';

function cell(c: CaseResult | undefined, mismatch: boolean): string {
  const mark = mismatch ? '!' : ' ';
  if (c === undefined) return '  ';
  if (c.status === 'error') return `${mark}E`;
  if (c.status === 'timeout') return `${mark}T`;
  return `${mark}${c.verdict.length === 0 ? '.' : 'x'}`;
}

export function renderSummary(report: Report): string {
  const variants = report.variants.map((v) => v.id);
  const byId = new Map(report.cases.map((c) => [c.id, c]));
  const failed = new Set(report.expectations.filter((e) => !e.met).map((e) => e.case));
  // A faults run's failing runs are summed up after the matrix.
  const failing = failingRunIds(report);
  const fixtures = report.fixtures.filter((f) => !failing.has(f.id));
  const width = Math.max(7, ...fixtures.map((f) => f.id.length));
  const lines: string[] = [];
  const t = report.totals;
  const runs = failing.size > 0 ? ` (and ${failing.size} failing runs of them)` : '';
  lines.push(`${fixtures.length} fixtures${runs} x ${variants.length} variants = ${t.cases} cases: ${t.clean} clean, ${t.violating} with violations, ${t.error} errors, ${t.timeout} timeouts`);
  lines.push('');
  const numbers = variants.map((_, i) => String(i + 1).padStart(2));
  lines.push(`${'fixture'.padEnd(width)} ${numbers.join(' ')}`);
  for (const f of fixtures) {
    const cells = variants.map((v) => cell(byId.get(`${f.id}@${v}`), failed.has(`${f.id}@${v}`)));
    lines.push(`${f.id.padEnd(width)} ${cells.join(' ')}`);
  }
  lines.push('');
  lines.push(variants.map((v, i) => `${i + 1}=${v}`).join('  '));
  lines.push('. clean   x violations   E error   T timeout   ! not what the fixture expects');
  lines.push('');
  const faults = faultLines(report);
  if (faults.length > 0) lines.push(...faults, '');
  lines.push(`expectations: ${t.expectations_met} met, ${t.expectations_failed} not met`);
  for (const e of report.expectations.filter((x) => !x.met)) {
    const actual = typeof e.actual === 'string' ? e.actual : verdictText(e.actual);
    lines.push(`  ${e.case}: expected ${verdictText(e.expected)}, got ${actual}`);
  }
  return lines.join('\n') + '\n';
}
