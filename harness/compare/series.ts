// The series view: every parent -> child step of every series, each fixture
// graded from the parent's result to the child's.

import type { CaseResult } from '../run/result.js';
import type { Series } from '../variants/registry.js';
import { compareResults, GRADES, type Comparison, type Grade } from './grade.js';

export interface StepView {
  series: string;
  parent: string;
  child: string;
  counts: Record<Grade, number>;
  comparisons: Comparison[];
}

export function countGrades(comparisons: readonly Comparison[]): Record<Grade, number> {
  const counts = Object.fromEntries(GRADES.map((g) => [g, 0])) as Record<Grade, number>;
  for (const c of comparisons) counts[c.grade]++;
  return counts;
}

export function compareVariants(cases: ReadonlyMap<string, CaseResult>, fixtures: readonly string[], a: string, b: string): Comparison[] {
  const out: Comparison[] = [];
  for (const f of fixtures) {
    const ra = cases.get(`${f}@${a}`);
    const rb = cases.get(`${f}@${b}`);
    if (ra !== undefined && rb !== undefined) out.push(compareResults(ra, rb));
  }
  return out;
}

export function seriesView(series: readonly Series[], cases: ReadonlyMap<string, CaseResult>, fixtures: readonly string[]): StepView[] {
  const out: StepView[] = [];
  for (const s of series) {
    for (const [parent, child] of s.steps) {
      const comparisons = compareVariants(cases, fixtures, parent, child);
      if (comparisons.length === 0) continue;
      out.push({ series: s.name, parent, child, counts: countGrades(comparisons), comparisons });
    }
  }
  return out;
}
