// v5.14 with a map_page that always throws: how the harness reports a model
// that crashes. Every other operation is v5.14's own.

import type { dma_map_ops } from '../../../harness/kernel.js';
import { iommu_dma_ops as v5_14 } from '../../../variants/v5.14/dma-iommu.js';

export const iommu_dma_ops: dma_map_ops = {
  ...v5_14,
  map_page(_dev, _page, _offset, size) {
    throw new TypeError(`model bug: cannot map ${size} bytes`);
  },
};
