// What running one fixture on one variant produces. The same shapes cross
// the worker-thread boundary and go into the canonical report.

import type { ViolationKind } from '../fixtures/fixture-types.generated.js';

export type { ViolationKind };

export interface Violation {
  kind: ViolationKind;
  /** Label of the step where it was seen, e.g. "3" or "4#17.2". */
  step: string;
  /** One dma-debug-style sentence: what happened, then [label=value] pairs. */
  sentence: string;
}

/** Work the kernel did, separate from whether it did it right. */
export interface Costs {
  bounce_copies: number;
  bounce_bytes: number;
  zeroed_bytes: number;
  cache_cleans: number;
  cache_invalidates: number;
  cache_bytes: number;
  iommu_maps: number;
  iommu_unmaps: number;
  iotlb_syncs: number;
  iova_allocs: number;
  iova_lookups: number;
}

export const COST_KEYS: ReadonlyArray<keyof Costs> = [
  'bounce_copies',
  'bounce_bytes',
  'zeroed_bytes',
  'cache_cleans',
  'cache_invalidates',
  'cache_bytes',
  'iommu_maps',
  'iommu_unmaps',
  'iotlb_syncs',
  'iova_allocs',
  'iova_lookups',
];

export interface FinalState {
  /** Live page-table runs, "iova+size -> phys prot" (the first 16, then "… N more"). */
  ptes: string[];
  /** Pages with a live page-table entry. */
  pte_pages: number;
  /** Allocated IOVA ranges in pfns, "lo-hi" (the first 16, then "… N more"). */
  iovas: string[];
  iova_ranges: number;
  /** Cached pfns per rcache size class (order 0..5), only non-empty classes. */
  rcache: Record<string, number[]>;
  /** swiotlb slots in use: "index+count" runs. */
  swiotlb_slots: string[];
  swiotlb_used: number;
  dirty_lines: number;
  /** Handles still mapped at the end. */
  live_handles: string[];
}

export interface CaseOutcome {
  /** The violation kinds seen, sorted; empty when the case is clean. */
  verdict: ViolationKind[];
  violations: Violation[];
  /** Driver misuse the run noticed (not the variant's fault), dma-debug style. */
  notes: string[];
  costs: Costs;
  trace: string[];
  final: FinalState;
}

export interface CaseId {
  /** "fixture@variant" */
  id: string;
  fixture: string;
  variant: string;
}

export type CaseResult =
  | (CaseId & { status: 'ok' } & CaseOutcome)
  | (CaseId & { status: 'error'; message: string })
  | (CaseId & { status: 'timeout'; budget_ms: number });

export function caseId(fixture: string, variant: string): string {
  return `${fixture}@${variant}`;
}
