// Whose code threw: an exception in a variant's kernel file is the
// variant's, named by its file and line; one in the harness's own code is
// labelled as the harness's, with the harness file, never as the variant's.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import { brokenText } from '../../harness/report/render/common.js';
import { renderJunit } from '../../harness/report/render/junit.js';
import type { CaseError } from '../../harness/run/result.js';
import { runCase } from '../../harness/runner/run-case.js';
import { loadVariants } from '../../harness/variants/registry.js';
import { fixture, variant } from '../corpus.js';

const FIXTURE = 'map_page+trusted+coherent+to_device+unaligned';

describe('a case that throws', () => {
  it("is the variant's when its kernel file threw, with that file and line", async () => {
    const [throws] = (await loadVariants(join(projectRoot, 'test', 'broken-variants'))).filter((v) => v.meta.id === 'throws');
    const r = runCase(await fixture(FIXTURE), throws!);
    expect(r).toMatchObject({ status: 'error', origin: 'variant' });
    expect((r as CaseError).message).toMatch(/^TypeError: model bug: cannot map 512 bytes \(at test\/broken-variants\/throws\/dma-iommu\.ts:\d+\)$/);
    expect(brokenText(r as CaseError)).toMatch(/^the variant threw: TypeError/);
  });

  it("is the harness's when the harness's own code threw, naming the harness file, never the variant", async () => {
    // A scenario the loader would never produce: its first step writes a buffer nobody placed.
    const f = await fixture(FIXTURE);
    const broken = { ...f, steps: [{ ...f.steps[0]!, buffer: 'nowhere' }, ...f.steps.slice(1)] };
    const r = runCase(broken as typeof f, await variant('v5.14'));
    expect(r).toMatchObject({ status: 'error', origin: 'harness' });
    const message = (r as CaseError).message;
    expect(message).toMatch(/^TypeError: .* \(at harness\/run\/memory\.ts:\d+/);
    expect(message).not.toMatch(/variants\/v5\.14\/[\w-]+\.ts:\d+\)$/);
    expect(brokenText(r as CaseError)).toMatch(/^harness error \(a bug in the harness, not in the variant\): TypeError/);
    const junit = renderJunit({
      variants: [{ id: 'v5.14' }],
      fixtures: [{ id: FIXTURE, file: null }],
      cases: [r],
      expectations: [],
      comparisons: [],
    } as never);
    expect(junit).toContain('<error message="the harness failed (a bug in the harness, not in the variant)">TypeError');
  });
});
