// `report FILE`: re-render any format from a saved canonical report.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { schemaProblems } from '../fixtures/load.js';
import { InputError } from '../input-error.js';
import { validator } from '../schemas.js';
import { renderSince, since } from '../report/provenance.js';
import { FORMATS, RENDERERS, type Format } from '../report/render/index.js';
import type { Report } from '../report/report-types.generated.js';
import { writeReportFiles } from '../report/write.js';

export async function readReport(path: string): Promise<Report> {
  const file = resolve(path);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError([{ file: path, pointer: '', message: `cannot read a JSON report: ${(e as Error).message}` }]);
  }
  const validate = validator('report');
  if (!validate(doc)) throw new InputError(schemaProblems(path, validate.errors ?? []).slice(0, 20));
  return doc as Report;
}

export interface ReportOptions {
  format?: string[];
  out?: string;
  since?: string;
}

export async function reportCommand(path: string, opts: ReportOptions): Promise<void> {
  const formats = (opts.format ?? FORMATS).map((f) => {
    if (!(FORMATS as string[]).includes(f)) throw new InputError([{ file: 'command line', pointer: '/format', message: `unknown format "${f}" (formats: ${FORMATS.join(', ')})` }]);
    return f as Format;
  });
  const report = await readReport(path);
  if (opts.since !== undefined) {
    process.stdout.write(renderSince(since(await readReport(opts.since), report)));
    return;
  }
  if (opts.out === undefined && formats.length === 1) {
    process.stdout.write(RENDERERS[formats[0]!].render(report));
    return;
  }
  const files = Object.fromEntries(formats.map((f) => [RENDERERS[f].file, RENDERERS[f].render(report)]));
  const written = await writeReportFiles(resolve(opts.out ?? '.'), files);
  process.stdout.write(`wrote ${written.join(', ')}\n`);
}
