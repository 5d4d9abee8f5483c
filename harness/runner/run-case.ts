// One case, as a value: whatever the variant does, a CaseResult comes back.

import type { Scenario } from '../fixtures/scenario.js';
import type { Workspace } from '../machine/workspace.js';
import { executeScenario, type CaseOptions } from '../run/execute.js';
import { caseId, type CaseResult } from '../run/result.js';
import { isHarnessFile, projectFrames } from '../stack.js';
import type { Variant } from '../variants/registry.js';

/**
 * Where a case's exception came from, as a value: whose code threw (the
 * variant's kernel files, or the harness's own: a bug in the harness, never
 * to be blamed on the variant), and a message without machine-specific
 * paths: "TypeError: x is undefined (at variants/foo/dma-iommu.ts:12)", or
 * for the harness "RangeError: ... (at harness/machine/memory.ts:40, called
 * from variants/foo/dma-iommu.ts:12)".
 */
export function caseError(e: unknown): { origin: 'variant' | 'harness'; message: string } {
  if (!(e instanceof Error)) return { origin: 'variant', message: String(e) };
  const frames = projectFrames(e);
  const top = frames[0];
  const head = `${e.name}: ${e.message}`;
  if (top === undefined) return { origin: 'variant', message: head };
  if (!isHarnessFile(top.file)) return { origin: 'variant', message: `${head} (at ${top.file}:${top.line})` };
  const caller = frames.find((f) => !isHarnessFile(f.file));
  return { origin: 'harness', message: `${head} (at ${top.file}:${top.line}${caller !== undefined ? `, called from ${caller.file}:${caller.line}` : ''})` };
}

export function runCase(scenario: Scenario, variant: Variant, options: CaseOptions = {}): CaseResult {
  const id = caseId(scenario.id, variant.meta.id);
  const fixture = scenario.id;
  const v = variant.meta.id;
  try {
    return { id, fixture, variant: v, status: 'ok', ...executeScenario(scenario, variant.kernel, options) };
  } catch (e) {
    return { id, fixture, variant: v, status: 'error', ...caseError(e) };
  }
}

export type { Workspace };
