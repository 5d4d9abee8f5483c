// `faults`: run each fixture with its allocations made to fail one after
// another, as iommufd's fail_nth selftest does. A first run of each case
// counts the allocations of each kind it makes (its injection points); then
// the case runs once per point N, failing the Nth allocation ("~kind:N"),
// and once failing the Nth and every later one ("~kind:N+"), which is where
// a retry (alloc_iova_fast's rcache flush) cannot recover. The runs before
// the Nth allocation are the counting run's, so points 1..count are exactly
// the runs in which a fault is injected: N = count + 1 injects nothing.

import { counting, withFail } from '../fixtures/fail.js';
import type { FaultKind } from '../fixtures/fixture-types.generated.js';
import type { Scenario } from '../fixtures/scenario.js';
import { FAULT_KINDS } from '../machine/faults.js';
import type { Faults } from '../report/report-types.generated.js';
import { RENDERERS } from '../report/render/index.js';
import type { CaseResult } from '../run/result.js';
import { VIOLATION_MARK } from '../run/trace.js';
import type { CasePlan } from '../runner/pool.js';
import { finish, prepareRun, runPlan, type CommonOptions } from './session.js';

export interface FaultsOptions extends CommonOptions {
  variant?: string[];
  series?: string[];
  kind?: FaultKind[];
}

/** The injection points of each kind a case passed, by [scenario, variant]. */
function pointsOf(results: readonly CaseResult[]): Array<Record<FaultKind, number> | undefined> {
  return results.map((r) => (r.status === 'ok' ? r.faults?.points : undefined));
}

/** Every failing run of every case: per scenario, kind and N up to the most points any variant passed. */
export function failingPlan(base: CasePlan, points: ReadonlyArray<Record<FaultKind, number> | undefined>, kinds: readonly FaultKind[]): { plan: CasePlan; runs: Faults['fixtures'] } {
  const scenarios: Scenario[] = [];
  const cases: Array<[number, number]> = [];
  const runs: Faults['fixtures'] = [];
  base.scenarios.forEach((s, si) => {
    const byVariant = base.cases.map((c, k) => [c, points[k]] as const).filter(([[f]]) => f === si);
    const ids: string[] = [];
    for (const kind of kinds) {
      const most = Math.max(0, ...byVariant.map(([, p]) => p?.[kind] ?? 0));
      for (let nth = 1; nth <= most; nth++) {
        for (const times of [1, -1]) {
          const derived = withFail(s, { kind, nth, times });
          const at = scenarios.push(derived) - 1;
          ids.push(derived.id);
          for (const [[, vi], p] of byVariant) if ((p?.[kind] ?? 0) >= nth) cases.push([at, vi]);
        }
      }
    }
    runs.push({ fixture: s.id, runs: ids });
  });
  return { plan: { scenarios, variants: base.variants, cases }, runs };
}

/** Violations of one kind a failing run keeps in the report; the rest are counted. */
export const KEPT_PER_KIND = 4;

/** Lines of one step's unwinding a failing run keeps; a last line counts the rest. */
export const KEPT_LINES = 32;

/**
 * A failing run cut to what its fixture's own run on the variant does not
 * already say: its whole verdict, but only the violations that run does not
 * have (the first KEPT_PER_KIND of each kind; `left_out` counts the rest),
 * and of the trace, for each step in which a fault was injected, the call's
 * line and what followed the first fault (the unwinding, its first
 * KEPT_LINES lines), then the kept violations' lines. The whole run is one
 * `explain` away.
 */
export function excerpt(r: CaseResult, own: CaseResult | undefined): CaseResult {
  if (r.status !== 'ok' || r.faults === undefined) return r;
  const ownViolations = new Set(own?.status === 'ok' ? own.violations.map((v) => `${v.step}|${v.sentence}`) : []);
  const fresh = r.violations.filter((v) => !ownViolations.has(`${v.step}|${v.sentence}`));
  const perKind = new Map<string, number>();
  const violations = fresh.filter((v) => {
    const n = (perKind.get(v.kind) ?? 0) + 1;
    perKind.set(v.kind, n);
    return n <= KEPT_PER_KIND;
  });
  const kept = new Set(violations.map((v) => `${v.step}${VIOLATION_MARK}${v.kind}: ${v.sentence}`));
  const labelOf = (line: string): string => line.slice(0, line.indexOf(' '));
  const faultSteps = new Set(r.trace.filter((l) => l.includes('   fault injected: ')).map(labelOf));
  const trace: string[] = [];
  let step = '';
  let unwound = -1;
  const endStep = (): void => {
    if (unwound > KEPT_LINES) trace.push(`${step}   … ${unwound - KEPT_LINES} more lines (explain shows them)`);
  };
  for (const line of r.trace) {
    const label = labelOf(line);
    const first = label !== step;
    if (first) {
      endStep();
      step = label;
      unwound = -1;
    }
    if (line.includes(VIOLATION_MARK)) {
      if (kept.has(line)) trace.push(line);
    } else if (first) {
      if (faultSteps.has(label)) trace.push(line);
    } else {
      if (unwound < 0 && line.startsWith(`${label}   fault injected: `)) unwound = 0;
      if (unwound >= 0 && ++unwound <= KEPT_LINES) trace.push(line);
    }
  }
  endStep();
  return { ...r, violations, trace, faults: { ...r.faults, left_out: fresh.length - violations.length } };
}

export async function faultsCommand(opts: FaultsOptions): Promise<void> {
  const prepared = await prepareRun(opts);
  const kinds = opts.kind ?? [...FAULT_KINDS];
  const countingPlan: CasePlan = { ...prepared.plan, scenarios: prepared.plan.scenarios.map(counting) };
  const counted = await runPlan(countingPlan, opts);
  const { plan, runs } = failingPlan(countingPlan, pointsOf(counted), kinds);
  const failing = await runPlan(plan, opts);
  const own = new Map(counted.map((r) => [r.id, r]));
  const all: Scenario[] = [...countingPlan.scenarios, ...plan.scenarios];
  const args = [...(opts.fixture ?? []).flatMap((f) => ['--fixture', f]), ...(opts.variant ?? []).flatMap((v) => ['--variant', v]), ...(opts.series ?? []).flatMap((s) => ['--series', s]), ...(opts.kind ?? []).flatMap((k) => ['--kind', k])];
  const { report, written } = await finish(
    { ...prepared, plan: { scenarios: all, variants: prepared.plan.variants, cases: [] }, series: [] },
    [...counted, ...failing.map((r) => excerpt(r, own.get(`${r.fixture.slice(0, r.fixture.indexOf('~'))}@${r.variant}`)))],
    opts,
    { command: { name: 'faults', args }, faults: { kinds: [...kinds], fixtures: runs } },
  );
  const summary = RENDERERS.summary.render(report);
  process.stdout.write(opts.quiet === true ? summary.split('\n')[0] + '\n' : summary);
  process.stdout.write(`reports: ${written.join(', ')}\n`);
}
