// v5.14's IOMMU core: only dma-iommu.ts is this variant's own.

export * from '../../../variants/v5.14/iommu.js';
