// `compare A B` and `review V`: two variants over the corpus, graded fixture
// by fixture. review compares a variant with its parent and prints the
// e-mail a reviewer can paste into a reply.

import { resolve } from 'node:path';
import { InputError } from '../input-error.js';
import { findVariant } from '../plan.js';
import { comparisonSet } from '../report/build.js';
import { RENDERERS } from '../report/render/index.js';
import { GRADE_LABELS, GRADES } from '../compare/grade.js';
import { changedItems, outcome, caseIndex } from '../report/render/common.js';
import type { Report } from '../report/report-types.generated.js';
import { sourceDiff } from '../report/source-diff.js';
import { readVariantMetas, type VariantMeta } from '../variants/registry.js';
import { checkFolders, finish, outFolder, prepareRun, runPlan, type CommonOptions } from './session.js';

function selection(opts: CommonOptions): string[] {
  return (opts.fixture ?? []).flatMap((f) => ['--fixture', f]);
}

async function compareTwo(a: string, b: string, opts: CommonOptions, name: 'compare' | 'review'): Promise<Report> {
  const prepared = await prepareRun({ ...opts, variant: [a, b] });
  const results = await runPlan(prepared.plan, opts);
  const fixtures = prepared.plan.scenarios.map((s) => s.id);
  const set = comparisonSet(results, fixtures, a, b, null);
  const args = name === 'review' ? [b, ...selection(opts)] : [a, b, ...selection(opts)];
  const variantOf = (id: string): { meta: VariantMeta; dir: string } => prepared.allVariants.find((v) => v.meta.id === id)!;
  const diff = await sourceDiff(variantOf(a), variantOf(b));
  const { report } = await finish(prepared, results, opts, { command: { name, args }, comparisons: [set], sourceDiffs: [diff] });
  return report;
}

/** Every variant, read after the folders are checked, to resolve the names given on the command line. */
async function variantList(opts: CommonOptions): Promise<Array<{ meta: VariantMeta; dir: string }>> {
  await checkFolders(opts, outFolder(opts));
  return readVariantMetas(opts.variantsDir !== undefined ? resolve(opts.variantsDir) : undefined);
}

function resolveVariant(all: ReadonlyArray<{ meta: VariantMeta }>, key: string): VariantMeta {
  const v = findVariant(all, key);
  if (v === undefined) throw new InputError([{ file: 'command line', pointer: '/variant', message: `no variant "${key}"` }]);
  return v;
}

export function renderComparisonText(report: Report): string {
  const set = report.comparisons[0]!;
  const cases = caseIndex(report);
  const out = [`${set.before} -> ${set.after} over ${set.items.length} fixtures`, ''];
  for (const g of GRADES) out.push(`  ${String(set.counts[g]).padStart(4)}  ${GRADE_LABELS[g]}`);
  const changed = changedItems(set);
  if (changed.length > 0) out.push('');
  for (const i of changed) {
    out.push(`${i.grade.padEnd(12)} ${i.fixture}`);
    out.push(`             ${outcome(cases.get(`${i.fixture}@${set.before}`))} -> ${outcome(cases.get(`${i.fixture}@${set.after}`))}` + (i.divergence !== null ? `; first divergent step ${i.divergence}` : ''));
    if (i.costs.length > 0) out.push(`             ${i.costs.map((c) => `${c.key} ${c.before}->${c.after}`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}

export async function compareCommand(a: string, b: string, opts: CommonOptions): Promise<void> {
  const all = await variantList(opts);
  const va = resolveVariant(all, a);
  const vb = resolveVariant(all, b);
  const report = await compareTwo(va.id, vb.id, opts, 'compare');
  process.stdout.write(renderComparisonText(report));
}

export async function reviewCommand(variant: string, opts: CommonOptions): Promise<void> {
  const all = await variantList(opts);
  const v = resolveVariant(all, variant);
  if (v.parent === null) throw new InputError([{ file: 'command line', pointer: '/variant', message: `"${v.id}" has no parent to review it against` }]);
  const report = await compareTwo(v.parent, v.id, opts, 'review');
  process.stdout.write(RENDERERS.email.render(report));
}
