// A variant's files differ from its parent's only in the functions its
// metadata names: the diff reads like the kernel patch, and nothing else
// changed by accident.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectRoot, variantsDir } from '../../harness/paths.js';
import { readVariantMetas, type VariantMeta } from '../../harness/variants/registry.js';
import { VIOLATION_KINDS } from '../../harness/contract/kinds.js';

const FILES = { 'dma-iommu.c': 'dma-iommu.ts', 'swiotlb.c': 'swiotlb.ts' } as const;
const DEFAULT_SWIOTLB = join(projectRoot, 'harness', 'machine', 'swiotlb.ts');

/** Top-level functions and constants of a file, by name, with their code. */
export function declarations(path: string): Map<string, string> {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string>();
  for (const st of source.statements) {
    if (ts.isFunctionDeclaration(st) && st.name !== undefined) out.set(st.name.text, st.getText());
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, st.getText());
  }
  return out;
}

function changed(parent: Map<string, string>, child: Map<string, string>): string[] {
  const names = new Set([...parent.keys(), ...child.keys()]);
  return [...names].filter((n) => parent.get(n) !== child.get(n)).sort();
}

/** The file a variant runs for a modelled C file: its own copy, or the nearest ancestor's, or the harness default. */
function effectiveFile(metas: Map<string, VariantMeta>, id: string, file: keyof typeof FILES): string {
  for (let cur: string | null = id; cur !== null; cur = metas.get(cur)!.parent) {
    const p = join(variantsDir, cur, FILES[file]);
    if (existsSync(p)) return p;
  }
  if (file === 'swiotlb.c') return DEFAULT_SWIOTLB;
  throw new Error(`no ${file} for ${id}`);
}

const metas = await readVariantMetas();
const byId = new Map(metas.map((m) => [m.meta.id, m.meta]));

describe.each(metas.filter((m) => m.meta.parent !== null).map((m) => [m.meta.id, m.meta] as const))('variant %s', (id, meta) => {
  it.each(Object.keys(FILES) as Array<keyof typeof FILES>)('changes in %s exactly the functions its metadata names', (file) => {
    const mine = declarations(effectiveFile(byId, id, file));
    const parents = declarations(effectiveFile(byId, meta.parent!, file));
    expect(changed(parents, mine)).toEqual([...(meta.changes[file] ?? [])].sort());
  });

  it('names only known violation kinds in its effects', () => {
    for (const e of meta.effects) for (const k of [...(e.fixes ?? []), ...(e.regresses ?? [])]) expect(VIOLATION_KINDS).toContain(k);
  });
});
