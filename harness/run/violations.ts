// The named contract violations, their labels, and how a sentence about one
// is written (one plain sentence, then bracketed label=value pairs, as the
// kernel's dma-debug prints them).

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

/** "what happened [a=1] [b=2]" */
export function sentence(text: string, values: Record<string, string | number>): string {
  let out = text;
  for (const k in values) out += ` [${k}=${values[k]}]`;
  return out;
}

export function sortVerdict(kinds: Iterable<ViolationKind>): ViolationKind[] {
  const set = new Set(kinds);
  return VIOLATION_KINDS.filter((k) => set.has(k));
}

export function verdictText(verdict: readonly ViolationKind[]): string {
  return verdict.length === 0 ? 'clean' : verdict.join(', ');
}
