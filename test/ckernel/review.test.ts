// Reviewing a posted C patch as it is: a git tree made of Debian's 6.1
// files stands in for a kernel tree, a one-line patch re-introduces the
// bug 2cbc61a1b166 fixed (a bounce mapped with its granule-aligned size,
// so an unaligned bounce's IOVA mapping reaches a page past the one the
// unmap removes), mailed as git format-patch writes it. `review
// --kernel-tree` builds the base and the patch from the tree's own C,
// runs the corpus, exits 1, and its e-mail replies to the patch's
// Message-ID and names the fixtures the patch regresses. The tree is left
// as it was.

import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';
import { haveSource } from './c-source.js';
import { debianTree } from './patches.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=A Tester', '-c', 'user.email=tester@example.org', ...args], { cwd, encoding: 'utf8' }).trim();

/** The call iommu_dma_map_page() makes to map what it bounced, and the same call mapping the aligned size of a bounce, as before 2cbc61a1b166. */
const CALL = '__iommu_dma_map(dev, phys, size, prot, dma_mask)';
const BUGGY = '__iommu_dma_map(dev, phys, is_swiotlb_buffer(dev, phys) ? iova_align(iovad, size) : size, prot, dma_mask)';

describe.skipIf(!haveSource)('review --kernel-tree', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("e-mails, in reply to the patch, the fixtures a one-line C patch regresses, and leaves the tree as it was", async () => {
    dir = await mkdtemp(join(tmpdir(), 'kernel-tree-'));
    const tree = join(dir, 'linux');
    await cp(await debianTree(), tree, { recursive: true, filter: (src) => !src.endsWith('.complete') });
    git(tree, 'init', '-q');
    git(tree, 'add', '-A');
    git(tree, 'commit', '-q', '-m', 'Linux 6.1.192 (Debian)');
    const base = git(tree, 'rev-parse', 'HEAD');

    const file = join(tree, 'drivers/iommu/dma-iommu.c');
    const text = await readFile(file, 'utf8');
    expect(text.split(CALL).length).toBe(2);
    await writeFile(file, text.replace(CALL, BUGGY));
    git(tree, 'commit', '-q', '-a', '-m', "iommu/dma: map a bounce buffer's aligned size again");
    git(tree, 'format-patch', '-q', '-1', '--thread', '-o', join(dir, 'mail'));
    git(tree, 'reset', '-q', '--hard', base);
    const patch = join(dir, 'mail', (await readdir(join(dir, 'mail')))[0]!);
    const messageId = /^Message-I[Dd]: (<[^>]+>)$/m.exec(await readFile(patch, 'utf8'))![1]!;

    const out = join(dir, 'reports');
    const r = cli(['review', '--kernel-tree', tree, '--base', base, '--patch', patch, '-o', out, '-q', '--timeout', '5000'], {}, { timeoutMs: 300_000 });
    // Only the notices of what the C builds leave out (fixtures that allocate coherent memory).
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('NOTICE: '))).toEqual([]);
    expect(r.code).toBe(1);
    const mail = await readFile(join(out, 'email.txt'), 'utf8');
    expect(r.stdout).toBe(mail);
    // The headers, unfolded (a long one continues on lines that start with a space).
    const headers = mail.slice(0, mail.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ').split('\n');
    expect(headers).toEqual([`Subject: Re: [PATCH] iommu/dma: map a bounce buffer's aligned size again`, `In-Reply-To: ${messageId}`, `References: ${messageId}`]);
    expect(mail.replace(/\n +/g, ' ')).toMatch(/^dma-iommu-harness compared patch-1 with its parent base over \d+ fixtures: 0 fixed, 4 regressed, 0 mixed; 0 errors, 0 timeouts\.$/m);
    // Every verdict change (the subject says all four regress), fixture by fixture.
    const regressed = [...mail.matchAll(/^in testcase: (\S+)$/gm)].map((m) => m[1]);
    expect(regressed).toEqual([
      'map_page+untrusted+4k_pages+odd_slot',
      'map_page+untrusted+64k_pages+odd_slot',
      'map_page+untrusted+nvme+3000b+offset_0x100+sync_in_second_slot',
      'map_page+untrusted+nvme+nearly_full_pool+slot_search_spins',
    ]);
    // What each regresses by: the page-table entry past the bounce outlives the unmap.
    expect(mail.match(/page-table entry left after unmap/g)?.length).toBe(4);
    // The patch itself closes the e-mail, as the model's diff does for a TypeScript variant.
    expect(mail).toMatch(/^The C patch of patch-1 on base:\n  .*patch\.mbox \| \+1 -1$/m);

    expect(git(tree, 'rev-parse', 'HEAD')).toBe(base);
    expect(git(tree, 'status', '--porcelain')).toBe('');
    expect(git(tree, 'worktree', 'list').split('\n')).toHaveLength(1);
  }, 400_000);
});
