// `report FILE`: re-render any format from a saved canonical report.

import { resolve } from 'node:path';
import { schemaProblems } from '../fixtures/load.js';
import { InputError } from '../input-error.js';
import { readJsonFile } from '../json-file.js';
import { validator } from '../schemas.js';
import { renderSince, since } from '../report/provenance.js';
import { FORMATS, RENDERERS, type Format } from '../report/render/index.js';
import type { Report } from '../report/report-types.generated.js';
import { writeReportFiles } from '../report/write.js';
import { checkFolders } from './session.js';

/** The largest saved report accepted (the corpus's is a few MiB). */
const MAX_REPORT_BYTES = 256 << 20;

export async function readReport(path: string): Promise<Report> {
  const { file, value } = await readJsonFile(resolve(path), { maxBytes: MAX_REPORT_BYTES, what: 'a report' });
  const validate = validator('report');
  if (!validate(value)) throw new InputError(schemaProblems(file, validate.errors ?? []).slice(0, 20));
  return value as Report;
}

export interface ReportOptions {
  format?: string[];
  out?: string;
  since?: string;
}

export async function reportCommand(path: string, opts: ReportOptions): Promise<void> {
  if (opts.since === undefined && opts.format === undefined && opts.out === undefined) {
    throw new InputError([{ file: 'command line', pointer: '/format', message: 'expected --format FORMAT (print it) or -o DIR (write every format there)' }]);
  }
  const formats = (opts.format ?? FORMATS).map((f) => {
    if (!(FORMATS as string[]).includes(f)) throw new InputError([{ file: 'command line', pointer: '/format', message: `unknown format "${f}" (formats: ${FORMATS.join(', ')})` }]);
    return f as Format;
  });
  if (opts.since === undefined && opts.out === undefined && formats.length > 1) {
    throw new InputError([{ file: 'command line', pointer: '/format', message: `${formats.length} formats cannot all go to standard output; expected one, or -o DIR` }]);
  }
  if (opts.out !== undefined) await checkFolders({}, resolve(opts.out));
  const report = await readReport(path);
  if (opts.since !== undefined) {
    process.stdout.write(renderSince(since(await readReport(opts.since), report)));
    return;
  }
  if (opts.out === undefined) {
    process.stdout.write(RENDERERS[formats[0]!].render(report));
    return;
  }
  const files = Object.fromEntries(formats.map((f) => [RENDERERS[f].file, RENDERERS[f].render(report)]));
  const written = await writeReportFiles(resolve(opts.out), files);
  process.stdout.write(`wrote ${written.join(', ')}\n`);
}
