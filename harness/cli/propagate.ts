// `propagate VARIANT`: carry an edit of a variant's kernel files into its
// descendants. A descendant that runs the variant's copy of a file has the
// edit already; one that carries its own copy gets the edit by a three-way
// merge (git merge-file) of the variant's copy before the edit (at --base,
// HEAD by default), after it, and the descendant's copy. Every merge is
// worked out first; if any conflicts, nothing is written and the conflicts
// are shown (exit 1), so the edit can be made by hand where the patches
// overlap.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { simpleGit } from 'simple-git';
import { InputError } from '../input-error.js';
import { projectRoot, variantsDir } from '../paths.js';
import { findVariant } from '../plan.js';
import { kernelFilesOf, readVariantMetas, type VariantMeta } from '../variants/registry.js';

const run = promisify(execFile);

export interface PropagateOptions {
  base?: string;
  variantsDir?: string;
  dryRun?: boolean;
}

interface Merge {
  path: string;
  text: string;
  conflicts: number;
}

/** git merge-file: the descendant's copy with the change from `before` to `after` applied. */
async function mergeFile(ours: string, before: string, after: string): Promise<{ text: string; conflicts: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'propagate-'));
  try {
    const [o, b, a] = ['descendant', 'before', 'after'].map((n) => join(dir, n));
    await writeFile(o!, ours);
    await writeFile(b!, before);
    await writeFile(a!, after);
    try {
      const { stdout } = await run('git', ['merge-file', '-p', '-L', 'descendant', '-L', 'before the edit', '-L', 'after the edit', o!, b!, a!], { maxBuffer: 64 << 20 });
      return { text: stdout, conflicts: 0 };
    } catch (e) {
      // merge-file exits with the number of conflicts (negative on error).
      const err = e as { code?: number; stdout?: string };
      if (typeof err.code === 'number' && err.code > 0 && err.stdout !== undefined) return { text: err.stdout, conflicts: err.code };
      throw e;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether `id` descends from `ancestor` (strictly). */
function descends(metas: ReadonlyMap<string, VariantMeta>, id: string, ancestor: string): boolean {
  for (let p = metas.get(id)?.parent ?? null; p !== null; p = metas.get(p)?.parent ?? null) if (p === ancestor) return true;
  return false;
}

export async function propagateCommand(key: string, opts: PropagateOptions): Promise<void> {
  const dir = opts.variantsDir ?? variantsDir;
  const all = await readVariantMetas(dir);
  const meta = findVariant(all, key);
  if (meta === undefined) throw new InputError([{ file: 'command line', pointer: '/variant', message: `no variant "${key}"` }]);
  const base = opts.base ?? 'HEAD';
  const git = simpleGit(projectRoot);
  if ((await git.raw(['rev-parse', '--verify', '--quiet', `${base}^{commit}`]).catch(() => '')).trim() === '') {
    throw new InputError([{ file: 'command line', pointer: '/base', message: `unknown git ref "${base}"` }]);
  }
  const byId = new Map(all.map((v) => [v.meta.id, v.meta]));
  const self = all.find((v) => v.meta.id === meta.id)!;
  const own = [...(await kernelFilesOf(self.meta, self.dir)).entries()].filter(([, p]) => p.startsWith(self.dir + '/'));

  const merges: Merge[] = [];
  const unchanged: string[] = [];
  for (const [name, path] of own) {
    const rel = relative(projectRoot, path);
    const before = await git.show([`${base}:${rel}`]).catch(() => undefined);
    const after = await readFile(path, 'utf8');
    if (before === undefined || before === after) {
      unchanged.push(rel);
      continue;
    }
    for (const d of all) {
      if (!descends(byId, d.meta.id, meta.id)) continue;
      const theirs = (await kernelFilesOf(d.meta, d.dir)).get(name);
      // A descendant that runs this variant's copy has the edit already.
      if (theirs === undefined || theirs === path || !theirs.startsWith(d.dir + '/')) continue;
      const m = await mergeFile(await readFile(theirs, 'utf8'), before, after);
      merges.push({ path: theirs, ...m });
    }
  }

  const conflicted = merges.filter((m) => m.conflicts > 0);
  const changed = merges.filter((m) => m.conflicts === 0);
  if (conflicted.length > 0) {
    process.stdout.write(`propagate ${meta.id}: ${conflicted.length} of ${merges.length} merges conflict; nothing was written\n`);
    for (const m of conflicted) {
      process.stdout.write(`\n${relative(projectRoot, m.path)}: ${m.conflicts} conflict${m.conflicts === 1 ? '' : 's'}\n`);
      const lines = m.text.split('\n');
      lines.forEach((l, i) => {
        if (l.startsWith('<<<<<<< ')) process.stdout.write(lines.slice(i, lines.indexOf('>>>>>>> after the edit', i) + 1).map((x) => `  ${x}`).join('\n') + '\n');
      });
    }
    process.exitCode = 1;
    return;
  }
  let written = 0;
  for (const m of changed) {
    if ((await readFile(m.path, 'utf8')) === m.text) continue;
    if (opts.dryRun !== true) await writeFile(m.path, m.text);
    written++;
    process.stdout.write(`  ${relative(projectRoot, m.path)}\n`);
  }
  const edited = own.length - unchanged.length;
  process.stdout.write(
    edited === 0
      ? `propagate ${meta.id}: its files are as at ${base}; nothing to carry\n`
      : `propagate ${meta.id}: ${edited} edited file${edited === 1 ? '' : 's'} since ${base}, ${opts.dryRun === true ? 'would update' : 'updated'} ${written} descendant cop${written === 1 ? 'y' : 'ies'}\n`,
  );
}
