/*
 * The shim's kernel side: what the kernel files call that lives in other
 * kernel files the harness does not build (printk, the slab and memblock
 * allocators, per-CPU data, the driver core, the IOMMU driver's ops, the
 * arch cache maintenance), routed to the simulated machine where the
 * machine models it; and the calls the harness makes into the kernel (boot,
 * the DMA API as kernel/dma/mapping.c dispatches it). Compiled against the
 * kernel tree's headers like the kernel files, with shim.h force-included.
 */
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>

#include "api.h"
#include "drivers/iommu/dma-iommu.h"
#include "host.h"

struct shim_hw shim_hw;
double shim_out[8];

unsigned int shim_nr_cpus = 1;
unsigned long volatile jiffies;
unsigned long min_low_pfn;
unsigned long max_low_pfn;
unsigned long max_pfn;

/* What the harness told boot about the machine. */
static struct {
	bool cc_guest;
	bool secure_guest;
	phys_addr_t swiotlb_base;
	bool next_memblock_is_pool;
	bool booted;
} machine;

__attribute__((noreturn)) void shim_stop(void)
{
	host_stop();
}

void shim_event(int kind, long long a, long long b, long long c, long long d, long long e)
{
	if (shim_hw.event(kind, a, b, c, d, e))
		shim_stop();
}

bool shim_should_fail(int kind, const char *site)
{
	if (shim_hw.should_fail(kind, site))
		shim_stop();
	return shim_out[0] != 0;
}

/* ---- memory ---- */

static bool is_machine_address(const void *p)
{
	return (uintptr_t)p >= SHIM_LINEAR_BASE && (uintptr_t)p < SHIM_PAGE_BASE;
}

static long long phys_of(const void *p)
{
	return (long long)((uintptr_t)p - SHIM_LINEAR_BASE);
}

void *shim_memcpy(void *dst, const void *src, size_t n)
{
	bool d = is_machine_address(dst), s = is_machine_address(src);
	if (d && s) {
		if (shim_hw.memcpy(phys_of(dst), phys_of(src), (long long)n))
			shim_stop();
	} else if (!d && !s) {
		host_memcpy(dst, src, n);
	} else {
		shim_bug(__func__, "memcpy between the machine's memory and the kernel's own");
	}
	return dst;
}

void *shim_memset(void *s, int c, size_t n)
{
	if (!is_machine_address(s)) {
		host_memset(s, c, n);
		return s;
	}
	/*
	 * At boot the kernel zeroes memory it set aside for swiotlb; the
	 * machine's memory is zero where nothing was written, and the model's
	 * kernel does not zero it either, so boot's memsets are not events.
	 */
	if (!machine.booted && c == 0)
		return s;
	if (shim_hw.memset(phys_of(s), c, (long long)n))
		shim_stop();
	return s;
}

void *shim_memmove(void *dst, const void *src, size_t n)
{
	if (is_machine_address(dst) || is_machine_address(src))
		return shim_memcpy(dst, src, n);
	host_memmove(dst, src, n);
	return dst;
}

int shim_memcmp(const void *a, const void *b, size_t n)
{
	if (is_machine_address(a) || is_machine_address(b))
		shim_bug(__func__, "memcmp on the machine's memory");
	return host_memcmp(a, b, n);
}

size_t shim_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int shim_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int shim_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *shim_strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	return host_strtoul(cp, endp, (int)base);
}

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') { *res = true; return 0; }
		if (s[1] == 'f' || s[1] == 'F') { *res = false; return 0; }
		break;
	}
	return -EINVAL;
}

/* ---- printk, WARN, BUG ---- */

/* A level of KERN_WARNING or worse reaches the machine's log; info and debug lines do not. */
static void log_line(const char *site, const char *prefix, const char *fmt, va_list ap, int splat)
{
	char line[512];
	int level = 4;
	if (fmt[0] == KERN_SOH[0] && fmt[1]) {
		level = fmt[1] == 'c' ? 6 : fmt[1] - '0';
		fmt += 2;
	}
	if (!splat && level > 4)
		return;
	size_t n = 0;
	if (prefix)
		n = (size_t)host_format(line, sizeof(line), "%s: ", prefix);
	host_vformat(line + n, sizeof(line) - n, fmt, ap);
	size_t len = shim_strlen(line);
	while (len > 0 && line[len - 1] == '\n')
		line[--len] = 0;
	/* A hooked function's own name, not the build's rename of it. */
	if (shim_strncmp(site, "__real_", 7) == 0)
		site += 7;
	if (shim_hw.log(site, line, splat))
		shim_stop();
}

