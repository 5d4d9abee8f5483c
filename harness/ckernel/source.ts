// Where a C variant's kernel files come from: Debian's linux-source
// package (its tarball under /usr/src) or a git tree at a revision, with
// patch files applied on top. Only the files a build reads are taken out
// (tar --occurrence, git archive), into the cache, never into the
// repository; the tree itself is only read. A source is identified by what
// it is made of (package version or commit, and the patches' text), so it
// is extracted and built once.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, type SourceTree } from './build.js';
import { PROFILES, profilePaths } from './profile.js';

const run = promisify(execFile);

/** Debian's linux-source-X package, or a git tree at a revision. */
export type KernelSpec = { debian: string } | { tree: string; rev: string };

/** Why a source cannot be had on this machine: an input error, named. */
export class SourceError extends Error {
  constructor(
    message: string,
    /** What the user can do about it, if anything. */
    readonly hint = '',
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** The tarball Debian's linux-source package installs. */
export function debianTarball(pkg: string): string {
  return join('/usr/src', `${pkg}.tar.xz`);
}

/** The installed version of a Debian package, or null. */
export async function debianVersion(pkg: string): Promise<string | null> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', pkg]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** The files every build reads (the union of the profiles'), and the top Makefile. */
function neededPaths(): string[] {
  return [...new Set(['Makefile', ...PROFILES.flatMap(profilePaths)])].sort();
}

/** The files a patch touches (its "+++ b/" side, and what it deletes or renames from). */
export function patchedPaths(patch: string): string[] {
  const out = new Set<string>();
  for (const m of patch.matchAll(/^(?:\+\+\+ b\/|--- a\/)(\S+)/gm)) out.add(m[1]!);
  for (const m of patch.matchAll(/^diff --git a\/(\S+) b\/(\S+)/gm)) {
    out.add(m[1]!);
    out.add(m[2]!);
  }
  return [...out].sort();
}

/** What identifies a revision: for a git tree, its commit. */
async function resolveRev(tree: string, rev: string): Promise<string> {
  if (!existsSync(tree)) throw new SourceError(`${tree}: no such directory`);
  try {
    const { stdout } = await run('git', ['-C', tree, 'rev-parse', '--verify', `${rev}^{commit}`]);
    return stdout.trim();
  } catch {
    throw new SourceError(`${tree}: no commit "${rev}" (git rev-parse)`);
  }
}

/** A source before extraction: how to fetch its files, and its identity. */
interface Origin {
  id: string;
  label: string;
  /** Put `paths` of the unpatched tree (those it has) into dir. */
  fetch(dir: string, paths: readonly string[]): Promise<void>;
}

async function originOf(spec: KernelSpec): Promise<Origin> {
  if ('debian' in spec) {
    const tarball = debianTarball(spec.debian);
    const version = await debianVersion(spec.debian);
    if (!existsSync(tarball)) {
      throw new SourceError(
        `${tarball} is missing: Debian's ${spec.debian} package is not installed`,
        `apt-get install --no-install-recommends ${spec.debian}`,
      );
    }
    return {
      id: `debian ${spec.debian} ${version ?? 'unknown'}`,
      label: `${spec.debian} ${version ?? ''}`.trim(),
      fetch: (dir, paths) => extractFromTarball(tarball, spec.debian, dir, paths),
    };
  }
  const commit = await resolveRev(spec.tree, spec.rev);
  return {
    id: `git ${commit}`,
    label: `${spec.rev} (${commit.slice(0, 12)})`,
    fetch: (dir, paths) => extractFromGit(spec.tree, commit, dir, paths),
  };
}

async function extractFromTarball(tarball: string, top: string, dir: string, paths: readonly string[]): Promise<void> {
  const tmp = `${dir}.tar-${process.pid}`;
  await mkdir(tmp, { recursive: true });
  try {
    // --occurrence: stop looking for a member once it is found; what the tarball lacks is not an error here.
    await run('tar', ['--use-compress-program=xz -T2 -d', '--occurrence', '--strip-components=1', '-xf', tarball, '-C', tmp, ...paths.map((p) => `${top}/${p}`)], {
      maxBuffer: 16 << 20,
    }).catch((e: { stderr?: string }) => {
      if (!/Not found in archive/.test(e.stderr ?? '')) throw new SourceError(`${tarball}: tar failed: ${e.stderr ?? e}`);
    });
    await cp(tmp, dir, { recursive: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function extractFromGit(tree: string, commit: string, dir: string, paths: readonly string[]): Promise<void> {
  // Only the paths the commit has: git archive refuses the others.
  const { stdout } = await run('git', ['-C', tree, 'ls-tree', '-r', '--name-only', commit, '--', ...paths], { maxBuffer: 16 << 20 });
  const present = stdout.split('\n').filter((l) => l !== '');
  if (present.length === 0) return;
  const tarFile = `${dir}.git-${process.pid}.tar`;
  await mkdir(dir, { recursive: true });
  try {
    await run('git', ['-C', tree, 'archive', '--format=tar', '-o', tarFile, commit, '--', ...present], { maxBuffer: 16 << 20 });
    await run('tar', ['-xf', tarFile, '-C', dir]);
  } finally {
    await rm(tarFile, { force: true });
  }
}

/** A patch as a step: its file name (for messages) and its text. */
export interface PatchFile {
  name: string;
  text: string;
}

/**
 * The tree's files with the patches applied, in the cache: extracted once
 * per identity (the origin and the patches' text).
 */
function identityOf(origin: Origin, patches: readonly PatchFile[]): string {
  const h = createHash('sha256').update(origin.id);
  for (const p of patches) h.update('\0patch\0').update(p.text);
  return h.digest('hex').slice(0, 20);
}

/** What identifies a source without extracting it: the package version or commit, and the patches. */
export async function sourceIdentity(spec: KernelSpec, patches: readonly PatchFile[]): Promise<string> {
  return identityOf(await originOf(spec), patches);
}

/**
 * The unpatched files of an origin, extracted once and shared by every set
 * of patches on it: `.fetched` lists the paths asked for so far (a path the
 * tree does not have is not asked for again).
 */
async function pristineFiles(origin: Origin, paths: readonly string[]): Promise<string> {
  const dir = join(cacheRoot(), 'trees', `origin-${createHash('sha256').update(origin.id).digest('hex').slice(0, 20)}`);
  const list = join(dir, '.fetched');
  const fetched = new Set((await readFile(list, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''));
  const missing = paths.filter((p) => !fetched.has(p));
  if (missing.length > 0) {
    // Into a folder of this process' own, then each file renamed into place:
    // another process reading or fetching the same origin never sees a file
    // half written (the test files of a fresh clone all start here at once).
    const staging = `${dir}.fetch-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      await origin.fetch(staging, missing);
      for (const p of missing) {
        if (!existsSync(join(staging, p))) continue;
        await mkdir(dirname(join(dir, p)), { recursive: true });
        await rename(join(staging, p), join(dir, p));
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const now = (await readFile(list, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    for (const p of [...now, ...missing]) fetched.add(p);
    await writeFile(`${list}-${process.pid}`, [...fetched].sort().join('\n') + '\n');
    await rename(`${list}-${process.pid}`, list);
  }
  if (!existsSync(join(dir, 'Makefile'))) throw new SourceError(`${origin.label}: no top Makefile: not a kernel tree`);
  return dir;
}

export async function prepareSource(spec: KernelSpec, patches: readonly PatchFile[]): Promise<SourceTree & { label: string }> {
  const origin = await originOf(spec);
  const id = identityOf(origin, patches);
  const dir = join(cacheRoot(), 'trees', id);
  if (!existsSync(join(dir, '.complete'))) {
    const wanted = new Set(neededPaths());
    for (const p of patches) for (const path of patchedPaths(p.text)) wanted.add(path);
    const pristine = await pristineFiles(origin, [...wanted]);
    const staging = `${dir}.staging-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(pristine, staging, { recursive: true, filter: (src) => !/\/\.fetched(-\d+)?$/.test(src) });
    for (const p of patches) await applyPatch(staging, p);
    await writeFile(join(staging, '.complete'), `${origin.label}\n${patches.map((p) => p.name).join('\n')}\n`);
    await mkdir(dirname(dir), { recursive: true });
    // Another process may have finished the same tree meanwhile, and be building from it.
    if (existsSync(join(dir, '.complete'))) await rm(staging, { recursive: true, force: true });
    else await rm(dir, { recursive: true, force: true });
    if (existsSync(staging)) await rename(staging, dir).catch(async (e: NodeJS.ErrnoException) => {
      // Another process finished the same tree first.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      await rm(staging, { recursive: true, force: true });
    });
  }
  return {
    dir,
    id,
    label: origin.label + patches.map((p) => ` + ${p.name}`).join(''),
    // A header a patched file includes beyond the usual ones: unpatched is
    // right, since every file a patch touches was taken out, and patched,
    // at extraction.
    fetch: async (paths) => {
      const pristine = await pristineFiles(origin, paths);
      let added = false;
      for (const p of paths) {
        if (existsSync(join(dir, p)) || !existsSync(join(pristine, p))) continue;
        await mkdir(dirname(join(dir, p)), { recursive: true });
        await cp(join(pristine, p), join(dir, p));
        added = true;
      }
      return added;
    },
  };
}

async function applyPatch(dir: string, patch: PatchFile): Promise<void> {
  const file = join(dir, '..', `.patch-${process.pid}`);
  await writeFile(file, patch.text);
  try {
    // The cache may sit inside a git work tree (the project's): git must not take it for one.
    await run('git', ['apply', '--whitespace=nowarn', '-p1', file], { cwd: dir, env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(dir) } });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    throw new SourceError(`${patch.name}: does not apply: ${stderr.trim().split('\n').slice(0, 4).join('; ')}`);
  } finally {
    await rm(file, { force: true });
  }
}

/** Read patch files as the command line or a variant names them. */
export async function readPatches(files: readonly string[]): Promise<PatchFile[]> {
  const out: PatchFile[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => {
      throw new SourceError(`${f}: cannot read the patch`);
    });
    out.push({ name: f.split('/').pop()!, text });
  }
  return out;
}
