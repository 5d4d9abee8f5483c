// Building the canonical report from a run's results. Every other format is
// rendered from this one document (harness/report/render/).

import { resolve } from 'node:path';
import { compareVariants, countGrades } from '../compare/series.js';
import { isRegression } from '../compare/grade.js';
import type { Scenario } from '../fixtures/scenario.js';
import { projectRoot } from '../paths.js';
import type { CaseResult } from '../run/result.js';
import type { Series, VariantMeta } from '../variants/registry.js';
import { fileHash, folderHash } from './hash.js';
import type { Bisection, ComparisonSet, Expectation, Faults, Fuzz, Report, SourceDiff } from './report-types.generated.js';
import type { TreeInfo } from './tree.js';

export type { Report };

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function expectationsOf(scenarios: readonly Scenario[], cases: readonly CaseResult[]): Expectation[] {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const out: Expectation[] = [];
  for (const c of cases) {
    const expected = byId.get(c.fixture)?.expect[c.variant];
    if (expected === undefined) continue;
    const actual = c.status === 'ok' ? c.verdict : c.status;
    out.push({ case: c.id, expected, actual, met: c.status === 'ok' && sameSet(c.verdict, expected) });
  }
  return out;
}

/** Compare variant `before` with `after` over every fixture of the run. */
export function comparisonSet(cases: readonly CaseResult[], fixtures: readonly string[], before: string, after: string, series: string | null): ComparisonSet {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const items = compareVariants(byId, fixtures, before, after);
  return { series, before, after, counts: countGrades(items), items };
}

/** Every step of every series whose two variants both ran. */
export function seriesComparisons(cases: readonly CaseResult[], fixtures: readonly string[], series: readonly Series[], ran: ReadonlySet<string>): ComparisonSet[] {
  const out: ComparisonSet[] = [];
  for (const s of series) {
    for (const [parent, child] of s.steps) {
      if (ran.has(parent) && ran.has(child)) out.push(comparisonSet(cases, fixtures, parent, child, s.name));
    }
  }
  return out;
}

export interface ReportInput {
  command: Report['command'];
  tree: TreeInfo;
  scenarios: readonly Scenario[];
  variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>;
  series: readonly Series[];
  cases: readonly CaseResult[];
  /** Ad-hoc comparisons (compare, review), in addition to the series steps. */
  comparisons?: ComparisonSet[];
  bisections?: Bisection[];
  fuzz?: Fuzz;
  faults?: Faults;
  sourceDiffs?: SourceDiff[];
}

export async function buildReport(input: ReportInput): Promise<Report> {
  const { scenarios, variants, cases } = input;
  const fixtures = await Promise.all(
    scenarios.map(async (s) => ({
      id: s.id,
      file: s.file ?? null,
      question: s.question,
      sha256: s.file !== undefined ? await fileHash(resolve(projectRoot, s.file)) : '',
      expect: s.expect,
    })),
  );
  const vs = await Promise.all(
    variants.map(async (v) => ({
      id: v.meta.id,
      parent: v.meta.parent,
      series: v.meta.series,
      subject: v.meta.subject,
      upstream: v.meta.upstream ?? null,
      summary: v.meta.summary,
      sha256: await folderHash(v.dir),
    })),
  );
  const ran = new Set(vs.map((v) => v.id));
  const fixtureIds = scenarios.map((s) => s.id);
  const adHoc = input.comparisons ?? [];
  // A series step that is also the comparison asked for (review's) is shown once, as the one asked for.
  const asked = new Set(adHoc.map((s) => `${s.before}\u0000${s.after}`));
  const steps = seriesComparisons(cases, fixtureIds, input.series, ran).filter((s) => !asked.has(`${s.before}\u0000${s.after}`));
  const comparisons = [...adHoc, ...steps];
  const expectations = expectationsOf(scenarios, cases);
  const ok = cases.filter((c) => c.status === 'ok');
  return {
    format: 'dma-iommu-harness/report',
    version: 1,
    command: input.command,
    tree: input.tree,
    fixtures,
    variants: vs,
    series: input.series.filter((s) => s.members.some((id) => ran.has(id))),
    cases: [...cases],
    expectations,
    comparisons,
    bisections: input.bisections ?? [],
    fuzz: input.fuzz ?? null,
    faults: input.faults ?? null,
    source_diffs: input.sourceDiffs ?? [],
    totals: {
      cases: cases.length,
      clean: ok.filter((c) => c.status === 'ok' && c.verdict.length === 0).length,
      violating: ok.filter((c) => c.status === 'ok' && c.verdict.length > 0).length,
      error: cases.filter((c) => c.status === 'error').length,
      timeout: cases.filter((c) => c.status === 'timeout').length,
      expectations_met: expectations.filter((e) => e.met).length,
      expectations_failed: expectations.filter((e) => !e.met).length,
      regressions: adHoc.reduce((n, set) => n + set.items.filter((i) => isRegression(i.grade)).length, 0),
    },
  };
}

/** The exit code a report asks for: 1 when anything regressed, errored, timed out or missed its expectation. */
export function exitCodeOf(report: Report): number {
  const t = report.totals;
  return t.error > 0 || t.timeout > 0 || t.expectations_failed > 0 || t.regressions > 0 ? 1 : 0;
}
