/*
 * Between the shim's parts: what the simulated machine (TypeScript, reached
 * through callbacks) does for the kernel, the events the hooks report, and
 * what each glue file offers core.c. Included by core.c and the glue files,
 * after shim.h.
 */
#ifndef SHIM_API_H
#define SHIM_API_H

/*
 * Events the hooks report, with their arguments, in the order of
 * harness/machine/events.ts (ckernel/events.ts turns them into MachineEvents).
 */
enum shim_event_kind {
	SHIM_EV_IOVA_ALLOC = 1,		/* pfn, pages, limit_pfn, from the rbtree (1) or the rcache (0) */
	SHIM_EV_IOVA_ALLOC_FAIL = 2,	/* pages, limit_pfn */
	SHIM_EV_IOVA_FREE = 3,		/* pfn, pages, into the rbtree (1) or the rcache (0) */
	SHIM_EV_IOVA_RELEASE_NODE = 4,	/* pfn_lo, pfn_hi: one node of the release that follows */
	SHIM_EV_IOVA_RELEASE = 5,	/* why: the depot was full (0) or a flush (1) */
	SHIM_EV_IOMMU_MAP = 6,		/* iova, paddr, size, prot, ret */
	SHIM_EV_IOMMU_UNMAP = 7,	/* iova, size, unmapped */
	SHIM_EV_IOTLB_SYNC = 8,		/* pages */
	SHIM_EV_IOVA_TO_PHYS = 9,	/* iova, phys */
	SHIM_EV_SWIOTLB_MAP = 10,	/* orig, tlb, index, nslots, alloc_size */
	SHIM_EV_SWIOTLB_FULL = 11,	/* orig, alloc_size, nslots, used, total */
	SHIM_EV_SWIOTLB_UNMAP = 12,	/* tlb, index, nslots */
	SHIM_EV_SLOTS = 13,		/* pool, first slot, count: slots whose bookkeeping changed */
};

/* Allocation sites that ask harness/machine/faults.ts whether they fail. */
enum shim_fault_kind {
	SHIM_FAULT_IOVA = 0,
	SHIM_FAULT_SWIOTLB = 1,
};

/*
 * The simulated machine. Every callback returns 0, or 1 when the machine
 * stopped the kernel (the case ends as the machine says); values come back
 * through shim_out.
 */
struct shim_hw {
	int (*memcpy)(long long dst, long long src, long long size);
	int (*memset)(long long addr, int value, long long size);
	int (*cache_sync)(long long paddr, long long size, int dir, int for_device);
	/* ops->map_pages: shim_out[0] = bytes mapped; returns 1 to stop, else shim_out[1] = ret. */
	int (*map_pages)(int domain, long long iova, long long paddr, long long pgsize, long long pgcount, int prot);
	/* ops->unmap_pages: shim_out[0] = bytes unmapped. */
	int (*unmap_pages)(int domain, long long iova, long long pgsize, long long pgcount);
	/* ops->iova_to_phys: shim_out[0] = the physical address, 0 if none. */
	int (*iova_to_phys)(int domain, long long iova);
	int (*event)(int kind, long long a, long long b, long long c, long long d, long long e);
	int (*log)(const char *site, const char *message, int splat);
	/* shim_out[0] = 1 if this allocation fails. */
	int (*should_fail)(int kind, const char *site);
	int (*set_memory)(long long paddr, long long pages, int decrypted);
};

extern struct shim_hw shim_hw;
/* Where callbacks leave their values (read by C right after the callback returns). */
extern double shim_out[8];

/* Stop the case: the machine asked for it, or the kernel hit BUG(). */
__attribute__((noreturn)) void shim_stop(void);
void shim_event(int kind, long long a, long long b, long long c, long long d, long long e);
bool shim_should_fail(int kind, const char *site);

/* glue/swiotlb.c */
int shim_pool_number(struct io_tlb_mem *mem);
long shim_event_slot(struct io_tlb_mem *mem, long index);

/* glue/dma-iommu.c */
struct iova_domain *shim_domain_iovad(struct iommu_domain *domain);

#endif
