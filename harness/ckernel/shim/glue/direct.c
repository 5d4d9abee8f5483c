/*
 * kernel/dma/direct.c as the kernel has it, and the streaming inlines of
 * kernel/dma/direct.h under names core.c can call: what
 * kernel/dma/mapping.c calls for a device whose dma_ops are NULL.
 */
#include "kernel/dma/direct.c"

dma_addr_t shim_direct_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return dma_direct_map_page(dev, page, offset, size, dir, attrs);
}

void shim_direct_unmap_page(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	dma_direct_unmap_page(dev, addr, size, dir, attrs);
}

void shim_direct_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	dma_direct_sync_single_for_cpu(dev, addr, size, dir);
}

void shim_direct_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	dma_direct_sync_single_for_device(dev, addr, size, dir);
}

int shim_direct_map_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir, unsigned long attrs)
{
	return dma_direct_map_sg(dev, sgl, nents, dir, attrs);
}

void shim_direct_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir, unsigned long attrs)
{
	dma_direct_unmap_sg(dev, sgl, nents, dir, attrs);
}

void shim_direct_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir)
{
	dma_direct_sync_sg_for_cpu(dev, sgl, nents, dir);
}

void shim_direct_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir)
{
	dma_direct_sync_sg_for_device(dev, sgl, nents, dir);
}
