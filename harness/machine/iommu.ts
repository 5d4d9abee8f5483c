// The IOMMU: a domain with its page table, and the operations the IOMMU
// core calls on it (the driver's and io-pgtable's map and unmap), with the
// two page-table behaviours that matter when a page is mapped twice
// (kernel-model §3.14):
//
//   arm    io-pgtable-arm, stage 1: mapping over a valid entry WARNs
//          (WARN_ON(!selftest_running)) and returns -EEXIST. Unmapping an
//          absent entry WARNs and stops the unmap short. Stage-1 access
//          permissions are read/write or read-only: an entry mapped with
//          IOMMU_WRITE alone is readable too.
//   arm-s2 the same driver with stage-2 tables, whose permissions are
//          separate read and write bits: a write-only entry faults reads.
//   intel  VT-d __domain_mapping: mapping over a set entry prints "DMA PTE
//          for vPFN ... already set", WARNs, keeps the old entry and carries
//          on. Unmapping clears whatever is there and reports the full size.
//          Every entry is readable (eea53c581688 removed write-only entries).
//
// A domain is one implementation of a device's translation (translation.ts).
// The IOMMU core (drivers/iommu/iommu.c: iommu_map, iommu_unmap and the
// IOTLB gather) is kernel code and lives in the variants; it calls the
// operations here, in the form of its era: one page at a time (5.14,
// ops->map) or a page table's worth at a time (5.15 and later,
// ops->map_pages). The kernel's IOVA allocator behind a DMA domain hangs off
// its cookie, which dma-iommu.c (also in the variants) sets up.
//
// The domain supports a single page size, the IOVA granule. The page table is
// kept as runs of IOVA pages, so mapping a large buffer costs one run.
// Invalidation is strict: there is no IOTLB to go stale, only a count of the
// syncs the kernel asks for.

import { hex, isPowerOfTwo } from './bits.js';
import type { Recorder } from './events.js';
import { FaultInjector } from './faults.js';
import { RangeMap, type Run } from './range-map.js';
import type { AddressRange, Translated, Translation, TranslationEntry } from './translation.js';

export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

// include/linux/iommu.h: a domain's feature flags, which the driver and the
// page table go by. The domain types built from them (IOMMU_DOMAIN_DMA and
// the rest) are kernel code in the variants, since the modelled patches
// change them.
export const __IOMMU_DOMAIN_PAGING = 1 << 0;
export const __IOMMU_DOMAIN_DMA_API = 1 << 1;
export const __IOMMU_DOMAIN_PT = 1 << 2;

const EEXIST = 17;
const ENOMEM = 12;

export type IommuFlavour = 'arm' | 'arm-s2' | 'intel';

/** A page-table run: `phys` is the physical address of the run's first page. */
export type Pte = TranslationEntry;

/** What the checks read of the kernel's IOVA allocator behind a DMA domain (iova.c, in the variants). */
export interface IovaSpace {
  /** Allocated ranges, and whether each is held by the allocator's cache as intended. */
  allocatedRanges(): AddressRange[];
  /** Its part of the domain's section of the final state. */
  finalSection(): Record<string, unknown>;
}

/** The part of a DMA domain's cookie (dma-iommu.c's struct iommu_dma_cookie) the machine looks at. */
export interface DmaCookie {
  iovad: IovaSpace;
}

export interface IommuGeometry {
  aperture_start: number;
  aperture_end: number;
  force_aperture: boolean;
}

/** struct iommu_iotlb_gather: what an unmap has left to invalidate. */
export interface IotlbGather {
  pages: number;
}

/** struct iommu_domain with its page table; `C` is the cookie the kernel code keeps in it. */
export class IommuDomain<C extends DmaCookie = DmaCookie> implements Translation {
  readonly pgsize_bitmap: number;
  readonly geometry: IommuGeometry;
  /** Set by the kernel (iommu_get_dma_cookie) for a DMA domain; NULL until then, a pointer as in C. */
  iova_cookie: C = null as unknown as C;
  /** domain->type, which the kernel gives the domain when it allocates it; 0 (blocked) until then. */
  type = 0;
  /** IOVA page number → entry. */
  readonly table: RangeMap<Pte>;

  get label(): string {
    return `domain ${this.name}`;
  }

