// The plain-text e-mail, in the manner of the kernel test robot: which
// fixtures a patch fixes or regresses, the bytes that show it, the costs that
// change, the first divergent step, and a command that replays each case.
// Every line fits in 80 columns and is ASCII, so it reads well when quoted in
// a reply. The subject sums up the whole mail with the same counts as its
// first line; a review of a variant whose posting has a Message-ID is a reply
// in that posting's thread (Re:, In-Reply-To:, References:), ready for
// git send-email.

import type { CaseError, CaseTimeout, ComparisonSet, Report, ReportFixture, ReportVariant } from '../report-types.generated.js';
import {
  brokenText,
  caseIndex,
  changeCounts,
  changedItems,
  changesText,
  costRows,
  differingReads,
  fuzzFindingLines,
  fuzzStatisticsLines,
  outcome,
  plural,
  replayCommand,
  titleOf,
  treeText,
  verdictChanged,
  type ChangeCounts,
} from './common.js';
import { faultLines, faultTotals, faultViews } from './faults.js';

const WIDTH = 80;

/** Characters the reports use that ASCII lacks, and what a mail writes instead. */
const ASCII_FOR: Record<string, string> = { '\u2026': '...', '\u00a7': 'section ', '\u00d7': 'x', '\u2192': '->', '\u2190': '<-', '\u2013': '-', '\u2014': '-', '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"', '\u00b7': '.' };

/** The text in ASCII: known characters spelt out, accents dropped, anything else "?". */
export function ascii(text: string): string {
  return text.normalize('NFKD').replace(/[^\x00-\x7f]/g, (c) => ASCII_FOR[c] ?? (/\p{M}/u.test(c) ? '' : '?'));
}

/** Wrap at spaces; continuation lines get `indent`. Words longer than the width stay whole. */
export function wrap(text: string, indent = '', width = WIDTH): string[] {
  const lead = /^\s*/.exec(text)![0];
  const words = ascii(text).trim().split(/\s+/);
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

/** A case as a line naming its fixture (fixture ids fill most of a line), then what is said about it. */
function caseLines(head: string, text: string): string[] {
  return [head, ...wrap(`    ${text}`, '      ')];
}

function describe(v: ReportVariant | undefined, id: string): string {
  return v === undefined ? id : `${id} ("${v.subject}")`;
}

function costTable(report: Report, set: ComparisonSet): string[] {
  const rows = costRows(report, set).map((r) => `${String(r.before).padStart(10)} ${r.change.padStart(9)} ${String(r.after).padStart(10)}  ${r.key}`);
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
  const after = variants.get(set.after);
  const out: string[] = [];
  out.push(
    ...wrap(`dma-iommu-harness noticed ${items.length === 0 ? 'no verdict change' : `${plural(items.length, 'verdict change')} (${changesText(changeCounts([set]))})`} on:`),
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
    for (const i of costOnly) {
      out.push(`  ${i.fixture}`);
      out.push(...wrap(`    ${i.costs.map((c) => `${c.key} ${c.before} -> ${c.after}`).join(', ')}`, '    '));
    }
    out.push('');
  }
  out.push(...costTable(report, set), '');
  return out;
}

/** The counts a mail's subject and first line give: the comparisons it covers, and the cases that did not run to the end. */
export interface MailCounts extends ChangeCounts {
  errors: number;
  timeouts: number;
}

export function mailCounts(report: Report, sets: readonly ComparisonSet[]): MailCounts {
  return { ...changeCounts(sets), errors: report.totals.error, timeouts: report.totals.timeout };
}

/** "3 fixed, 0 regressed, 6 mixed; 19 errors, 0 timeouts". */
export function mailCountsText(c: MailCounts): string {
  return `${changesText(c)}; ${plural(c.errors, 'error')}, ${plural(c.timeouts, 'timeout')}`;
}

/** The comparisons a mail covers: the one compare or review asked for, or every step that changes a verdict. */
function mailSets(report: Report): ComparisonSet[] {
  const adHoc = report.comparisons.filter((s) => s.series === null);
  return adHoc.length > 0 ? adHoc : report.comparisons.filter((s) => s.items.some(verdictChanged));
}

/** The header lines and the first line of the body, which give the same counts. */
function opening(report: Report, sets: readonly ComparisonSet[]): { headers: string[]; summary: string } {
  const counts = mailCounts(report, sets);
  const adHoc = sets.length === 1 && sets[0]!.series === null ? sets[0]! : undefined;
  if (report.fuzz === null && adHoc !== undefined) {
    const after = report.variants.find((v) => v.id === adHoc.after);
    const parent = report.command.name === 'review' ? 'its parent ' : '';
    const summary = `dma-iommu-harness compared ${adHoc.after} with ${parent}${adHoc.before} over ${plural(adHoc.items.length, 'fixture')}: ${mailCountsText(counts)}.`;
    const messageId = after?.upstream?.message_id;
    if (report.command.name === 'review' && messageId !== undefined) {
      return { headers: [`Subject: Re: ${after!.subject}`, `In-Reply-To: ${messageId}`, `References: ${messageId}`], summary };
    }
    return { headers: [`Subject: [dma-iommu-harness] ${adHoc.after} against ${adHoc.before}: ${mailCountsText(counts)}`], summary };
  }
  if (report.faults !== null) {
    const t = faultTotals(faultViews(report));
    const text = `${t.added} of ${plural(t.runs, 'failing run')} show a violation their fixture's own run does not; ${plural(counts.errors, 'error')}, ${plural(counts.timeouts, 'timeout')}`;
    const own = report.fixtures.length - report.faults.fixtures.reduce((n, f) => n + f.runs.length, 0);
    return { headers: [`Subject: [dma-iommu-harness] faults: ${text}`], summary: `dma-iommu-harness failed the allocations of ${plural(own, 'fixture')} on ${plural(report.variants.length, 'variant')} one by one: ${text}.` };
  }
  const text = `${changesText(counts)} in ${plural(counts.comparisons, 'step')}; ${plural(counts.errors, 'error')}, ${plural(counts.timeouts, 'timeout')}`;
  const what = report.fuzz !== null ? `fuzz over ${report.fuzz.series}, ${plural(report.fuzz.findings.length, 'finding')}` : report.command.name;
  const ran = `${plural(report.fixtures.length, 'fixture')} on ${plural(report.variants.length, 'variant')}`;
  return { headers: [`Subject: [dma-iommu-harness] ${what}: ${text}`], summary: `dma-iommu-harness ran ${ran} (${what}): ${text}.` };
}

export function renderEmail(report: Report): string {
  const sets = mailSets(report);
  const out: string[] = [];
  const { headers, summary } = opening(report, sets);
  for (const h of headers) out.push(...wrap(h, '  '));
  out.push('', ...wrap(summary, '  '), '');
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
  const cases = caseIndex(report);
  const failed = report.expectations.filter((e) => !e.met);
  if (failed.length > 0) {
    out.push('expectations not met:');
    for (const e of failed) {
      const c = cases.get(e.case)!;
      out.push(...caseLines(`  ${c.fixture}`, `on ${c.variant}: expected ${e.expected.join(', ') || 'clean'}, got ${typeof e.actual === 'string' ? e.actual : e.actual.join(', ') || 'clean'}`));
    }
    out.push('');
  }
  const broken = report.cases.filter((c): c is CaseError | CaseTimeout => c.status !== 'ok');
  if (broken.length > 0) {
    out.push('cases that did not run to the end:');
    for (const c of broken) out.push(...caseLines(`  ${c.status} in ${c.fixture}`, `on ${c.variant}: ${brokenText(c)}`));
    out.push('');
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
