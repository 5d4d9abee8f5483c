// What the shim needs from a kernel tree, per era of the DMA code: the
// files to take from it, the functions whose definitions the build renames
// so that the shim's hooks run (glue/*.c), the functions it takes out of
// drivers/iommu/iommu.c, and the glue files to compile. Only the 6.1 era
// is written; docs/c-variants.md says what the others need.

export interface KernelFile {
  /** The file in the tree. */
  path: string;
  /** Functions whose definitions become __real_NAME (the glue defines NAME). */
  hooks?: readonly string[];
  /** Build only these functions, written out to `into` (the rest of the file is not built). */
  extract?: { names: readonly string[]; into: string };
}

export interface Profile {
  /** The kernel versions (Makefile VERSION.PATCHLEVEL) this profile is written for. */
  versions: readonly string[];
  files: readonly KernelFile[];
  /** The shim's glue files (harness/ckernel/shim/glue/), each including the kernel file it is named after. */
  glue: readonly string[];
  /** Glue files only a CONFIG_SWIOTLB=y build compiles. */
  swiotlbOnly: readonly string[];
  /**
   * The tree's headers the build reads (the layouts that follow the kernel
   * version); a header a patched file includes beyond these is fetched
   * when the compiler asks for it.
   */
  headers: readonly string[];
}

export const PROFILE_6_1: Profile = {
  versions: ['6.1'],
  files: [
    { path: 'drivers/iommu/dma-iommu.c' },
    { path: 'drivers/iommu/dma-iommu.h' },
    {
      path: 'drivers/iommu/iova.c',
      hooks: ['alloc_iova', 'alloc_iova_fast', 'free_iova', 'free_iova_fast', 'iova_magazine_free_pfns'],
    },
    {
      path: 'kernel/dma/swiotlb.c',
      hooks: ['swiotlb_find_slots', 'swiotlb_tbl_map_single', 'swiotlb_release_slots'],
    },
    { path: 'kernel/dma/direct.c' },
    { path: 'kernel/dma/direct.h' },
    { path: 'lib/rbtree.c' },
    {
      path: 'drivers/iommu/iommu.c',
      extract: {
        names: [
          'iommu_iova_to_phys',
          'iommu_pgsize',
          '__iommu_map_pages',
          '__iommu_map',
          '_iommu_map',
          'iommu_map',
          'iommu_map_atomic',
          '__iommu_unmap_pages',
          '__iommu_unmap',
          'iommu_unmap',
          'iommu_unmap_fast',
          '__iommu_map_sg',
          'iommu_map_sg',
          'iommu_map_sg_atomic',
        ],
        into: 'drivers/iommu/iommu-core.c',
      },
      hooks: ['__iommu_map_pages', '__iommu_map', '__iommu_unmap', 'iommu_unmap'],
    },
    { path: 'Makefile' },
  ],
  glue: ['rbtree', 'iova', 'iommu', 'dma-iommu', 'direct', 'swiotlb'],
  swiotlbOnly: ['swiotlb'],
  headers: [
    'include/linux/const.h',
    'include/linux/dma-direct.h',
    'include/linux/dma-direction.h',
    'include/linux/dma-map-ops.h',
    'include/linux/dma-mapping.h',
    'include/linux/iommu-helper.h',
    'include/linux/iommu.h',
    'include/linux/iova.h',
    'include/linux/limits.h',
    'include/linux/log2.h',
    'include/linux/math.h',
    'include/linux/rbtree.h',
    'include/linux/rbtree_augmented.h',
    'include/linux/rbtree_types.h',
    'include/linux/scatterlist.h',
    'include/linux/sizes.h',
    'include/linux/swiotlb.h',
    'include/uapi/linux/const.h',
    'include/uapi/linux/iommu.h',
    'include/uapi/linux/limits.h',
    'include/vdso/const.h',
    'include/vdso/limits.h',
  ],
};

/** Every file of a tree a profile's build reads. */
export function profilePaths(p: Profile): string[] {
  return [...p.files.map((f) => f.path), ...p.headers];
}

export const PROFILES: readonly Profile[] = [PROFILE_6_1];

/** The profile for a tree's version, or null when the shim does not know that era. */
export function profileFor(version: string): Profile | null {
  return PROFILES.find((p) => p.versions.includes(version)) ?? null;
}
