// The machine's state when a case ends, in a stable, readable form.

import { hex } from '../machine/bits.js';
import type { Machine } from '../machine/machine.js';
import type { FinalState } from './result.js';
import { protText, range } from './trace.js';

/** How many page-table runs and IOVA ranges are listed by value. */
const SHOWN = 16;

/** The first SHOWN items as text, then how many more there are. */
function firstOf<T>(items: readonly T[], text: (item: T) => string): string[] {
  const out = items.slice(0, SHOWN).map(text);
  if (items.length > SHOWN) out.push(`… ${items.length - SHOWN} more`);
  return out;
}

export function finalState(m: Machine, liveHandles: string[]): FinalState {
  const g = m.platform.iovaGranule;
  const rcache: Record<string, number[]> = {};
  m.iovad.cachedPfns().forEach((pfns, order) => {
    if (pfns.length > 0) rcache[`order${order}`] = pfns;
  });
  const slots: string[] = [];
  const pool = m.swiotlb;
  if (pool !== null) {
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
  }
  const entries = m.domain.entries();
  const nodes = m.iovad.allocated();
  return {
    ptes: firstOf(entries, (e) => `${range(e.start * g, (e.end - e.start) * g)} -> ${hex(e.value.phys)} ${protText(e.value.prot)}`),
    pte_pages: entries.reduce((n, e) => n + e.end - e.start, 0),
    iovas: firstOf(nodes, (n) => `${hex(n.pfn_lo)}-${hex(n.pfn_hi)}`),
    iova_ranges: nodes.length,
    rcache,
    swiotlb_slots: slots,
    swiotlb_used: pool?.used ?? 0,
    dirty_lines: m.cache.dirtyCount(),
    live_handles: liveHandles,
  };
}
