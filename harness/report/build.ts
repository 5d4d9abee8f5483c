// Building the canonical report from a run's results. Every other format is
// rendered from this one document.

import { join } from 'node:path';
import type { Scenario } from '../fixtures/scenario.js';
import { projectRoot } from '../paths.js';
import type { CaseResult, ViolationKind } from '../run/result.js';
import type { Series, VariantMeta } from '../variants/registry.js';
import { fileHash, folderHash } from './hash.js';
import type { TreeInfo } from './tree.js';

export const REPORT_FORMAT = 'dma-iommu-harness/report';
export const REPORT_VERSION = 1;

export interface ReportFixture {
  id: string;
  file: string | null;
  question: string;
  sha256: string;
  expect: Record<string, ViolationKind[]>;
}

export interface ReportVariant {
  id: string;
  parent: string | null;
  series: string;
  subject: string;
  upstream: VariantMeta['upstream'] | null;
  summary: string;
  sha256: string;
}

export interface Expectation {
  case: string;
  expected: ViolationKind[];
  /** The verdict, or the status when the case did not finish. */
  actual: ViolationKind[] | 'error' | 'timeout';
  met: boolean;
}

export interface Report {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  tree: TreeInfo;
  fixtures: ReportFixture[];
  variants: ReportVariant[];
  series: Series[];
  cases: CaseResult[];
  expectations: Expectation[];
  totals: {
    cases: number;
    clean: number;
    violating: number;
    error: number;
    timeout: number;
    expectations_met: number;
    expectations_failed: number;
  };
}

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

export async function buildReport(
  scenarios: readonly Scenario[],
  variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>,
  series: readonly Series[],
  cases: readonly CaseResult[],
  tree: TreeInfo,
): Promise<Report> {
  const fixtures = await Promise.all(
    scenarios.map(async (s) => ({
      id: s.id,
      file: s.file ?? null,
      question: s.question,
      sha256: s.file !== undefined ? await fileHash(join(projectRoot, s.file)) : '',
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
  const expectations = expectationsOf(scenarios, cases);
  const ok = cases.filter((c) => c.status === 'ok');
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    tree,
    fixtures,
    variants: vs,
    series: series.filter((s) => s.members.some((id) => vs.some((v) => v.id === id))),
    cases: [...cases],
    expectations,
    totals: {
      cases: cases.length,
      clean: ok.filter((c) => c.status === 'ok' && c.verdict.length === 0).length,
      violating: ok.filter((c) => c.status === 'ok' && c.verdict.length > 0).length,
      error: cases.filter((c) => c.status === 'error').length,
      timeout: cases.filter((c) => c.status === 'timeout').length,
      expectations_met: expectations.filter((e) => e.met).length,
      expectations_failed: expectations.filter((e) => !e.met).length,
    },
  };
}
