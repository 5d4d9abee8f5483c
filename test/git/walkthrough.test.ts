// The README's walk-through, run as written in a copy of the project.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { projectCopy, sh } from './project-copy.js';

describe('README walk-through: modelling a proposed patch', () => {
  it('scaffolds, applies the edit and reviews it, showing the cost change and the model diff', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    const block = /<!-- walkthrough -->\n```sh\n([\s\S]*?)```\n<!-- \/walkthrough -->/.exec(readme);
    expect(block).not.toBeNull();
    const dir = await projectCopy();
    const out = sh(dir, `set -e\n${block![1]!}`);
    expect(out).toMatch(/created variants\/alt-force-bounce\/ from 5\.16-7-min-align/);
    expect(out).toContain('noticed no verdict change');
    expect(out).toMatch(/map_page\+trusted\+swiotlb_force\+512b\+offset_0x800\n +bounce_copies 0 -> 1, bounce_bytes 0 -> 512, zeroed_bytes 0 -> 3584/);
    expect(out).toContain('variants/alt-force-bounce/dma-iommu.ts | +2 -1');
    const meta = JSON.parse(await readFile(join(dir, 'variants', 'alt-force-bounce', 'variant.json'), 'utf8'));
    expect(meta).toMatchObject({ parent: '5.16-7-min-align', subject: 'iommu/dma: Respect SWIOTLB force_bounce', author: 'T.J. Mercier', date: '2024-05-01' });
    const md = await readFile(join(dir, 'reports', 'report.md'), 'utf8');
    expect(md).toContain('+  return IS_ENABLED(\'CONFIG_SWIOTLB\') && (dev_is_untrusted(dev) || is_swiotlb_force_bounce(dev));');
    // The README shows the same edit the patch file makes.
    const patch = await readFile(join(projectRoot, 'docs', 'force-bounce.patch'), 'utf8');
    for (const line of patch.split('\n').filter((l) => /^[-+] /.test(l) && l.includes('dev_'))) expect(readme).toContain(line);
  }, 120_000);

  it('refuses an id that exists and a parent that does not, changing nothing', async () => {
    const dir = await projectCopy();
    const before = sh(dir, 'ls variants');
    const r = sh(dir, 'npm run -s build >/dev/null; node dist/harness/cli/main.js scaffold v3-1-sync-sg --from nope --subject "x y z" 2>&1; echo "exit $?"');
    expect(sh(dir, 'ls variants')).toBe(before);
    expect(r).toContain('variant "v3-1-sync-sg" exists already');
    expect(r).toContain('no variant "nope"');
    expect(r).toMatch(/exit 2\n/);
  }, 120_000);
});
