// The Markdown report, for a pull request or a review page: what changed
// first, the whole matrix after it.

import { COST_KEYS } from '../../run/result.js';
import { GRADE_LABELS, GRADES } from '../../compare/grade.js';
import type { CaseError, CaseTimeout, Report } from '../report-types.generated.js';
import { failingRunIds, faultMarkdown } from './faults.js';
import { brokenText, caseIndex, headlineSentences, changedItems, fuzzStatisticsLines, outcome, replayCommand, shortOutcome, SHORT, titleOf, traceDiff, treeText, verdictChanged } from './common.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function renderMarkdown(report: Report): string {
  const cases = caseIndex(report);
  const out: string[] = [];
  out.push(`# dma-iommu harness: ${report.command.name}`, '');
  out.push(`Harness tree ${treeText(report)}.`, '');
  for (const s of headlineSentences(report)) out.push(`- ${s}`);
  out.push('');

  const failed = report.expectations.filter((e) => !e.met);
  if (failed.length > 0) {
    out.push('## Expectations not met', '', '| case | expected | got |', '|---|---|---|');
    for (const e of failed) out.push(`| \`${e.case}\` | ${e.expected.join(', ') || 'clean'} | ${typeof e.actual === 'string' ? e.actual : e.actual.join(', ') || 'clean'} |`);
    out.push('');
  }
  const broken = report.cases.filter((c): c is CaseError | CaseTimeout => c.status !== 'ok');
  if (broken.length > 0) {
    out.push('## Errors and timeouts', '');
    for (const c of broken) out.push(`- \`${c.id}\`: ${brokenText(c)}`);
    out.push('');
  }

  for (const b of report.bisections) {
    out.push(`## Bisection of \`${b.fixture}\` over ${b.series} (${b.mode})`, '');
    out.push('| variant | outcome |', '|---|---|');
    b.chain.forEach((v, i) => out.push(`| \`${v}\`${b.change_points.includes(v) ? ' ←' : ''} | ${b.outcomes[i]} |`));
    out.push('', b.change_points.length === 0 ? 'No change along the chain.' : b.change_points.length === 1 ? `First change at \`${b.change_points[0]}\`.` : `More than one change point: ${b.change_points.map((v) => `\`${v}\``).join(', ')}.`, '');
  }

  if (report.fuzz !== null) {
    const fz = report.fuzz;
    out.push(`## Fuzz findings over ${fz.series}`, '');
    out.push(`${fz.findings.length} findings in ${fz.runs} generated scenarios (seed ${fz.seed}); each is written out as a fixture and runs in the matrix below.`, '');
    out.push('| found | steps | fixture | also shows | replay |', '|---|---:|---|---|---|');
    for (const f of fz.findings) {
      const also = f.classes.filter((c) => c !== f.class).join('; ');
      out.push(`| ${cell(f.class)} | ${f.steps} | \`${f.fixture}\` | ${cell(also)} | \`--seed ${f.seed} --replay ${f.path}\` |`);
    }
    out.push('', '```', ...fuzzStatisticsLines(fz), '```', '');
  }

  out.push(...faultMarkdown(report, cell));

  if (report.comparisons.length > 0) out.push('## What changed', '');
  for (const set of report.comparisons) {
    out.push(`### ${titleOf(set)}`, '');
    out.push(GRADES.map((g) => `${GRADE_LABELS[g]}: ${set.counts[g]}`).join(' · '), '');
    const changed = changedItems(set);
    if (changed.length === 0) {
      out.push('Every trace is identical.', '');
      continue;
    }
    out.push('| fixture | grade | before | after | first divergent step | costs |', '|---|---|---|---|---|---|');
    for (const i of changed) {
      const costs = i.costs.map((c) => `${c.key} ${c.before}→${c.after}`).join(', ');
      out.push(
        `| \`${i.fixture}\` | ${i.grade} | ${cell(outcome(cases.get(`${i.fixture}@${set.before}`)))} | ${cell(outcome(cases.get(`${i.fixture}@${set.after}`)))} | ${i.divergence ?? ''} | ${costs} |`,
      );
    }
    out.push('');
    for (const i of changed.filter(verdictChanged)) {
      out.push(`<details><summary><code>${i.fixture}</code>: ${i.grade}; replay: <code>${replayCommand(i.fixture, set.after)}</code></summary>`, '');
      out.push('```diff', traceDiff(cases.get(`${i.fixture}@${set.before}`), cases.get(`${i.fixture}@${set.after}`)), '```', '', '</details>', '');
    }
  }

  for (const d of report.source_diffs) {
    out.push(`## The model: \`${d.after}\` against \`${d.before}\``, '');
    if (d.files.length === 0) out.push('The two models are the same code.', '');
    for (const f of d.files) out.push(`\`${f.file}\`: +${f.added} -${f.removed}`, '', '```diff', f.patch.trimEnd(), '```', '');
  }

  // A faults run's failing runs are in their own section.
  const failing = failingRunIds(report);
  const fixtures = report.fixtures.filter((f) => !failing.has(f.id));
  out.push('## Matrix', '');
  out.push(`| fixture | ${report.variants.map((v) => `\`${v.id}\``).join(' | ')} |`, `|---|${report.variants.map(() => '---').join('|')}|`);
  for (const f of fixtures) {
    out.push(`| \`${f.id}\` | ${report.variants.map((v) => cell(shortOutcome(cases.get(`${f.id}@${v.id}`)))).join(' | ')} |`);
  }
  out.push('', `· clean; ${Object.entries(SHORT).map(([k, s]) => `${s} = ${k}`).join('; ')}.`, '');

  out.push('## Costs per variant (summed over the fixtures)', '');
  out.push(`| cost | ${report.variants.map((v) => `\`${v.id}\``).join(' | ')} |`, `|---|${report.variants.map(() => '---:').join('|')}|`);
  for (const k of COST_KEYS) {
    const sums = report.variants.map((v) => report.cases.filter((c) => c.variant === v.id && c.status === 'ok' && !failing.has(c.fixture)).reduce((n, c) => n + (c.status === 'ok' ? c.costs[k] : 0), 0));
    out.push(`| ${k} | ${sums.join(' | ')} |`);
  }
  out.push('');
  return out.join('\n');
}
