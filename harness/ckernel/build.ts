// Building a kernel tree's DMA code with the shim into a shared library
// the harness loads: the profile's kernel files (with the hooked functions
// renamed, iommu.c's map and unmap paths taken out of it) compiled through
// the shim's glue files against the tree's own headers, the shim's core,
// and a stub for every function the kernel calls that nothing defines (it
// stops the case, naming the function, if it is ever called). A library is
// kept in the cache under the hash of everything that went into it, so a
// tree, a patch and a configuration are built once.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../paths.js';
import { profileFor, PROFILES, type Profile } from './profile.js';
import { extractDefinitions, renameDefinitions, UnknownTreeError } from './transform.js';

const run = promisify(execFile);

export const shimDir = join(projectRoot, 'harness', 'ckernel', 'shim');

/** Where built libraries and extracted trees are kept: outside git, in node_modules/.cache unless told otherwise. */
export function cacheRoot(): string {
  return process.env['DMA_HARNESS_CACHE'] ?? join(projectRoot, 'node_modules', '.cache', 'dma-iommu-harness');
}

/** What a build varies by: the page size and CONFIG_SWIOTLB, which are compile-time in C. */
export interface BuildConfig {
  pageShift: number;
  swiotlb: boolean;
}

export function configKey(c: BuildConfig): string {
  return `page${c.pageShift}-${c.swiotlb ? 'swiotlb' : 'noswiotlb'}`;
}

/** A kernel tree's files, as the source step left them (patches applied), and what identifies them. */
export interface SourceTree {
  /** A directory with at least the files the profile and its headers need. */
  dir: string;
  /** A hash of the tree's revision and patches: the same for the same files. */
  id: string;
  /** Bring more files of the tree into `dir` (headers a patched file includes); false when it cannot. */
  fetch(paths: readonly string[]): Promise<boolean>;
}

export interface BuiltLibrary {
  path: string;
  version: string;
  /** Seconds the build took; 0 when it came from the cache. */
  seconds: number;
}

/** VERSION.PATCHLEVEL from a tree's top Makefile. */
export async function treeVersion(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'Makefile'), 'utf8').catch(() => '');
  const v = /^VERSION\s*=\s*(\d+)/m.exec(text);
  const p = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(text);
  if (v === null || p === null) throw new UnknownTreeError('Makefile', 'VERSION', 'no VERSION and PATCHLEVEL: not a kernel tree');
  return `${v[1]}.${p[1]}`;
}

async function shimFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk(shimDir);
  return out;
}

async function compilerVersion(): Promise<string> {
  const { stdout } = await run('gcc', ['--version']);
  return stdout.split('\n')[0] ?? '';
}

let shimHash: Promise<string> | null = null;

/** What the shim and the compiler contribute to every build's hash (once per process). */
function shimIdentity(): Promise<string> {
  shimHash ??= (async () => {
    const h = createHash('sha256');
    h.update(`gcc ${await compilerVersion()}\n`);
    for (const f of await shimFiles()) h.update(`${f.slice(shimDir.length)}\n`).update(await readFile(f));
    h.update(JSON.stringify(PROFILES));
    return h.digest('hex');
  })();
  return shimHash;
}

/** The hash a library is kept under: the tree's identity, the configuration, the shim and the compiler. */
export async function buildHash(treeId: string, config: BuildConfig): Promise<string> {
  return createHash('sha256').update(`tree ${treeId}\nconfig ${configKey(config)}\nshim ${await shimIdentity()}\n`).digest('hex').slice(0, 20);
}

/** Where the library of a build hash is kept. */
export function libraryFile(hash: string): string {
  return join(cacheRoot(), 'lib', `${hash}.so`);
}

