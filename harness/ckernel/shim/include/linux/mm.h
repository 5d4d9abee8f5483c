/*
 * Shadows the kernel header of this name: struct page and the linear map
 * are in shim.h; the rest is declared for the coherent-allocation and mmap
 * paths of dma-iommu.c, which the harness never calls.
 */
#ifndef SHIM_LINUX_MM_H
#define SHIM_LINUX_MM_H
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_pgoff;
	unsigned long vm_flags;
	pgprot_t vm_page_prot;
};
#define PAGE_KERNEL ((pgprot_t){ 0 })
#define pgprot_val(x) ((x).pgprot)
#define __pgprot(x) ((pgprot_t){ (x) })
static inline unsigned long vma_pages(struct vm_area_struct *vma) { return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT; }
void put_pages_list(struct list_head *pages);
void split_page(struct page *page, unsigned int order);
struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);
int vm_map_pages(struct vm_area_struct *vma, struct page **pages, unsigned long num);
#define pgprot_decrypted(prot) (prot)
int remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn, unsigned long size, pgprot_t prot);
#endif
#include <shim/pr_fmt.h>
