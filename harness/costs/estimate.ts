// An estimated time for a case: its operations priced by a cost profile.
// The counters say how many IOMMU maps, unmaps and IOTLB syncs a case made
// and how many bytes it copied, zeroed and kept coherent; a profile says
// what each costs on one platform, per call and per IOMMU page for the
// IOMMU, per byte for copies, per line for cache maintenance. The pages
// come from the events the counters are counted from (a map's size, a
// sync's gathered pages), so that a 1 MiB unmap is not priced as a 4 KiB
// one. Only the DMA API's own work is priced: not the device's transfer,
// not the driver, not the time a fixture waits.

import type { MachineEvent } from '../machine/events.js';
import type { PageAllocator } from '../machine/page-alloc.js';
import type { BouncePool } from '../machine/swiotlb-slots.js';
import type { Estimate } from '../report/report-types.generated.js';
import type { CostProfile } from './profiles.js';

export type { Estimate };

/** Where bounce buffers live: a copy to or from them is a bounce copy (as costs.ts counts it). */
export interface BounceMemory {
  pools: readonly BouncePool[];
  pages: PageAllocator | null;
}

function isBounce(m: BounceMemory, addr: number): boolean {
  return m.pools.some((pool) => addr >= pool.start && addr < pool.end) || (m.pages !== null && m.pages.contains(addr));
}

/** Cache lines a maintenance operation of [addr, addr + size) covers. */
function linesOf(addr: number, size: number, lineSize: number): number {
  if (size <= 0) return 0;
  return Math.floor((addr + size - 1) / lineSize) - Math.floor(addr / lineSize) + 1;
}

export function estimateOf(events: readonly MachineEvent[], profile: CostProfile, granule: number, lineSize: number, bounce: BounceMemory): Estimate {
  const f = profile.figures;
  let iommu = 0;
  let copy = 0;
  let cache = 0;
  for (const e of events) {
    switch (e.t) {
      case 'iommu_map':
        iommu += f.iommu_map.ns + (f.iommu_map.per_page_ns ?? 0) * Math.ceil(e.size / granule);
        break;
      case 'iommu_unmap':
        iommu += f.iommu_unmap.ns + (f.iommu_unmap.per_page_ns ?? 0) * Math.ceil(e.unmapped / granule);
        break;
      case 'iotlb_sync':
        iommu += f.iotlb_sync.ns + (f.iotlb_sync.per_page_ns ?? 0) * e.pages;
        break;
      case 'memcpy':
        if (isBounce(bounce, e.src) || isBounce(bounce, e.dst)) copy += f.memcpy_byte.ns * e.size;
        break;
      case 'memset':
        copy += f.memset_byte.ns * e.size;
        break;
      case 'cache':
        cache += f.cache_line.ns * linesOf(e.addr, e.size, lineSize);
        break;
      default:
        break;
    }
  }
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { profile: profile.id, ns: round(iommu + copy + cache), iommu_ns: round(iommu), copy_ns: round(copy), cache_ns: round(cache) };
}

/** An estimate as reports show it: microseconds with three significant digits. */
export function estimateText(ns: number): string {
  const us = ns / 1000;
  if (us === 0) return '0 us';
  return `${us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us >= 1 ? us.toFixed(2) : us.toFixed(3)} us`;
}

/** Two cases' estimates as text, when both have one and they differ. */
export function estimateChange(
  before: { status: string; estimate?: Estimate } | undefined,
  after: { status: string; estimate?: Estimate } | undefined,
): { before: string; after: string; profile: string } | undefined {
  const a = before?.status === 'ok' ? before.estimate : undefined;
  const b = after?.status === 'ok' ? after.estimate : undefined;
  if (a === undefined || b === undefined || a.ns === b.ns) return undefined;
  return { before: estimateText(a.ns), after: estimateText(b.ns), profile: b.profile };
}
