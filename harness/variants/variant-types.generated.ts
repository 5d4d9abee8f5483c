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
   * What the variant's kernel is: TypeScript models of the kernel files ("ts", the default), or the kernel's own C built from a kernel source ("c"; see docs/c-variants.md).
   */
  kind?: 'ts' | 'c';
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
  /**
   * For a C variant without a parent: the kernel source its C comes from, Debian's linux-source package or a git tree at a revision. A C variant with a parent builds its parent's source with its own patches on top.
   */
  kernel?:
    | {
        /**
         * The Debian package whose tarball /usr/src/PACKAGE.tar.xz holds the tree.
         */
        debian: string;
        /**
         * The package version the variant was written for; another installed version is used with a notice.
         */
        version?: string;
      }
    | {
        /**
         * A kernel git tree (a directory), read with git archive and never changed.
         */
        tree: string;
        /**
         * The revision to build (a commit, tag or branch).
         */
        rev: string;
      };
  /**
   * For a C variant: patch files (diffs or mails, relative to the variant's folder) applied in order on top of the parent's source.
   */
  patches?: string[];
  /**
   * For a C variant: the TypeScript variant that models the same code state, which the tests and `fuzz --against` check against the C.
   */
  model?: string;
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
