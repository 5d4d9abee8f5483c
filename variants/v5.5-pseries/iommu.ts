// drivers/iommu/iommu.c as a pseries guest of 2019 sees it: no IOMMU driver
// registers with the IOMMU core for these devices (their TCE tables are
// arch code, powerpc-iommu.ts), so the IOMMU API has no domain to give a
// driver that would own one. VFIO on pseries uses its own TCE interface,
// which the model does not have.

import type { bus_type, device, IommuDomain } from '../../harness/kernel.js';

const ENODEV = 19;

export function iommu_domain_alloc(_bus: bus_type): IommuDomain | null {
  return null;
}

export function iommu_attach_device(_domain: IommuDomain, _dev: device): number {
  return -ENODEV;
}

export function iommu_map(_domain: IommuDomain, _iova: number, _paddr: number, _size: number, _prot: number): number {
  return -ENODEV;
}

export function iommu_unmap(_domain: IommuDomain, _iova: number, _size: number): number {
  return 0;
}
