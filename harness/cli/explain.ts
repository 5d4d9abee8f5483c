// `explain`: one case, step by step: the trace, the violations with the step
// they were seen at, the driver's misuse the run noticed, the costs and the
// machine's final state.

import { InputError } from '../input-error.js';
import { findVariant, prepare } from '../plan.js';
import type { CaseResult } from '../run/result.js';
import { KINDS, verdictText } from '../contract/kinds.js';
import { runCases } from '../runner/pool.js';
import { brokenText } from '../report/render/common.js';

export interface ExplainOptions {
  variant: string;
  fixturesDir?: string;
  variantsDir?: string;
  timeout?: number;
}

export function renderExplanation(r: CaseResult, question: string): string {
  const out: string[] = [`case ${r.id}`, `question: ${question}`];
  if (r.status !== 'ok') return [...out, `status: ${r.status}: ${brokenText(r)}`].join('\n') + '\n';
  out.push(`verdict: ${verdictText(r.verdict)}`, '', 'trace:');
  out.push(...r.trace.map((l) => `  ${l}`));
  out.push('', 'violations:');
  if (r.violations.length === 0) out.push('  none');
  for (const v of r.violations) out.push(`  step ${v.step}: ${KINDS[v.kind].label}: ${v.sentence}`);
  if (r.notes.length > 0) out.push('', 'driver notes:', ...r.notes.map((n) => `  ${n}`));
  out.push('', 'costs:', ...Object.entries(r.costs).map(([k, v]) => `  ${k.padEnd(18)} ${v}`));
  out.push('', 'final state:');
  for (const [section, fields] of Object.entries(r.final)) {
    out.push(`  ${section}:`);
    for (const [k, v] of Object.entries(fields)) out.push(`    ${k.padEnd(14)} ${stateText(v)}`);
  }
  return out.join('\n') + '\n';
}

export async function explainCommand(fixture: string, opts: ExplainOptions): Promise<void> {
  const prepared = await prepare({ fixtures: [fixture], fixturesDir: opts.fixturesDir, variantsDir: opts.variantsDir });
  const v = findVariant(prepared.allVariants, opts.variant);
  if (v === undefined) throw new InputError([{ file: 'command line', pointer: '/variant', message: `no variant "${opts.variant}"` }]);
  const variantIndex = prepared.plan.variants.findIndex((x) => x.meta.id === v.id);
  const [result] = await runCases({ ...prepared.plan, cases: [[0, variantIndex]] }, { workers: 1, timeoutMs: opts.timeout });
  process.stdout.write(renderExplanation(result!, prepared.plan.scenarios[0]!.question));
  process.exitCode = result!.status === 'ok' ? 0 : 1;
}

/** A final-state value as one line: lists joined, pfn lists in hex, empty as "none". */
function stateText(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => (typeof x === 'number' ? '0x' + x.toString(16) : String(x))).join(' ');
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    return entries.length === 0 ? 'none' : entries.map(([k, x]) => `${k}: ${stateText(x)}`).join('; ');
  }
  return String(v);
}
