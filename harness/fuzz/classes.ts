// What a scenario shows along a chain of variants, as classes: a step that
// fixes or regresses a violation kind ("v3-2-arch-sync fixes cpu-read-stale"),
// a step that changes only costs, by mechanism: the kind of call and the
// counter ("v3-3-skip-sync changes costs: fewer bounce copies in unmap_page"),
// so that two cost changes of one step are two findings; and each kind the
// last variant still shows.
// A class names the variants it needs, so that shrinking a scenario for one
// class runs only those (a step's parent and child, or the last variant).

import { compareResults } from '../compare/grade.js';
import type { CallCosts } from '../run/execute.js';
import { COST_KEYS, outcomeKinds, type CaseResult } from '../run/result.js';

/** A case's costs by kind of step (run/execute.ts's costsByCall). */
export type CallCostMap = ReadonlyMap<string, CallCosts>;

export interface ClassInfo {
  /** The variant where it shows (the child of the step, or the last variant). */
  variant: string;
  kind: 'change' | 'violation';
  /** Indices into the chain of the variants whose results decide it. */
  needs: number[];
  /** For a cost class: the counter per call on both sides ("unmap_page: bounce copies per call 2 -> 1"). */
  detail?: string;
}

/** One number per call, as short as it can be said. */
function perCall(total: number, calls: number): string {
  return String(Math.round((100 * total) / Math.max(1, calls)) / 100);
}

/** Bytes move with the copies and cache operations that move them: a byte count is its own class only when those did not change. */
function isCountedAlready(k: (typeof COST_KEYS)[number], differs: (k: (typeof COST_KEYS)[number]) => boolean): boolean {
  if (k === 'bounce_bytes') return differs('bounce_copies');
  if (k === 'cache_bytes') return differs('cache_cleans') || differs('cache_invalidates');
  return false;
}

/** The cost classes of a step from parent to child, by kind of call and counter. */
function costClasses(v: string, before: CallCostMap, after: CallCostMap): Array<{ cls: string; detail: string }> {
  const out: Array<{ cls: string; detail: string }> = [];
  for (const op of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(op);
    const b = after.get(op);
    const differs = (k: (typeof COST_KEYS)[number]): boolean => (a?.costs[k] ?? 0) !== (b?.costs[k] ?? 0);
    for (const k of COST_KEYS) {
      const x = a?.costs[k] ?? 0;
      const y = b?.costs[k] ?? 0;
      if (x === y || isCountedAlready(k, differs)) continue;
      const label = k.replace(/_/g, ' ');
      out.push({ cls: `${v} changes costs: ${y > x ? 'more' : 'fewer'} ${label} in ${op}`, detail: `${op}: ${label} per call ${perCall(x, a?.calls ?? 0)} -> ${perCall(y, b?.calls ?? 0)}` });
    }
  }
  return out;
}

/**
 * The classes a scenario shows, from its results on the chain; a result left
 * undefined (a variant not run) decides nothing, so the classes of a partial
 * run are those of the variants that ran.
 */
export function classesOf(chain: readonly string[], results: ReadonlyArray<CaseResult | undefined>, calls?: ReadonlyArray<CallCostMap | undefined>): Map<string, ClassInfo> {
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
    if (c.removed.length > 0 || c.added.length > 0 || c.costs.length === 0) continue;
    const [x, y] = [calls?.[i - 1], calls?.[i]];
    if (x === undefined || y === undefined) out.set(`${v} changes costs`, at);
    else for (const { cls, detail } of costClasses(v, x, y)) out.set(cls, { ...at, detail });
  }
  const lastAt = chain.length - 1;
  const last = results[lastAt];
  if (last !== undefined) for (const k of outcomeKinds(last)) out.set(`${chain[lastAt]} still shows ${k}`, { variant: chain[lastAt]!, kind: 'violation', needs: [lastAt] });
  return out;
}
