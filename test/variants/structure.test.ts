// A variant's kernel differs from its parent's only in the functions its
// metadata names: the diff reads like the kernel patch, and nothing else
// changed by accident. A variant carries only files it changes (or must
// re-link), and every kernel file it runs calls the copies of the other
// files that this variant runs: a file that imports a file the variant
// changes must be carried too.

import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { VIOLATION_KINDS } from '../../harness/contract/kinds.js';
import { projectRoot, variantsDir } from '../../harness/paths.js';
import { kernelFilesOf, readVariantMetas, type VariantMeta } from '../../harness/variants/registry.js';

/** Top-level functions, constants, classes and types of a file, by name, with their code. */
export function declarations(path: string): Map<string, string> {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string>();
  for (const st of source.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name !== undefined) {
      out.set(st.name.text, st.getText());
    }
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, st.getText());
  }
  return out;
}

/** The kernel files a file imports at run time (type-only imports aside), as absolute paths. */
export function kernelImports(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  for (const st of source.statements) {
    if (!ts.isImportDeclaration(st) || st.importClause?.isTypeOnly === true || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const target = resolve(dirname(path), st.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    if (relative(variantsDir, target).startsWith('..')) continue;
    out.push(target);
  }
  return out;
}

function changed(parent: Map<string, string>, child: Map<string, string>): string[] {
  const names = new Set([...parent.keys(), ...child.keys()]);
  return [...names].filter((n) => parent.get(n) !== child.get(n)).sort();
}

/** How variant.json's `changes` names a kernel file: "dma-iommu.c" for dma-iommu.ts, "boot" for boot.ts. */
function changesKey(stem: string): string {
  return stem === 'boot' ? 'boot' : `${stem}.c`;
}

const metas = await readVariantMetas();
const files = new Map<string, Map<string, string>>();
for (const { meta, dir } of metas) files.set(meta.id, await kernelFilesOf(meta, dir));

describe.each(metas.map((m) => [m.meta.id, m.meta, m.dir] as const))('variant %s', (id, meta: VariantMeta, dir) => {
  const mine = files.get(id)!;

  it('runs kernel files that call the copies of each other that it runs', () => {
    const wrong: string[] = [];
    for (const path of mine.values()) {
      for (const target of kernelImports(path)) {
        const wanted = mine.get(basename(target, '.ts'));
        if (wanted !== undefined && wanted !== target) {
          wrong.push(`${relative(projectRoot, path)} imports ${relative(projectRoot, target)}, but ${id} runs ${relative(projectRoot, wanted)}: carry a copy of it that imports this variant's`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  if (meta.parent === null) return;
  const parents = files.get(meta.parent)!;

  it.each([...new Set([...mine.keys(), ...parents.keys()])].sort())('changes in %s exactly the functions its metadata names', (stem) => {
    const own = mine.get(stem);
    const parent = parents.get(stem);
    expect(own, `${stem}.ts: the parent has it, ${id} has none`).toBeDefined();
    const before = parent === undefined ? new Map<string, string>() : declarations(parent);
    const names = (meta.changes as Record<string, string[] | undefined>)[changesKey(stem)] ?? [];
    expect(changed(before, declarations(own!))).toEqual([...names].sort());
    // A copy that changes nothing must at least call other copies than the parent's does.
    if (own !== parent && names.length === 0) expect(kernelImports(own!), `${relative(projectRoot, own!)} is the parent's, unchanged`).not.toEqual(parent === undefined ? [] : kernelImports(parent));
  });

  it('names only known violation kinds in its effects', () => {
    for (const e of meta.effects) for (const k of [...(e.fixes ?? []), ...(e.regresses ?? [])]) expect(VIOLATION_KINDS).toContain(k);
  });

  it('lives next to its parent', () => {
    expect(metas.find((m) => m.meta.id === meta.parent)?.dir).toBe(join(dirname(dir), meta.parent!));
  });
});
