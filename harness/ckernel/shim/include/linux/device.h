/*
 * struct device as the DMA code reads it, a superset of what 6.1's
 * streaming paths touch: its masks and DMA parameters, its dma_ops, its
 * swiotlb pool, its IOMMU domain and the PCI flags the harness sets. The
 * harness fills one per simulated device (core.c, shim_device_create).
 */
#ifndef SHIM_LINUX_DEVICE_H
#define SHIM_LINUX_DEVICE_H

#include <linux/timer.h>

struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned int min_align_mask;
	unsigned long segment_boundary_mask;
};

struct bus_type {
	const char *name;
};

struct dma_map_ops;
struct bus_dma_region;
struct io_tlb_mem;
struct iommu_group;
struct iommu_domain;
struct dev_iommu;
struct device_node;
struct fwnode_handle;
struct cma;

struct device {
	struct device *parent;
	const char *init_name;
	struct bus_type *bus;
	void *driver_data;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	const struct bus_dma_region *dma_range_map;
	struct device_dma_parameters *dma_parms;
	struct list_head dma_pools;
	struct cma *cma_area;
	struct io_tlb_mem *dma_io_tlb_mem;
	const struct dma_map_ops *dma_ops;
	struct dev_iommu *iommu;
	struct iommu_group *iommu_group;
	struct device_node *of_node;
	struct fwnode_handle *fwnode;
	int numa_node;
	bool dma_coherent;
	bool dma_ops_bypass;
	/* Not the kernel's: what the harness knows of the device. */
	bool shim_is_pci;
	struct iommu_domain *shim_domain;
	int shim_id;
};

static inline const char *dev_name(const struct device *dev) { return dev->init_name; }
static inline void *dev_get_drvdata(const struct device *dev) { return dev->driver_data; }
static inline int dev_to_node_shim(struct device *dev) { return dev->numa_node; }
static inline bool device_iommu_mapped(struct device *dev) { return dev->iommu_group != NULL; }
static inline struct device *get_device(struct device *dev) { return dev; }
static inline void put_device(struct device *dev) { (void)dev; }

#endif
#include <shim/pr_fmt.h>
