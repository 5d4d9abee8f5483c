// Whose data each byte of memory holds: the owner that last wrote it, as
// the CPU sees memory. The run engine tags what the CPU and the devices
// write (a buffer's owner is the buffer), the kernel's copies carry the tags
// of what they copy, and its memsets leave nobody's data (tag 0). The
// contract then tells data from another owner (a previous user of a swiotlb
// slot, another buffer) apart from stale or zeroed data.
//
// The tags follow memory as the CPU sees it, not DRAM and the cache apart:
// a non-coherent device reading stale DRAM under dirty lines is judged by
// who wrote the bytes the CPU would see (the stale data is reported as
// such by the byte checks).

import { RangeMap, type Run } from './range-map.js';

export class Provenance {
  /** Address → owner tag; absent means never written (nobody's: zeros). */
  private readonly tags = new RangeMap<number>({ canMerge: (l, r) => l.value === r.value });

  /** [addr, addr + length) now holds `owner`'s data (0: nobody's). */
  mark(addr: number, length: number, owner: number): void {
    if (length <= 0) return;
    if (owner === 0) this.tags.clear(addr, addr + length);
    else this.tags.set(addr, addr + length, owner);
  }

  /** A copy of [src, src + length) to dst carries its tags along. */
  copy(dst: number, src: number, length: number): void {
    if (length <= 0) return;
    const runs = this.tags.runs(src, src + length).map((r) => ({ start: r.start, end: r.end, value: r.value }));
    this.tags.clear(dst, dst + length);
    for (const r of runs) this.tags.set(dst + (r.start - src), dst + (r.end - src), r.value);
  }

  /** The tagged runs of [addr, addr + length) (untagged parts are nobody's). */
  owners(addr: number, length: number): Run<number>[] {
    return this.tags.runs(addr, addr + length);
  }
}
