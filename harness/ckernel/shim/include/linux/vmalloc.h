/* Shadows the kernel header of this name: declared for the coherent-allocation paths, which the harness never calls. */
void vunmap(const void *addr);
void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot);
void vfree(const void *addr);
#define VM_MAP 0x00000004
