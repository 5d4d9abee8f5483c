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
   * Per modelled kernel file, the functions whose body differs from the parent's.
   */
  changes: {
    'dma-iommu.c'?: Functions;
    'swiotlb.c'?: Functions;
  };
}
