// Summarising an exhaustive matrix per variant, as herd does for litmus
// tests: does the contract break in always, sometimes or never of the
// instances, how many and of which kind, and the smallest instance that
// shows it (fewest bytes: the smallest sum of the numeric parameters, then
// the earliest).

import type { MatrixFixture, Verdict } from '../fixtures/matrix.js';
import { outcomeKinds, type CaseResult } from '../run/result.js';

export interface VariantSummary {
  variant: string;
  verdict: Verdict;
  instances: number;
  violating: number;
  /** Instances that errored or timed out (counted as violating). */
  broken: number;
  /** Violation kind -> instances showing it. */
  kinds: Record<string, number>;
  smallest: { index: number; params: Record<string, unknown>; outcome: string[] } | null;
  expected: Verdict | null;
  met: boolean;
}

export interface MatrixSummary {
  fixture: string;
  file: string;
  question: string;
  pointers: string[];
  instances: number;
  variants: VariantSummary[];
}

function weight(params: Record<string, unknown>): number {
  return Object.values(params).reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
}

/** results[i][v]: instance i on variant v. */
export function summarise(m: MatrixFixture, variants: readonly string[], results: ReadonlyArray<readonly CaseResult[]>): MatrixSummary {
  const out: VariantSummary[] = variants.map((variant, v) => {
    const kinds: Record<string, number> = {};
    let violating = 0;
    let broken = 0;
    let smallest: VariantSummary['smallest'] = null;
    m.instances.forEach((inst, i) => {
      const r = results[i]![v]!;
      const outcome = outcomeKinds(r);
      if (outcome.length === 0) return;
      violating++;
      if (r.status !== 'ok') broken++;
      for (const k of outcome) kinds[k] = (kinds[k] ?? 0) + 1;
      if (smallest === null || weight(inst.params) < weight(smallest.params)) smallest = { index: inst.index, params: inst.params, outcome };
    });
    const verdict: Verdict = violating === 0 ? 'never' : violating === m.instances.length ? 'always' : 'sometimes';
    const expected = m.expect[variant] ?? null;
    return { variant, verdict, instances: m.instances.length, violating, broken, kinds, smallest, expected, met: expected === null || expected === verdict };
  });
  return { fixture: m.id, file: m.file, question: m.question, pointers: m.pointers, instances: m.instances.length, variants: out };
}
