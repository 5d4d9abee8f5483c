// The machine's state when a case ends, in a stable, readable form: one
// section per part that holds state, each part writing its own (an IOMMU
// domain's page table and IOVA allocator, the swiotlb pool), then the CPU's
// cache and what the driver still holds.

import { hex } from '../machine/bits.js';
import { slotText } from '../machine/bounce-slots.js';
import { firstOf } from '../machine/iommu.js';
import type { Machine } from '../machine/machine.js';
import type { FinalState } from './result.js';

/** `nameOf` names the mapping an owner tag stands for. */
export function finalState(m: Machine, liveHandles: string[], nameOf: (tag: number) => string = String): FinalState {
  const sections: FinalState = {};
  for (const t of m.translations()) {
    const section = t.finalSection();
    if (section !== null) sections[t.label] = section;
  }
  const pool = m.swiotlb;
  if (pool !== null) {
    const slots: string[] = [];
    let runStart = -1;
    let prev = -2;
    let prevOwner = -1;
    for (const i of pool.slots.allocated()) {
      const owner = pool.slots.owner(i);
      if (i !== prev + 1 || owner !== prevOwner) {
        if (runStart >= 0) slots.push(`${runStart}+${prev - runStart + 1}`);
        runStart = i;
      }
      prev = i;
      prevOwner = owner;
    }
    if (runStart >= 0) slots.push(`${runStart}+${prev - runStart + 1}`);
    sections['swiotlb'] = { slots, used: pool.used };
  }
  if (!m.bounceSlots.isEmpty) {
    sections['bounce pools'] = {
      buffers: m.bounceSlots.all().map((b) => slotText(b, nameOf)),
      reserved: m.bounceSlots.reserved.map((r) => `${r.domain} ${hex(r.start)}+${hex(r.end - r.start)}`),
      pages_in_use: m.pages.inUse,
      delayed_work_pending: m.timers.pendingCount,
    };
  }
  const pages = m.pages.allocatedRuns();
  if (pages.length > 0) {
    // Only once something allocated pages: the zone is the same untouched one otherwise.
    sections['pages'] = { allocated: firstOf(pages, (r) => `${hex(r.phys)}+${hex(r.pages * m.pages.pageSize)}`), allocated_pages: pages.reduce((n, r) => n + r.pages, 0) };
  }
  // Another pool shows only while it holds something.
  for (const other of m.swiotlbPools) {
    if (other.used > 0) sections[`swiotlb ${hex(other.start)}`] = { slots: other.slots.allocated().length, used: other.used };
  }
  sections['cpu'] = { dirty_lines: m.cache.dirtyCount() };
  sections['driver'] = { live_handles: liveHandles };
  return sections;
}
