// Naming a variant on the command line: by id, by upstream commit, or by the
// Message-ID of its posting as the README's variants table lists it (with
// or without the angle brackets).

import { describe, expect, it } from 'vitest';
import { findVariant } from '../../harness/plan.js';
import { readVariantMetas } from '../../harness/variants/registry.js';
import { cli } from './cli.js';

const metas = await readVariantMetas();

describe('findVariant', () => {
  it('finds every variant that has a Message-ID by it, with and without <>', () => {
    const posted = metas.filter((v) => v.meta.upstream?.message_id !== undefined);
    expect(posted.length).toBeGreaterThanOrEqual(5);
    for (const v of posted) {
      const id = v.meta.upstream!.message_id!;
      expect(findVariant(metas, id)?.id).toBe(v.meta.id);
      expect(findVariant(metas, id.replace(/^<|>$/g, ''))?.id).toBe(v.meta.id);
    }
    expect(findVariant(metas, '20210811024247.1144246-9-stevensd@google.com')).toBeUndefined();
  });

  it('lets review take the Message-ID the variants table lists', () => {
    const r = cli(['review', '20210811024247.1144246-3-stevensd@google.com', '--fixture', 'map_page+untrusted+noncoherent+to_device+unaligned', '--quiet', '-o', `${process.env['TMPDIR'] ?? '/tmp'}/review-by-message-id-${process.pid}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('variant: v3-2-arch-sync ("[PATCH v3 2/5] dma-iommu: fix arch_sync_dma for map")');
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8')));
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`dma-iommu-harness ${version}\n`);
  });
});
