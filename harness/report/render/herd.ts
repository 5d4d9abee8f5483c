// The exhaustive-matrix report: per fixture, per variant, Always / Sometimes /
// Never with counts, the kinds seen and the smallest violating instance; as
// plain text (the terminal, an e-mail) and as Markdown.

import type { MatrixSummary } from '../../compare/herd.js';
import { paramsText } from '../../fixtures/matrix.js';

const LABEL = { always: 'Always', sometimes: 'Sometimes', never: 'Never' } as const;

function kindsText(kinds: Record<string, number>): string {
  return Object.entries(kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

export function renderHerdText(summaries: readonly MatrixSummary[]): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`${s.fixture}: ${s.instances} instances over ${s.pointers.join(' × ')}`);
    out.push(`  ${s.question}`);
    const width = Math.max(...s.variants.map((v) => v.variant.length));
    for (const v of s.variants) {
      const mark = v.met ? '' : `   (expected ${LABEL[v.expected!]})`;
      out.push(`  ${v.variant.padEnd(width)}  ${LABEL[v.verdict].padEnd(9)} ${String(v.violating).padStart(4)}/${v.instances}${mark}`);
      if (v.smallest !== null) {
        out.push(`  ${''.padEnd(width)}    ${kindsText(v.kinds)}`);
        out.push(`  ${''.padEnd(width)}    smallest: [${v.smallest.index}] ${paramsText(v.smallest.params)} -> ${v.smallest.outcome.join(', ')}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

export function renderHerdMarkdown(summaries: readonly MatrixSummary[]): string {
  const out = ['# dma-iommu harness: exhaustive matrices', ''];
  for (const s of summaries) {
    out.push(`## \`${s.fixture}\``, '', `${s.question} ${s.instances} instances over ${s.pointers.map((p) => `\`${p}\``).join(' × ')}.`, '');
    out.push('| variant | result | violating | kinds | smallest violating instance | expected |', '|---|---|---:|---|---|---|');
    for (const v of s.variants) {
      const smallest = v.smallest === null ? '' : `\`[${v.smallest.index}]\` ${paramsText(v.smallest.params)} → ${v.smallest.outcome.join(', ')}`;
      const expected = v.expected === null ? '' : v.met ? LABEL[v.expected] : `**${LABEL[v.expected]} (not met)**`;
      out.push(`| \`${v.variant}\` | ${LABEL[v.verdict]} | ${v.violating}/${v.instances} | ${kindsText(v.kinds)} | ${smallest} | ${expected} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
