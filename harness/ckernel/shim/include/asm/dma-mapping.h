/* Shadows the kernel header of this name: no bus has DMA ops of its own. */
static inline const struct dma_map_ops *get_arch_dma_ops(struct bus_type *bus) { (void)bus; return NULL; }
