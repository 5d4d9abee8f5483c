/*
 * The IOMMU core's map and unmap paths, the functions the build takes out
 * of drivers/iommu/iommu.c (the rest of that file, groups, buses and sysfs,
 * is not built), with the harness's hooks where the model's iommu.ts
 * reports a map and an unmap: __iommu_map reports when it is done, or as
 * its unroll starts (iommu_unmap from inside it), with the errno of the
 * batch that failed; __iommu_unmap when it is done.
 */
#include <linux/iommu.h>
#include <linux/scatterlist.h>

#include "api.h"

#define trace_map(...) do { } while (0)
#define trace_unmap(...) do { } while (0)

static int __iommu_map_pages(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t size, int prot, gfp_t gfp, size_t *mapped);
static int __iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t size, int prot, gfp_t gfp);
static size_t __iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size, struct iommu_iotlb_gather *iotlb_gather);

#include "drivers/iommu/iommu-core.c"

/* The map under way, reported once. */
static struct {
	bool pending;
	long long iova, paddr, size, prot, ret;
} map;

static void report_map(void)
{
	if (map.pending) {
		map.pending = false;
		shim_event(SHIM_EV_IOMMU_MAP, map.iova, map.paddr, map.size, map.prot, map.ret);
	}
}

static int __iommu_map_pages(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t size, int prot, gfp_t gfp, size_t *mapped)
{
	int ret = __real___iommu_map_pages(domain, iova, paddr, size, prot, gfp, mapped);

	map.ret = ret;
	return ret;
}

static int __iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	int ret;

	map.pending = true;
	map.iova = iova;
	map.paddr = paddr;
	map.size = size;
	map.prot = prot;
	map.ret = 0;
	ret = __real___iommu_map(domain, iova, paddr, size, prot, gfp);
	map.ret = ret;
	report_map();
	return ret;
}

size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size)
{
	report_map();
	return __real_iommu_unmap(domain, iova, size);
}

static size_t __iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size, struct iommu_iotlb_gather *iotlb_gather)
{
	size_t unmapped = __real___iommu_unmap(domain, iova, size, iotlb_gather);

	shim_event(SHIM_EV_IOMMU_UNMAP, iova, size, unmapped, 0, 0);
	return unmapped;
}
