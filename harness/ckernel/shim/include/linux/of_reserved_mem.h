/* Shadows the kernel header of this name: a reserved-memory region as the device tree gives it. */
struct reserved_mem;
struct reserved_mem_ops {
	int (*device_init)(struct reserved_mem *rmem, struct device *dev);
	void (*device_release)(struct reserved_mem *rmem, struct device *dev);
};
struct reserved_mem {
	const char *name;
	unsigned long fdt_node;
	unsigned long phandle;
	const struct reserved_mem_ops *ops;
	phys_addr_t base;
	phys_addr_t size;
	void *priv;
};
/* The harness calls a region's set-up itself (core.c): nothing scans a device tree. */
#define RESERVEDMEM_OF_DECLARE(name, compat, init) \
	static int (*const __shim_rmem_setup_##name)(struct reserved_mem *) __used = init
