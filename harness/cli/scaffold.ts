// `scaffold NEW --from PARENT`: start modelling a patch posted to the list.
// Copies the parent's model files into variants/NEW and registers the new
// variant with its parent, subject and where the patch comes from; the user
// then edits the copied functions to match the C patch and runs `review`.

import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InputError, type InputProblem } from '../input-error.js';
import { projectRoot, variantsDir } from '../paths.js';
import { readVariantMetas } from '../variants/registry.js';
import type { VariantMeta } from '../variants/registry.js';

export interface ScaffoldOptions {
  from: string;
  subject: string;
  link?: string;
  messageId?: string;
  author?: string;
  series?: string;
  date?: string;
  variantsDir?: string;
}

const ID = /^[a-z0-9][a-z0-9_.+-]*$/;

export async function scaffoldCommand(id: string, opts: ScaffoldOptions): Promise<void> {
  const dir = opts.variantsDir !== undefined ? resolve(opts.variantsDir) : variantsDir;
  const metas = await readVariantMetas(dir);
  const parent = metas.find((v) => v.meta.id === opts.from);
  const problems: InputProblem[] = [];
  if (!ID.test(id)) problems.push({ file: 'command line', pointer: '/id', message: `"${id}" is not a variant id (lower case, digits, . _ + -)` });
  if (metas.some((v) => v.meta.id === id) || existsSync(join(dir, id))) problems.push({ file: 'command line', pointer: '/id', message: `variant "${id}" exists already` });
  if (parent === undefined) problems.push({ file: 'command line', pointer: '/from', message: `no variant "${opts.from}"` });
  if (opts.messageId !== undefined && !/^<[^<>]+>$/.test(opts.messageId)) problems.push({ file: 'command line', pointer: '/message-id', message: 'expected <...@...>' });
  if (opts.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) problems.push({ file: 'command line', pointer: '/date', message: 'expected YYYY-MM-DD' });
  if (problems.length > 0) throw new InputError(problems);

  const target = join(dir, id);
  const meta: VariantMeta = {
    id,
    parent: parent!.meta.id,
    series: opts.series ?? `review-${id}`,
    date: opts.date ?? new Date().toISOString().slice(0, 10),
    subject: opts.subject,
    ...(opts.author !== undefined ? { author: opts.author } : {}),
    ...(opts.link !== undefined || opts.messageId !== undefined
      ? { upstream: { ...(opts.messageId !== undefined ? { message_id: opts.messageId } : {}), ...(opts.link !== undefined ? { link: opts.link } : {}) } }
      : {}),
    summary: `${opts.subject}, modelled on top of ${parent!.meta.id}.`,
    changes: {},
    effects: [],
  };
  await mkdir(target);
  try {
    for (const f of (await readdir(parent!.dir)).filter((x) => x.endsWith('.ts'))) await copyFile(join(parent!.dir, f), join(target, f));
    await writeFile(join(target, 'variant.json'), JSON.stringify({ $schema: '../variant.schema.json', ...meta }, null, 2) + '\n');
  } catch (e) {
    await rm(target, { recursive: true, force: true });
    throw e;
  }
  const shown = relative(process.cwd(), target) || target;
  process.stdout.write(
    [
      `created ${shown}/ from ${parent!.meta.id} (${relative(projectRoot, parent!.dir)})`,
      '',
      'Next:',
      `  1. edit ${shown}/dma-iommu.ts so the functions the patch touches match the C;`,
      `  2. list them under "changes" in ${shown}/variant.json, and what they fix or regress under "effects";`,
      `  3. npm run -s cli -- review ${id}`,
      '',
    ].join('\n'),
  );
}
