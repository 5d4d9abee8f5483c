// The HTML report: one self-contained file (styles inline, no scripts, no
// network) with the fixture x variant matrix and, for every verdict that a
// step changes, the two traces side by side (diff2html).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html as diffToHtml } from 'diff2html';
import { GRADE_LABELS, GRADES } from '../../compare/grade.js';
import type { Report } from '../report-types.generated.js';
import { failingRunIds, faultHtml } from './faults.js';
import { caseIndex, changedItems, escapeXml, fuzzStatisticsLines, outcome, replayCommand, shortOutcome, titleOf, traceDiff, treeText, verdictChanged } from './common.js';

const DIFF_CSS = readFileSync(createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { margin-top: 2em; } code, td.cell { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
table.matrix th.variant { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
td.clean { background: #e7f6e7; } td.violating { background: #fbe3e3; } td.error, td.timeout { background: #f7d08a; }
td.mismatch { outline: 2px solid #c00; outline-offset: -2px; }
details { margin: .5em 0; } summary { cursor: pointer; }
`;

export function renderHtml(report: Report): string {
  const cases = caseIndex(report);
  const mismatched = new Set(report.expectations.filter((e) => !e.met).map((e) => e.case));
  const t = report.totals;
  const out: string[] = [];
  out.push('<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  out.push(`<title>dma-iommu harness: ${escapeXml(report.command.name)}</title>`);
  out.push(`<style>${CSS}\n${DIFF_CSS}</style>`, '</head>', '<body>');
  out.push(`<h1>dma-iommu harness: ${escapeXml(report.command.name)}</h1>`);
  out.push(
    `<p>Harness tree ${escapeXml(treeText(report))}. ${report.fixtures.length} fixtures × ${report.variants.length} variants = ${t.cases} cases: ` +
      `${t.clean} clean, ${t.violating} with violations, ${t.error} errors, ${t.timeout} timeouts; expectations ${t.expectations_met} met, ${t.expectations_failed} not met; ${t.regressions} regressions.</p>`,
  );

  if (report.fuzz !== null) {
    const fz = report.fuzz;
    out.push('<section id="fuzz">', `<h2>Fuzz findings over ${escapeXml(fz.series)}</h2>`);
    out.push(`<p>${fz.findings.length} findings in ${fz.runs} generated scenarios (seed ${fz.seed}); each is a fixture in the matrix below.</p>`);
    out.push('<table class="findings"><thead><tr><th>found</th><th>steps</th><th>fixture</th><th>also shows</th><th>replay</th></tr></thead><tbody>');
    for (const f of fz.findings) {
      const also = f.classes.filter((c) => c !== f.class).join('; ');
      out.push(`<tr><td>${escapeXml(f.class)}</td><td>${f.steps}</td><td><code>${escapeXml(f.fixture)}</code></td><td>${escapeXml(also)}</td><td><code>--seed ${f.seed} --replay ${escapeXml(f.path)}</code></td></tr>`);
    }
    out.push('</tbody></table>', `<pre>${escapeXml(fuzzStatisticsLines(fz).join('\n'))}</pre>`, '</section>');
  }

  out.push(...faultHtml(report));

  const failing = failingRunIds(report);
  out.push('<section id="matrix">', '<h2>Matrix</h2>', '<table class="matrix">', '<thead><tr><th>fixture</th>');
  for (const v of report.variants) out.push(`<th class="variant" title="${escapeXml(v.subject)}">${escapeXml(v.id)}</th>`);
  out.push('</tr></thead>', '<tbody>');
  for (const f of report.fixtures.filter((x) => !failing.has(x.id))) {
    out.push(`<tr><th title="${escapeXml(f.question)}"><code>${escapeXml(f.id)}</code></th>`);
    for (const v of report.variants) {
      const c = cases.get(`${f.id}@${v.id}`);
      const status = c === undefined ? 'none' : c.status !== 'ok' ? c.status : c.verdict.length === 0 ? 'clean' : 'violating';
      const cls = `cell ${status}${mismatched.has(`${f.id}@${v.id}`) ? ' mismatch' : ''}`;
      out.push(`<td class="${cls}" title="${escapeXml(`${f.id}@${v.id}: ${outcome(c)}`)}">${escapeXml(shortOutcome(c))}</td>`);
    }
    out.push('</tr>');
  }
  out.push('</tbody>', '</table>', '<p>· clean; a red outline marks a verdict the fixture does not expect.</p>', '</section>');

  out.push('<section id="changes">', '<h2>What changed</h2>');
  for (const set of report.comparisons) {
    out.push(`<h3>${escapeXml(titleOf(set))}</h3>`);
    out.push(`<p>${GRADES.map((g) => `${escapeXml(GRADE_LABELS[g])}: ${set.counts[g]}`).join(' · ')}</p>`);
    const changed = changedItems(set);
    if (changed.length === 0) continue;
    out.push('<table class="changes"><thead><tr><th>fixture</th><th>grade</th><th>before</th><th>after</th><th>first divergent step</th></tr></thead><tbody>');
    for (const i of changed) {
      out.push(
        `<tr><td><code>${escapeXml(i.fixture)}</code></td><td>${i.grade}</td><td>${escapeXml(outcome(cases.get(`${i.fixture}@${set.before}`)))}</td>` +
          `<td>${escapeXml(outcome(cases.get(`${i.fixture}@${set.after}`)))}</td><td>${escapeXml(i.divergence ?? '')}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
    for (const i of changed.filter(verdictChanged)) {
      const patch = traceDiff(cases.get(`${i.fixture}@${set.before}`), cases.get(`${i.fixture}@${set.after}`));
      out.push(`<details class="trace-diff"><summary><code>${escapeXml(i.fixture)}</code>: ${i.grade}; replay <code>${escapeXml(replayCommand(i.fixture, set.after))}</code></summary>`);
      out.push(diffToHtml(patch, { outputFormat: 'side-by-side', drawFileList: false, matching: 'none' }));
      out.push('</details>');
    }
  }
  out.push('</section>');
  for (const d of report.source_diffs) {
    out.push('<section class="source-diff">', `<h2>The model: ${escapeXml(d.after)} against ${escapeXml(d.before)}</h2>`);
    if (d.files.length === 0) out.push('<p>The two models are the same code.</p>');
    for (const f of d.files) out.push(diffToHtml(f.patch, { outputFormat: 'side-by-side', drawFileList: false, matching: 'lines' }));
    out.push('</section>');
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}
