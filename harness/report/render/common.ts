// What several report formats need: finding cases, diffing traces, the
// command that replays a case, and short codes for verdicts.

import { estimateText } from '../../costs/estimate.js';
import { createTwoFilesPatch } from 'diff';
import { KINDS, VIOLATION_KINDS, type ViolationKind } from '../../contract/kinds.js';
import { COST_KEYS } from '../../run/result.js';
import type { CaseError, CaseResult, CaseTimeout, Comparison, ComparisonSet, Costs, Report } from '../report-types.generated.js';

/** Short names of the kinds, for narrow cells. */
export const SHORT = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, KINDS[k].short])) as Record<ViolationKind, string>;

export function caseIndex(report: Report): Map<string, CaseResult> {
  return new Map(report.cases.map((c) => [c.id, c]));
}

export function outcome(c: CaseResult | undefined): string {
  if (c === undefined) return '-';
  if (c.status !== 'ok') return c.status;
  return c.verdict.length === 0 ? 'clean' : c.verdict.join(', ');
}

export function shortOutcome(c: CaseResult | undefined): string {
  if (c === undefined) return '';
  if (c.status !== 'ok') return c.status.toUpperCase();
  return c.verdict.length === 0 ? '·' : c.verdict.map((k) => SHORT[k]).join(' ');
}

/**
 * What a case that did not run to the end says: whose code threw, and
 * where; or that its time ran out. A harness error is never the variant's.
 */
export function brokenText(c: CaseError | CaseTimeout): string {
  if (c.status === 'timeout') {
    if (c.step === undefined) return `no result within ${c.budget_ms} ms`;
    const where = c.step === 'boot' ? 'while booting' : c.step === 'end' ? 'in the checks after the last step' : `at step ${c.step}`;
    const rounds = (c.rounds ?? []).map((r) => `round ${r.round} of ${r.count} of the repeat at step ${r.repeat}`);
    return `no result within ${c.budget_ms} ms, ${where}${rounds.length > 0 ? ` (${rounds.join('; ')})` : ''}`;
  }
  return c.origin === 'harness' ? `harness error (a bug in the harness, not in the variant): ${c.message}` : `the variant threw: ${c.message}`;
}

export function traceOf(c: CaseResult | undefined): string[] {
  if (c === undefined) return [];
  return c.status === 'ok' ? c.trace : [`(${c.status}: ${brokenText(c)})`];
}

/** A unified diff of two cases' traces, with a few lines of context; the two sides named by case id unless `names` says otherwise. */
export function traceDiff(before: CaseResult | undefined, after: CaseResult | undefined, context = 3, names?: [string, string]): string {
  const a = traceOf(before).join('\n') + '\n';
  const b = traceOf(after).join('\n') + '\n';
  return createTwoFilesPatch(names?.[0] ?? before?.id ?? 'before', names?.[1] ?? after?.id ?? 'after', a, b, '', '', { context })
    .split('\n')
    .filter((l) => !l.startsWith('====='))
    .join('\n');
}

export function changedItems(set: ComparisonSet): Comparison[] {
  return set.items.filter((i) => i.grade !== 'identical');
}

export function verdictChanged(i: Comparison): boolean {
  return i.grade === 'fixed' || i.grade === 'regressed' || i.grade === 'mixed';
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_.+\-/=@:]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that replays one case from a checkout of the harness. */
export function replayCommand(fixture: string, variant: string): string {
  return `npm run -s cli -- explain ${shellQuote(fixture)} --variant ${shellQuote(variant)}`;
}

/** Trace lines where the device or the CPU read something, by step label. */
export function readLines(c: CaseResult | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of traceOf(c)) {
    const m = /^(\S+) (device read|cpu read) /.exec(l);
    if (m !== null) out.set(`${m[1]} ${m[2]}`, l);
  }
  return out;
}

/** Reads whose result differs between two cases: [where, before, after]. */
export function differingReads(before: CaseResult | undefined, after: CaseResult | undefined): Array<[string, string, string]> {
  const a = readLines(before);
  const b = readLines(after);
  const out: Array<[string, string, string]> = [];
  for (const [key, la] of a) {
    const lb = b.get(key);
    if (lb !== undefined && lb !== la) out.push([key, la, lb]);
  }
  return out;
}

export function titleOf(set: ComparisonSet): string {
  return set.series === null ? `${set.before} -> ${set.after}` : `${set.series}: ${set.before} -> ${set.after}`;
}

