/* Shadows the kernel header of this name: MSI doorbells are not modelled. */
struct device *msi_desc_to_dev(struct msi_desc *desc);
void msi_desc_set_iommu_msi_iova(struct msi_desc *desc, u64 msi_iova, unsigned int msi_shift);
