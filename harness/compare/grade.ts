// Comparing two results of the same fixture at graded strengths, strongest
// first: the same trace; the same final state and costs; the same verdict;
// and when the verdict changed, whether that is a fix, a regression, or both.

import type { Comparison, CostChange, Grade } from '../report/report-types.generated.js';
import { COST_KEYS, type CaseResult } from '../run/result.js';
import { normalizeResult } from './normalize.js';

export type { Comparison, CostChange, Grade };

export const GRADES: readonly Grade[] = ['identical', 'same-state', 'same-verdict', 'fixed', 'regressed', 'mixed'];

export const GRADE_LABELS: Record<Grade, string> = {
  identical: 'identical trace',
  'same-state': 'same final state and costs, trace differs',
  'same-verdict': 'same verdict, costs or final state differ',
  fixed: 'verdict changed: fixed',
  regressed: 'verdict changed: regressed',
  mixed: 'verdict changed: fixed and regressed',
};

/** Grades that fail a comparison. */
export function isRegression(g: Grade): boolean {
  return g === 'regressed' || g === 'mixed';
}

function verdictOf(c: CaseResult): string[] {
  return c.status === 'ok' ? c.verdict : [`(${c.status})`];
}

export function costChanges(a: CaseResult, b: CaseResult): CostChange[] {
  if (a.status !== 'ok' || b.status !== 'ok') return [];
  return COST_KEYS.filter((k) => a.costs[k] !== b.costs[k]).map((key) => ({ key, before: a.costs[key], after: b.costs[key] }));
}

/** The step label of the first trace line that differs. */
export function firstDivergence(a: readonly string[], b: readonly string[]): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return labelOf(a[i]!);
  if (a.length !== b.length) return labelOf((a.length > n ? a[n] : b[n])!);
  return null;
}

export function labelOf(line: string): string {
  return line.slice(0, line.indexOf(' '));
}

export function compareResults(before: CaseResult, after: CaseResult): Comparison {
  const a = normalizeResult(before);
  const b = normalizeResult(after);
  const va = verdictOf(a);
  const vb = verdictOf(b);
  const removed = va.filter((k) => !vb.includes(k));
  const added = vb.filter((k) => !va.includes(k));
  const costs = costChanges(a, b);
  // A case without a trace diverges at once, under a label that says why.
  const ta = a.status === 'ok' ? a.trace : [`(${a.status}) ${a.status === 'error' ? a.message : ''}`];
  const tb = b.status === 'ok' ? b.trace : [`(${b.status}) ${b.status === 'error' ? b.message : ''}`];
  const divergence = firstDivergence(ta, tb);
  let grade: Grade;
  if (removed.length > 0 || added.length > 0) grade = added.length === 0 ? 'fixed' : removed.length === 0 ? 'regressed' : 'mixed';
  else if (divergence === null) grade = 'identical';
  else if (costs.length === 0 && (a.status !== 'ok' || b.status !== 'ok' || JSON.stringify(a.final) === JSON.stringify(b.final))) grade = 'same-state';
  else grade = 'same-verdict';
  return { fixture: before.fixture, grade, removed, added, costs, divergence };
}
