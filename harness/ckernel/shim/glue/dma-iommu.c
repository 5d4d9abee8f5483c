/*
 * drivers/iommu/dma-iommu.c as the kernel has it, with what the harness
 * reads of a DMA domain: the IOVA allocator in its cookie.
 */
#include "drivers/iommu/dma-iommu.c"

#include "api.h"

struct iova_domain *shim_domain_iovad(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;

	return cookie && cookie->type == IOMMU_DMA_IOVA_COOKIE ? &cookie->iovad : NULL;
}
