// The pseries secure-guest story (seed D), as bytes: what a device behind a
// TCE table reads and writes on v5.5 (secure guests keep dma-direct), after
// Ram Pai's v5 (1/2 shares the TCE list page, 2/2 gives dma_iommu_ops back,
// with the DDW bypass), with Michael Roth's guard, and along the series that
// landed in v5.6 (d862b44133b7 alone, then Alexey Kardashevskiy's H_PUT_TCE
// one at a time). Each test drives a variant's kernel as a driver would and
// reads memory through the device's own DMA or the hypervisor's TCE table.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { DMA_MAPPING_ERROR, DMA_TO_DEVICE, DMA_FROM_DEVICE } from '../../harness/machine/dma.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM, type PlatformConfig } from '../../harness/machine/platform.js';
import { Machine } from '../../harness/machine/machine.js';
import { setMask } from '../../harness/run/masks.js';
import { allVariants, run, variant } from '../corpus.js';

const BEFORE = 'v5.5-pseries';
const AFTER = 'pseries-v5-2-dma-iommu-ops';
const GUARD = 'pseries-roth-guard';
const REVERT = 'pseries-v5.6-1-revert';
const NO_MULTI = 'pseries-v5.6-2-ddw-no-multitce';
const LANDED = 'pseries-v5.6-4-svm-iommu';
const BUF = 0x8000_0000;

function counter(n: number, from: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
}

/** A booted pseries machine with one device behind its PE's TCE table. */
async function pseries(id: string, platform: Partial<PlatformConfig>, bits: number) {
  const k = (await variant(id)).kernel;
  const m = new Machine({ ...DEFAULT_PLATFORM, memoryEncryption: 'secure-guest', ...platform }, [{ ...DEFAULT_DEVICE, dmaMaskBits: bits }]);
  withMachine(m, () => k.boot(m));
  return {
    m,
    /** The device's DMA API now (its dma_ops, or dma-direct). */
    ops: () => k.opsFor(m.dev),
    mask: (which: 'dma_set_mask' | 'dma_set_coherent_mask' | 'dma_set_mask_and_coherent', b: number) => withMachine(m, () => setMask(which, k.opsFor(m.dev), m.dev, b)),
  };
}

/** The CPU writes `data` at BUF, the driver maps it to the device, and the device reads it: what it got. */
function transmit(p: Awaited<ReturnType<typeof pseries>>, data: Uint8Array) {
  const { m } = p;
  m.cache.cpuWrite(BUF, data);
  const h = withMachine(m, () => p.ops().map_page(m.dev, BUF, 0, data.length, DMA_TO_DEVICE, 0));
  expect(h).not.toBe(DMA_MAPPING_ERROR);
  return { handle: h, read: m.dma().read(h, data.length) };
}

describe('D.6: a 64-bit device with DDW in a secure guest (the patch\'s claim)', () => {
  it('faults before the patch: the bounce\'s physical address has no TCE', async () => {
    const p = await pseries(BEFORE, {}, 64);
    expect(p.mask('dma_set_mask_and_coherent', 64)).toBe(0);
    const { handle, read } = transmit(p, counter(1500, 1));
    expect(handle).toBeLessThan(2 ** 32);
    expect(read.faults.map((f) => f.length)).toEqual([1500]);
  });

  it('reads the CPU\'s bytes after it, at the DDW base plus the shared bounce', async () => {
    const p = await pseries(AFTER, {}, 64);
    expect(p.mask('dma_set_mask_and_coherent', 64)).toBe(0);
    const data = counter(1500, 1);
    const { handle, read } = transmit(p, data);
    expect(handle - p.m.platform.ddwBase).toBe(p.m.platform.swiotlbBase);
    expect(read.faults).toEqual([]);
    expect(read.private).toBe(0);
    expect([...read.data]).toEqual([...data]);
  });

  it('gives the CPU the device\'s bytes back at unmap after it', async () => {
    const p = await pseries(AFTER, {}, 64);
    p.mask('dma_set_mask_and_coherent', 64);
    const { m } = p;
    const h = withMachine(m, () => p.ops().map_page(m.dev, BUF, 0, 2048, DMA_FROM_DEVICE, 0));
    const w = m.dma().write(h, counter(2048, 7));
    expect(w.faults).toEqual([]);
    withMachine(m, () => p.ops().unmap_page(m.dev, h, 2048, DMA_FROM_DEVICE, 0));
    expect([...m.cache.cpuRead(BUF, 2048)]).toEqual([...counter(2048, 7)]);
  });
});