int shim_printk(const char *site, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(site, NULL, fmt, ap, 0);
	va_end(ap);
	return 0;
}

void shim_dev_printk(const char *site, const struct device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(site, dev ? dev_name(dev) : NULL, fmt, ap, 0);
	va_end(ap);
}

void shim_warn(const char *site, const struct device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(site, dev ? dev_name(dev) : NULL, fmt, ap, 1);
	va_end(ap);
}

__attribute__((noreturn)) void shim_bug(const char *site, const char *what)
{
	char line[256];
	host_format(line, sizeof(line), "kernel BUG in %s: %s", site, what);
	/* A BUG stops the case whatever the printk callback says. */
	shim_hw.log(site, line, 2);
	shim_stop();
}

/* A function the shim does not provide was called (the link step's stubs). */
__attribute__((noreturn)) void shim_missing(const char *name)
{
	char line[256];
	host_format(line, sizeof(line), "the shim does not provide %s, which the kernel called", name);
	shim_hw.log(name, line, 3);
	shim_stop();
}

/* ---- allocators ---- */

void *shim_kmalloc(size_t size, gfp_t flags)
{
	return host_alloc(size, 64, !!(flags & __GFP_ZERO));
}

void shim_kfree(const void *ptr)
{
	host_free(ptr);
}

struct kmem_cache {
	const char *name;
	unsigned int size;
	/* The failslab point the harness's fault injection uses, if any. */
	int fault;
	const char *site;
};

struct kmem_cache *shim_kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	(void)align;
	(void)flags;
	(void)ctor;
	struct kmem_cache *cache = host_alloc(sizeof(*cache), 8, 1);
	cache->name = name;
	cache->size = size;
	cache->fault = -1;
	/* iova.c's cache of struct iova: alloc_iova_mem() is a failslab point (faults.ts "iova"). */
	if (shim_strcmp(name, "iommu_iova") == 0) {
		cache->fault = SHIM_FAULT_IOVA;
		cache->site = "alloc_iova_mem";
	}
	return cache;
}

void *shim_kmem_cache_alloc(struct kmem_cache *cache, gfp_t flags)
{
	if (cache->fault >= 0 && shim_should_fail(cache->fault, cache->site))
		return NULL;
	return host_alloc(cache->size, 64, !!(flags & __GFP_ZERO));
}

void shim_kmem_cache_free(struct kmem_cache *cache, void *obj)
{
	(void)cache;
	host_free(obj);
}

/*
 * memblock: host memory, except the first allocation swiotlb's boot makes,
 * the pool itself, which is the machine's memory where the platform puts
 * the pool (the model's memblock never fails).
 */
void *shim_memblock_alloc(phys_addr_t size, phys_addr_t align, const char *what)
{
	(void)what;
	if (machine.next_memblock_is_pool) {
		machine.next_memblock_is_pool = false;
		return phys_to_virt(machine.swiotlb_base);
	}
	return host_alloc(size, align, 1);
}

void *shim_alloc_percpu(size_t size, size_t align)
{
	(void)align;
	return host_alloc(ALIGN(size, 64) * shim_nr_cpus, 64, 1);
}

void shim_free_percpu(void *ptr)
{
	host_free(ptr);
}

/* ---- confidential guests ---- */

bool cc_platform_has(enum cc_attr attr)
{
	switch (attr) {
	case CC_ATTR_MEM_ENCRYPT:
	case CC_ATTR_GUEST_MEM_ENCRYPT:
		return machine.cc_guest;
	default:
		return false;
	}
}

static int set_memory(unsigned long addr, int numpages, int decrypted)
{
	if (shim_hw.set_memory(phys_of((void *)addr), numpages, decrypted))
		shim_stop();
	return 0;
}

