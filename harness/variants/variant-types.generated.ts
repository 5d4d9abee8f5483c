// Generated from variants/variant.schema.json by scripts/gen-types.ts. Do not edit; run npm run gen:types.

/**
 * This interface was referenced by `VariantMeta`'s JSON-Schema
 * via the `definition` "Functions".
 */
export type Functions = string[];

/**
 * What a variant folder models: one code state of the dma-iommu swiotlb paths.
 */
export interface VariantMeta {
  $schema?: string;
  /**
   * The folder name.
   */
  id: string;
  /**
   * The variant this one is a patch on top of; null for a base.
   */
  parent: string | null;
  /**
   * The series this variant is a step of; variants of one series form a chain through their parents.
   */
  series: string;
  /**
   * Date of the posting, reply or release modelled (YYYY-MM-DD); orders series that share a base.
   */
  date: string;
  /**
   * The patch's subject line.
   */
  subject: string;
  author?: string;
  /**
   * Where the modelled change comes from.
   */
  upstream?: {
    /**
     * Upstream commit id (12 or more hex digits).
     */
    commit?: string;
    /**
     * Message-ID of the posting or review reply.
     */
    message_id?: string;
    link?: string;
  };
  /**
   * What the change does, in one line.
   */
  summary: string;
  /**
   * What the commit message or review reply says the change achieves, which the fixtures check.
   */
  claim?: string;
  /**
   * Per modelled kernel file ("dma-iommu.c" for dma-iommu.ts; "boot" for boot.ts), the functions, constants, classes and types whose code differs from the parent's.
   */
  changes: {
    [k: string]: Functions;
  };
  /**
   * What the change does to the corpus, fixture by fixture, checked by the tests on the parent's and this variant's results. Every verdict change at this step must be listed here.
   */
  effects: Effect[];
  /**
   * A pure refactor: every fixture's trace must be identical to the parent's.
   */
  refactor?: boolean;
}
/**
 * This interface was referenced by `VariantMeta`'s JSON-Schema
 * via the `definition` "Effect".
 */
export interface Effect {
  fixture: string;
  /**
   * Violation kinds the parent shows and this variant does not.
   */
  fixes?: (
    | 'device-read-stale'
    | 'cpu-read-stale'
    | 'data-leak'
    | 'device-fault'
    | 'reach-other-allocation'
    | 'reach-free-slot'
    | 'reach-unowned'
    | 'segment-limits'
    | 'private-memory'
    | 'stale-pte'
    | 'iommu-collision'
    | 'map-refused'
    | 'resource-leak'
    | 'memory-corruption'
    | 'cache-outside'
    | 'driver-assumption'
    | 'kernel-warning'
    | 'kernel-oops'
    | 'soft-lockup'
  )[];
  /**
   * Violation kinds this variant shows and the parent does not.
   */
  regresses?: (
    | 'device-read-stale'
    | 'cpu-read-stale'
    | 'data-leak'
    | 'device-fault'
    | 'reach-other-allocation'
    | 'reach-free-slot'
    | 'reach-unowned'
    | 'segment-limits'
    | 'private-memory'
    | 'stale-pte'
    | 'iommu-collision'
    | 'map-refused'
    | 'resource-leak'
    | 'memory-corruption'
    | 'cache-outside'
    | 'driver-assumption'
    | 'kernel-warning'
    | 'kernel-oops'
    | 'soft-lockup'
  )[];
  /**
   * Cost counters that go down (fewer) or up (more).
   */
  costs?: {
    [k: string]: 'fewer' | 'more';
  };
  /**
   * One sentence for the reviewer's table.
   */
  why: string;
}