export function treeText(report: Report): string {
  const t = report.tree;
  if (t.commit === null) return 'not a git work tree';
  return `${t.commit.slice(0, 12)}${t.dirty === true ? ' (with uncommitted changes)' : ''}`;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Fuzz = NonNullable<Report['fuzz']>;

/** The findings of a fuzz run grouped by the variant where they show, with the classes each also shows. */
export function fuzzFindingLines(fuzz: Fuzz): string[] {
  const out = [`${fuzz.findings.length} findings in ${fuzz.runs} generated scenarios over ${fuzz.series} (seed ${fuzz.seed}):`, ''];
  const byVariant = new Map<string, Fuzz['findings']>();
  for (const f of fuzz.findings) byVariant.set(f.variant, [...(byVariant.get(f.variant) ?? []), f]);
  for (const [variant, list] of byVariant) {
    out.push(`${variant}:`);
    for (const f of list) {
      out.push(`  ${f.class.slice(variant.length + 1)} (${f.steps} steps: ${f.fixture})`);
      for (const c of f.classes.filter((x) => x !== f.class)) out.push(`    also: ${c}`);
    }
  }
  return out;
}

/** What share of the generated scenarios had each feature and showed each violation kind. */
export function fuzzStatisticsLines(fuzz: Fuzz): string[] {
  const pct = (n: number): string => `${((100 * n) / Math.max(1, fuzz.scenarios)).toFixed(1)}%`;
  return [
    `${fuzz.scenarios} scenarios`,
    ...Object.entries(fuzz.features).map(([f, n]) => `  ${f.padEnd(24)} ${pct(n).padStart(6)}`),
    '  violation kinds (on any variant):',
    ...Object.entries(fuzz.kinds).map(([k, n]) => `    ${k.padEnd(24)} ${pct(n).padStart(6)}`),
  ];
}

/** One cost summed over the fixtures both variants of a comparison ran, before and after. */
export interface CostRow {
  key: keyof Costs;
  before: number;
  after: number;
  /** "+2.4%", "-29.9%", "0.0%", or "new" when it was 0 before. */
  change: string;
}

export function percentChange(before: number, after: number): string {
  if (before === 0) return after === 0 ? '0.0%' : 'new';
  const p = ((after - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** The costs that differ between a comparison's two variants, summed over its fixtures (cases that ran to the end). */
export function costRows(report: Report, set: ComparisonSet): CostRow[] {
  const fixtures = new Set(set.items.map((i) => i.fixture));
  const rows: CostRow[] = [];
  for (const key of COST_KEYS) {
    let before = 0;
    let after = 0;
    for (const c of report.cases) {
      if (c.status !== 'ok' || !fixtures.has(c.fixture)) continue;
      if (c.variant === set.before) before += c.costs[key];
      if (c.variant === set.after) after += c.costs[key];
    }
    if (before !== after) rows.push({ key, before, after, change: percentChange(before, after) });
  }
  return rows;
}

/**
 * The estimated time (costs/estimate.ts) summed as costRows sums the
 * counters, in nanoseconds; undefined when it does not change.
 */
export function estimateRow(report: Report, set: ComparisonSet): { before: number; after: number; change: string } | undefined {
  const fixtures = new Set(set.items.map((i) => i.fixture));
  let before = 0;
  let after = 0;
  for (const c of report.cases) {
    if (c.status !== 'ok' || !fixtures.has(c.fixture)) continue;
    if (c.variant === set.before) before += c.estimate?.ns ?? 0;
    if (c.variant === set.after) after += c.estimate?.ns ?? 0;
  }
  // A change too small to show in the unit reports use is no change to a reader.
  if (estimateText(before) === estimateText(after)) return undefined;
  return { before, after, change: percentChange(before, after) };
}

/** Verdict changes of some comparisons, by kind. */
export interface ChangeCounts {
  comparisons: number;
  fixed: number;
  regressed: number;
  mixed: number;
}

export function changeCounts(sets: readonly ComparisonSet[]): ChangeCounts {
  return {
    comparisons: sets.length,
    fixed: sets.reduce((n, s) => n + s.counts.fixed, 0),
    regressed: sets.reduce((n, s) => n + s.counts.regressed, 0),
    mixed: sets.reduce((n, s) => n + s.counts.mixed, 0),
  };
}

/**
 * What a report's headline counts, each saying what it counts: cases by
 * outcome; verdicts a fixture does not expect; verdict changes along the
 * series (each variant against its parent); and those of the ad-hoc
 * comparison compare or review asked for, which decide their exit code.
 */
export interface Headline {
  unexpected: number;
  expectations: number;
  series: ChangeCounts;
  adHoc: ChangeCounts;
}

export function headline(report: Report): Headline {
  return {
    unexpected: report.totals.expectations_failed,
    expectations: report.expectations.length,
    series: changeCounts(report.comparisons.filter((s) => s.series !== null)),
    adHoc: changeCounts(report.comparisons.filter((s) => s.series === null)),
  };
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "3 fixed, 0 regressed, 1 mixed". */
export function changesText(c: ChangeCounts): string {
  return `${c.fixed} fixed, ${c.regressed} regressed, ${c.mixed} mixed`;
}

/** The headline as sentences, for the Markdown and HTML reports. */
export function headlineSentences(report: Report): string[] {
  const h = headline(report);
  const t = report.totals;
  const out = [
    `${report.fixtures.length} fixtures x ${report.variants.length} variants = ${t.cases} cases: ${t.clean} clean, ${t.violating} with violations, ${plural(t.error, 'error')}, ${plural(t.timeout, 'timeout')}.`,
    `Unexpected verdicts (a case whose fixture expects another verdict): ${h.unexpected} of ${h.expectations} expectations.`,
  ];
  if (h.series.comparisons > 0) out.push(`Along the series (each variant against its parent, ${plural(h.series.comparisons, 'step')}): ${changesText(h.series)} fixtures.`);
  if (h.adHoc.comparisons > 0) {
    const sets = report.comparisons.filter((s) => s.series === null);
    out.push(`${sets.map((s) => `${s.after} against ${s.before}`).join('; ')} (the comparison asked for; a regressed or mixed fixture fails it): ${changesText(h.adHoc)} fixtures.`);
  }
  return out;
}
