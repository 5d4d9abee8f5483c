// The headline of report.md and report.html says what each count counts,
// and its counts are those of the tables below it: the verdict changes
// along the series are the fixed, regressed and mixed rows of the step
// tables; those of the comparison compare asked for are its table's.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';

interface Changes {
  fixed: number;
  regressed: number;
  mixed: number;
}

function headlineChanges(text: string, lead: RegExp): Changes {
  const m = new RegExp(`${lead.source}[^\\n]*?: (\\d+) fixed, (\\d+) regressed, (\\d+) mixed fixtures`).exec(text);
  expect(m, `${lead} in the headline`).not.toBeNull();
  return { fixed: Number(m![1]), regressed: Number(m![2]), mixed: Number(m![3]) };
}

function count(grades: string[]): Changes {
  return { fixed: grades.filter((g) => g === 'fixed').length, regressed: grades.filter((g) => g === 'regressed').length, mixed: grades.filter((g) => g === 'mixed').length };
}

/** The grades of the rows of report.md's comparison tables, for the series steps (titled "series: a -> b") or the comparison asked for. */
function markdownGrades(md: string, which: 'series' | 'asked'): string[] {
  const sections = md.split(/^### /m).slice(1).filter((s) => (which === 'series') === /^[^\n]*: \S+ -> \S+\n/.test(s));
  return sections.flatMap((s) => [...s.matchAll(/^\| `[^`]+` \| (\S+) \|/gm)].map((m) => m[1]!));
}

function htmlGrades(html: string, which: 'series' | 'asked'): string[] {
  const sections = html.split('<section class="comparison" id="').slice(1).filter((s) => s.startsWith('step-asked-') === (which === 'asked'));
  return sections.flatMap((s) => [...s.slice(0, s.indexOf('</section>')).matchAll(/<tr class="change grade-row-([a-z-]+)">/g)].map((m) => m[1]!));
}

describe('the headline', () => {
  let run: { md: string; html: string };
  let compare: { md: string; html: string };
  beforeAll(async () => {
    const a = await mkdtemp(join(tmpdir(), 'headline-'));
    expect(cli(['run', '-q', '-o', a]).code).toBe(0);
    const b = await mkdtemp(join(tmpdir(), 'headline-'));
    expect(cli(['compare', 'v3-2-arch-sync', 'alt-robin-else-if', '-q', '-o', b]).code).toBe(1);
    const read = async (d: string) => ({ md: await readFile(join(d, 'report.md'), 'utf8'), html: await readFile(join(d, 'report.html'), 'utf8') });
    run = await read(a);
    compare = await read(b);
  });

  it('of a run counts the verdict changes its step tables list, and says they are along the series', () => {
    for (const [text, grades] of [
      [run.md, markdownGrades(run.md, 'series')],
      [run.html, htmlGrades(run.html, 'series')],
    ] as const) {
      const h = headlineChanges(text, /Along the series \(each variant against its parent, \d+ steps\)/);
      expect(h).toEqual(count(grades));
      expect(h.regressed + h.mixed).toBeGreaterThan(0);
    }
    // Every case of the run has an expected verdict.
    const cases = Number(/^- (\d+) fixtures x (\d+) variants = (\d+) cases/m.exec(run.md)![3]);
    expect(run.md).toMatch(new RegExp(`^- Unexpected verdicts \\(a case whose fixture expects another verdict\\): 0 of ${cases} expectations\\.$`, 'm'));
    expect(run.md).not.toMatch(/\b0 regressions\b/);
  });

  it('of a comparison counts its own table, apart from the series', () => {
    for (const [text, grades] of [
      [compare.md, markdownGrades(compare.md, 'asked')],
      [compare.html, htmlGrades(compare.html, 'asked')],
    ] as const) {
      const h = headlineChanges(text, /alt-robin-else-if against v3-2-arch-sync \(the comparison asked for; a regressed or mixed fixture fails it\)/);
      expect(h).toEqual(count(grades));
      expect(h.regressed).toBe(3);
    }
  });
});
