// How a device's DMA addresses reach memory: the seam between a device and
// whatever stands between it and DRAM. An IOMMU domain's page table
// (iommu.ts, ARM or Intel behaviour) is one implementation, the identity of
// a device without an IOMMU (dma-direct) another. The device's own DMA
// (device-dma.ts) and the contract checks see a device's memory only
// through this interface, never through a concrete domain.

import type { Run } from './range-map.js';

/** One entry a translation holds, as a run of its pages; `phys` is the run's first page. */
export interface TranslationEntry {
  phys: number;
  prot: number;
  /** The DMA API call that made the entry (the recorder's owner tag then). */
  owner: number;
}

/** A range of the address space the kernel allocated from a translation (an IOVA range), in pages. */
export interface AddressRange {
  /** First and last page number, inclusive (iova.c's pfn_lo and pfn_hi). */
  lo: number;
  hi: number;
  /** Held by a cache for reuse (the IOVA rcache) as the allocator intends, rather than by anyone. */
  cached: boolean;
}

export type Translated = { phys: number; fault?: undefined } | { fault: 'unmapped' | 'permission'; phys?: undefined };

export interface Translation {
  /** Its name, as fixtures give it. */
  readonly name: string;
  /** What reports call it: "domain NAME" for an IOMMU domain. */
  readonly label: string;
  /** The unit it translates in, in bytes (an IOMMU page). */
  readonly granule: number;
  /** Whether the device sees private guest memory through it in the clear (it holds the guest's key). */
  readonly decrypts: boolean;
  /** Where a device access to `addr` lands, or why it faults. */
  translate(addr: number, write: boolean): Translated;
  /** The entries it holds, as runs of pages, to read before it next changes (not a copy). */
  entries(): readonly Run<TranslationEntry>[];
  /** The address space the kernel has allocated from it. */
  allocated(): readonly AddressRange[];
  /** Its section of a case's final state; null when it holds no state. */
  finalSection(): Record<string, unknown> | null;
}

const NO_ENTRIES: readonly Run<TranslationEntry>[] = [];

/** A device without an IOMMU: a bus address is the physical address (the model has no DMA offset). */
export class DirectTranslation implements Translation {
  readonly name = 'direct';
  readonly label = 'direct';
  readonly granule = 4096;
  readonly decrypts = false;

  translate(addr: number): Translated {
    return { phys: addr };
  }

  entries(): readonly Run<TranslationEntry>[] {
    return NO_ENTRIES;
  }

  allocated(): readonly AddressRange[] {
    return [];
  }

  finalSection(): null {
    return null;
  }
}

/** A device whose IOMMU has no domain attached for it (before the kernel attaches one, or after an attach failed): every access faults. */
export class BlockedTranslation implements Translation {
  readonly label: string;
  readonly decrypts = false;

  constructor(
    readonly name: string,
    readonly granule: number,
  ) {
    this.label = `blocked ${name}`;
  }

  translate(): Translated {
    return { fault: 'unmapped' };
  }

  entries(): readonly Run<TranslationEntry>[] {
    return NO_ENTRIES;
  }

  allocated(): readonly AddressRange[] {
    return [];
  }

  finalSection(): null {
    return null;
  }
}
