// What running one fixture on one variant produces. The shapes are defined
// by the report's JSON Schema (harness/report/report.schema.json); the same
// values cross the worker-thread boundary and go into the canonical report.

import type { CaseError, CaseOk, CaseResult, CaseTimeout, Costs, FinalState, Violation, ViolationKind } from '../report/report-types.generated.js';

export type { CaseError, CaseOk, CaseResult, CaseTimeout, Costs, FinalState, Violation, ViolationKind };

/** What a run of a scenario yields, before it is labelled with its case. */
export type CaseOutcome = Omit<CaseOk, 'id' | 'fixture' | 'variant' | 'status'>;

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
  'tce_hcalls',
];

/** A case's violation kinds, or its status when it did not run to the end. */
export function outcomeKinds(r: CaseResult): string[] {
  return r.status === 'ok' ? r.verdict : [r.status];
}

export function caseId(fixture: string, variant: string): string {
  return `${fixture}@${variant}`;
}
