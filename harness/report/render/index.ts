// Every report format, rendered from the canonical JSON by a pure function.

import type { Report } from '../report-types.generated.js';
import { renderEmail } from './email.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSummary } from './summary.js';

export type Format = 'json' | 'summary' | 'markdown' | 'email' | 'html' | 'junit';

export const RENDERERS: Record<Format, { file: string; render: (report: Report) => string }> = {
  json: { file: 'report.json', render: (r) => JSON.stringify(r, null, 1) + '\n' },
  summary: { file: 'summary.txt', render: renderSummary },
  markdown: { file: 'report.md', render: renderMarkdown },
  email: { file: 'email.txt', render: renderEmail },
  html: { file: 'report.html', render: renderHtml },
  junit: { file: 'junit.xml', render: renderJunit },
};

export const FORMATS = Object.keys(RENDERERS) as Format[];

/** Every format of a report, by file name. */
export function renderAll(report: Report, formats: readonly Format[] = FORMATS): Record<string, string> {
  return Object.fromEntries(formats.map((f) => [RENDERERS[f].file, RENDERERS[f].render(report)]));
}
