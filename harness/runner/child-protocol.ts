// The messages between the process pool and its children (child.ts), kept
// apart from the child's own module, which listens on the process's channel
// as soon as it is loaded.

import type { Scenario } from '../fixtures/scenario.js';
import type { CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';

export interface ChildInit {
  type: 'init';
  variants: Array<{ meta: VariantMeta; dir: string }>;
}

export interface ChildRun {
  type: 'run';
  /** Which batch this is, echoed in the answer. */
  id: number;
  cases: Array<{ scenario: Scenario; variant: number }>;
}

export interface ChildResults {
  type: 'results';
  id: number;
  results: CaseResult[];
}

/** The fd the child reports each case's start on. */
export const PROGRESS_FD = 4;
