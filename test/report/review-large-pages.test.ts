// The reply a reviewer of Sven Peter's "[PATCH v2 3/8] iommu/dma: Disable
// get_sgtable for granule > PAGE_SIZE" gets from `review`: in the patch's
// thread, naming the display driver's flow that the patch breaks (with the
// -ENXIO the driver ignores) and the fixture whose IOMMU work it halves.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';

const FLOW = 'dma_alloc_coherent+cross_device+16k_granule';
const CHECKED = 'dma_get_sgtable+16k_granule+64k+checked';
const SAME_GRANULE = 'dma_get_sgtable+16k_pages+16k_granule+cross_device';
const UNAFFECTED = 'iommu_attach_device+unmanaged+16k_granule';

describe('review of v2 3/8', () => {
  it('replies to the patch, naming the flow it breaks at dma_get_sgtable and the table it no longer maps', async () => {
    const out = await mkdtemp(join(tmpdir(), 'review-3of8-'));
    const r = cli(['review', 'lpv2-3-no-sgtable', '-q', '-o', out, '--fixture', FLOW, CHECKED, SAME_GRANULE, UNAFFECTED]);
    // A regressed verdict fails the review.
    expect(r.code).toBe(1);
    const mail = await readFile(join(out, 'email.txt'), 'utf8');
    expect(r.stdout).toBe(mail);
    expect(mail).toMatch(/^Subject: Re: \[PATCH v2 3\/8\] iommu\/dma: Disable get_sgtable for granule >\n {2}PAGE_SIZE\n/);
    expect(mail).toContain('In-Reply-To: <20210828153642.19396-4-sven@svenpeter.dev>');
    expect(mail).toMatch(/over 4 fixtures: 0 fixed, 1 regressed, 0 mixed/);
    // The display driver's flow: clean on 2/8, an ignored -ENXIO on 3/8, and the command that replays it.
    const block = mail.slice(mail.indexOf(`in testcase: ${FLOW}\n`));
    expect(block).toMatch(/^ {2}verdict: clean -> driver-assumption \(regressed\)$/m);
    expect(block).toMatch(/device driver failed to check the error a DMA API call returned\n\s+\[call=dma_get_sgtable\] \[device=dev\] \[table=sgt\] \[ret=-ENXIO\]/);
    expect(block).toContain(`npm run -s cli -- explain ${FLOW} \\\n      --variant lpv2-3-no-sgtable`);
    // A driver that checks the return value maps nothing: half the IOMMU maps of 2/8.
    expect(mail).toMatch(new RegExp(`^ {2}${CHECKED.replace(/[+]/g, '\\+')}\\n {4}iommu_maps 2 -> 1,`, 'm'));
    // A 16 KiB kernel (granule == PAGE_SIZE) and the attach check are not the patch's business.
    expect(mail).not.toContain(SAME_GRANULE);
    expect(mail).not.toContain(UNAFFECTED);
    expect(mail).toContain('variants/lpv2-3-no-sgtable/dma-iommu.ts | +8 -1');
  }, 120_000);
});
