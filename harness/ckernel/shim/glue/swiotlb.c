/*
 * kernel/dma/swiotlb.c as the kernel has it, with the harness's hooks
 * around three of its functions (the build renames each definition to
 * __real_NAME): the slot search, where the model's swiotlb.ts reports a
 * bounce and asks whether the search fails; the map, which reports a full
 * pool after its message; and the release. Then a restricted pool's
 * set-up and what the harness reads of every pool's slots.
 */
#include <linux/swiotlb.h>

#include "api.h"

static int swiotlb_find_slots(struct device *dev, phys_addr_t orig_addr, size_t alloc_size, unsigned int alloc_align_mask);
static void swiotlb_release_slots(struct device *dev, phys_addr_t tlb_addr);

#include "kernel/dma/swiotlb.c"

#define SHIM_MAX_POOLS 8
static struct io_tlb_mem *pools[SHIM_MAX_POOLS];
static int npools;

int shim_pool_number(struct io_tlb_mem *mem)
{
	if (mem == &io_tlb_default_mem)
		return 0;
	for (int i = 0; i < npools; i++)
		if (pools[i] == mem)
			return i + 1;
	return -1;
}

/* Slots are numbered from the start of the default pool, as the model's events number them. */
long shim_event_slot(struct io_tlb_mem *mem, long index)
{
	if (mem == &io_tlb_default_mem || !io_tlb_default_mem.nslabs)
		return index;
	return index + (long)((long long)(mem->start - io_tlb_default_mem.start) >> IO_TLB_SHIFT);
}

static void touched(struct io_tlb_mem *mem, long first, long count)
{
	shim_event(SHIM_EV_SLOTS, shim_pool_number(mem), first, count, 0, 0);
}

/* Why the last map failed, for the event after its message. */
static struct {
	bool full;
	long long orig, alloc_size, nslots, used, total;
} failed;

static int swiotlb_find_slots(struct device *dev, phys_addr_t orig_addr, size_t alloc_size, unsigned int alloc_align_mask)
{
	struct io_tlb_mem *mem = dev->dma_io_tlb_mem;
	unsigned int offset = swiotlb_align_offset(dev, orig_addr);
	int index;

	/* A model injection point (the kernel has none here): the search fails as a full pool's does. */
	if (shim_should_fail(SHIM_FAULT_SWIOTLB, "swiotlb_find_slots"))
		index = -1;
	else
		index = __real_swiotlb_find_slots(dev, orig_addr, alloc_size, alloc_align_mask);
	if (index == -1) {
		failed.full = true;
		failed.orig = orig_addr;
		failed.alloc_size = alloc_size - offset;
		failed.nslots = nr_slots(alloc_size);
		failed.used = mem_used(mem);
		failed.total = mem->nslabs;
		return index;
	}
	touched(mem, index, nr_slots(alloc_size));
	shim_event(SHIM_EV_SWIOTLB_MAP, orig_addr, slot_addr(mem->start, index) + offset, shim_event_slot(mem, index), nr_slots(alloc_size),
		   alloc_size - offset);
	return index;
}

phys_addr_t swiotlb_tbl_map_single(struct device *dev, phys_addr_t orig_addr, size_t mapping_size, size_t alloc_size,
				   unsigned int alloc_align_mask, enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t tlb_addr;

	failed.full = false;
	tlb_addr = __real_swiotlb_tbl_map_single(dev, orig_addr, mapping_size, alloc_size, alloc_align_mask, dir, attrs);
	if (tlb_addr == (phys_addr_t)DMA_MAPPING_ERROR && failed.full)
		shim_event(SHIM_EV_SWIOTLB_FULL, failed.orig, failed.alloc_size, failed.nslots, failed.used, failed.total);
	return tlb_addr;
}

static void swiotlb_release_slots(struct device *dev, phys_addr_t tlb_addr)
{
	struct io_tlb_mem *mem = dev->dma_io_tlb_mem;
	/* Where the release starts, as it works it out; how many it gives back, from the areas' counts. */
	unsigned int offset = swiotlb_align_offset(dev, tlb_addr);
	long index = (long)((tlb_addr - offset - mem->start) >> IO_TLB_SHIFT);
	unsigned long used = mem_used(mem);

	__real_swiotlb_release_slots(dev, tlb_addr);
	used -= mem_used(mem);
	touched(mem, index, (long)used);
	shim_event(SHIM_EV_SWIOTLB_UNMAP, tlb_addr, shim_event_slot(mem, index), (long long)used, 0, 0);
}

/* A restricted-dma-pool region the device tree gives a device, where the machine placed it. */
int shim_restricted_pool_init(struct device *dev, phys_addr_t base, phys_addr_t size)
{
	struct reserved_mem *rmem = kzalloc(sizeof(*rmem), GFP_KERNEL);
	int ret;

	rmem->name = "restricted-dma-pool";
	rmem->base = base;
	rmem->size = size;
	ret = rmem_swiotlb_device_init(rmem, dev);
	if (!ret && npools < SHIM_MAX_POOLS)
		pools[npools++] = rmem->priv;
	return ret;
}

int shim_pool_count(void)
{
	return io_tlb_default_mem.nslabs ? 1 + npools : 0;
}

static struct io_tlb_mem *pool_by_number(int pool)
{
	if (pool == 0)
		return &io_tlb_default_mem;
	return pool <= npools ? pools[pool - 1] : NULL;
}

/* start, end, nslabs, slots in use */
void shim_pool_info(int pool, double *out)
{
	struct io_tlb_mem *mem = pool_by_number(pool);

	out[0] = mem ? (double)mem->start : 0;
	out[1] = mem ? (double)mem->end : 0;
	out[2] = mem ? (double)mem->nslabs : 0;
	out[3] = mem && mem->areas ? (double)mem_used(mem) : 0;
}

/* Per slot of [first, first + count): list, orig_addr (-1 when free), alloc_size. */
void shim_pool_slots(int pool, long first, long count, double *out)
{
	struct io_tlb_mem *mem = pool_by_number(pool);

	for (long i = 0; i < count; i++) {
		long s = first + i;
		bool in = mem && s >= 0 && (unsigned long)s < mem->nslabs;

		out[3 * i] = in ? mem->slots[s].list : 0;
		out[3 * i + 1] = in ? (double)(long long)mem->slots[s].orig_addr : -1;
		out[3 * i + 2] = in ? (double)mem->slots[s].alloc_size : 0;
	}
}
