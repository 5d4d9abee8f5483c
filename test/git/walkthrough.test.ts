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
    // review exits 1: the patch regresses verdicts.
    const lines = block![1]!.trimEnd().split('\n');
    const review = lines.pop()!;
    const out = sh(dir, `set -e\n${lines.join('\n')}\n${review} && echo "exit 0" || echo "exit $?"`);
    expect(out).toMatch(/exit 1\n$/);
    expect(out).toMatch(/created variants\/alt-force-bounce\/ from v6\.9-rc/);
    expect(out).toContain('noticed 6 verdict changes (4 fixed, 2 regressed, 0 mixed)');
    // Robin Murphy's objection: the confidential guest's 1 MiB map now fails against the segment limit...
    expect(out).toMatch(/in testcase: map_page\+cc_guest\+trusted\+1m\+offset_0x42\n[\s\S]*?verdict: clean -> map-refused \(regressed\)/);
    expect(out).toMatch(/in testcase: map_page\+cc_guest\+trusted\+1m\+offset_0x42\+swiotlb_dynamic\n[\s\S]*?verdict: clean -> map-refused \(regressed\)/);
    // ...every unaligned map bounces, in the guest and under swiotlb=force on bare metal alike...
    expect(out).toMatch(/map_page\+cc_guest\+trusted\+1500b\+offset_0x42\+stream\n +bounce_copies 0 -> 50, bounce_bytes 0 -> 75000, zeroed_bytes 0 -> 129800,\n +estimated time [\d.]+ us -> [\d.]+ us \(bare-metal-strict\)\n/);
    expect(out).toMatch(/map_page\+trusted\+swiotlb_force\+1500b\+offset_0x42\n +bounce_copies 0 -> 1, bounce_bytes 0 -> 1500, zeroed_bytes 0 -> 2596/);
    // ...a full pool takes a transient pool with CONFIG_SWIOTLB_DYNAMIC, and a list stops merging.
    expect(out).toMatch(/map_page\+cc_guest\+trusted\+200k\+offset_0x42\+full_pool\+swiotlb_dynamic\n +bounce_copies 0 -> 5, bounce_bytes 0 -> 1024000/);
    expect(out).toMatch(/map_sg\+trusted\+swiotlb_force\+three_pages\n +iommu_unmaps 1 -> 3, iotlb_syncs 1 -> 3, iova_allocs 1 -> 3/);
    // No verdict improves but where guest memory is private behind an IOMMU
    // that does not decrypt (the pseries secure-guest fixtures on this SMMU
    // model), and the aligned map is not bounced.
    const blocks = out.split('\nin testcase: ').slice(1);
    const fixed = blocks.filter((b) => /verdict: [^]*?\((fixed|regressed|mixed)\)/.exec(b)?.[1] === 'fixed').map((b) => b.split('\n')[0]);
    expect(fixed.sort()).toEqual(['pseries+secure_guest+64bit+ddw+no_multi_tce', 'pseries+secure_guest+64bit+ddw+stream', 'pseries+secure_guest+64bit+disable_ddw', 'pseries+secure_guest+mask64+coherent32']);
    expect(out).not.toMatch(/map_page\+trusted\+swiotlb_force\+8k\+aligned\n/);
    expect(out).toContain('variants/alt-force-bounce/dma-iommu.ts | +7 -6');
    const meta = JSON.parse(await readFile(join(dir, 'variants', 'alt-force-bounce', 'variant.json'), 'utf8'));
    expect(meta).toMatchObject({ parent: 'v6.9-rc', subject: 'iommu/dma: Respect SWIOTLB force_bounce', author: 'T.J. Mercier', date: '2024-05-01' });
    const md = await readFile(join(dir, 'reports', 'report.md'), 'utf8');
    expect(md).toContain("+  return IS_ENABLED('CONFIG_SWIOTLB') && (dev_is_untrusted(dev) || dma_kmalloc_needs_bounce(dev, size, dir) || is_swiotlb_force_bounce(dev));");
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
