// The named contract violations and their labels (how one is written: trace.ts,
// ViolationLine).

import type { ViolationKind } from './result.js';

export const VIOLATION_LABELS: Record<ViolationKind, string> = {
  'device-read-stale': 'device reads stale data',
  'cpu-read-stale': 'CPU reads stale data',
  'device-fault': 'device faults on memory mapped for it',
  'reach-other-allocation': 'device can reach another allocation',
  'reach-free-slot': 'device can reach a free swiotlb slot',
  'reach-unowned': 'device can reach memory nobody gave it',
  'stale-pte': 'page-table entry left after unmap',
  'iommu-collision': 'IOMMU map collides with an entry already set',
  'map-refused': 'map refused although resources were free',
  'resource-leak': 'resources leaked at the end',
  'memory-corruption': 'kernel copy lands outside the mapping',
  'kernel-warning': 'kernel WARNING',
  'kernel-oops': 'kernel BUG (oops)',
  'soft-lockup': 'soft lockup',
};

export const VIOLATION_KINDS = Object.keys(VIOLATION_LABELS) as ViolationKind[];

export function sortVerdict(kinds: Iterable<ViolationKind>): ViolationKind[] {
  const set = new Set(kinds);
  return VIOLATION_KINDS.filter((k) => set.has(k));
}

export function verdictText(verdict: readonly ViolationKind[]): string {
  return verdict.length === 0 ? 'clean' : verdict.join(', ');
}
