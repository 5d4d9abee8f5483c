// Cost counters: how much work a case made the kernel do, from its events.

import type { MachineEvent } from '../machine/events.js';
import type { PageAllocator } from '../machine/page-alloc.js';
import type { BouncePool } from '../machine/swiotlb-slots.js';
import type { Costs } from './result.js';

export function zeroCosts(): Costs {
  return {
    bounce_copies: 0,
    bounce_bytes: 0,
    zeroed_bytes: 0,
    cache_cleans: 0,
    cache_invalidates: 0,
    cache_bytes: 0,
    iommu_maps: 0,
    iommu_unmaps: 0,
    iotlb_syncs: 0,
    iova_allocs: 0,
    iova_lookups: 0,
    tce_hcalls: 0,
  };
}

/**
 * Costs of a case's events; `pools` are the swiotlb pools the kernel used
 * and `pages` is where run-time pages come from (only the IOMMU bounce pools
 * allocate them): a copy to or from either is a bounce copy.
 */
export function costsOf(events: readonly MachineEvent[], pools: readonly BouncePool[], pages: PageAllocator | null = null): Costs {
  const c = zeroCosts();
  const inPool = (a: number): boolean => pools.some((pool) => a >= pool.start && a < pool.end) || (pages !== null && pages.contains(a));
  for (const e of events) {
    switch (e.t) {
      case 'memcpy':
        if (inPool(e.src) || inPool(e.dst)) {
          c.bounce_copies++;
          c.bounce_bytes += e.size;
        }
        break;
      case 'memset':
        c.zeroed_bytes += e.size;
        break;
      case 'cache':
        // A flush both cleans and invalidates.
        if (e.op !== 'invalidate') c.cache_cleans++;
        if (e.op !== 'clean') c.cache_invalidates++;
        c.cache_bytes += e.size;
        break;
      case 'iommu_map':
        c.iommu_maps++;
        break;
      case 'iommu_unmap':
        c.iommu_unmaps++;
        break;
      case 'iotlb_sync':
        c.iotlb_syncs++;
        break;
      case 'iova_alloc':
        c.iova_allocs++;
        break;
      case 'iova_to_phys':
        c.iova_lookups++;
        break;
      case 'tce_hcall':
        // A run of H_PUT_TCE is one event counting its calls.
        c.tce_hcalls += e.hcall === 'H_PUT_TCE' ? e.npages : 1;
        break;
      default:
        break;
    }
  }
  return c;
}