int shim_set_memory_decrypted(unsigned long addr, int numpages)
{
	return set_memory(addr, numpages, 1);
}

int shim_set_memory_encrypted(unsigned long addr, int numpages)
{
	return set_memory(addr, numpages, 0);
}

/* ---- arch: arm64's cache maintenance is the machine's ---- */

static void cache_sync(phys_addr_t paddr, size_t size, enum dma_data_direction dir, int for_device)
{
	if (shim_hw.cache_sync((long long)paddr, (long long)size, dir, for_device))
		shim_stop();
}

void arch_sync_dma_for_device(phys_addr_t paddr, size_t size, enum dma_data_direction dir)
{
	cache_sync(paddr, size, dir, 1);
}

void arch_sync_dma_for_cpu(phys_addr_t paddr, size_t size, enum dma_data_direction dir)
{
	cache_sync(paddr, size, dir, 0);
}

/* ---- lib: what the kernel files use of lib/ ---- */

struct scatterlist *sg_next(struct scatterlist *sg)
{
	if (sg_is_last(sg))
		return NULL;
	sg++;
	if (unlikely(sg_is_chain(sg)))
		sg = sg_chain_ptr(sg);
	return sg;
}

/* A stable insertion sort: the lists the DMA code sorts here are short (empty, in fact). */
void list_sort(void *priv, struct list_head *head, int (*cmp)(void *priv, const struct list_head *a, const struct list_head *b))
{
	struct list_head sorted;
	INIT_LIST_HEAD(&sorted);
	while (!list_empty(head)) {
		struct list_head *e = head->next, *pos;
		list_del(e);
		for (pos = sorted.prev; pos != &sorted && cmp(priv, pos, e) > 0; pos = pos->prev)
			;
		__list_add(e, pos, pos->next);
	}
	if (!list_empty(&sorted)) {
		head->next = sorted.next;
		head->prev = sorted.prev;
		sorted.next->prev = head;
		sorted.prev->next = head;
	}
}

/* ---- the driver core and the IOMMU driver ---- */

#define SHIM_MAX_DEVICES 16
#define SHIM_MAX_DOMAINS 16

static struct pci_host_bridge host_bridge;
static struct pci_bus root_bus;
static struct pci_dev *devices[SHIM_MAX_DEVICES];
static struct iommu_domain *domains[SHIM_MAX_DOMAINS];
static int ndevices, ndomains;

struct pci_host_bridge *pci_find_host_bridge(struct pci_bus *bus)
{
	(void)bus;
	return &host_bridge;
}

struct shim_domain {
	struct iommu_domain domain;
	int id;
};

static int domain_id(struct iommu_domain *domain)
{
	return container_of(domain, struct shim_domain, domain)->id;
}

/* The driver's ops: the page table and its behaviour are the machine's. */
static int shim_map_pages(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t pgsize, size_t pgcount, int prot, gfp_t gfp, size_t *mapped)
{
	(void)gfp;
	if (shim_hw.map_pages(domain_id(domain), (long long)iova, (long long)paddr, (long long)pgsize, (long long)pgcount, prot))
		shim_stop();
	*mapped = (size_t)shim_out[0];
	return (int)shim_out[1];
}

static size_t shim_unmap_pages(struct iommu_domain *domain, unsigned long iova, size_t pgsize, size_t pgcount, struct iommu_iotlb_gather *gather)
{
	if (shim_hw.unmap_pages(domain_id(domain), (long long)iova, (long long)pgsize, (long long)pgcount))
		shim_stop();
	size_t unmapped = (size_t)shim_out[0];
	/* As the io-pgtable drivers do, page by page, for the IOTLB invalidation that follows. */
	if (unmapped)
		iommu_iotlb_gather_add_range(gather, iova, unmapped);
	return unmapped;
}

static phys_addr_t shim_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	if (shim_hw.iova_to_phys(domain_id(domain), (long long)iova))
		shim_stop();
	phys_addr_t phys = (phys_addr_t)(long long)shim_out[0];
	shim_event(SHIM_EV_IOVA_TO_PHYS, (long long)iova, (long long)phys, 0, 0, 0);
	return phys;
}

