// What a scenario shows along a chain of variants, as classes: a step that
// fixes or regresses a violation kind ("v3-2-arch-sync fixes cpu-read-stale"),
// a step that changes only costs, and each kind the last variant still shows.
// A class names the variants it needs, so that shrinking a scenario for one
// class runs only those (a step's parent and child, or the last variant).

import { compareResults } from '../compare/grade.js';
import { outcomeKinds, type CaseResult } from '../run/result.js';

export interface ClassInfo {
  /** The variant where it shows (the child of the step, or the last variant). */
  variant: string;
  kind: 'change' | 'violation';
  /** Indices into the chain of the variants whose results decide it. */
  needs: number[];
}

/**
 * The classes a scenario shows, from its results on the chain; a result left
 * undefined (a variant not run) decides nothing, so the classes of a partial
 * run are those of the variants that ran.
 */
export function classesOf(chain: readonly string[], results: ReadonlyArray<CaseResult | undefined>): Map<string, ClassInfo> {
  const out = new Map<string, ClassInfo>();
  for (let i = 1; i < chain.length; i++) {
    const before = results[i - 1];
    const after = results[i];
    if (before === undefined || after === undefined) continue;
    const c = compareResults(before, after);
    const v = chain[i]!;
    const at = { variant: v, kind: 'change' as const, needs: [i - 1, i] };
    for (const k of c.removed) out.set(`${v} fixes ${k}`, at);
    for (const k of c.added) out.set(`${v} regresses ${k}`, at);
    if (c.removed.length === 0 && c.added.length === 0 && c.costs.length > 0) out.set(`${v} changes costs`, at);
  }
  const lastAt = chain.length - 1;
  const last = results[lastAt];
  if (last !== undefined) for (const k of outcomeKinds(last)) out.set(`${chain[lastAt]} still shows ${k}`, { variant: chain[lastAt]!, kind: 'violation', needs: [lastAt] });
  return out;
}