describe('D.6: Michael Roth\'s prediction, a 32-bit device in a secure guest', () => {
  it('after the patch the streaming map puts a TCE on the private page: the device reads ciphertext', async () => {
    const p = await pseries(AFTER, {}, 32);
    expect(p.mask('dma_set_mask_and_coherent', 32)).toBe(0);
    const data = counter(4096, 1);
    const { handle, read } = transmit(p, data);
    expect(handle).toBeLessThan(p.m.platform.tceWindowBytes);
    expect(read.faults).toEqual([]);
    expect(read.private).toBe(4096);
    expect(read.data.filter((b, i) => b === data[i]).length).toBe(0);
  });

  it('after the patch its write does not reach the guest', async () => {
    const p = await pseries(AFTER, {}, 32);
    p.mask('dma_set_mask_and_coherent', 32);
    const { m } = p;
    m.cache.cpuWrite(BUF, new Uint8Array(4096).fill(0xee));
    const h = withMachine(m, () => p.ops().map_page(m.dev, BUF, 0, 4096, DMA_FROM_DEVICE, 0));
    expect(m.dma().write(h, counter(4096, 7)).private).toBe(4096);
    expect(m.cache.cpuRead(BUF, 4096).every((b) => b === 0xee)).toBe(true);
  });

  it('after the patch its coherent buffer is private; before it, shared', async () => {
    for (const [id, isPrivate] of [
      [AFTER, true],
      [BEFORE, false],
    ] as const) {
      const p = await pseries(id, {}, 32);
      p.mask('dma_set_mask_and_coherent', 32);
      const handle = { value: 0 };
      const cpu = withMachine(p.m, () => p.ops().alloc!(p.m.dev, 0x2000, handle, 0, 0));
      expect(cpu).not.toBe(0);
      expect(p.m.guest.isPrivate(cpu, 0x2000), id).toBe(isPrivate);
    }
  });

  it('after the patch the TCEs point at the caller\'s private page and the fresh coherent pages', async () => {
    const r = await run('pseries+secure_guest+32bit+stream+coherent', AFTER);
    const hcalls = r.trace.filter((l) => /H_PUT_TCE|ultravisor: 1 page/.test(l)).map((l) => l.replace(/^\S+\s+/, ''));
    // tx (read-only) and rx (read and write) one TCE each; the 8 KiB ring's two through the list page, shared for the call.
    expect(hcalls).toEqual([
      'H_PUT_TCE liobn 0x1 ioba 0x1000 tce 0x80000001',
      'H_PUT_TCE liobn 0x1 ioba 0x10000 tce 0x80010003',
      'ultravisor: 1 page at 0x20002000 shared with the hypervisor (zeroed)',
      'H_PUT_TCE_INDIRECT liobn 0x1 ioba 0x20000 2 TCEs listed at 0x20002000',
      'ultravisor: 1 page at 0x20002000 made secure again (zeroed)',
    ]);
    const ring = r.trace.findIndex((l) => l.includes('device read ring'));
    expect(r.trace[ring]).toContain('8192 of 8192 bytes differ');
  });

  it('with the guard dma_set_mask fails (-EIO) and the probe stops before any DMA', async () => {
    const r = await run('pseries+secure_guest+32bit+stream+coherent', GUARD);
    expect(r.verdict).toEqual([]);
    expect(r.trace.find((l) => l.includes('dma_set_mask'))).toMatch(/dma_set_mask_and_coherent DMA_BIT_MASK\(32\) -> -5$/);
    expect(r.trace.some((l) => /map_page|dma_alloc_coherent/.test(l))).toBe(false);
    expect(r.trace.join('\n')).toContain('64-bit DMA required when PEF enabled: mask 0xffffffff');
  });
});