/* Strict invalidation: what the unmap gathered is synced at once (the machine has no IOTLB to go stale). */
static void shim_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather)
{
	unsigned long granule = domain->pgsize_bitmap & -domain->pgsize_bitmap;
	long long pages = gather->end > gather->start ? (long long)((gather->end - gather->start + 1) / granule) : 0;
	shim_event(SHIM_EV_IOTLB_SYNC, pages, 0, 0, 0, 0);
}

static const struct iommu_domain_ops shim_domain_ops = {
	.map_pages = shim_map_pages,
	.unmap_pages = shim_unmap_pages,
	.iova_to_phys = shim_iova_to_phys,
	.iotlb_sync = shim_iotlb_sync,
};

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	return dev->shim_domain;
}

struct iommu_domain *iommu_get_dma_domain(struct device *dev)
{
	return dev->shim_domain;
}

/* No firmware reservations (no reserved regions, no MSI windows). */
void iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	(void)dev;
	(void)list;
}

void iommu_put_resv_regions(struct device *dev, struct list_head *list)
{
	(void)dev;
	(void)list;
}

/* ---- the harness's calls ---- */

/* Called once, when the library is loaded, before the snapshot. */
int shim_init(void)
{
	return host_init();
}

/* A fresh kernel: the statics as at load, nothing allocated. */
void shim_reset(void)
{
	host_reset();
}

/* Run the early parameter handlers (early_param) named on a command line of "name=value" words. */
extern const struct shim_param __start_shim_params[], __stop_shim_params[];
static void parse_early_params(char *cmdline)
{
	char *p = cmdline;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *word = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		char *value = shim_strchr(word, '=');
		if (value)
			*value++ = 0;
		for (const struct shim_param *sp = __start_shim_params; sp < __stop_shim_params; sp++)
			if (shim_strcmp(sp->name, word) == 0)
				sp->setup(value ? value : word + shim_strlen(word));
	}
}

extern const struct shim_initcall __start_shim_initcalls[], __stop_shim_initcalls[];
static void do_initcalls(void)
{
	for (int level = 1; level <= 7; level++)
		for (const struct shim_initcall *ic = __start_shim_initcalls; ic < __stop_shim_initcalls; ic++)
			if (ic->level == level)
				ic->fn();
}

struct boot_args {
	int cpus;
	int cc_guest;
	int secure_guest;
	long long swiotlb_base;
	const char *cmdline;
};

static long long boot_early(void *ctx)
{
	struct boot_args *a = ctx;
	char cmdline[256];
	host_format(cmdline, sizeof(cmdline), "%s", a->cmdline);
	shim_nr_cpus = (unsigned int)a->cpus;
	machine.cc_guest = a->cc_guest;
	machine.secure_guest = a->secure_guest;
	machine.swiotlb_base = (phys_addr_t)a->swiotlb_base;
	INIT_LIST_HEAD(&host_bridge.windows);
	INIT_LIST_HEAD(&host_bridge.dma_ranges);
	parse_early_params(cmdline);
#ifdef CONFIG_SWIOTLB
	/*
	 * The model's platforms always want a pool (arm64's mem_init and x86's
	 * pci_swiotlb_detect ask for one when memory reaches past what devices
	 * can address). a3e230926708: an x86 guest whose memory is encrypted
	 * forces every dma-direct map through it; so does a powerpc secure VM,
	 * whose pool may sit anywhere. Then mem_encrypt_init shares it.
	 */
	unsigned int flags = SWIOTLB_VERBOSE;
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		flags |= SWIOTLB_FORCE;
	if (machine.secure_guest)
		flags |= SWIOTLB_ANY | SWIOTLB_FORCE;
	machine.next_memblock_is_pool = true;
	swiotlb_init(true, flags);
	machine.next_memblock_is_pool = false;
	if (cc_platform_has(CC_ATTR_MEM_ENCRYPT) || machine.secure_guest)
		swiotlb_update_mem_attributes();
#endif
	do_initcalls();
	return 0;
}

/* Guarded calls: a kernel that stops (BUG, or the machine said so) returns *stopped = 1. */
long long shim_boot_early(int cpus, int cc_guest, int secure_guest, long long swiotlb_base, const char *cmdline, int *stopped)
{
	struct boot_args a = { cpus, cc_guest, secure_guest, swiotlb_base, cmdline };
	return host_call(boot_early, &a, stopped);
}

