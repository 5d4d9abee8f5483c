/*
 * A PCI device is a struct device with the flag the DMA code asks about
 * (untrusted: behind an external-facing port), on a bus whose host bridge
 * has no windows and no DMA ranges to reserve.
 */
#ifndef SHIM_LINUX_PCI_H
#define SHIM_LINUX_PCI_H

#include <linux/device.h>

struct resource {
	resource_size_t start;
	resource_size_t end;
	const char *name;
	unsigned long flags;
};
#define IORESOURCE_TYPE_BITS 0x00001f00
#define IORESOURCE_MEM 0x00000200
static inline unsigned long resource_type(const struct resource *res) { return res->flags & IORESOURCE_TYPE_BITS; }
static inline resource_size_t resource_size(const struct resource *res) { return res->end - res->start + 1; }

struct resource_entry {
	struct list_head node;
	struct resource *res;
	resource_size_t offset;
	struct resource __res;
};
#define resource_list_for_each_entry(entry, list) list_for_each_entry((entry), (list), node)

struct pci_bus {
	struct pci_bus *parent;
};

struct pci_host_bridge {
	struct list_head windows;
	struct list_head dma_ranges;
};

struct pci_dev {
	struct pci_bus *bus;
	unsigned short vendor;
	unsigned short device;
	struct device dev;
	unsigned int untrusted:1;
};

#define to_pci_dev(n) container_of(n, struct pci_dev, dev)
#define dev_is_pci(d) ((d)->shim_is_pci)
struct pci_host_bridge *pci_find_host_bridge(struct pci_bus *bus);

#endif
