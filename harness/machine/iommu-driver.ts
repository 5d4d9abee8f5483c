// The IOMMU driver behind a device: what the IOMMU core (drivers/iommu/iommu.c,
// kernel code in the variants) calls in it through dev->bus->iommu_ops, and
// the IOMMU group the device is in. One instance per group: the hardware a
// fixture's domain name stands for, with its page size.
//
// Two drivers, a platform choice (platform.iommu_driver):
//   generic     a driver that gives every device the domain type the IOMMU
//               core asks for, whatever its page size (what the DART driver
//               does once Sven Peter's series removes force_bypass, 8/8).
//   apple-dart  the DART driver as merged for 5.15 (46d1fb072e76): a DART
//               whose page is larger than PAGE_SIZE is put in bypass
//               (force_bypass): it asks for an identity default domain and
//               refuses to attach any other (-EINVAL). Mainline kept that
//               rule; in late 2023 it moved into apple_dart_finalize_domain
//               with the same outcome. The model's DARTs support bypass.

import type { device } from './device.js';
import { __IOMMU_DOMAIN_PT, IommuDomain } from './iommu.js';
import { BlockedTranslation } from './translation.js';

export type IommuDriverName = 'generic' | 'apple-dart';

const EINVAL = 22;

/** struct iommu_group: its devices, and the domains the kernel gives it. */
export interface iommu_group {
  readonly name: string;
  readonly devices: device[];
  /** Set by the IOMMU core when it allocates the group's default domain. */
  default_domain: IommuDomain | null;
  /** The domain attached now. */
  domain: IommuDomain | null;
}

/** struct bus_type, for its IOMMU driver: null for a device without an IOMMU. */
export interface bus_type {
  iommu_ops: iommu_ops | null;
}

/** struct iommu_ops: the calls the IOMMU core makes into a driver. */
export interface iommu_ops {
  readonly pgsize_bitmap: number;
  device_group(dev: device): iommu_group;
  /** Optional, as in C: the default domain type the driver wants for a device, 0 for no preference. */
  def_domain_type?: (dev: device) => number;
  domain_alloc(type: number): IommuDomain | null;
  attach_dev(domain: IommuDomain, dev: device): number;
  detach_dev(domain: IommuDomain, dev: device): void;
}

/** One IOMMU instance and its driver: a group's hardware. */
export class IommuInstance implements iommu_ops {
  readonly pgsize_bitmap: number;
  readonly def_domain_type: ((dev: device) => number) | undefined;
  private readonly group: iommu_group;
  private allocated = 0;
  /** apple-dart: the DART's page is larger than the CPU's, so it is kept in bypass. */
  private readonly force_bypass: boolean;

  constructor(
    readonly driver: IommuDriverName,
    /** The group's domain, which the first domain_alloc hands out (the machine built it with the group's page table). */
    private readonly first: IommuDomain,
    pageSize: number,
    /** Makes a further domain for the group (an unmanaged one), with the instance's page size. */
    private readonly another: (name: string) => IommuDomain,
  ) {
    this.pgsize_bitmap = first.granule;
    this.group = { name: first.name, devices: [], default_domain: null, domain: null };
    this.force_bypass = driver === 'apple-dart' && first.granule > pageSize;
    this.def_domain_type = driver === 'apple-dart' ? (dev) => this.apple_dart_def_domain_type(dev) : undefined;
  }

  device_group(_dev: device): iommu_group {
    return this.group;
  }

  /** The group's devices, as the machine adds them. */
  join(dev: device): void {
    this.group.devices.push(dev);
  }

  domain_alloc(_type: number): IommuDomain | null {
    this.allocated++;
    return this.allocated === 1 ? this.first : this.another(`${this.first.name}.${this.allocated - 1}`);
  }

  attach_dev(domain: IommuDomain, dev: device): number {
    if (this.force_bypass && domain.type !== __IOMMU_DOMAIN_PT) return -EINVAL;
    dev.translation = domain;
    return 0;
  }

  detach_dev(_domain: IommuDomain, dev: device): void {
    dev.translation = new BlockedTranslation(dev.name, this.pgsize_bitmap);
  }

  private apple_dart_def_domain_type(_dev: device): number {
    return this.force_bypass ? __IOMMU_DOMAIN_PT : 0;
  }
}
