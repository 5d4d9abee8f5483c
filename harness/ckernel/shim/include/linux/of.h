/* Shadows the kernel header of this name: no device tree nodes. */
static inline bool is_of_node(const struct fwnode_handle *fwnode) { (void)fwnode; return false; }
