// `scaffold NEW --from PARENT`: start modelling a patch posted to the list.
// Copies the kernel files the patch touches (dma-iommu.ts unless --files
// says otherwise) from the parent's kernel into variants/NEW, their imports
// re-pointed at the files NEW runs, and registers the new variant with its
// parent, subject and where the patch comes from; the user then edits the
// copied functions to match the C patch and runs `review`.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InputError, type InputProblem } from '../input-error.js';
import { projectRoot, variantsDir } from '../paths.js';
import { kernelFilesOf, readVariantMetas, relinked } from '../variants/registry.js';
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
  /** Kernel files to copy, by name ("dma-iommu" or "dma-iommu.c"); dma-iommu by default. */
  files?: string[];
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
  const parentFiles = parent === undefined ? new Map<string, string>() : await kernelFilesOf(parent.meta, parent.dir);
  const wanted = (opts.files ?? ['dma-iommu']).map((f) => f.replace(/\.(c|ts)$/, ''));
  for (const f of wanted) {
    if (parent !== undefined && !parentFiles.has(f)) problems.push({ file: 'command line', pointer: '/files', message: `${opts.from} runs no kernel file "${f}" (it runs ${[...parentFiles.keys()].join(', ')})` });
  }
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
    // What the new variant runs: its own copies, and the parent's kernel for the rest.
    const runs = new Map(parentFiles);
    for (const f of wanted) runs.set(f, join(target, `${f}.ts`));
    for (const f of wanted) {
      const source = parentFiles.get(f)!;
      await writeFile(join(target, `${f}.ts`), relinked(await readFile(source, 'utf8'), source, join(target, `${f}.ts`), runs));
    }
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
      `  1. edit ${wanted.map((f) => `${shown}/${f}.ts`).join(', ')} so the functions the patch touches match the C (copy in any other file it touches with --files, or by hand);`,
      `  2. list them under "changes" in ${shown}/variant.json, and what they fix or regress under "effects";`,
      `  3. npm run -s cli -- review ${id}`,
      '',
    ].join('\n'),
  );
}
