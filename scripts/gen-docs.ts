// Regenerates the parts of the documents that come from running the corpus:
// in docs/findings.md the variants table, and what each step of
// each series changes and how v3 5/5 and the merged 5.16 form still differ.
// Each part sits between <!-- BEGIN name --> and <!-- END name --> markers;
// the prose around them is written by hand. `--check` only reports whether
// the files are current.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareResults } from '../harness/compare/grade.js';
import { fixtureFiles, loadFixtures } from '../harness/fixtures/load.js';
import { corpusDir, projectRoot } from '../harness/paths.js';
import { COST_KEYS, type CaseResult, type Costs } from '../harness/run/result.js';
import { verdictText } from '../harness/contract/kinds.js';
import { runCase } from '../harness/runner/run-case.js';
import { loadVariants, seriesOf, type Variant } from '../harness/variants/registry.js';

interface Corpus {
  fixtures: string[];
  variants: Variant[];
  results: Map<string, CaseResult>;
}

async function runCorpus(): Promise<Corpus> {
  const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
  const variants = await loadVariants();
  const results = new Map<string, CaseResult>();
  for (const s of scenarios) for (const v of variants) results.set(`${s.id}@${v.meta.id}`, runCase(s, v));
  return { fixtures: scenarios.map((s) => s.id), variants, results };
}

function upstream(v: Variant): string {
  const u = v.meta.upstream;
  if (u?.commit !== undefined) return `\`${u.commit}\``;
  if (u?.message_id !== undefined) return u.message_id.replace(/^<|>$/g, '');
  return u?.link ?? '';
}

function variantTable(c: Corpus): string {
  const rows = c.variants.map((v) => `| \`${v.meta.id}\` | ${v.meta.parent === null ? '' : `\`${v.meta.parent}\``} | ${v.meta.series} | ${upstream(v)} | ${v.meta.subject} |`);
  return ['| variant | parent | series | upstream | subject |', '|---|---|---|---|---|', ...rows].join('\n');
}

function totals(c: Corpus, variant: string): Costs {
  const sum = Object.fromEntries(COST_KEYS.map((k) => [k, 0])) as unknown as Costs;
  for (const f of c.fixtures) {
    const r = c.results.get(`${f}@${variant}`)!;
    if (r.status === 'ok') for (const k of COST_KEYS) sum[k] += r.costs[k];
  }
  return sum;
}

function verdictOf(r: CaseResult): string {
  return r.status === 'ok' ? verdictText(r.verdict) : r.status;
}

function stepTable(c: Corpus): string {
  const out: string[] = [];
  const byId = new Map(c.variants.map((v) => [v.meta.id, v]));
  for (const s of seriesOf(c.variants.map((v) => v.meta))) {
    for (const [parent, child] of s.steps) {
      const v = byId.get(child)!;
      out.push(`#### \`${child}\`: ${v.meta.subject}`, '');
      out.push(`${v.meta.summary} (on \`${parent}\`${v.meta.upstream?.commit !== undefined ? `; upstream \`${v.meta.upstream.commit}\`` : ''})`, '');
      const why = new Map(v.meta.effects.map((e) => [e.fixture, e.why]));
      const changed = c.fixtures
        .map((f) => ({ f, cmp: compareResults(c.results.get(`${f}@${parent}`)!, c.results.get(`${f}@${child}`)!) }))
        .filter(({ cmp }) => cmp.removed.length > 0 || cmp.added.length > 0);
      if (changed.length === 0) {
        out.push(v.meta.refactor === true ? 'No fixture changes at all: every trace is identical to the parent\'s.' : 'No fixture changes its verdict.', '');
      } else {
        out.push('| fixture | before | after | why |', '|---|---|---|---|');
        for (const { f } of changed) {
          out.push(`| \`${f}\` | ${verdictOf(c.results.get(`${f}@${parent}`)!)} | ${verdictOf(c.results.get(`${f}@${child}`)!)} | ${why.get(f) ?? ''} |`);
        }
        out.push('');
      }
      const before = totals(c, parent);
      const after = totals(c, child);
      const costs = COST_KEYS.filter((k) => before[k] !== after[k]).map((k) => `${k} ${before[k]} → ${after[k]} (${after[k] > before[k] ? '+' : ''}${after[k] - before[k]})`);
      const costOnly = v.meta.effects.filter((e) => e.fixes === undefined && e.regresses === undefined);
      out.push(`Costs over the corpus: ${costs.length === 0 ? 'unchanged' : costs.join('; ')}.`, '');
      for (const e of costOnly) out.push(`- \`${e.fixture}\`: ${e.why}`);
      if (costOnly.length > 0) out.push('');
    }
  }
  return out.join('\n').trimEnd();
}

function pairTable(c: Corpus, a: string, b: string): string {
  const rows: string[] = ['| fixture | ' + a + ' | ' + b + ' | costs that differ |', '|---|---|---|---|'];
  const lookupsOnly: string[] = [];
  for (const f of c.fixtures) {
    const ra = c.results.get(`${f}@${a}`)!;
    const rb = c.results.get(`${f}@${b}`)!;
    const cmp = compareResults(ra, rb);
    if (cmp.grade === 'identical' || cmp.grade === 'same-state') continue;
    if (cmp.grade === 'same-verdict' && cmp.costs.every((x) => x.key === 'iova_lookups')) {
      lookupsOnly.push(`\`${f}\``);
      continue;
    }
    const costs = cmp.costs.map((x) => `${x.key} ${x.before} → ${x.after}`).join('; ');
    rows.push(`| \`${f}\` | ${verdictOf(ra)} | ${verdictOf(rb)} | ${costs} |`);
  }
  const tail = lookupsOnly.length === 0 ? '' : `\n\nDiffering only in the number of \`iova_to_phys\` lookups: ${lookupsOnly.join(', ')}.`;
  return rows.join('\n') + tail;
}

function unmapTraces(c: Corpus, fixture: string, variants: string[], stepLabel: string): string {
  const out: string[] = ['```'];
  for (const v of variants) {
    const r = c.results.get(`${fixture}@${v}`)!;
    if (r.status !== 'ok') continue;
    out.push(`# ${v}`);
    out.push(...r.trace.filter((l) => l.startsWith(`${stepLabel} `)));
  }
  out.push('```');
  return out.join('\n');
}

/** Every generated part, by the file it is in (relative to the project root). */
export async function generatedSections(): Promise<Record<string, Record<string, string>>> {
  const c = await runCorpus();
  return {
    'docs/findings.md': {
      variants: variantTable(c),
      steps: stepTable(c),
      'v3-vs-5.16': pairTable(c, 'v3-5-min-align', '5.16-7-min-align'),
      'v3-3-vs-ee9d4097cc14': unmapTraces(c, 'map_page+untrusted+coherent+from_device+unaligned', ['v3-2-arch-sync', 'v3-3-skip-sync', 'alt-hch-raw-sync', '5.16-3-skip-extra-sync'], '3'),
    },
  };
}

export function fillSections(file: string, text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- BEGIN ${name} -->\\n)[\\s\\S]*?(<!-- END ${name} -->)`);
    if (!re.test(out)) throw new Error(`${file} has no section ${name}`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
  }
  return out;
}

async function main(): Promise<void> {
  for (const [file, sections] of Object.entries(await generatedSections())) {
    const path = join(projectRoot, file);
    const text = await readFile(path, 'utf8');
    const next = fillSections(file, text, sections);
    if (process.argv.includes('--check')) {
      if (next !== text) {
        console.error(`${file} is stale; run npm run gen:docs`);
        process.exitCode = 1;
      }
      continue;
    }
    await writeFile(path, next);
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