  constructor(
    readonly name: string,
    readonly flavour: IommuFlavour,
    readonly granule: number,
    apertureEnd: number,
    readonly recorder: Recorder,
    /** In a confidential guest: whether devices see private memory in the clear through this IOMMU. */
    readonly decrypts = false,
    /** Where page-table memory may be made to fail (faults.ts). */
    private readonly faults: FaultInjector = new FaultInjector(null, recorder),
  ) {
    if (!isPowerOfTwo(granule)) throw new Error(`IOMMU granule ${granule} is not a power of two`);
    this.pgsize_bitmap = granule;
    this.geometry = { aperture_start: 0, aperture_end: apertureEnd, force_aperture: true };
    this.table = new RangeMap<Pte>({
      slice: (pte, delta) => ({ phys: pte.phys + delta * granule, prot: pte.prot, owner: pte.owner }),
      canMerge: (l, r) =>
        l.value.prot === r.value.prot &&
        l.value.owner === r.value.owner &&
        l.value.phys + (l.end - l.start) * granule === r.value.phys,
    });
  }

  /** Live entries as runs of IOVA pages, to read before the table next changes (not a copy). */
  entries(): readonly Run<Pte>[] {
    return this.table.view();
  }

  allocated(): readonly AddressRange[] {
    return (this.iova_cookie as C | null)?.iovad.allocatedRanges() ?? [];
  }

  finalSection(): Record<string, unknown> {
    if (this.isIdentity) return { type: 'identity (bypass)' };
    const g = this.granule;
    const entries = this.entries();
    return {
      ptes: firstOf(entries, (e) => `${hex(e.start * g)}+${hex((e.end - e.start) * g)} -> ${hex(e.value.phys)} ${protText(this.access(e.value.prot))}`),
      pte_pages: entries.reduce((n, e) => n + e.end - e.start, 0),
      ...(this.iova_cookie as C | null)?.iovad.finalSection(),
    };
  }

  /** An identity domain: the IOMMU passes a device's addresses through (bypass). */
  get isIdentity(): boolean {
    return (this.type & __IOMMU_DOMAIN_PT) !== 0;
  }

  /** What the IOMMU does with a device access to one address. */
  translate(iova: number, write: boolean): Translated {
    if (this.isIdentity) return { phys: iova };
    const run = this.table.get(Math.floor(iova / this.granule));
    if (run === undefined) return { fault: 'unmapped' };
    if ((this.access(run.value.prot) & (write ? IOMMU_WRITE : IOMMU_READ)) === 0) return { fault: 'permission' };
    return { phys: run.value.phys + (iova - run.start * this.granule) };
  }

  /** What an entry written with `prot` lets the device do, as the page-table format encodes it. */
  access(prot: number): number {
    switch (this.flavour) {
      case 'arm': // AP[2] (read-only) only for READ without WRITE; there is no write-only encoding
      case 'intel': // the read (present) bit is always set
        return prot & IOMMU_WRITE ? IOMMU_READ | IOMMU_WRITE : prot & IOMMU_READ;
      case 'arm-s2': // HAP read and write bits
        return prot & (IOMMU_READ | IOMMU_WRITE);
    }
  }

  /**
   * The driver's ops->map (5.14), called for `count` pages of `pgsize` one
   * page at a time, as the IOMMU core's loop does, stopping at the first that
   * fails: the pages before it stay mapped (the core unrolls them). The
   * pages are taken in one go where none fails, which leaves the same
   * entries and the same messages as the page-by-page loop.
   */
  map_each(iova: number, paddr: number, pgsize: number, count: number, prot: number): { mapped: number; ret: number } {
    if (this.faults.should_fail('pgtable', this.mapSite('map'))) return { mapped: 0, ret: -ENOMEM };
    if (this.flavour === 'intel') return this.domainMapping(iova, paddr, pgsize * count, prot);
    const first = iova / this.granule;
    const last = first + (pgsize * count) / this.granule;
    const clash = this.table.runs(first, last)[0];
    const stop = clash === undefined ? last : clash.start;
    if (stop > first) this.table.set(first, stop, { phys: paddr, prot, owner: this.recorder.owner });
    const mapped = (stop - first) * this.granule;
    if (clash === undefined) return { mapped, ret: 0 };
    this.refuse(clash.start * this.granule, clash.value.phys, paddr + mapped);
    return { mapped, ret: -EEXIST };
  }

