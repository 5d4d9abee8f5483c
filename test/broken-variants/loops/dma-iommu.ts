// v5.14 with a map_page that never returns: how the harness reports a model
// that hangs. Every other operation is v5.14's own.

import type { device, dma_map_ops } from '../../../harness/kernel.js';
import { iommu_dma_ops as v5_14, iommu_setup_dma_ops as v5_14_setup } from '../../../variants/v5.14/dma-iommu.js';

export { iommu_get_dma_cookie } from '../../../variants/v5.14/dma-iommu.js';

export const iommu_dma_ops: dma_map_ops = {
  ...v5_14,
  map_page() {
    for (;;) {
      // never returns
    }
  },
};

/** v5.14's set-up, then these ops in place of its own. */
export function iommu_setup_dma_ops(dev: device, dma_base: number, size: number): void {
  v5_14_setup(dev, dma_base, size);
  if (dev.dma_ops === v5_14) dev.dma_ops = iommu_dma_ops;
}
