// v5.14's boot: only dma-iommu.ts is this variant's own.

export { boot } from '../../../variants/v5.14/boot.js';
