/* Shadows the kernel header of this name: no ACPI IORT. */
void iort_iommu_get_resv_regions(struct device *dev, struct list_head *head);
