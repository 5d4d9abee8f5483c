// A device's default domain and its attach are the IOMMU core's (kernel code
// in the variants); the driver behind them is the machine's, a platform
// choice. A DMA domain gets dma-iommu's ops; mainline's DART keeps a DART
// whose page is larger than PAGE_SIZE in bypass, so dma-direct maps for its
// devices; on v5.14 a DMA domain with such a page BUGs in init_iova_domain.

import { describe, expect, it } from 'vitest';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { withMachine } from '../../harness/machine/current.js';
import { KernelBug } from '../../harness/machine/events.js';
import { DEFAULT_DEVICE } from '../../harness/machine/platform.js';
import { InputError } from '../../harness/input-error.js';
import { filled, makeMachine } from '../helpers.js';
import { variant } from '../corpus.js';

interface IommuApi {
  IOMMU_DOMAIN_DMA: number;
  IOMMU_DOMAIN_IDENTITY: number;
  iommu_domain_alloc(bus: unknown): { type: number; name: string } | null;
  iommu_attach_device(domain: unknown, dev: unknown): number;
}

const iommu = async (): Promise<IommuApi> => (await variant('v5.14')).kernel.files['iommu'] as unknown as IommuApi;

describe('default domains, and the driver behind them', () => {
  it('gives each device a DMA domain and dma-iommu ops on the generic driver', async () => {
    const k = await iommu();
    const m = makeMachine();
    expect(m.domain.type).toBe(k.IOMMU_DOMAIN_DMA);
    expect(m.dev.iommu_group?.default_domain).toBe(m.domain);
    expect(m.dev.translation).toBe(m.domain);
    expect(m.dev.dma_ops).not.toBeNull();
  });

  it('keeps a 16 KiB DART in bypass on a 4 KiB kernel: an identity domain, dma-direct, device addresses are physical', async () => {
    const k = await iommu();
    const m = makeMachine({ iommuDriver: 'apple-dart', iovaGranule: 16384 });
    expect(m.domain.type).toBe(k.IOMMU_DOMAIN_IDENTITY);
    expect(m.dev.dma_ops).toBeNull();
    m.dram.write(0x2345_6789, filled(4, 0x77));
    expect([...m.dma().read(0x2345_6789, 4).data]).toEqual([0x77, 0x77, 0x77, 0x77]);
    // A paging domain is refused on it.
    withMachine(m, () => {
      const vfio = k.iommu_domain_alloc(m.dev.bus)!;
      expect(k.iommu_attach_device(vfio, m.dev)).toBe(-22);
      expect(m.dev.translation).toBe(m.domain);
    });
  });

  it('keeps a DART whose page is the CPU page translating, as a DMA domain', async () => {
    const k = await iommu();
    const m = makeMachine({ iommuDriver: 'apple-dart', iovaGranule: 16384, pageSize: 16384 });
    expect(m.domain.type).toBe(k.IOMMU_DOMAIN_DMA);
    expect(m.dev.dma_ops).not.toBeNull();
  });

  it('BUGs at boot on v5.14 for a DMA domain whose granule is larger than PAGE_SIZE', () => {
    expect(() => makeMachine({ iovaGranule: 16384 })).toThrow(KernelBug);
    expect(() => makeMachine({ iovaGranule: 16384 })).toThrow('kernel BUG in init_iova_domain: BUG_ON((granule > PAGE_SIZE) || !is_power_of_2(granule))');
  });

  it('attaches an unmanaged domain to a device alone in its group, and its DMA goes through it', async () => {
    const k = await iommu();
    const m = makeMachine();
    withMachine(m, () => {
      const vfio = k.iommu_domain_alloc(m.dev.bus)!;
      expect(vfio.name).toBe('dev.1');
      expect(k.iommu_attach_device(vfio, m.dev)).toBe(0);
      expect(m.dev.translation).toBe(vfio);
      expect(m.dev.iommu_group?.domain).toBe(vfio);
      // A second one only once the first is detached (-EBUSY).
      expect(k.iommu_attach_device(k.iommu_domain_alloc(m.dev.bus), m.dev)).toBe(-16);
    });
  });
});

describe('the page size of a device\'s IOMMU', () => {
  const doc = (devices: Record<string, unknown>, platform: Record<string, unknown> = {}): unknown => ({
    id: 'granules',
    question: 'Which page size does each IOMMU have?',
    platform,
    device: { coherent: true, untrusted: false, iova_granule: 16384 },
    devices,
    buffers: { buf: { size: 64 } },
    steps: [{ op: 'cpu_read', buffer: 'buf' }],
    expect: {},
  });

  it('may be larger than PAGE_SIZE and differ from device to device', async () => {
    const s = await resolveFixture(doc({ gpu: { coherent: true, untrusted: false } }, { iommu_driver: 'apple-dart' }), 'granules.json');
    expect(s.devices.map((d) => [d.name, d.iovaGranule])).toEqual([
      ['dev', 16384],
      ['gpu', DEFAULT_DEVICE.iovaGranule],
    ]);
    expect(s.platform.iommuDriver).toBe('apple-dart');
  });

  it('is one for the devices that share a domain', async () => {
    const e = await resolveFixture(doc({ gpu: { coherent: true, untrusted: false, domain: 'dev' } }), 'granules.json').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).problems).toEqual([
      { file: 'granules.json', pointer: '/devices/gpu/iova_granule', message: 'must equal 16384, the page size of domain "dev" that "dev" gives it' },
    ]);
  });
});
