// The plain-text e-mail, in the manner of the kernel test robot: which
// fixtures a patch fixes or regresses, the bytes that show it, the costs that
// change, the first divergent step, and a command that replays each case.
// Every line fits in 80 columns, so it reads well when quoted in a reply.

import { COST_KEYS } from '../../run/result.js';
import { estimateChange, estimateText } from '../../costs/estimate.js';
import type { ComparisonSet, Report, ReportFixture, ReportVariant } from '../report-types.generated.js';
import { faultLines, faultTotals, faultViews } from './faults.js';
import { caseIndex, changedItems, differingReads, fuzzFindingLines, fuzzStatisticsLines, outcome, replayCommand, titleOf, treeText, verdictChanged } from './common.js';

const WIDTH = 80;

/** Wrap at spaces; continuation lines get `indent`. Words longer than the width stay whole. */
export function wrap(text: string, indent = '', width = WIDTH): string[] {
  const lead = /^\s*/.exec(text)![0];
  const words = text.trim().split(/\s+/);
  const lines: string[] = [];
  let line = lead;
  for (const w of words) {
    const sep = line.trim() === '' ? '' : ' ';
    if (line.length + sep.length + w.length > width && line.trim() !== '') {
      lines.push(line);
      line = indent + w;
    } else {
      line += sep + w;
    }
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** A shell command on as many lines as it needs, joined by backslashes, each under 80 columns. */
export function commandLines(command: string, indent: string): string[] {
  if (indent.length + command.length <= WIDTH) return [indent + command];
  const words = command.split(' ');
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.trim() !== '' && line.length + 1 + w.length + 2 > WIDTH) {
      lines.push(`${line} \\`);
      line = `${indent}  ${w}`;
    } else line += (line.trim() === '' ? '' : ' ') + w;
  }
  lines.push(line);
  return lines;
}

function describe(v: ReportVariant | undefined, id: string): string {
  return v === undefined ? id : `${id} ("${v.subject}")`;
}

