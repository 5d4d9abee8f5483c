/* Shadows the kernel header of this name: no device memory, no PCI peer-to-peer pages (CONFIG_PCI_P2PDMA=n). */
static inline bool is_pci_p2pdma_page(const struct page *page) { (void)page; return false; }
