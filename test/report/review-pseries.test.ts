// The reply a reviewer of Ram Pai's "[PATCH v5 2/2] powerpc/pseries/iommu:
// Use dma_iommu_ops for Secure VM." gets from `review`: in the patch's
// thread, the 64-bit device it fixes, and Michael Roth's prediction as
// bytes (a 32-bit device reading ciphertext, disable_ddw, mixed masks).

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';

const FIXED = 'pseries+secure_guest+64bit+ddw+stream';
const PREDICTED = 'pseries+secure_guest+32bit+stream+coherent';
const NO_DDW = 'pseries+secure_guest+64bit+disable_ddw';
const NOT_SECURE = 'pseries+non_secure+64bit+32bit';

/** One fixture's block of the e-mail, up to the next. */
function block(mail: string, id: string): string {
  const start = mail.indexOf(`in testcase: ${id}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = mail.indexOf('\nin testcase: ', start + 1);
  return mail.slice(start, next === -1 ? undefined : next);
}

describe('review of v5 2/2', () => {
  it('replies to the patch with the device it fixes and the ones Michael Roth said it breaks', async () => {
    const out = await mkdtemp(join(tmpdir(), 'review-v5-2-'));
    const r = cli(['review', 'pseries-v5-2-dma-iommu-ops', '-q', '-o', out, '--fixture', FIXED, PREDICTED, NO_DDW, NOT_SECURE]);
    // Mixed verdicts (a fault fixed, private memory reached) fail the review.
    expect(r.code).toBe(1);
    const mail = await readFile(join(out, 'email.txt'), 'utf8');
    expect(r.stdout).toBe(mail);
    expect(mail).toMatch(/^Subject: Re: \[PATCH v5 2\/2\] powerpc\/pseries\/iommu: Use dma_iommu_ops for/);
    expect(mail).toContain('In-Reply-To: <1575681159-30356-3-git-send-email-linuxram@us.ibm.com>');
    expect(mail).toMatch(/over 4 fixtures: 1 fixed, 0 regressed, 2 mixed/);
    const fixed = block(mail, FIXED);
    expect(fixed).toMatch(/verdict: cpu-read-stale, device-fault -> clean \(fixed\)/);
    expect(fixed).toMatch(/after: t\[0x0\.\.\+0x5dc\] 1500 bytes 01 02 03 04 05 06 07 08\.\.\. \(as expected\)/);
    const predicted = block(mail, PREDICTED);
    expect(predicted).toMatch(/device read private guest memory and got ciphertext \[handle=t\]\s+\[device address=0x1000\] \[size=4096\] \[private=4096 bytes\]/);
    expect(predicted).toMatch(/after: ring\[0x0\.\.\+0x2000\] 8192 bytes 79 e0 03 a6/);
    expect(mail).toContain(`in testcase: ${NO_DDW}\n`);
    // A guest that is not secure is not the patch's business.
    expect(mail).not.toContain(`in testcase: ${NOT_SECURE}`);
    // 1/2 and 2/2 together: the list page shared around each call, and dma_iommu_ops for every guest.
    expect(mail).toContain('variants/pseries-v5-2-dma-iommu-ops/pseries-iommu.ts | +24 -5');
  }, 120_000);
});