function percent(before: number, after: number): string {
  if (before === 0) return after === 0 ? '0.0%' : 'new';
  const p = ((after - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function costTable(report: Report, set: ComparisonSet): string[] {
  const rows: string[] = [];
  for (const k of COST_KEYS) {
    let before = 0;
    let after = 0;
    for (const c of report.cases) {
      if (c.status !== 'ok') continue;
      if (c.variant === set.before) before += c.costs[k];
      if (c.variant === set.after) after += c.costs[k];
    }
    if (before !== after) rows.push(`${String(before).padStart(10)} ${percent(before, after).padStart(9)} ${String(after).padStart(10)}  ${k}`);
  }
  // The counters priced by each fixture's cost profile (docs/costs.md).
  let before = 0;
  let after = 0;
  for (const c of report.cases) {
    if (c.status !== 'ok') continue;
    if (c.variant === set.before) before += c.estimate?.ns ?? 0;
    if (c.variant === set.after) after += c.estimate?.ns ?? 0;
  }
  if (before !== after) rows.push(`${estimateText(before).padStart(10)} ${percent(before, after).padStart(9)} ${estimateText(after).padStart(10)}  estimated time`);
  if (rows.length === 0) return ['  No cost counter changes.'];
  return [`${'base'.padStart(10)} ${'%change'.padStart(9)} ${'head'.padStart(10)}  cost (summed over the corpus)`, ...rows];
}

function fixtureBlock(report: Report, set: ComparisonSet, fixture: ReportFixture | undefined, id: string): string[] {
  const cases = caseIndex(report);
  const item = set.items.find((i) => i.fixture === id)!;
  const before = cases.get(`${id}@${set.before}`);
  const after = cases.get(`${id}@${set.after}`);
  const out: string[] = [`in testcase: ${id}`];
  if (fixture !== undefined) out.push(...wrap(`  question: ${fixture.question}`, '    '));
  out.push(...wrap(`  verdict: ${outcome(before)} -> ${outcome(after)} (${item.grade})`, '    '));
  if (item.divergence !== null) out.push(`  first divergent step: ${item.divergence}`);
  for (const [where, a, b] of differingReads(before, after)) {
    const [label, ...what] = where.split(' ');
    out.push(`  step ${label} ${what.join(' ')}:`);
    const strip = (l: string): string => l.slice(l.indexOf(what.join(' ')) + what.join(' ').length + 1);
    out.push(...wrap(`    before: ${strip(a)}`, '      '));
    out.push(...wrap(`    after:  ${strip(b)}`, '      '));
  }
  const gone = before?.status === 'ok' ? before.violations.filter((v) => item.removed.includes(v.kind)) : [];
  const come = after?.status === 'ok' ? after.violations.filter((v) => item.added.includes(v.kind)) : [];
  for (const v of gone.slice(0, 3)) out.push(...wrap(`  gone: step ${v.step}: ${v.sentence}`, '    '));
  for (const v of come.slice(0, 3)) out.push(...wrap(`  new: step ${v.step}: ${v.sentence}`, '    '));
  out.push('  replay:', ...commandLines(replayCommand(id, set.after), '    '));
  return out;
}

function setBlock(report: Report, set: ComparisonSet): string[] {
  const variants = new Map(report.variants.map((v) => [v.id, v]));
  const fixtures = new Map(report.fixtures.map((f) => [f.id, f]));
  const items = changedItems(set).filter(verdictChanged);
  const fixed = items.filter((i) => i.grade === 'fixed').length;
  const regressed = items.filter((i) => i.grade !== 'fixed').length;
  const after = variants.get(set.after);
  const out: string[] = [];
  out.push(
    ...wrap(
      `dma-iommu-harness noticed ${items.length === 0 ? 'no verdict change' : `${items.length} verdict change${items.length === 1 ? '' : 's'} (${fixed} fixed, ${regressed} regressed or mixed)`} on:`,
    ),
    '',
  );
  out.push(...wrap(`variant: ${describe(after, set.after)}`, '  '));
  const up = after?.upstream;
  if (up?.commit !== undefined) out.push(`upstream: ${up.commit}`);
  if (up?.message_id !== undefined) out.push(...wrap(`message-id: ${up.message_id}`, '  '));
  out.push(...wrap(`compared with: ${describe(variants.get(set.before), set.before)}`, '  '));
  out.push(`harness: ${treeText(report)}`, `corpus: ${report.fixtures.length} fixtures`, '');
  for (const i of items) out.push(...fixtureBlock(report, set, fixtures.get(i.fixture), i.fixture), '');
  const costOnly = changedItems(set).filter((i) => i.grade === 'same-verdict');
  if (costOnly.length > 0) {
    out.push('same verdict, different costs:');
    const cases = caseIndex(report);
    for (const i of costOnly) {
      const est = estimateChange(cases.get(`${i.fixture}@${set.before}`), cases.get(`${i.fixture}@${set.after}`));
      out.push(`  ${i.fixture}`);
      out.push(...wrap(`    ${[...i.costs.map((c) => `${c.key} ${c.before} -> ${c.after}`), ...(est === undefined ? [] : [`estimated time ${est.before} -> ${est.after} (${est.profile})`])].join(', ')}`, '    '));
    }
    out.push('');
  }
  out.push(...costTable(report, set), '');
  return out;
}

export function renderEmail(report: Report): string {
  const adHoc = report.comparisons.filter((s) => s.series === null);
  const sets = adHoc.length > 0 ? adHoc : report.comparisons.filter((s) => s.items.some(verdictChanged));
  const out: string[] = [];
  const first = sets[0];
  const subject =
    report.faults !== null
      ? `[dma-iommu-harness] faults: ${faultTotals(faultViews(report)).added} failing runs show a violation their fixture's own run does not`
      : report.fuzz !== null
      ? `[dma-iommu-harness] fuzz over ${report.fuzz.series}: ${report.fuzz.findings.length} findings`
      : first === undefined
      ? `[dma-iommu-harness] ${report.command.name}: ${report.totals.expectations_failed} expectations not met`
      : `[dma-iommu-harness] ${first.after}: ${first.counts.fixed} fixed, ${first.counts.regressed + first.counts.mixed} regressed`;
  out.push(...wrap(`Subject: ${subject}`, '  '), '');
  for (const set of sets) {
    if (sets.length > 1) out.push(`== ${titleOf(set)}`, '');
    out.push(...setBlock(report, set));
  }
  for (const d of report.source_diffs) {
    out.push(...wrap(`The model of ${d.after} against ${d.before} (check it says what the C patch says):`, '  '));
    for (const f of d.files) out.push(`  ${f.after_path || f.before_path} | +${f.added} -${f.removed}`);
    if (d.files.length === 0) out.push('  (the same code)');
    for (const f of d.files) out.push('', ...commandLines(`git diff --no-index ${f.before_path || '/dev/null'} ${f.after_path || '/dev/null'}`, '  '));
    out.push('');
  }
  for (const l of faultLines(report)) out.push(...wrap(l, '      '));
  if (report.faults !== null) out.push('');
  if (report.fuzz !== null) {
    for (const l of fuzzFindingLines(report.fuzz)) out.push(...wrap(l, '      '));
    out.push('', ...fuzzStatisticsLines(report.fuzz), '');
  }
  const failed = report.expectations.filter((e) => !e.met);
  if (failed.length > 0) {
    out.push('expectations not met:');
    for (const e of failed) out.push(...wrap(`  ${e.case}: expected ${e.expected.join(', ') || 'clean'}, got ${typeof e.actual === 'string' ? e.actual : e.actual.join(', ') || 'clean'}`, '    '));
    out.push('');
  }
  for (const c of report.cases.filter((x) => x.status !== 'ok')) {
    out.push(...wrap(`${c.status}: ${c.id}${c.status === 'error' ? `: ${c.message}` : ''}`, '  '));
  }
  out.push(
    'To reproduce, in a checkout of the harness:',
    '',
    '  npm ci',
    '  npm run -s cli -- explain FIXTURE --variant VARIANT',
    '',
  );
  return out.join('\n');
}