describe('D-4: the TCE list page in a secure guest, along the series that landed', () => {
  /** The default window's TCEs after an 8-page map of BUF on a 32-bit device: where each points. */
  async function eightPages(id: string) {
    const p = await pseries(id, {}, 32);
    expect(p.mask('dma_set_mask_and_coherent', 32)).toBe(0);
    const { handle, read } = transmit(p, counter(0x8000, 1));
    const tce = p.m.tceTable(p.m.dev.config.domain!);
    const targets = Array.from({ length: 8 }, (_, i) => tce.translate(handle - (handle % 4096) + i * 4096, false));
    return { p, read, targets };
  }

  it('d862b44133b7 alone hands the hypervisor the private list page: it reads ciphertext and installs TCEs that point nowhere', async () => {
    const { read, targets } = await eightPages(REVERT);
    expect(targets.every((t) => t.fault !== undefined || t.phys! >= 2 ** 52 || t.phys! < BUF || t.phys! >= BUF + 0x8000)).toBe(true);
    expect(read.faults.reduce((n, f) => n + f.length, 0)).toBe(0x8000);
    const r = await run('pseries+secure_guest+32bit+8_page_map', REVERT);
    expect(r.trace.join('\n')).toContain('hypervisor read private guest memory and got ciphertext [what=the H_PUT_TCE_INDIRECT TCE list] [range=0x20000000+0x40]');
  });

  it('Ram Pai\'s 1/2 shares the page for the call, and the TCEs point at the buffer', async () => {
    const { p, targets } = await eightPages(AFTER);
    expect(targets.map((t) => t.phys)).toEqual(Array.from({ length: 8 }, (_, i) => BUF + i * 4096));
    // Unshared again (and zeroed) once the call is done.
    expect(p.m.guest.isPrivate(0x2000_0000, 4096)).toBe(true);
  });

  it('Alexey Kardashevskiy\'s 4/4 sets them with 8 H_PUT_TCE calls and shares no page', async () => {
    const { targets } = await eightPages(LANDED);
    expect(targets.map((t) => t.phys)).toEqual(Array.from({ length: 8 }, (_, i) => BUF + i * 4096));
    const r = await run('pseries+secure_guest+32bit+8_page_map', LANDED);
    expect(r.trace.filter((l) => l.includes('H_PUT_TCE')).map((l) => l.replace(/^\S+\s+/, ''))).toEqual(['H_PUT_TCE x8 liobn 0x1 ioba 0x1000.. tce 0x80000001.. step 0x1000']);
    expect(r.trace.some((l) => l.includes('ultravisor: 1 page'))).toBe(false);
  });

  it('the 64-bit device gets the right bytes through the DDW on 4/4 and on Ram Pai\'s series, not on d862b44133b7 alone', async () => {
    for (const [id, works] of [
      [LANDED, true],
      [AFTER, true],
      [REVERT, false],
    ] as const) {
      const p = await pseries(id, {}, 64);
      expect(p.mask('dma_set_mask_and_coherent', 64)).toBe(0);
      const data = counter(1500, 1);
      const { read } = transmit(p, data);
      expect(read.faults.length === 0 && read.data.every((b, i) => b === data[i]), id).toBe(works);
    }
  });

  it('without hcall-multi-tce the DDW is made from 7559d3d295f3 on, one H_PUT_TCE per TCE; before, H_FUNCTION ends it', async () => {
    for (const [id, works] of [
      [NO_MULTI, true],
      [REVERT, false],
      [AFTER, false],
    ] as const) {
      const p = await pseries(id, { hcallMultiTce: false }, 64);
      expect(p.mask('dma_set_mask_and_coherent', 64)).toBe(0);
      expect(p.m.dev.archdata.dma_offset !== 0, id).toBe(works);
      const data = counter(1500, 1);
      const { read } = transmit(p, data);
      expect(read.faults.length === 0 && read.data.every((b, i) => b === data[i]), id).toBe(works);
    }
  });
});

describe('D.6: disable_ddw and mixed masks', () => {
  it('disable_ddw sends a 64-bit device to the TCE path after the patch, guard or not', async () => {
    for (const id of [AFTER, GUARD]) {
      const p = await pseries(id, { disableDdw: true }, 64);
      expect(p.mask('dma_set_mask_and_coherent', 64)).toBe(0);
      expect(transmit(p, counter(512, 1)).read.private, id).toBe(512);
    }
  });

  it('the last setter decides the bypass: mask(64) then coherent(32) maps through the TCE table, the reverse through the DDW', async () => {
    const a = await pseries(AFTER, {}, 64);
    a.mask('dma_set_mask', 64);
    a.mask('dma_set_coherent_mask', 32);
    expect(a.m.dev.archdata.iommu_bypass).toBe(false);
    expect(transmit(a, counter(256, 1)).read.private).toBe(256);
    const b = await pseries(AFTER, {}, 64);
    b.mask('dma_set_coherent_mask', 32);
    b.mask('dma_set_mask', 64);
    expect(b.m.dev.archdata.iommu_bypass).toBe(true);
    const t = transmit(b, counter(256, 1));
    expect(t.read.private).toBe(0);
    expect([...t.read.data]).toEqual([...counter(256, 1)]);
  });
});

