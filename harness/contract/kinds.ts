// The named contract violations: each kind defined once, with the label a
// report gives it, the short name a narrow table cell uses, and the
// sentences a violation of that kind opens with (one per situation the
// checks tell apart), written as the kernel's dma-debug would say them.
// The list of kinds itself is the fixture schema's ViolationKind enum.

import type { ViolationKind } from '../report/report-types.generated.js';

export type { ViolationKind };

interface KindInfo {
  label: string;
  short: string;
  /** What happened, by situation; `default` when there is one. */
  sentence: Record<string, string>;
}

export const KINDS: Record<ViolationKind, KindInfo> = {
  'device-read-stale': {
    label: 'device reads stale data',
    short: 'dev-stale',
    sentence: {
      DMA_TO_DEVICE: 'device read stale data from a DMA_TO_DEVICE mapping',
      DMA_BIDIRECTIONAL: 'device read stale data from a DMA_BIDIRECTIONAL mapping',
      DMA_FROM_DEVICE: 'device read stale data from a DMA_FROM_DEVICE mapping',
    },
  },
  'cpu-read-stale': {
    label: 'CPU reads stale data',
    short: 'cpu-stale',
    sentence: { default: 'CPU read data the DMA API did not promise' },
  },
  'data-leak': {
    label: 'data of another owner reaches the CPU or the device',
    short: 'leak-data',
    sentence: {
      cpu: 'CPU read data that belongs to another owner',
      device: 'device read data that belongs to another owner',
    },
  },
  'device-fault': {
    label: 'device faults on memory mapped for it',
    short: 'fault',
    sentence: { reading: 'device faulted reading memory mapped for it', writing: 'device faulted writing memory mapped for it' },
  },
  'reach-other-allocation': {
    label: 'device can reach another allocation',
    short: 'reach-other',
    sentence: { default: 'device can reach memory that is not its own' },
  },
  'reach-free-slot': {
    label: 'device can reach a free bounce slot',
    short: 'reach-free',
    sentence: { default: 'device can reach memory that is not its own' },
  },
  'reach-unowned': {
    label: 'device can reach memory nobody gave it',
    short: 'reach-unowned',
    sentence: { default: 'device can reach memory that is not its own' },
  },
  'segment-limits': {
    label: 'DMA segment breaks the device\'s limits',
    short: 'seg-limits',
    sentence: {
      length: 'mapping sg segment longer than device claims to support',
      boundary: 'mapping sg segment across boundary',
    },
  },
  'private-memory': {
    label: 'device or hypervisor reaches private guest memory',
    short: 'private',
    sentence: {
      reading: 'device read private guest memory and got ciphertext',
      writing: 'device wrote private guest memory and the write did not reach the guest',
      hypervisor: 'hypervisor read private guest memory and got ciphertext',
    },
  },
  'stale-pte': {
    label: 'page-table entry left after unmap',
    short: 'stale-pte',
    sentence: { unmap: 'page-table entry left after unmap', 'failed-map': 'page-table entry left by a failed map' },
  },
  'iommu-collision': {
    label: 'IOMMU map collides with an entry already set',
    short: 'collision',
    sentence: { default: 'IOMMU map found an entry already set' },
  },
  'map-refused': {
    label: 'map refused although resources were free',
    short: 'refused',
    sentence: { default: 'DMA map refused although resources were free' },
  },
  'resource-leak': {
    label: 'resources leaked at the end',
    short: 'leak',
    sentence: {
      ptes: 'page-table entries leaked at the end',
      slots: 'swiotlb slots leaked at the end',
      iovas: 'IOVA ranges leaked at the end',
      pages: 'pages leaked at the end',
      'failed-map-iovas': 'IOVA range left allocated by a failed map',
      'failed-map-slots': 'swiotlb slots left allocated by a failed map',
      'bounce-buffers': 'bounce pool buffers held by no live mapping at the end',
    },
  },
  'memory-corruption': {
    label: 'kernel copy lands outside the mapping',
    short: 'corrupt',
    sentence: {
      copy: 'kernel copy wrote outside the mapping and its bounce slots',
      free: 'swiotlb freed slots the mapping does not own',
      'failed-map': "failed map changed the caller's buffer",
    },
  },
  'cache-outside': {
    label: 'cache maintenance outside what the driver handed over',
    short: 'cache-out',
    sentence: {
      clean: 'cache clean outside the mapping and its bounce slots',
      invalidate: 'cache invalidate outside the mapping and its bounce slots',
    },
  },
  'driver-assumption': {
    label: 'driver assumption broken',
    short: 'assumption',
    sentence: {
      'return-value': 'device driver failed to check the error a DMA API call returned',
      'one-range-read': 'device driver reads a mapping of several DMA segments as one contiguous range',
      'one-range-write': 'device driver writes a mapping of several DMA segments as one contiguous range',
    },
  },
  'kernel-warning': {
    label: 'kernel WARNING',
    short: 'WARN',
    sentence: { default: 'kernel WARNING' },
  },
  'kernel-oops': {
    label: 'kernel BUG (oops)',
    short: 'BUG',
    sentence: { default: 'kernel BUG: the simulated kernel stopped' },
  },
  'soft-lockup': {
    label: 'soft lockup',
    short: 'lockup',
    sentence: { default: 'watchdog: BUG: soft lockup' },
  },
};

/** Every kind, in the order reports list them. */
export const VIOLATION_KINDS = Object.keys(KINDS) as ViolationKind[];

/** A violation's sentence: what happened, then its " [label=value]" pairs in order. */
export function sentenceOf(kind: ViolationKind, situation: string, fields: Readonly<Record<string, string | number>>): string {
  const text = KINDS[kind].sentence[situation];
  if (text === undefined) throw new Error(`no sentence for ${kind} in situation "${situation}"`);
  let out = text;
  for (const label in fields) out += ` [${label}=${fields[label]}]`;
  return out;
}

/** A verdict: the distinct kinds, in report order. */
export function sortVerdict(kinds: Iterable<ViolationKind>): ViolationKind[] {
  const set = new Set(kinds);
  return VIOLATION_KINDS.filter((k) => set.has(k));
}

export function verdictText(verdict: readonly ViolationKind[]): string {
  return verdict.length === 0 ? 'clean' : verdict.join(', ');
}