  /**
   * The driver's ops->map_pages (5.15 and later): io-pgtable-arm maps up to
   * the end of the current leaf table per call, checking every entry of
   * that chunk before it writes any; VT-d maps them all.
   */
  map_pages(iova: number, paddr: number, pgsize: number, count: number, prot: number): { mapped: number; ret: number } {
    if (this.faults.should_fail('pgtable', this.mapSite('map_pages'))) return { mapped: 0, ret: -ENOMEM };
    if (this.flavour === 'intel') return this.domainMapping(iova, paddr, pgsize * count, prot);
    const g = this.granule;
    // A leaf table holds granule / 8 entries.
    const perTable = g / 8;
    const first = iova / g;
    const num = Math.min(count * (pgsize / g), perTable - (first % perTable));
    const clash = this.table.runs(first, first + num)[0];
    if (clash !== undefined) {
      this.refuse(clash.start * g, clash.value.phys, paddr + (clash.start - first) * g);
      return { mapped: 0, ret: -EEXIST };
    }
    this.table.set(first, first + num, { phys: paddr, prot, owner: this.recorder.owner });
    return { mapped: num * g, ret: 0 };
  }

  /** The driver function whose page-table allocation a fault fails. */
  private mapSite(op: 'map' | 'map_pages'): string {
    return this.flavour === 'intel' ? '__domain_mapping' : `arm_lpae_${op}`;
  }

  /** arm_lpae_init_pte on a valid entry: WARN and refuse. */
  private refuse(at: number, oldPhys: number, newPhys: number): void {
    this.recorder.emit({ t: 'pte_collision', iova: at, oldPhys, newPhys, kept: false });
    this.recorder.warn('arm_lpae_init_pte', 'WARN_ON(!selftest_running)');
  }

  /** VT-d's __domain_mapping: every entry already set is reported, WARNed and kept; the rest are written; success. */
  private domainMapping(iova: number, paddr: number, size: number, prot: number): { mapped: number; ret: number } {
    const g = this.granule;
    const first = iova / g;
    const last = (iova + size) / g;
    for (const clash of this.table.runs(first, last)) {
      for (let pfn = Math.max(clash.start, first); pfn < Math.min(clash.end, last); pfn++) {
        const at = pfn * g;
        const old = clash.value.phys + (pfn - clash.start) * g;
        this.recorder.emit({ t: 'pte_collision', iova: at, oldPhys: old, newPhys: paddr + (at - iova), kept: true });
        this.recorder.warn('__domain_mapping', `DMAR: ERROR: DMA PTE for vPFN ${hex(pfn)} already set (to ${hex(old)} not ${hex(paddr + (at - iova))})`, false);
        this.recorder.warn('__domain_mapping', 'WARN_ON(1)');
      }
    }
    for (const [s, e] of this.table.gaps(first, last)) {
      this.table.set(s, e, { phys: paddr + (s - first) * g, prot, owner: this.recorder.owner });
    }
    return { mapped: size, ret: 0 };
  }

  /**
   * The driver's unmap of `count` pages of `pgsize` (ops->unmap page by page,
   * or ops->unmap_pages): bytes unmapped. io-pgtable-arm stops with a WARN at
   * an absent entry; VT-d clears whatever is there.
   */
  unmap_each(iova: number, pgsize: number, count: number): number {
    const g = this.granule;
    const first = iova / g;
    const last = first + (pgsize * count) / g;
    if (this.flavour === 'intel') {
      this.table.clear(first, last);
      return pgsize * count;
    }
    const holes = this.table.gaps(first, last);
    const stop = holes.length === 0 ? last : holes[0]![0];
    if (stop < last) this.recorder.warn('__arm_lpae_unmap', `WARN_ON(!pte): unmapping an absent entry at iova ${hex(stop * g)}`);
    this.table.clear(first, stop);
    return (stop - first) * g;
  }

  /** ops->iova_to_phys: 0 where nothing is mapped. */
  iova_to_phys(iova: number): number {
    const t = this.table.get(Math.floor(iova / this.granule));
    return t === undefined ? 0 : t.value.phys + (iova - t.start * this.granule);
  }
}

/** How many page-table runs (and IOVA ranges) a final state lists by value. */
export const SHOWN = 16;

/** The first SHOWN items as text, then how many more there are. */
export function firstOf<T>(items: readonly T[], text: (item: T) => string): string[] {
  const out = items.slice(0, SHOWN).map(text);
  if (items.length > SHOWN) out.push(`… ${items.length - SHOWN} more`);
  return out;
}

export function protText(prot: number): string {
  return (prot & IOMMU_READ ? 'R' : '-') + (prot & IOMMU_WRITE ? 'W' : '-');
}