describe('D.6: a guest that is not secure', () => {
  it('runs the same trace on every pseries variant, and the 64-bit device uses the DDW', async () => {
    const ids = (await allVariants()).filter((v) => v.meta.series.startsWith('pseries') || v.meta.series === 'review-roth').map((v) => v.meta.id);
    expect(ids).toHaveLength(7);
    expect(ids).toEqual(expect.arrayContaining([BEFORE, AFTER, GUARD, REVERT, NO_MULTI, LANDED]));
    const results = await Promise.all(ids.map((id) => run('pseries+non_secure+64bit+32bit', id)));
    for (const r of results) expect(r.trace).toEqual(results[0]!.trace);
    expect(results[0]!.verdict).toEqual([]);
    expect(results[0]!.trace.find((l) => / map_page ha /.test(l))).toMatch(/-> 0x10000080000080$/);
  });

  it('is clean on every variant of every platform, as run', async () => {
    const verdicts = await Promise.all((await allVariants()).map(async (v) => [v.meta.id, (await run('pseries+non_secure+64bit+32bit', v.meta.id)).verdict] as const));
    expect(verdicts.length).toBeGreaterThan(30);
    expect(verdicts.filter(([, v]) => v.length > 0)).toEqual([]);
  });
});

describe('the pseries platform settings, as the kernel sees them', () => {
  it('clears the default window at set-up, and merges a scatterlist whose TCE allocations follow on (virtual merging)', async () => {
    const r = await run('map_sg+trusted+swiotlb_force+three_pages', BEFORE);
    expect(r.trace[0]).toMatch(/^boot\s+H_STUFF_TCE liobn 0x1 ioba 0x0 262144 TCEs cleared$/);
    // Three pages physically apart, TCEs 1, 2 and 3: one output segment.
    expect(r.trace.find((l) => l.includes('map_sg l'))).toMatch(/-> 1 segment 0x1000\+0x3000$/);
    expect(r.verdict).toEqual([]);
  });

  it('keeps TCE 0 back, and puts maps of more than 15 TCEs in the large pool, the top quarter of the window', async () => {
    for (const bytes of [2 ** 30, 2 ** 31]) {
      const p = await pseries(AFTER, { memoryEncryption: 'none', tceWindowBytes: bytes }, 32);
      p.mask('dma_set_mask_and_coherent', 32);
      const small = withMachine(p.m, () => p.ops().map_page(p.m.dev, BUF, 0, 4096, DMA_TO_DEVICE, 0));
      expect(small).toBe(0x1000);
      const large = withMachine(p.m, () => p.ops().map_page(p.m.dev, BUF + 0x10_0000, 0, 16 * 4096, DMA_TO_DEVICE, 0));
      expect(large, `${bytes}-byte window`).toBe((bytes / 4) * 3);
    }
  });

  it('without a DDW from firmware a 64-bit device takes the TCE path, and the PE is not asked again', async () => {
    const p = await pseries(AFTER, { ddwAvailable: false }, 64);
    expect(p.mask('dma_set_mask', 64)).toBe(0);
    expect(p.m.dev.archdata.iommu_bypass).toBe(false);
    expect(transmit(p, counter(512, 1)).read.private).toBe(512);
    const warned = () => p.m.recorder.events.filter((e) => e.t === 'warn' && e.site === 'enable_ddw').length;
    expect(warned()).toBe(1);
    p.mask('dma_set_mask', 64);
    expect(warned()).toBe(1);
  });

  it('gives a DDW once per PE: a second device of the PE reuses its base', async () => {
    const k = (await variant(AFTER)).kernel;
    const m = new Machine({ ...DEFAULT_PLATFORM }, [
      { ...DEFAULT_DEVICE, domain: 'pe' },
      { ...DEFAULT_DEVICE, name: 'fn1', domain: 'pe' },
    ]);
    withMachine(m, () => k.boot(m));
    for (const d of m.devices) expect(withMachine(m, () => setMask('dma_set_mask', k.opsFor(d), d, 64))).toBe(0);
    expect(m.devices.map((d) => d.archdata.dma_offset)).toEqual([m.platform.ddwBase, m.platform.ddwBase]);
    expect(m.tceTables.size).toBe(1);
  });
});