struct domain_args {
	int id;
	long long granule;
	long long aperture_end;
};

static long long domain_create(void *ctx)
{
	struct domain_args *a = ctx;
	if (ndomains >= SHIM_MAX_DOMAINS)
		shim_bug(__func__, "too many IOMMU domains");
	struct shim_domain *d = host_alloc(sizeof(*d), 8, 1);
	d->id = a->id;
	d->domain.type = IOMMU_DOMAIN_DMA;
	d->domain.ops = &shim_domain_ops;
	d->domain.pgsize_bitmap = (unsigned long)a->granule;
	d->domain.geometry.aperture_start = 0;
	d->domain.geometry.aperture_end = (dma_addr_t)a->aperture_end;
	d->domain.geometry.force_aperture = true;
	domains[ndomains++] = &d->domain;
	/* The IOMMU driver's domain_alloc for a DMA domain takes the DMA cookie. */
	return iommu_get_dma_cookie(&d->domain);
}

long long shim_domain_create(int id, long long granule, long long aperture_end, int *stopped)
{
	struct domain_args a = { id, granule, aperture_end };
	return host_call(domain_create, &a, stopped);
}

static struct iommu_domain *domain_by_id(int id)
{
	for (int i = 0; i < ndomains; i++)
		if (domain_id(domains[i]) == id)
			return domains[i];
	return NULL;
}

struct device_args {
	int id;
	const char *name;
	int is_pci;
	int untrusted;
	int coherent;
	int dma_mask_bits;
	long long bus_dma_limit;
	long long max_seg_size;
	long long seg_boundary_mask;
	long long min_align_mask;
	int domain;
	long long restricted_base;
	long long restricted_size;
};

int shim_restricted_pool_init(struct device *dev, phys_addr_t base, phys_addr_t size);

/*
 * device_initialize() and the bus's probe: the device's DMA parameters,
 * its swiotlb pool (a restricted one from the device tree for a device
 * without an IOMMU, as of_dma_configure does), then arm64's
 * arch_setup_dma_ops (VT-d's probe_finalize makes the same
 * iommu_setup_dma_ops call on x86): of_dma_configure's range for a device
 * without dma-ranges, from 0 for 4 GiB.
 */
static long long device_create(void *ctx)
{
	struct device_args *a = ctx;
	if (ndevices >= SHIM_MAX_DEVICES)
		shim_bug(__func__, "too many devices");
	struct pci_dev *pdev = host_alloc(sizeof(*pdev), 8, 1);
	struct device *dev = &pdev->dev;
	struct device_dma_parameters *parms = host_alloc(sizeof(*parms), 8, 1);
	u64 *mask = host_alloc(sizeof(*mask), 8, 1);
	char *name = host_alloc(shim_strlen(a->name) + 1, 1, 1);
	host_memcpy(name, a->name, shim_strlen(a->name));
	pdev->bus = &root_bus;
	pdev->untrusted = a->untrusted;
	dev->init_name = name;
	dev->shim_is_pci = a->is_pci;
	dev->shim_id = a->id;
	*mask = DMA_BIT_MASK(a->dma_mask_bits);
	dev->dma_mask = mask;
	dev->coherent_dma_mask = *mask;
	dev->bus_dma_limit = (u64)a->bus_dma_limit;
	parms->max_segment_size = (unsigned int)a->max_seg_size;
	parms->segment_boundary_mask = (unsigned long)a->seg_boundary_mask;
	parms->min_align_mask = (unsigned int)a->min_align_mask;
	dev->dma_parms = parms;
	INIT_LIST_HEAD(&dev->dma_pools);
#ifdef CONFIG_SWIOTLB
	dev->dma_io_tlb_mem = &io_tlb_default_mem;
#endif
	devices[ndevices++] = pdev;
	if (a->domain >= 0) {
		dev->shim_domain = domain_by_id(a->domain);
		dev->iommu_group = (struct iommu_group *)dev->shim_domain;
	}
#ifdef CONFIG_SWIOTLB
	if (a->domain < 0 && a->restricted_size) {
		if (shim_restricted_pool_init(dev, (phys_addr_t)a->restricted_base, (phys_addr_t)a->restricted_size))
			dev_err(dev, "failed to initialise \"restricted-dma-pool\" memory node");
	}
#endif
	dev->dma_coherent = a->coherent;
	if (dev->shim_domain)
		iommu_setup_dma_ops(dev, 0, 0 + (1ULL << 32) - 1);
	return 0;
}

