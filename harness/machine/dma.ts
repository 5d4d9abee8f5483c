// The DMA API's vocabulary (include/linux/dma-mapping.h, dma-direction.h).

export const DMA_BIDIRECTIONAL = 0;
export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;
export const DMA_NONE = 3;
export type dma_data_direction = typeof DMA_BIDIRECTIONAL | typeof DMA_TO_DEVICE | typeof DMA_FROM_DEVICE | typeof DMA_NONE;

export const DMA_DIRECTION_NAMES: Record<dma_data_direction, string> = {
  [DMA_BIDIRECTIONAL]: 'DMA_BIDIRECTIONAL',
  [DMA_TO_DEVICE]: 'DMA_TO_DEVICE',
  [DMA_FROM_DEVICE]: 'DMA_FROM_DEVICE',
  [DMA_NONE]: 'DMA_NONE',
};

export const DMA_ATTR_NO_KERNEL_MAPPING = 1 << 4;
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;
export const DMA_ATTR_FORCE_CONTIGUOUS = 1 << 6;
export const DMA_ATTR_ALLOC_SINGLE_PAGES = 1 << 7;
export const DMA_ATTR_NO_WARN = 1 << 8;
export const DMA_ATTR_PRIVILEGED = 1 << 9;
/** Proposed with the IOMMU bounce pools (v2 8/9): a long-lived streaming mapping, which the pools leave alone; unknown to every other tree. */
export const DMA_ATTR_PERSISTENT_STREAMING = 1 << 10;

/** ~(dma_addr_t)0 in C; a value no mapping can have. */
export const DMA_MAPPING_ERROR = -1;

export function attrNames(attrs: number): string {
  const names: string[] = [];
  if (attrs & DMA_ATTR_SKIP_CPU_SYNC) names.push('SKIP_CPU_SYNC');
  if (attrs & DMA_ATTR_NO_WARN) names.push('NO_WARN');
  if (attrs & DMA_ATTR_PRIVILEGED) names.push('PRIVILEGED');
  if (attrs & DMA_ATTR_PERSISTENT_STREAMING) names.push('PERSISTENT_STREAMING');
  if (attrs & DMA_ATTR_FORCE_CONTIGUOUS) names.push('FORCE_CONTIGUOUS');
  if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES) names.push('ALLOC_SINGLE_PAGES');
  if (attrs & DMA_ATTR_NO_KERNEL_MAPPING) names.push('NO_KERNEL_MAPPING');
  return names.length === 0 ? '0' : names.join('|');
}
