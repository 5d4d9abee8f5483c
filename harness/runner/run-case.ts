// One case, as a value: whatever the variant does, a CaseResult comes back.

import { relative } from 'node:path';
import type { Scenario } from '../fixtures/scenario.js';
import type { Workspace } from '../machine/workspace.js';
import { projectRoot } from '../paths.js';
import { executeScenario, type CaseOptions } from '../run/execute.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { Variant } from '../variants/registry.js';

/** "TypeError: x is undefined (at variants/foo/dma-iommu.ts:12)" without machine-specific paths. */
export function errorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frame = e.stack?.split('\n').find((l) => l.includes(projectRoot) && !l.includes('node_modules'));
  const where = frame === undefined ? '' : /\((.*):(\d+):\d+\)$|at (.*):(\d+):\d+$/.exec(frame.trim());
  const file = where ? (where[1] ?? where[3]) : undefined;
  const line = where ? (where[2] ?? where[4]) : undefined;
  const loc = file !== undefined ? ` (at ${relative(projectRoot, file.replace(/^file:\/\//, ''))}:${line})` : '';
  return `${e.name}: ${e.message}${loc}`;
}

export function runCase(scenario: Scenario, variant: Variant, options: CaseOptions = {}): CaseResult {
  const id = caseId(scenario.id, variant.meta.id);
  const fixture = scenario.id;
  const v = variant.meta.id;
  try {
    return { id, fixture, variant: v, status: 'ok', ...executeScenario(scenario, variant.kernel, options) };
  } catch (e) {
    return { id, fixture, variant: v, status: 'error', message: errorMessage(e) };
  }
}

export type { Workspace };
