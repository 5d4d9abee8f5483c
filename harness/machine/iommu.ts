// The IOMMU: a domain with its page table, the IOMMU core's map/unmap
// (drivers/iommu/iommu.c, 5.1x) and the two page-table behaviours that matter
// when a page is mapped twice (kernel-model §3.14). A domain is one
// implementation of a device's translation (translation.ts); the kernel's
// IOVA allocator behind a DMA domain hangs off its cookie, which the kernel
// code (dma-iommu.c, in the variants) sets up:
//
//   arm    io-pgtable-arm: mapping over a valid entry WARNs and returns
//          -EEXIST; the core then unrolls what this call mapped. Unmapping
//          an absent entry WARNs and stops the unmap short.
//   intel  VT-d __domain_mapping: mapping over a set entry prints "DMA PTE
//          ... already set", WARNs, keeps the old entry and reports success.
//          Unmapping clears whatever is there and reports the full size.
//
// The domain supports a single page size, the IOVA granule. The page table is
// kept as runs of IOVA pages, so mapping a large buffer costs one run.
// Invalidation is strict: there is no IOTLB to go stale, only a count of the
// syncs the kernel asks for.

import { hex, isPowerOfTwo, or } from './bits.js';
import type { Recorder } from './events.js';
import { RangeMap, type Run } from './range-map.js';
import { sg_phys, type scatterlist } from './scatterlist.js';
import type { AddressRange, Translated, Translation, TranslationEntry } from './translation.js';

export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

const EINVAL = 22;
const EEXIST = 17;

export type IommuFlavour = 'arm' | 'intel';

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

export interface IotlbGather {
  pages: number;
}

/** struct iommu_domain with its page table; `C` is the cookie the kernel code keeps in it. */
export class IommuDomain<C extends DmaCookie = DmaCookie> implements Translation {
  readonly pgsize_bitmap: number;
  readonly geometry: IommuGeometry;
  /** Set by the kernel (iommu_get_dma_cookie) for a DMA domain; NULL until then, a pointer as in C. */
  iova_cookie: C = null as unknown as C;
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
    const g = this.granule;
    const entries = this.entries();
    return {
      ptes: firstOf(entries, (e) => `${hex(e.start * g)}+${hex((e.end - e.start) * g)} -> ${hex(e.value.phys)} ${protText(e.value.prot)}`),
      pte_pages: entries.reduce((n, e) => n + e.end - e.start, 0),
      ...(this.iova_cookie as C | null)?.iovad.finalSection(),
    };
  }

  /** What the IOMMU does with a device access to one address. */
  translate(iova: number, write: boolean): Translated {
    const run = this.table.get(Math.floor(iova / this.granule));
    if (run === undefined) return { fault: 'unmapped' };
    const needed = write ? IOMMU_WRITE : IOMMU_READ;
    if ((run.value.prot & needed) === 0) return { fault: 'permission' };
    return { phys: run.value.phys + (iova - run.start * this.granule) };
  }

  /** The page-table driver's map of [iova, iova + size): returns bytes mapped and an errno. */
  pgtableMap(iova: number, paddr: number, size: number, prot: number): { mapped: number; ret: number } {
    const g = this.granule;
    const first = iova / g;
    const last = (iova + size) / g;
    const owner = this.recorder.owner;
    const existing = this.table.runs(first, last);
    if (existing.length === 0) {
      this.table.set(first, last, { phys: paddr, prot, owner });
      return { mapped: size, ret: 0 };
    }
    if (this.flavour === 'arm') {
      const clash = existing[0]!;
      const mapped = (clash.start - first) * g;
      this.table.set(first, clash.start, { phys: paddr, prot, owner });
      const at = clash.start * g;
      // arm_lpae_init_pte WARNs and refuses: "We require an unmap first".
      this.recorder.emit({ t: 'pte_collision', iova: at, oldPhys: clash.value.phys, newPhys: paddr + mapped, kept: false });
      return { mapped, ret: -EEXIST };
    }
    // __domain_mapping prints "DMA PTE for vPFN ... already set", WARNs, and carries on.
    for (const clash of existing) {
      const at = clash.start * g;
      this.recorder.emit({ t: 'pte_collision', iova: at, oldPhys: clash.value.phys, newPhys: paddr + (at - iova), kept: true });
    }
    for (const [s, e] of this.table.gaps(first, last)) {
      this.table.set(s, e, { phys: paddr + (s - first) * g, prot, owner });
    }
    return { mapped: size, ret: 0 };
  }

  /** The page-table driver's unmap of [iova, iova + size): returns bytes unmapped. */
  pgtableUnmap(iova: number, size: number): number {
    const g = this.granule;
    const first = iova / g;
    const last = (iova + size) / g;
    if (this.flavour === 'intel') {
      this.table.clear(first, last);
      return size;
    }
    const holes = this.table.gaps(first, last);
    const stop = holes.length === 0 ? last : holes[0]![0];
    if (stop < last) this.recorder.warn('__arm_lpae_unmap', `WARN_ON(!pte): unmapping an absent entry at iova ${hex(stop * g)}`);
    this.table.clear(first, stop);
    return (stop - first) * g;
  }
}