long long shim_device_create(int id, const char *name, int is_pci, int untrusted, int coherent, int dma_mask_bits, long long bus_dma_limit,
			     long long max_seg_size, long long seg_boundary_mask, long long min_align_mask, int domain,
			     long long restricted_base, long long restricted_size, int *stopped)
{
	struct device_args a = { id, name, is_pci, untrusted, coherent, dma_mask_bits, bus_dma_limit, max_seg_size, seg_boundary_mask,
				 min_align_mask, domain, restricted_base, restricted_size };
	return host_call(device_create, &a, stopped);
}

/* Boot is over: from now on the kernel's memsets are the machine's events. */
void shim_boot_done(void)
{
	machine.booted = true;
}

static struct device *device_by_id(int id)
{
	for (int i = 0; i < ndevices; i++)
		if (devices[i]->dev.shim_id == id)
			return &devices[i]->dev;
	shim_bug(__func__, "no such device");
}

/* ---- the DMA API, dispatched as kernel/dma/mapping.c does: the device's dma_ops, or dma-direct ---- */

dma_addr_t shim_direct_map_page(struct device *dev, struct page *page, unsigned long offset, size_t size, enum dma_data_direction dir, unsigned long attrs);
void shim_direct_unmap_page(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir, unsigned long attrs);
void shim_direct_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir);
void shim_direct_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir);
int shim_direct_map_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir, unsigned long attrs);
void shim_direct_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir, unsigned long attrs);
void shim_direct_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir);
void shim_direct_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nents, enum dma_data_direction dir);

enum shim_op {
	OP_MAP_PAGE,
	OP_UNMAP_PAGE,
	OP_MAP_SG,
	OP_UNMAP_SG,
	OP_SYNC_SINGLE_FOR_CPU,
	OP_SYNC_SINGLE_FOR_DEVICE,
	OP_SYNC_SG_FOR_CPU,
	OP_SYNC_SG_FOR_DEVICE,
};

struct call_args {
	int op;
	struct device *dev;
	dma_addr_t addr;
	unsigned long offset;
	size_t size;
	int dir;
	unsigned long attrs;
	struct scatterlist *sg;
	int nents;
};

static long long dma_call(void *ctx)
{
	struct call_args *a = ctx;
	struct device *dev = a->dev;
	const struct dma_map_ops *ops = get_dma_ops(dev);
	switch (a->op) {
	case OP_MAP_PAGE: {
		struct page *page = pfn_to_page(PHYS_PFN(a->addr));
		dma_addr_t r = ops ? ops->map_page(dev, page, a->offset, a->size, a->dir, a->attrs)
				   : shim_direct_map_page(dev, page, a->offset, a->size, a->dir, a->attrs);
		return (long long)r;
	}
	case OP_UNMAP_PAGE:
		if (ops)
			ops->unmap_page(dev, a->addr, a->size, a->dir, a->attrs);
		else
			shim_direct_unmap_page(dev, a->addr, a->size, a->dir, a->attrs);
		return 0;
	case OP_MAP_SG:
		return ops ? ops->map_sg(dev, a->sg, a->nents, a->dir, a->attrs) : shim_direct_map_sg(dev, a->sg, a->nents, a->dir, a->attrs);
	case OP_UNMAP_SG:
		if (ops)
			ops->unmap_sg(dev, a->sg, a->nents, a->dir, a->attrs);
		else
			shim_direct_unmap_sg(dev, a->sg, a->nents, a->dir, a->attrs);
		return 0;
	case OP_SYNC_SINGLE_FOR_CPU:
		if (!ops)
			shim_direct_sync_single_for_cpu(dev, a->addr, a->size, a->dir);
		else if (ops->sync_single_for_cpu)
			ops->sync_single_for_cpu(dev, a->addr, a->size, a->dir);
		return 0;
	case OP_SYNC_SINGLE_FOR_DEVICE:
		if (!ops)
			shim_direct_sync_single_for_device(dev, a->addr, a->size, a->dir);
		else if (ops->sync_single_for_device)
			ops->sync_single_for_device(dev, a->addr, a->size, a->dir);
		return 0;
	case OP_SYNC_SG_FOR_CPU:
		if (!ops)
			shim_direct_sync_sg_for_cpu(dev, a->sg, a->nents, a->dir);
		else if (ops->sync_sg_for_cpu)
			ops->sync_sg_for_cpu(dev, a->sg, a->nents, a->dir);
		return 0;
	case OP_SYNC_SG_FOR_DEVICE:
		if (!ops)
			shim_direct_sync_sg_for_device(dev, a->sg, a->nents, a->dir);
		else if (ops->sync_sg_for_device)
			ops->sync_sg_for_device(dev, a->sg, a->nents, a->dir);
		return 0;
	}
	return 0;
}

