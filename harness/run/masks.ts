// kernel/dma/mapping.c's mask setters, which the harness dispatches like the
// rest of the DMA API: each asks the device's dma_ops whether the mask is
// supported (ops without dma_supported accept any mask) and stores it only
// if so. On powerpc the question itself decides the device's bypass, so the
// last setter called wins.

import { DMA_BIT_MASK } from '../machine/bits.js';
import type { device } from '../machine/device.js';
import type { dma_map_ops } from '../variant-api.js';

const EIO = 5;

export type MaskSetter = 'dma_set_mask' | 'dma_set_coherent_mask' | 'dma_set_mask_and_coherent';

function dma_supported(ops: dma_map_ops, dev: device, mask: number): boolean {
  return ops.dma_supported === undefined || ops.dma_supported(dev, mask) !== 0;
}

function dma_set_mask(ops: dma_map_ops, dev: device, mask: number): number {
  if (!dma_supported(ops, dev, mask)) return -EIO;
  dev.dma_mask = mask;
  return 0;
}

function dma_set_coherent_mask(ops: dma_map_ops, dev: device, mask: number): number {
  if (!dma_supported(ops, dev, mask)) return -EIO;
  dev.coherent_dma_mask = mask;
  return 0;
}

/** The setter a step names, with DMA_BIT_MASK(bits): 0, or -EIO when the device cannot use the mask. */
export function setMask(which: MaskSetter, ops: dma_map_ops, dev: device, bits: number): number {
  const mask = DMA_BIT_MASK(bits);
  switch (which) {
    case 'dma_set_mask':
      return dma_set_mask(ops, dev, mask);
    case 'dma_set_coherent_mask':
      return dma_set_coherent_mask(ops, dev, mask);
    case 'dma_set_mask_and_coherent': {
      const rc = dma_set_mask(ops, dev, mask);
      return rc === 0 ? dma_set_coherent_mask(ops, dev, mask) : rc;
    }
  }
}
