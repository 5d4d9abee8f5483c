// The IOMMU bounce pools' slots as the contract checks see them: which
// bounce buffers exist in which domain, at which IOVA, on which pages, and
// whether a mapping holds each one or the pool keeps it cached, still
// mapped, for the next one. The pools themselves (io-buffer-pool.c in v1,
// io-buffer-manager.c and io-bounce-buffers.c in v2) are kernel code in the
// variants; they report here, through the calls below, where their C changes
// a slot's state. The calls are instruments, not kernel code: the kernel
// never reads this record, and a tree without the pools leaves it empty.

import { hex } from './bits.js';
import { machine } from './current.js';

/** One bounce buffer of a pool: a slot with pages, or a single-use buffer. */
export interface BounceSlot {
  /** The IOMMU domain whose pool it belongs to. */
  domain: string;
  iova: number;
  size: number;
  /** Its pages' physical addresses, in IOVA order; a page each PAGE_SIZE. */
  pages: number[];
  pageSize: number;
  /** The owner tag of the DMA API call of the mapping holding it; 0 when cached. */
  holder: number;
  /** The mapping that held it last, while it is cached. */
  lastHolder: number;
}

export class BounceSlots {
  private readonly byKey = new Map<string, BounceSlot>();
  private readonly byPage = new Map<number, BounceSlot>();
  /** IOVA ranges the pools reserved for themselves, by domain: [start, end) in bytes. */
  readonly reserved: Array<{ domain: string; start: number; end: number }> = [];
  /** State changes so far: tells the checks whether an answer they kept still holds. */
  changes = 0;

  get isEmpty(): boolean {
    return this.byKey.size === 0 && this.reserved.length === 0;
  }

  /** Every slot with pages, in the order they were first used. */
  all(): BounceSlot[] {
    return [...this.byKey.values()];
  }

  /** The slot a physical address lies in, if any. */
  slotAt(phys: number, pageSize: number): BounceSlot | undefined {
    return this.byPage.get(phys - (phys % pageSize));
  }

  take(domain: string, iova: number, size: number, pages: readonly number[], pageSize: number, holder: number): BounceSlot {
    const key = `${domain}:${iova}`;
    let slot = this.byKey.get(key);
    if (slot === undefined || slot.pages.join() !== pages.join()) {
      if (slot !== undefined) for (const p of slot.pages) this.byPage.delete(p);
      slot = { domain, iova, size, pages: [...pages], pageSize, holder, lastHolder: 0 };
      this.byKey.set(key, slot);
      for (const p of pages) this.byPage.set(p, slot);
    }
    slot.holder = holder;
    this.changes++;
    return slot;
  }

  cache(domain: string, iova: number): void {
    const slot = this.byKey.get(`${domain}:${iova}`);
    if (slot === undefined) return;
    slot.lastHolder = slot.holder;
    slot.holder = 0;
    this.changes++;
  }

  free(domain: string, iova: number): void {
    const key = `${domain}:${iova}`;
    const slot = this.byKey.get(key);
    if (slot === undefined) return;
    this.byKey.delete(key);
    for (const p of slot.pages) if (this.byPage.get(p) === slot) this.byPage.delete(p);
    this.changes++;
  }

  reserve(domain: string, start: number, end: number): void {
    this.reserved.push({ domain, start, end });
    this.changes++;
  }

  release(domain: string, start: number): void {
    const i = this.reserved.findIndex((r) => r.domain === domain && r.start === start);
    if (i >= 0) this.reserved.splice(i, 1);
    this.changes++;
  }

  /**
   * Whether an IOVA range allocated at [start, end) is one a pool reserved:
   * one that starts in a reservation (the allocator may round the size up,
   * and a pool that fits no slot reserves nothing but still holds the page
   * the allocator gave it for a size of 0).
   */
  isReserved(domain: string, start: number, _end: number): boolean {
    return this.reserved.some((r) => r.domain === domain && r.start <= start && (start < r.end || start === r.start));
  }
}

// The instruments the pool code calls, each with the event the trace shows.

/** A mapping (the current DMA API call) takes a bounce buffer: fresh pages, or a cached slot. */
export function bounce_slot_taken(domain: string, iova: number, size: number, pages: readonly number[], fresh: boolean): void {
  const m = machine();
  m.bounceSlots.take(domain, iova, size, pages, m.platform.pageSize, m.recorder.owner);
  m.recorder.emit({ t: 'bounce_slot', op: fresh ? 'take-fresh' : 'take-cached', domain, iova, size, phys: pages[0] ?? 0 });
}

/** The pool keeps a bounce buffer after its mapping's unmap, mapped as it is. */
export function bounce_slot_cached(domain: string, iova: number, size: number): void {
  const m = machine();
  m.bounceSlots.cache(domain, iova);
  m.recorder.emit({ t: 'bounce_slot', op: 'cache', domain, iova, size, phys: 0 });
}

/** A bounce buffer's pages go back to the page allocator. */
export function bounce_slot_freed(domain: string, iova: number, size: number): void {
  const m = machine();
  m.bounceSlots.free(domain, iova);
  m.recorder.emit({ t: 'bounce_slot', op: 'free', domain, iova, size, phys: 0 });
}

/** A pool reserves IOVA space for its slots (at boot). */
export function bounce_iova_reserved(domain: string, iova: number, size: number): void {
  const m = machine();
  m.bounceSlots.reserve(domain, iova, iova + size);
  m.recorder.emit({ t: 'bounce_reserve', domain, iova, size, released: false });
}

export function bounce_iova_released(domain: string, iova: number, size: number): void {
  const m = machine();
  m.bounceSlots.release(domain, iova);
  m.recorder.emit({ t: 'bounce_reserve', domain, iova, size, released: true });
}

/** A slot as a final state lists it. */
export function slotText(s: BounceSlot, name: (tag: number) => string): string {
  const who = s.holder !== 0 ? `held by "${name(s.holder)}"` : `cached, last held by "${name(s.lastHolder)}"`;
  return `${s.domain} ${hex(s.iova)}+${hex(s.size)} -> ${hex(s.pages[0] ?? 0)} ${who}`;
}
