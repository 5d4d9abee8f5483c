// The fault-injection section of a report (the `faults` command): per
// fixture, how many allocations of each kind its cases make (the injection
// points), and for each failing run what it shows that the fixture's own
// run does not. A failed map must hand back the caller's buffer, the page
// table, the IOVA space and the swiotlb pool as they were; what it leaves is
// named by the contract checks like any other violation.

import type { ViolationKind } from '../../contract/kinds.js';
import type { CaseOk, CaseResult, Report } from '../report-types.generated.js';
import { caseIndex, escapeXml, outcome } from './common.js';

type FaultKind = 'iova' | 'swiotlb' | 'pgtable';
const KINDS: readonly FaultKind[] = ['iova', 'swiotlb', 'pgtable'];

/** Variants sharing one outcome of a failing run. */
export interface FaultGroup {
  variants: string[];
  outcome: string;
  /** Violation kinds the fixture's own run on these variants does not show. */
  added: ViolationKind[];
  /** Whether a map call failed that does not fail in the fixture's own run; false: the kernel recovered. */
  mapFailed: boolean;
}

export interface FaultRunView {
  id: string;
  groups: FaultGroup[];
}

export interface FaultFixtureView {
  fixture: string;
  /** Injection points by kind, as "iova 2, swiotlb 2, pgtable 2", with the variants when they differ. */
  points: string;
  runs: FaultRunView[];
}

/** The ids of the failing runs' fixtures: the matrices leave them out. */
export function failingRunIds(report: Report): Set<string> {
  return new Set(report.faults?.fixtures.flatMap((f) => f.runs) ?? []);
}

function ok(c: CaseResult | undefined): CaseOk | undefined {
  return c?.status === 'ok' ? c : undefined;
}

