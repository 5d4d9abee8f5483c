/*
 * drivers/iommu/iova.c as the kernel has it, with the harness's hooks
 * around five of its functions: the build renames each one's definition
 * to __real_NAME, so the file's own calls (and dma-iommu's) reach the hook
 * below, which calls the kernel's function and reports what it did, where
 * the TypeScript model's iova.ts emits the same events. Then what the
 * harness reads of the allocator: its rbtree's nodes and its rcache.
 */
#include <linux/iova.h>

#include "api.h"

struct iova_magazine;
static void iova_magazine_free_pfns(struct iova_magazine *mag, struct iova_domain *iovad);

#include "drivers/iommu/iova.c"

/* Set while a hooked call is under way: where the range came from or went. */
static bool from_tree, to_tree, in_free_fast;

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size, unsigned long limit_pfn, bool size_aligned)
{
	struct iova *new_iova = __real_alloc_iova(iovad, size, limit_pfn, size_aligned);

	if (new_iova)
		from_tree = true;
	return new_iova;
}

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size, unsigned long limit_pfn, bool flush_rcache)
{
	/* The size as alloc_iova_fast rounds it for the rcache (972bf252f860), for the event. */
	unsigned long pages = size < (1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) ? roundup_pow_of_two(size) : size;
	unsigned long pfn;

	from_tree = false;
	pfn = __real_alloc_iova_fast(iovad, size, limit_pfn, flush_rcache);
	if (pfn)
		shim_event(SHIM_EV_IOVA_ALLOC, pfn, pages, limit_pfn, from_tree, 0);
	else
		shim_event(SHIM_EV_IOVA_ALLOC_FAIL, pages, limit_pfn, 0, 0, 0);
	return pfn;
}

void free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	to_tree = true;
	__real_free_iova(iovad, pfn);
}

void free_iova_fast(struct iova_domain *iovad, unsigned long pfn, unsigned long size)
{
	to_tree = false;
	in_free_fast = true;
	__real_free_iova_fast(iovad, pfn, size);
	in_free_fast = false;
	shim_event(SHIM_EV_IOVA_FREE, pfn, size, to_tree, 0, 0);
}

/* A magazine's ranges go back to the rbtree: because the depot was full (in free_iova_fast) or in a flush. */
static void iova_magazine_free_pfns(struct iova_magazine *mag, struct iova_domain *iovad)
{
	bool released = false;

	for (unsigned long i = 0; i < mag->size; i++) {
		struct iova *iova = private_find_iova(iovad, mag->pfns[i]);

		if (iova) {
			shim_event(SHIM_EV_IOVA_RELEASE_NODE, iova->pfn_lo, iova->pfn_hi, 0, 0, 0);
			released = true;
		}
	}
	__real_iova_magazine_free_pfns(mag, iovad);
	if (released)
		shim_event(SHIM_EV_IOVA_RELEASE, in_free_fast ? 0 : 1, 0, 0, 0, 0);
}

struct iova_domain *shim_domain_iovad_by_id(int id);

/* The allocated ranges, anchor left out, in pfn order: (pfn_lo, pfn_hi) pairs, at most max; returns how many there are. */
long shim_iova_nodes(int domain, double *out, long max)
{
	struct iova_domain *iovad = shim_domain_iovad_by_id(domain);
	long n = 0;

	if (!iovad || !iovad->rcaches)
		return 0;
	for (struct rb_node *node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
		struct iova *iova = to_iova(node);

		if (iova == &iovad->anchor)
			continue;
		if (n < max) {
			out[2 * n] = iova->pfn_lo;
			out[2 * n + 1] = iova->pfn_hi;
		}
		n++;
	}
	return n;
}

static long put_pfns(struct iova_magazine *mag, double *out, long n, long max)
{
	for (unsigned long i = 0; mag && i < mag->size; i++, n++)
		if (n < max)
			out[n] = mag->pfns[i];
	return n;
}

/* The pfns one size class of the rcache holds: each CPU's loaded and previous magazines, then the depot's. */
long shim_iova_cached(int domain, int bin, double *out, long max)
{
	struct iova_domain *iovad = shim_domain_iovad_by_id(domain);
	struct iova_rcache *rcache;
	unsigned int cpu;
	long n = 0;

	if (!iovad || !iovad->rcaches || bin < 0 || bin >= IOVA_RANGE_CACHE_MAX_SIZE)
		return 0;
	rcache = &iovad->rcaches[bin];
	for_each_possible_cpu(cpu) {
		struct iova_cpu_rcache *cpu_rcache = per_cpu_ptr(rcache->cpu_rcaches, cpu);

		n = put_pfns(cpu_rcache->loaded, out, n, max);
		n = put_pfns(cpu_rcache->prev, out, n, max);
	}
	for (unsigned long i = 0; i < rcache->depot_size; i++)
		n = put_pfns(rcache->depot[i], out, n, max);
	return n;
}

int shim_iova_bins(void)
{
	return IOVA_RANGE_CACHE_MAX_SIZE;
}
