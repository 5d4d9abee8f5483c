// v5.14's dma-direct: only dma-iommu.ts is this variant's own.

export { dma_direct_ops } from '../../../variants/v5.14/direct.js';
