// A device that reaches only part of what is mapped for it: the bytes it
// could not reach are counted from the IOMMU's faults, reported once per
// access, and left out of the byte check (no corpus fixture gets here: every
// modelled state maps all it returns).

import { describe, expect, it } from 'vitest';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { iommu_get_dma_domain } from '../../harness/kernel.js';
import type { Kernel } from '../../harness/variant-api.js';
import { iommu_unmap } from '../../variants/v5.14/iommu.js';
import { executeScenario } from '../../harness/run/execute.js';
import { iommuOps, variant } from '../corpus.js';

/** v5.14, but every map_page loses the IOMMU entry of one page of its mapping (as a model bug would). */
async function losesPage(which: 'last' | 'first'): Promise<Kernel> {
  const kernel = (await variant('v5.14')).kernel;
  const base = await iommuOps('v5.14');
  const ops = {
    ...base,
    map_page(...args: Parameters<typeof base.map_page>) {
      const [dev, , , size] = args;
      const handle = base.map_page(...args);
      const lost = Math.floor((which === 'last' ? handle + size - 1 : handle) / 4096) * 4096;
      iommu_unmap(iommu_get_dma_domain(dev), lost, 4096);
      return handle;
    },
  };
  return { ...kernel, opsFor: () => ops };
}

const fixture = {
  id: 'device-fault',
  question: 'What does a device that reaches only part of its mapping see?',
  device: { coherent: true, untrusted: false },
  buffers: { buf: { size: 8192, fill: { counter: 0 } } },
  steps: [
    { op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_BIDIRECTIONAL' },
    { op: 'device_read', handle: 'h' },
    { op: 'device_write', handle: 'h', offset: '0x800', size: 6144, fill: { byte: 7 } },
    { op: 'device_read', handle: 'h', size: 4096 },
    { op: 'unmap_page', handle: 'h' },
  ],
  expect: {},
};

describe('a device that reaches part of its mapping', () => {
  it('reports the unreached bytes once per access and checks only the bytes it reached', async () => {
    const scenario = await resolveFixture(fixture, 'device-fault.json');
    const r = executeScenario(scenario, await losesPage('last'));
    const faults = r.violations.filter((v) => v.kind === 'device-fault');
    // The full read misses the second page, and so does the write from 0x800 on.
    expect(faults.map((v) => [v.step, v.sentence])).toEqual([
      ['2', 'device faulted reading memory mapped for it [handle=h] [device address=0xffffe000] [size=8192] [unreachable=4096 bytes]'],
      ['3', 'device faulted writing memory mapped for it [handle=h] [device address=0xffffe000] [size=6144] [unreachable=4096 bytes]'],
    ]);
    // The unreached page reads as zeros, which the check leaves out: only the reached page is compared.
    expect(r.trace.find((l) => l.startsWith('2 device read'))).toMatch(/\(1 faults\) 8192 bytes 00 01 02 03 04 05 06 07… \(as expected\)$/);
    // What landed of the write reads back; the read of the first page faults nowhere.
    expect(r.trace.find((l) => l.startsWith('4 device read'))).toMatch(/^4 device read h\[0x0\.\.\+0x1000\] 4096 bytes .* \(as expected\)$/);
    // Unmapping then finds the lost page's entry gone, and the kernel warns.
    expect(r.violations.find((v) => v.kind === 'kernel-warning')?.step).toBe('5');
    expect(r.verdict).toEqual(['device-fault', 'kernel-warning']);
  });

  it('leaves out unreached bytes wherever they are in the access', async () => {
    const scenario = await resolveFixture(fixture, 'device-fault.json');
    const r = executeScenario(scenario, await losesPage('first'));
    expect(r.violations.filter((v) => v.kind === 'device-fault').map((v) => v.sentence)).toEqual([
      expect.stringContaining('[unreachable=4096 bytes]'),
      expect.stringContaining('[unreachable=2048 bytes]'),
      expect.stringContaining('[unreachable=4096 bytes]'),
    ]);
    // The first page reads as zeros, the second as it should: compared, it is as expected.
    expect(r.trace.find((l) => l.startsWith('2 device read'))).toMatch(/\(1 faults\) 8192 bytes 00 00 00 00 00 00 00 00… \(as expected\)$/);
    expect(r.verdict).not.toContain('device-read-stale');
  });
});
