// A report against an older one: which trees they ran on, which fixtures and
// variants changed in between (by content hash), and which cases they both
// ran now end differently.

import type { Report } from './report-types.generated.js';
import { outcome } from './render/common.js';

export interface Changed {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface Since {
  trees: [Report['tree'], Report['tree']];
  fixtures: Changed;
  variants: Changed;
  /** Cases both ran whose outcome differs: [case, before, after]. */
  outcomes: Array<[string, string, string]>;
}

function byHash(before: ReadonlyArray<{ id: string; sha256: string }>, after: ReadonlyArray<{ id: string; sha256: string }>): Changed {
  const old = new Map(before.map((x) => [x.id, x.sha256]));
  const now = new Map(after.map((x) => [x.id, x.sha256]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)).sort(),
    removed: [...old.keys()].filter((id) => !now.has(id)).sort(),
    changed: [...now].filter(([id, h]) => old.has(id) && old.get(id) !== h).map(([id]) => id).sort(),
  };
}

export function since(older: Report, newer: Report): Since {
  const old = new Map(older.cases.map((c) => [c.id, outcome(c)]));
  const outcomes: Since['outcomes'] = [];
  for (const c of newer.cases) {
    const before = old.get(c.id);
    if (before !== undefined && before !== outcome(c)) outcomes.push([c.id, before, outcome(c)]);
  }
  return { trees: [older.tree, newer.tree], fixtures: byHash(older.fixtures, newer.fixtures), variants: byHash(older.variants, newer.variants), outcomes };
}

function treeText(t: Report['tree']): string {
  return t.commit === null ? 'not a git tree' : `${t.commit.slice(0, 12)}${t.dirty === true ? ' with uncommitted changes' : ''}`;
}

function changedText(what: string, c: Changed): string[] {
  const n = c.added.length + c.removed.length + c.changed.length;
  if (n === 0) return [`${what}: none changed`];
  return [
    `${what}: ${c.changed.length} changed, ${c.added.length} added, ${c.removed.length} removed`,
    ...c.changed.map((id) => `  changed  ${id}`),
    ...c.added.map((id) => `  added    ${id}`),
    ...c.removed.map((id) => `  removed  ${id}`),
  ];
}

export function renderSince(s: Since): string {
  return [
    `tree: ${treeText(s.trees[0])} -> ${treeText(s.trees[1])}`,
    ...changedText('fixtures', s.fixtures),
    ...changedText('variants', s.variants),
    s.outcomes.length === 0 ? 'outcomes: every case both reports ran ends the same' : `outcomes: ${s.outcomes.length} cases end differently`,
    ...s.outcomes.map(([id, a, b]) => `  ${id}: ${a} -> ${b}`),
    '',
  ].join('\n');
}
