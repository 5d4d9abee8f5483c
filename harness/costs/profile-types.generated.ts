// Generated from profiles/profile.schema.json by scripts/gen-types.ts. Do not edit; run npm run gen:types.

/**
 * What the operations a case counts cost on one kind of platform, each figure with where it comes from: the estimate a report shows beside the counters (docs/costs.md).
 */
export interface CostProfile {
  $schema?: string;
  /**
   * The file name without .json; what a fixture's platform.cost_profile and --cost-profile name.
   */
  id: string;
  title: string;
  /**
   * The machine, IOMMU and invalidation mode the figures describe.
   */
  platform: string;
  /**
   * What the profile leaves out, and how far to trust it.
   */
  notes?: string;
  figures: {
    iommu_map: Figure;
    iommu_unmap: Figure1;
    iotlb_sync: Figure2;
    memcpy_byte: Figure3;
    memset_byte: Figure4;
    cache_line: Figure5;
  };
}
/**
 * One iommu_map call: ns per call, and per_page_ns per IOMMU page it maps.
 */
export interface Figure {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * One iommu_unmap call, without the IOTLB invalidation: ns per call, and per_page_ns per page it unmaps.
 */
export interface Figure1 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * One IOTLB sync (the invalidation an unmap gathered): ns per call, and per_page_ns per page gathered.
 */
export interface Figure2 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * A bounce copy (to or from a swiotlb slot or a bounce pool's page): ns per byte.
 */
export interface Figure3 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * Zeroing a bounce buffer's padding: ns per byte.
 */
export interface Figure4 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * Cache maintenance (a clean or an invalidate) of one cache line.
 */
export interface Figure5 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
/**
 * This interface was referenced by `CostProfile`'s JSON-Schema
 * via the `definition` "Figure".
 */
export interface Figure6 {
  /**
   * Nanoseconds per unit (call, byte or line).
   */
  ns: number;
  /**
   * Nanoseconds more per IOMMU page, for the IOMMU figures.
   */
  per_page_ns?: number;
  /**
   * Where the figure comes from: a posting (Message-ID), a measurement on this machine (which command), or the figures it is derived from.
   */
  source: string;
  /**
   * How the figure follows from its source, when it is not the source's number itself.
   */
  derivation?: string;
}