/** "a, b and 3 more", or "every variant". */
export function variantList(ids: readonly string[], all: number): string {
  if (ids.length === all) return all === 1 ? ids[0]! : `every variant (${all})`;
  return ids.length <= 4 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

export function faultViews(report: Report): FaultFixtureView[] {
  if (report.faults === null) return [];
  const cases = caseIndex(report);
  const variants = report.variants.map((v) => v.id);
  return report.faults.fixtures.map(({ fixture, runs }) => {
    const byPoints = new Map<string, string[]>();
    for (const v of variants) {
      const p = ok(cases.get(`${fixture}@${v}`))?.faults?.points;
      const text = p === undefined ? 'no result' : KINDS.map((k) => `${k} ${p[k]}`).join(', ');
      byPoints.set(text, [...(byPoints.get(text) ?? []), v]);
    }
    const points = [...byPoints].map(([text, vs]) => (byPoints.size === 1 ? text : `${text} (${variantList(vs, variants.length)})`)).join('; ');
    return {
      fixture,
      points,
      runs: runs.map((id) => {
        const groups = new Map<string, FaultGroup>();
        for (const v of variants) {
          const c = cases.get(`${id}@${v}`);
          if (c === undefined) continue;
          const own = ok(cases.get(`${fixture}@${v}`));
          const mine = ok(c);
          const added = mine === undefined ? [] : mine.verdict.filter((k) => !(own?.verdict ?? []).includes(k));
          const mapFailed = (mine?.faults?.failed_maps ?? 0) > (own?.faults?.failed_maps ?? 0);
          const key = `${outcome(c)}|${added.join(',')}|${mapFailed}`;
          const g = groups.get(key);
          if (g === undefined) groups.set(key, { variants: [v], outcome: outcome(c), added, mapFailed });
          else g.variants.push(v);
        }
        return { id, groups: [...groups.values()] };
      }),
    };
  });
}

/** Counts over every failing run of every variant: runs, failed maps, recoveries, runs that show a kind the fixture's own does not. */
export function faultTotals(views: readonly FaultFixtureView[]): { runs: number; failed: number; recovered: number; added: number } {
  let runs = 0;
  let failed = 0;
  let added = 0;
  for (const f of views) {
    for (const r of f.runs) {
      for (const g of r.groups) {
        runs += g.variants.length;
        if (g.mapFailed) failed += g.variants.length;
        if (g.added.length > 0) added += g.variants.length;
      }
    }
  }
  return { runs, failed, recovered: runs - failed, added };
}

/** The section as plain lines (the terminal summary and the e-mail use them). */
export function faultLines(report: Report): string[] {
  const views = faultViews(report);
  if (views.length === 0) return [];
  const all = report.variants.length;
  const t = faultTotals(views);
  const out = [
    `fault injection (${report.faults!.kinds.join(', ')}): ${t.runs} failing runs, ${t.failed} with a map call failing, ${t.recovered} recovered by the kernel; ${t.added} show a violation the fixture's own run does not`,
  ];
  for (const f of views) {
    out.push(`  ${f.fixture}: ${f.points}`);
    for (const r of f.runs) {
      for (const g of r.groups) {
        if (g.added.length === 0) continue;
        out.push(`    ${r.id.slice(f.fixture.length)} on ${variantList(g.variants, all)}: ${g.added.join(', ')}`);
      }
    }
  }
  return out;
}

function runRow(f: FaultFixtureView, r: FaultRunView, g: FaultGroup, all: number): string[] {
  return [r.id.slice(f.fixture.length + 1), variantList(g.variants, all), g.outcome, g.added.join(', '), g.mapFailed ? 'failed' : 'recovered'];
}

const HEAD = ['failure', 'variants', 'outcome', 'not in its own run', 'the call'];

const INTRO =
  "Each fixture ran once counting the allocations its cases make of each kind (its injection points), then once per point N failing the Nth allocation of a kind (`~kind:N`) and once failing it and every later one (`~kind:N+`). A failed map must hand the caller's buffer, the page table, the IOVA space and the swiotlb pool back as they were. A failing run's trace keeps the failing call and the violations; `explain <fixture>~<kind>:<N> --variant V` replays it whole.";

/** The section in Markdown. */
export function faultMarkdown(report: Report, cell: (s: string) => string): string[] {
  const views = faultViews(report);
  if (views.length === 0) return [];
  const all = report.variants.length;
  const t = faultTotals(views);
  const out = ['## Fault injection', '', INTRO, ''];
  out.push(`${t.runs} failing runs: ${t.failed} with a map call failing, ${t.recovered} recovered by the kernel; ${t.added} show a violation the fixture's own run does not.`, '');
  out.push('| fixture | injection points | failing runs | with a new violation |', '|---|---|---:|---:|');
  for (const f of views) {
    const runs = f.runs.reduce((n, r) => n + r.groups.reduce((m, g) => m + g.variants.length, 0), 0);
    const added = f.runs.reduce((n, r) => n + r.groups.reduce((m, g) => m + (g.added.length > 0 ? g.variants.length : 0), 0), 0);
    out.push(`| \`${f.fixture}\` | ${f.points} | ${runs} | ${added} |`);
  }
  out.push('');
  for (const f of views) {
    if (f.runs.length === 0) continue;
    out.push(`<details><summary><code>${f.fixture}</code>: ${f.points}</summary>`, '');
    out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`);
    for (const r of f.runs) for (const g of r.groups) out.push(`| ${runRow(f, r, g, all).map(cell).join(' | ')} |`);
    out.push('', '</details>', '');
  }
  return out;
}

/** The section in HTML. */
export function faultHtml(report: Report): string[] {
  const views = faultViews(report);
  if (views.length === 0) return [];
  const all = report.variants.length;
  const t = faultTotals(views);
  const out = ['<section id="faults">', '<h2>Fault injection</h2>', `<p>${escapeXml(INTRO)}</p>`];
  out.push(`<p>${t.runs} failing runs: ${t.failed} with a map call failing, ${t.recovered} recovered by the kernel; ${t.added} show a violation the fixture's own run does not.</p>`);
  for (const f of views) {
    if (f.runs.length === 0) continue;
    out.push(`<details><summary><code>${escapeXml(f.fixture)}</code>: ${escapeXml(f.points)}</summary>`, '<div class="box"><table class="faults"><thead><tr>');
    out.push(...HEAD.map((h) => `<th>${escapeXml(h)}</th>`), '</tr></thead><tbody>');
    for (const r of f.runs) for (const g of r.groups) out.push(`<tr>${runRow(f, r, g, all).map((x) => `<td>${escapeXml(x)}</td>`).join('')}</tr>`);
    out.push('</tbody></table></div>', '</details>');
  }
  out.push('</section>');
  return out;
}