/*
 * A scatterlist as the harness passes it: five numbers per entry (the
 * physical address of its page, offset, length, DMA address, DMA length),
 * copied into the kernel's struct scatterlist for the call and back after it.
 */
#define SG_FIELDS 5

static struct scatterlist *sg_in(const double *in, int nents)
{
	struct scatterlist *sgl = host_alloc(sizeof(*sgl) * (size_t)(nents > 0 ? nents : 1), 8, 1);
	for (int i = 0; i < nents; i++) {
		const double *f = in + i * SG_FIELDS;
		sg_set_page(&sgl[i], pfn_to_page(PHYS_PFN((phys_addr_t)f[0])), (unsigned int)f[2], (unsigned int)f[1]);
		sgl[i].dma_address = (dma_addr_t)(long long)f[3];
		sg_dma_len(&sgl[i]) = (unsigned int)f[4];
	}
	if (nents > 0)
		sg_mark_end(&sgl[nents - 1]);
	return sgl;
}

static void sg_out(struct scatterlist *sgl, double *out, int nents)
{
	for (int i = 0; i < nents; i++) {
		double *f = out + i * SG_FIELDS;
		f[0] = (double)page_to_phys(sg_page(&sgl[i]));
		f[1] = sgl[i].offset;
		f[2] = sgl[i].length;
		f[3] = (double)(long long)sgl[i].dma_address;
		f[4] = sg_dma_len(&sgl[i]);
	}
	host_free(sgl);
}

long long shim_dma(int op, int device, long long addr, long long offset, long long size, int dir, long long attrs, double *sg, int nents, int *stopped)
{
	struct call_args a = { op, NULL, (dma_addr_t)addr, (unsigned long)offset, (size_t)size, dir, (unsigned long)attrs, NULL, nents };
	*stopped = 0;
	for (int i = 0; i < ndevices; i++)
		if (devices[i]->dev.shim_id == device)
			a.dev = &devices[i]->dev;
	if (a.dev == NULL)
		return -ENODEV;
	if (sg)
		a.sg = sg_in(sg, nents);
	long long r = host_call(dma_call, &a, stopped);
	if (sg)
		sg_out(a.sg, sg, nents);
	return r;
}

/* The IOVA allocator behind a domain, for the harness's view of it (glue/iova.c reads it). */
struct iova_domain *shim_domain_iovad_by_id(int id)
{
	struct iommu_domain *domain = domain_by_id(id);
	return domain ? shim_domain_iovad(domain) : NULL;
}

/* The machine's callbacks, set once when the library is loaded (before shim_init's snapshot). */
void shim_set_hw(const struct shim_hw *hw)
{
	shim_hw = *hw;
}

#ifndef CONFIG_SWIOTLB
/* Without CONFIG_SWIOTLB there is no pool (glue/swiotlb.c has these otherwise). */
int shim_pool_count(void)
{
	return 0;
}

void shim_pool_info(int pool, double *out)
{
	(void)pool;
	out[0] = out[1] = out[2] = out[3] = 0;
}

void shim_pool_slots(int pool, long first, long count, double *out)
{
	(void)pool;
	(void)first;
	(void)count;
	(void)out;
}
#endif
