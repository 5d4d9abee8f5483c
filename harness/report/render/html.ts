// The HTML report: one self-contained file (styles inline, no scripts, no
// network) that answers "what does this patch change?" first. The headline
// says what each count counts; then, per comparison (the one compare or
// review asked for, then every step of every series), the grades in colour,
// the costs summed over the corpus (base | head | %change, as in the
// e-mail), the fixtures that changed with the violation kinds gone and new
// marked, and the two traces of each verdict change side by side
// (diff2html). The fixture x variant matrix comes after, in a box that
// scrolls sideways under a fixture column that stays put; the model diffs
// last. Everything wide scrolls in its own box, so the page reads at 1280 px.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html as diffToHtml } from 'diff2html';
import { GRADE_LABELS, GRADES, type Grade } from '../../compare/grade.js';
import type { CaseResult, Comparison, ComparisonSet, Report } from '../report-types.generated.js';
import {
  caseIndex,
  changedItems,
  costRows,
  escapeXml,
  fuzzStatisticsLines,
  headlineSentences,
  outcome,
  replayCommand,
  shortOutcome,
  SHORT,
  titleOf,
  traceDiff,
  treeText,
  verdictChanged,
} from './common.js';
import { failingRunIds, faultHtml } from './faults.js';

const DIFF_CSS = readFileSync(createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');

/** The colour of each grade, from "nothing changed" to "worse". */
const GRADE_COLOURS: Record<Grade, { background: string; text: string }> = {
  identical: { background: '#eeeeee', text: '#555555' },
  'same-state': { background: '#e3eef9', text: '#1d4f80' },
  'same-verdict': { background: '#d6e6f7', text: '#1d4f80' },
  fixed: { background: '#cdeccd', text: '#1b5e20' },
  regressed: { background: '#f6c9c9', text: '#8e1b1b' },
  mixed: { background: '#f9dfb0', text: '#7a4b00' },
};

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 100%; }
h1 { font-size: 1.4em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.6em; }
code, td.cell { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
nav a { margin-right: 1em; }
.grade { display: inline-block; padding: 0 .5em; border-radius: .8em; font-size: .9em; white-space: nowrap; }
${GRADES.map((g) => `.grade-${g} { background: ${GRADE_COLOURS[g].background}; color: ${GRADE_COLOURS[g].text}; }`).join('\n')}
ins.new, del.gone { white-space: nowrap; }
ins.new { background: #f6c9c9; color: #8e1b1b; text-decoration: none; font-weight: 600; }
ins.new::before { content: "+"; } del.gone { color: #1b5e20; } del.gone::before { content: "\\2212"; }
.box { overflow-x: auto; max-width: 100%; border: 1px solid #ddd; }
table.matrix th.variant { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: normal; }
table.matrix th.fixture { position: sticky; left: 0; z-index: 1; background: #fff; white-space: nowrap; box-shadow: 2px 0 0 #ccc; }
table.matrix thead th.fixture { z-index: 2; }
td.clean { background: #e7f6e7; } td.violating { background: #fbe3e3; } td.error, td.timeout { background: #f7d08a; }
td.cell { white-space: nowrap; font-size: .8em; line-height: 1.25; }
table.matrix th.fixture code { font-size: .85em; }
span.kind { white-space: nowrap; }
table.costs caption { text-align: left; font-weight: 600; }
td.mismatch { outline: 2px solid #c00; outline-offset: -2px; }
table.costs { margin: .5em 0; }
details { margin: .5em 0; } summary { cursor: pointer; }
.d2h-tag { display: none; }
.d2h-wrapper { max-width: 100%; }
`;

/** A case's verdict with the kinds a comparison removed or added marked: gone on the "before" side, new on the "after" side. */
function markedOutcome(c: CaseResult | undefined, marked: readonly string[], tag: 'del' | 'ins'): string {
  if (c === undefined || c.status !== 'ok') {
    const text = escapeXml(outcome(c));
    return marked.includes(`(${c?.status})`) ? `<${tag} class="${tag === 'del' ? 'gone' : 'new'}">${text}</${tag}>` : text;
  }
  if (c.verdict.length === 0) return 'clean';
  return c.verdict.map((k) => (marked.includes(k) ? `<${tag} class="kind ${tag === 'del' ? 'gone' : 'new'}" title="${tag === 'del' ? 'gone' : 'new'}">${k}</${tag}>` : `<span class="kind">${k}</span>`)).join(', ');
}

function gradeBadge(g: Grade, text: string = g): string {
  return `<span class="grade grade-${g}" title="${escapeXml(GRADE_LABELS[g])}">${escapeXml(text)}</span>`;
}

function sectionId(set: ComparisonSet): string {
  return `step-${set.series ?? 'asked'}-${set.before}-${set.after}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function costTable(report: Report, set: ComparisonSet): string[] {
  const rows = costRows(report, set);
  if (rows.length === 0) return ['<p class="costs">No cost counter changes.</p>'];
  const out = ['<table class="costs"><caption>Costs summed over the corpus</caption>', '<thead><tr><th>cost</th><th class="num">base</th><th class="num">head</th><th class="num">%change</th></tr></thead><tbody>'];
  for (const r of rows) out.push(`<tr><td><code>${r.key}</code></td><td class="num">${r.before}</td><td class="num">${r.after}</td><td class="num">${escapeXml(r.change)}</td></tr>`);
  out.push('</tbody></table>');
  return out;
}

function changeRow(report: Report, set: ComparisonSet, i: Comparison, cases: Map<string, CaseResult>): string {
  const costs = i.costs.map((c) => `<span class="kind">${c.key} ${c.before} → ${c.after}</span>`).join(', ');
  return (
    `<tr class="change grade-row-${i.grade}"><td><code>${escapeXml(i.fixture)}</code></td><td>${gradeBadge(i.grade)}</td>` +
    `<td>${markedOutcome(cases.get(`${i.fixture}@${set.before}`), i.removed, 'del')}</td><td>${markedOutcome(cases.get(`${i.fixture}@${set.after}`), i.added, 'ins')}</td>` +
    `<td>${escapeXml(i.divergence ?? '')}</td><td>${costs}</td></tr>`
  );
}

function comparisonSection(report: Report, set: ComparisonSet, cases: Map<string, CaseResult>): string[] {
  const after = report.variants.find((v) => v.id === set.after);
  const out = [`<section class="comparison" id="${sectionId(set)}" data-before="${escapeXml(set.before)}" data-after="${escapeXml(set.after)}">`];
  out.push(`<h3>${escapeXml(titleOf(set))}${after !== undefined ? ` <small>${escapeXml(after.subject)}</small>` : ''}</h3>`);
  out.push(`<p class="grades">${GRADES.filter((g) => set.counts[g] > 0).map((g) => gradeBadge(g, `${GRADE_LABELS[g]}: ${set.counts[g]}`)).join(' ')}</p>`);
  out.push(...costTable(report, set));
  const changed = changedItems(set);
  if (changed.length > 0) {
    out.push('<div class="box"><table class="changes"><thead><tr><th>fixture</th><th>grade</th><th>before</th><th>after</th><th>first divergent step</th><th>costs</th></tr></thead><tbody>');
    for (const i of changed) out.push(changeRow(report, set, i, cases));
    out.push('</tbody></table></div>');
  }
  for (const i of changed.filter(verdictChanged)) {
    // The same name on both sides: a trace diff is one case on two variants, not a renamed file.
    const patch = traceDiff(cases.get(`${i.fixture}@${set.before}`), cases.get(`${i.fixture}@${set.after}`), 3, [i.fixture, i.fixture]);
    out.push(`<details class="trace-diff"><summary><code>${escapeXml(i.fixture)}</code>: ${gradeBadge(i.grade)} ${escapeXml(set.before)} → ${escapeXml(set.after)}; replay <code>${escapeXml(replayCommand(i.fixture, set.after))}</code></summary>`);
    out.push(diffToHtml(patch, { outputFormat: 'side-by-side', drawFileList: false, matching: 'none' }));
    out.push('</details>');
  }
  out.push('</section>');
  return out;
}

function matrixSection(report: Report, cases: Map<string, CaseResult>): string[] {
  const mismatched = new Set(report.expectations.filter((e) => !e.met).map((e) => e.case));
  const out = ['<section id="matrix">', '<h2>Matrix</h2>', '<div class="box matrix-box">', '<table class="matrix">', '<thead><tr><th class="fixture">fixture</th>'];
  for (const v of report.variants) out.push(`<th class="variant" title="${escapeXml(v.subject)}">${escapeXml(v.id)}</th>`);
  out.push('</tr></thead>', '<tbody>');
  // A faults run's failing runs are in their own section.
  const failing = failingRunIds(report);
  for (const f of report.fixtures.filter((x) => !failing.has(x.id))) {
    out.push(`<tr><th class="fixture" title="${escapeXml(f.question)}"><code>${escapeXml(f.id)}</code></th>`);
    for (const v of report.variants) {
      const c = cases.get(`${f.id}@${v.id}`);
      const status = c === undefined ? 'none' : c.status !== 'ok' ? c.status : c.verdict.length === 0 ? 'clean' : 'violating';
      const cls = `cell ${status}${mismatched.has(`${f.id}@${v.id}`) ? ' mismatch' : ''}`;
      // One kind a line: the columns stay narrow, so more variants fit beside the fixture names.
      out.push(`<td class="${cls}" title="${escapeXml(`${f.id}@${v.id}: ${outcome(c)}`)}">${shortOutcome(c).split(' ').map(escapeXml).join('<br>')}</td>`);
    }
    out.push('</tr>');
  }
  out.push('</tbody>', '</table>', '</div>');
  out.push(`<p>· clean; ${Object.entries(SHORT).map(([k, s]) => `${escapeXml(s)} = ${escapeXml(k)}`).join('; ')}. A red outline marks a verdict the fixture does not expect.</p>`, '</section>');
  return out;
}

export function renderHtml(report: Report): string {
  const cases = caseIndex(report);
  const out: string[] = [];
  out.push('<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>dma-iommu harness: ${escapeXml(report.command.name)}</title>`);
  out.push(`<style>${CSS}\n${DIFF_CSS}</style>`, '</head>', '<body>');
  out.push(`<h1>dma-iommu harness: ${escapeXml(report.command.name)}</h1>`);
  out.push(`<p>Harness tree ${escapeXml(treeText(report))}.</p>`);
  out.push('<ul class="headline">', ...headlineSentences(report).map((s) => `<li>${escapeXml(s)}</li>`), '</ul>');
  out.push('<nav><a href="#changes">What changed</a>' + (report.faults !== null ? '<a href="#faults">Fault injection</a>' : '') + '<a href="#matrix">Matrix</a>' + (report.source_diffs.length > 0 ? '<a href="#model">The model</a>' : '') + '</nav>');

  out.push('<section id="changes">', '<h2>What changed</h2>');
  const changing = report.comparisons.filter((s) => s.series === null || changedItems(s).length > 0);
  if (report.comparisons.length === 0) out.push('<p>No comparison: no two variants of a series ran.</p>');
  for (const set of changing) out.push(...comparisonSection(report, set, cases));
  const quiet = report.comparisons.filter((s) => !changing.includes(s));
  if (quiet.length > 0) out.push(`<p class="unchanged">Every trace identical: ${quiet.map((s) => escapeXml(titleOf(s))).join('; ')}.</p>`);
  out.push('</section>');

  if (report.fuzz !== null) {
    const fz = report.fuzz;
    out.push('<section id="fuzz">', `<h2>Fuzz findings over ${escapeXml(fz.series)}</h2>`);
    out.push(`<p>${fz.findings.length} findings in ${fz.runs} generated scenarios (seed ${fz.seed}); each is a fixture in the matrix below.</p>`);
    out.push('<div class="box"><table class="findings"><thead><tr><th>found</th><th>steps</th><th>fixture</th><th>also shows</th><th>replay</th></tr></thead><tbody>');
    for (const f of fz.findings) {
      const also = f.classes.filter((c) => c !== f.class).join('; ');
      out.push(`<tr><td>${escapeXml(f.class)}</td><td>${f.steps}</td><td><code>${escapeXml(f.fixture)}</code></td><td>${escapeXml(also)}</td><td><code>--seed ${f.seed} --replay ${escapeXml(f.path)}</code></td></tr>`);
    }
    out.push('</tbody></table></div>', `<pre>${escapeXml(fuzzStatisticsLines(fz).join('\n'))}</pre>`, '</section>');
  }

  out.push(...faultHtml(report));
  out.push(...matrixSection(report, cases));
  if (report.source_diffs.length > 0) out.push('<section id="model">');
  for (const d of report.source_diffs) {
    out.push(`<h2>The model: ${escapeXml(d.after)} against ${escapeXml(d.before)}</h2>`);
    if (d.files.length === 0) out.push('<p>The two models are the same code.</p>');
    for (const f of d.files) {
      out.push(`<p><code>${escapeXml(f.before_path || '/dev/null')}</code> → <code>${escapeXml(f.after_path || '/dev/null')}</code>: +${f.added} −${f.removed}</p>`);
      // One name on both sides: the copy in each variant's folder is the same kernel file, not a rename.
      const patch = f.patch.replace(/^--- [^\n]*\n\+\+\+ [^\n]*\n/m, `--- ${f.file}\n+++ ${f.file}\n`);
      out.push(diffToHtml(patch, { outputFormat: 'side-by-side', drawFileList: false, matching: 'lines' }));
    }
  }
  if (report.source_diffs.length > 0) out.push('</section>');
  out.push('</body>', '</html>', '');
  return out.join('\n');
}
