// Holding a TypeScript model to the kernel's own C: the same fixture on a
// C variant and on the TypeScript variant that models its code state must
// give the same verdict, the same costs, the same bytes read by the CPU and
// the devices, and the same final state. Each difference is named with its
// fixture and the first step where the two traces part.

import { firstDivergence } from '../compare/grade.js';
import { COST_KEYS, type CaseResult } from '../run/result.js';

export interface ModelDifference {
  fixture: string;
  /** What differs first, in the order the check looks. */
  what: 'status' | 'verdict' | 'costs' | 'bytes' | 'final state';
  detail: string;
  /** The step label of the first trace line that differs, if the traces differ. */
  step: string | null;
}

/** Trace lines that carry bytes the CPU or a device read. */
function byteLines(trace: readonly string[]): string[] {
  return trace.filter((l) => / (cpu read|device read) /.test(l));
}

/** How a C variant's result and its model's differ, or null when they agree. */
export function modelDifference(c: CaseResult, model: CaseResult): ModelDifference | null {
  const fixture = c.fixture;
  if (c.status !== 'ok' || model.status !== 'ok') {
    if (c.status === model.status && c.status !== 'ok') return null;
    const say = (r: CaseResult): string => (r.status === 'ok' ? 'ok' : r.status === 'error' ? `error: ${r.message}` : 'timeout');
    return { fixture, what: 'status', detail: `C ${say(c)}, model ${say(model)}`, step: null };
  }
  const step = firstDivergence(c.trace, model.trace);
  if (JSON.stringify(c.verdict) !== JSON.stringify(model.verdict)) {
    return { fixture, what: 'verdict', detail: `C [${c.verdict.join(', ')}], model [${model.verdict.join(', ')}]`, step };
  }
  const costs = COST_KEYS.filter((k) => c.costs[k] !== model.costs[k]);
  if (costs.length > 0) return { fixture, what: 'costs', detail: costs.map((k) => `${k} C ${c.costs[k]}, model ${model.costs[k]}`).join('; '), step };
  const a = byteLines(c.trace);
  const b = byteLines(model.trace);
  const at = a.findIndex((l, i) => l !== b[i]);
  if (at >= 0 || a.length !== b.length) {
    const i = at >= 0 ? at : Math.min(a.length, b.length);
    return { fixture, what: 'bytes', detail: `C "${a[i] ?? '(none)'}", model "${b[i] ?? '(none)'}"`, step };
  }
  if (JSON.stringify(c.final) !== JSON.stringify(model.final)) {
    return { fixture, what: 'final state', detail: `C ${JSON.stringify(c.final)}, model ${JSON.stringify(model.final)}`, step };
  }
  return null;
}

export function differenceText(d: ModelDifference): string {
  return `${d.fixture}: ${d.what} differ${d.step === null ? '' : ` (first divergent step ${d.step})`}: ${d.detail}`;
}

/**
 * What `fuzz --against` looks for: the ways a C variant and its model
 * disagree on a scenario, one class per kind of disagreement (each verdict
 * kind one shows and the other does not, each cost counter, the bytes, the
 * final state, a case that did not finish on one side).
 */
export function disagreementClasses(cId: string, modelId: string, c: CaseResult, model: CaseResult): Map<string, { variant: string; kind: 'change' }> {
  const out = new Map<string, { variant: string; kind: 'change' }>();
  const d = modelDifference(c, model);
  if (d === null) return out;
  const add = (cls: string): void => void out.set(cls, { variant: cId, kind: 'change' });
  if (d.what === 'status') add(`${cId} ${c.status === 'ok' ? 'runs' : `ends in ${c.status === 'error' ? 'an error' : 'a timeout'}`} where ${modelId} ${model.status === 'ok' ? 'runs' : 'does not'}`);
  else if (d.what === 'verdict' && c.status === 'ok' && model.status === 'ok') {
    for (const k of c.verdict.filter((x) => !model.verdict.includes(x))) add(`${cId} shows ${k} where ${modelId} does not`);
    for (const k of model.verdict.filter((x) => !c.verdict.includes(x))) add(`${modelId} shows ${k} where ${cId} does not`);
  } else if (d.what === 'costs' && c.status === 'ok' && model.status === 'ok') {
    for (const k of COST_KEYS.filter((x) => c.costs[x] !== model.costs[x])) add(`${cId} and ${modelId} count ${k} differently`);
  } else add(`${cId} and ${modelId} differ in ${d.what}`);
  return out;
}