/** Build (or find in the cache) the library for a tree and a configuration. */
export async function buildLibrary(tree: SourceTree, config: BuildConfig): Promise<BuiltLibrary> {
  const version = await treeVersion(tree.dir);
  const profile = profileFor(version);
  if (profile === null) {
    const known = PROFILES.flatMap((p) => p.versions).join(', ');
    throw new UnknownTreeError('Makefile', 'VERSION', `Linux ${version}: the shim is written for ${known} (see docs/c-variants.md)`);
  }
  const hash = await buildHash(tree.id, config);
  const out = libraryFile(hash);
  if (existsSync(out)) return { path: out, version, seconds: 0 };
  const started = performance.now();
  const work = join(cacheRoot(), 'build', `${hash}-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  try {
    await prepareSources(tree, profile, join(work, 'src'));
    const objects = await compileAll(tree, profile, config, work);
    const lib = join(work, 'kernel.so');
    await link(objects, lib, work);
    await mkdir(dirname(out), { recursive: true });
    await rename(lib, out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { path: out, version, seconds: (performance.now() - started) / 1000 };
}

/** The profile's kernel files, with the hooked definitions renamed and iommu.c's functions taken out, in the build's own copy. */
async function prepareSources(tree: SourceTree, profile: Profile, src: string): Promise<void> {
  for (const f of profile.files) {
    let text = await readFile(join(tree.dir, f.path), 'utf8').catch(() => {
      throw new UnknownTreeError(f.path, '-', 'the tree has no such file');
    });
    let path = f.path;
    if (f.extract !== undefined) {
      text = extractDefinitions(text, f.extract.names, f.path);
      path = f.extract.into;
    }
    if (f.hooks !== undefined) text = renameDefinitions(text, f.hooks, f.path);
    await mkdir(dirname(join(src, path)), { recursive: true });
    await writeFile(join(src, path), text);
  }
}

function kernelFlags(tree: SourceTree, config: BuildConfig, src: string): string[] {
  return [
    '-c',
    '-O2',
    '-g',
    '-fPIC',
    '-std=gnu11',
    '-ffreestanding',
    '-fno-strict-aliasing',
    '-fno-strict-overflow',
    '-fno-delete-null-pointer-checks',
    '-fno-common',
    '-Wall',
    '-Wno-unused-function',
    '-Wno-pointer-sign',
    '-Wno-sign-compare',
    '-Wno-unused-variable',
    '-Wno-unused-but-set-variable',
    '-Wno-address-of-packed-member',
    '-Wno-maybe-uninitialized',
    '-Werror=implicit-function-declaration',
    '-Werror=int-conversion',
    '-Werror=incompatible-pointer-types',
    `-DSHIM_PAGE_SHIFT=${config.pageShift}`,
    ...(config.swiotlb ? ['-DCONFIG_SWIOTLB=1'] : []),
    '-D__KERNEL__',
    '-nostdinc',
    '-include',
    join(shimDir, 'shim.h'),
    '-I',
    join(shimDir, 'include'),
    '-I',
    join(tree.dir, 'include'),
    '-I',
    join(tree.dir, 'include', 'uapi'),
    '-iquote',
    shimDir,
    '-iquote',
    src,
  ];
}

/** A compile that failed: what the compiler said, for the error message. */
export class BuildError extends Error {
  constructor(
    readonly file: string,
    readonly output: string,
  ) {
    super(`${file}: the build failed:\n${output}`);
    this.name = 'BuildError';
  }
}

/** A header the compiler could not find, from its output. */
function missingHeader(output: string): string | null {
  const m = /fatal error: ([^:\s]+\.h): No such file or directory/.exec(output);
  return m === null ? null : m[1]!;
}

async function compileAll(tree: SourceTree, profile: Profile, config: BuildConfig, work: string): Promise<string[]> {
  const gccInclude = (await run('gcc', ['-print-file-name=include'])).stdout.trim();
  const flags = [...kernelFlags(tree, config, join(work, 'src')), '-isystem', gccInclude];
  const units = profile.glue.filter((g) => config.swiotlb || !profile.swiotlbOnly.includes(g)).map((g) => join(shimDir, 'glue', `${g}.c`));
  units.push(join(shimDir, 'core.c'));
  const objects: string[] = [];
  // Two at a time: the machines this runs on have two cores.
  for (let i = 0; i < units.length; i += 2) {
    const batch = units.slice(i, i + 2);
    await Promise.all(
      batch.map(async (unit, k) => {
        const obj = join(work, `${i + k}-${unit.split('/').pop()!.replace(/\.c$/, '.o')}`);
        await compileOne(tree, unit, obj, flags);
        objects.push(obj);
      }),
    );
  }
  const host = join(work, 'host.o');
  await run('gcc', ['-c', '-O2', '-g', '-fPIC', join(shimDir, 'host.c'), '-o', host]);
  objects.push(host);
  return objects;
}

async function compileOne(tree: SourceTree, unit: string, obj: string, flags: string[]): Promise<void> {
  const tried = new Set<string>();
  for (;;) {
    try {
      await run('gcc', [...flags, unit, '-o', obj], { maxBuffer: 16 << 20 });
      return;
    } catch (e) {
      const output = (e as { stderr?: string }).stderr ?? String(e);
      const header = missingHeader(output);
      // A header the tree has but the source step did not bring: fetch it and compile again.
      if (header !== null && !tried.has(header)) {
        tried.add(header);
        const candidates = [join('include', header), join('include', 'uapi', header)];
        if (await tree.fetch(candidates)) continue;
      }
      throw new BuildError(unit.replace(`${projectRoot}/`, ''), trimOutput(output));
    }
  }
}

/** The compiler's errors, without its notes and context lines: enough to name the file and the symbol. */
function trimOutput(output: string): string {
  const lines = output.split('\n').filter((l) => /error|undefined/.test(l));
  return (lines.length > 0 ? lines : output.split('\n')).slice(0, 12).join('\n');
}

/** Link; a stub for each function nothing defines; link again. */
async function link(objects: string[], lib: string, work: string): Promise<void> {
  const args = ['-shared', '-o', lib, ...objects, '-Wl,--no-undefined', '-Wl,-z,now', '-ldl'];
  let missing: string[] = [];
  try {
    await run('gcc', args, { maxBuffer: 16 << 20 });
    return;
  } catch (e) {
    const output = (e as { stderr?: string }).stderr ?? '';
    missing = [...new Set([...output.matchAll(/undefined reference to `([^']+)'/g)].map((m) => m[1]!))].sort();
    if (missing.length === 0) throw new BuildError('link', trimOutput(output));
  }
  const stubs = join(work, 'missing.c');
  await writeFile(
    stubs,
    [
      '/* Generated: functions the kernel files call that neither the shim nor they define. */',
      'extern void shim_missing(const char *name) __attribute__((noreturn));',
      ...missing.map((name) => `void ${name}(void) { shim_missing("${name}"); }`),
      '',
    ].join('\n'),
  );
  const obj = join(work, 'missing.o');
  await run('gcc', ['-c', '-O2', '-fPIC', '-w', stubs, '-o', obj]);
  try {
    await run('gcc', [...args.slice(0, 3 + objects.length), obj, ...args.slice(3 + objects.length)], { maxBuffer: 16 << 20 });
  } catch (e) {
    throw new BuildError('link', trimOutput((e as { stderr?: string }).stderr ?? String(e)));
  }
}
