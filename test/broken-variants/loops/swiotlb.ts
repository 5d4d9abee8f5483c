// v5.14's swiotlb: only dma-iommu.ts is this variant's own.

export * from '../../../variants/v5.14/swiotlb.js';