export function iommu_iotlb_gather_init(): IotlbGather {
  return { pages: 0 };
}

function __iommu_unmap(domain: IommuDomain, iova: number, size: number, _gather: IotlbGather): number {
  const min_pagesz = domain.granule;
  if (or(iova, size) % min_pagesz !== 0) {
    domain.recorder.warn('__iommu_unmap', `unaligned: iova ${hex(iova)} size ${hex(size)} min_pagesz ${hex(min_pagesz)}`, false);
    return 0;
  }
  const unmapped = domain.pgtableUnmap(iova, size);
  domain.recorder.emit({ t: 'iommu_unmap', iova, size, unmapped });
  return unmapped;
}

export function iommu_iotlb_sync(domain: IommuDomain, _gather: IotlbGather): void {
  domain.recorder.emit({ t: 'iotlb_sync' });
}

export function iommu_unmap_fast(domain: IommuDomain, iova: number, size: number, gather: IotlbGather): number {
  return __iommu_unmap(domain, iova, size, gather);
}

export function iommu_unmap(domain: IommuDomain, iova: number, size: number): number {
  const gather = iommu_iotlb_gather_init();
  const unmapped = __iommu_unmap(domain, iova, size, gather);
  iommu_iotlb_sync(domain, gather);
  return unmapped;
}

function __iommu_map(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number {
  const min_pagesz = domain.granule;
  if (or(or(iova, paddr), size) % min_pagesz !== 0) {
    domain.recorder.warn(
      '__iommu_map',
      `unaligned: iova ${hex(iova)} pa ${hex(paddr)} size ${hex(size)} min_pagesz ${hex(min_pagesz)}`,
      false,
    );
    domain.recorder.emit({ t: 'iommu_map', iova, phys: paddr, size, prot, ret: -EINVAL });
    return -EINVAL;
  }
  const { mapped, ret } = domain.pgtableMap(iova, paddr, size, prot);
  domain.recorder.emit({ t: 'iommu_map', iova, phys: paddr, size, prot, ret });
  // Unroll only what this call mapped, as the core does.
  if (ret !== 0 && mapped > 0) iommu_unmap(domain, iova, mapped);
  return ret;
}

export function iommu_map_atomic(domain: IommuDomain, iova: number, paddr: number, size: number, prot: number): number {
  return __iommu_map(domain, iova, paddr, size, prot);
}

/** __iommu_map_sg: maps physically contiguous runs of entries; returns bytes mapped, or 0 after undoing. */
export function iommu_map_sg_atomic(
  domain: IommuDomain,
  iova: number,
  sg: readonly scatterlist[],
  nents: number,
  prot: number,
): number {
  let len = 0;
  let start = 0;
  let mapped = 0;
  for (let i = 0; i <= nents; i++) {
    const s = sg[i];
    const s_phys = s === undefined ? 0 : sg_phys(s);
    if (len !== 0 && (i === nents || s_phys !== start + len)) {
      const ret = __iommu_map(domain, iova + mapped, start, len, prot);
      if (ret !== 0) {
        iommu_unmap(domain, iova, mapped);
        return 0;
      }
      mapped += len;
      len = 0;
    }
    if (i === nents || s === undefined) break;
    if (len !== 0) {
      len += s.length;
    } else {
      len = s.length;
      start = s_phys;
    }
  }
  return mapped;
}

export function iommu_iova_to_phys(domain: IommuDomain, iova: number): number {
  const t = domain.table.get(Math.floor(iova / domain.granule));
  const phys = t === undefined ? 0 : t.value.phys + (iova - t.start * domain.granule);
  domain.recorder.emit({ t: 'iova_to_phys', iova, phys });
  return phys;
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
