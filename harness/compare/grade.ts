// Comparing two results of the same fixture at graded strengths, strongest
// first: the same trace; the same final state and costs; the same verdict;
// and when the verdict changed, whether that is a fix, a regression, or both.

import { COST_KEYS, type CaseResult, type Costs, type ViolationKind } from '../run/result.js';
import { normalizeResult } from './normalize.js';

export type Grade = 'identical' | 'same-state' | 'same-verdict' | 'fixed' | 'regressed' | 'mixed';

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

export interface CostChange {
  key: keyof Costs;
  before: number;
  after: number;
}

export interface Comparison {
  fixture: string;
  grade: Grade;
  /** Violation kinds only the first result has (gone) and only the second has (new). */
  removed: ViolationKind[];
  added: ViolationKind[];
  costs: CostChange[];
  /** Label of the first step whose trace lines differ, if any. */
  divergence: string | undefined;
}

function verdictOf(c: CaseResult): string[] {
  return c.status === 'ok' ? c.verdict : [`(${c.status})`];
}

export function costChanges(a: CaseResult, b: CaseResult): CostChange[] {
  if (a.status !== 'ok' || b.status !== 'ok') return [];
  return COST_KEYS.filter((k) => a.costs[k] !== b.costs[k]).map((key) => ({ key, before: a.costs[key], after: b.costs[key] }));
}

/** The step label of the first trace line that differs. */
export function firstDivergence(a: readonly string[], b: readonly string[]): string | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return labelOf(a[i]!) ;
  if (a.length !== b.length) return labelOf((a.length > n ? a[n] : b[n])!);
  return undefined;
}

export function labelOf(line: string): string {
  return line.slice(0, line.indexOf(' '));
}

export function compareResults(before: CaseResult, after: CaseResult): Comparison {
  const a = normalizeResult(before);
  const b = normalizeResult(after);
  const va = verdictOf(a);
  const vb = verdictOf(b);
  const removed = va.filter((k) => !vb.includes(k)) as ViolationKind[];
  const added = vb.filter((k) => !va.includes(k)) as ViolationKind[];
  const costs = costChanges(a, b);
  const ta = a.status === 'ok' ? a.trace : [JSON.stringify(a)];
  const tb = b.status === 'ok' ? b.trace : [JSON.stringify(b)];
  const divergence = firstDivergence(ta, tb);
  let grade: Grade;
  if (removed.length > 0 || added.length > 0) grade = added.length === 0 ? 'fixed' : removed.length === 0 ? 'regressed' : 'mixed';
  else if (divergence === undefined) grade = 'identical';
  else if (costs.length === 0 && (a.status !== 'ok' || b.status !== 'ok' || JSON.stringify(a.final) === JSON.stringify(b.final))) grade = 'same-state';
  else grade = 'same-verdict';
  return { fixture: before.fixture, grade, removed, added, costs, divergence };
}
