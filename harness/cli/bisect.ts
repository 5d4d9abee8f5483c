// `bisect --series S`: for each fixture (or the ones named), the first
// variant along the series where its verdict (or, with --trace, its trace)
// changes, stated plainly when there is more than one such place.

import { InputError } from '../input-error.js';
import { historyBisect } from './history.js';
import type { Bisection } from '../report/report-types.generated.js';
import type { CaseResult } from '../run/result.js';
import { verdictText } from '../contract/kinds.js';
import { finish, prepareRun, runPlan, type CommonOptions } from './session.js';

export interface BisectOptions extends CommonOptions {
  series?: string;
  trace?: boolean;
  git?: string;
  variant?: string;
}

function outcomeOf(c: CaseResult, mode: 'verdict' | 'trace'): string {
  if (c.status !== 'ok') return c.status;
  return mode === 'verdict' ? verdictText(c.verdict) : verdictText(c.verdict) + '\u0000' + c.trace.join('\n');
}

export function bisect(fixture: string, series: string, chain: readonly string[], cases: ReadonlyMap<string, CaseResult>, mode: 'verdict' | 'trace'): Bisection {
  const outcomes = chain.map((v) => outcomeOf(cases.get(`${fixture}@${v}`)!, mode));
  const change_points = chain.filter((v, i) => i > 0 && outcomes[i] !== outcomes[i - 1]);
  const shown = outcomes.map((o, i) => (mode === 'trace' && i > 0 && o !== outcomes[i - 1] && o.split('\u0000')[0] === outcomes[i - 1]!.split('\u0000')[0] ? `${o.split('\u0000')[0]} (trace differs)` : o.split('\u0000')[0]!));
  return { fixture, series, mode, chain: [...chain], outcomes: shown, change_points };
}

export function renderBisection(b: Bisection, subjects: ReadonlyMap<string, string>): string {
  const out: string[] = [`${b.fixture} over ${b.series} (${b.mode}):`];
  if (b.change_points.length === 0) out.push(`  no change: ${b.outcomes[0]} on every variant`);
  else if (b.change_points.length === 1) out.push(`  bisected this ${b.mode} change to: ${b.change_points[0]} ("${subjects.get(b.change_points[0]!)}")`);
  else out.push(`  the ${b.mode} changes ${b.change_points.length} times along the series; the first change is at ${b.change_points[0]}, and it changes again at: ${b.change_points.slice(1).join(', ')}`);
  out.push('  bisection log:');
  b.chain.forEach((v, i) => out.push(`    ${b.change_points.includes(v) ? '*' : ' '} ${v.padEnd(26)} ${b.outcomes[i]}`));
  return out.join('\n') + '\n';
}

export async function bisectCommand(opts: BisectOptions): Promise<void> {
  if (opts.git !== undefined) return historyBisect({ git: opts.git, fixture: opts.fixture, variant: opts.variant });
  if (opts.series === undefined) throw new InputError([{ file: 'command line', pointer: '/series', message: 'expected --series NAME (bisect along a series) or --git GOOD..BAD (bisect this repository)' }]);
  const prepared = await prepareRun({ ...opts, variant: undefined, series: [opts.series] });
  const s = prepared.series.find((x) => x.name === opts.series)!;
  if (s.chain === null) {
    throw new InputError([{ file: 'command line', pointer: '/series', message: `series "${s.name}" is not a single chain of variants` }]);
  }
  const results = await runPlan(prepared.plan, opts);
  const cases = new Map(results.map((c) => [c.id, c]));
  const mode = opts.trace === true ? 'trace' : 'verdict';
  const bisections = prepared.plan.scenarios.map((sc) => bisect(sc.id, s.name, s.chain!, cases, mode));
  const args = ['--series', s.name, ...(opts.trace === true ? ['--trace'] : []), ...(opts.fixture ?? []).flatMap((f) => ['--fixture', f])];
  await finish(prepared, results, opts, { command: { name: 'bisect', args }, bisections });
  const subjects = new Map(prepared.plan.variants.map((v) => [v.meta.id, v.meta.subject]));
  const shown = opts.fixture !== undefined && opts.fixture.length > 0 ? bisections : bisections.filter((b) => b.change_points.length > 0);
  for (const b of shown) process.stdout.write(renderBisection(b, subjects) + '\n');
  if (shown.length < bisections.length) process.stdout.write(`${bisections.length - shown.length} fixtures do not change along ${s.name}.\n`);
}
