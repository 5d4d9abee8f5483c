// A pseries PE's DMA windows in the io-pgtable self-test style: an empty
// default window translates nothing, H_PUT_TCE maps one 4 KiB page with its
// permission bits, clearing unmaps it, the last TCE of the window works and
// the one after it is refused; a DDW is empty when created and maps what the
// guest fills it with; H_PUT_TCE_INDIRECT reads its list from guest memory.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { store_be64 } from '../../harness/machine/cpu.js';
import { plpar_tce_put, plpar_tce_put_indirect, plpar_tce_stuff, rtas_create_pe_dma_window } from '../../harness/machine/pseries.js';
import { H_FUNCTION, H_PARAMETER, H_SUCCESS, TCE_PCI_READ, TCE_PCI_WRITE, TceTable } from '../../harness/machine/tce.js';
import { filled, makeMachine } from '../helpers.js';

describe.each([1 << 30, 2 ** 31])('a default window of %d bytes', (bytes) => {
  it('translates nothing while empty', () => {
    const t = new TceTable('pe', 1, bytes);
    expect(t.translate(0, false)).toEqual({ fault: 'unmapped' });
    expect(t.translate(bytes - 1, true)).toEqual({ fault: 'unmapped' });
  });

  it('maps, translates with the page offset, refuses a write to a read-only TCE, and unmaps', () => {
    const t = new TceTable('pe', 1, bytes);
    expect(t.put(1, 0x3000, 0x8000_5000 + TCE_PCI_READ, 0)).toBe(H_SUCCESS);
    expect(t.translate(0x3042, false)).toEqual({ phys: 0x8000_5042 });
    expect(t.translate(0x3042, true)).toEqual({ fault: 'permission' });
    expect(t.put(1, 0x3000, 0, 0)).toBe(H_SUCCESS);
    expect(t.translate(0x3042, false)).toEqual({ fault: 'unmapped' });
  });

  it('maps the last TCE of the window and refuses the one past it', () => {
    const t = new TceTable('pe', 1, bytes);
    expect(t.put(1, bytes - 0x1000, 0x9000_0000 + TCE_PCI_READ + TCE_PCI_WRITE, 0)).toBe(H_SUCCESS);
    expect(t.translate(bytes - 1, true)).toEqual({ phys: 0x9000_0fff });
    expect(t.put(1, bytes, 0x9000_0000 + TCE_PCI_READ, 0)).toBe(H_PARAMETER);
    expect(t.translate(bytes, false)).toEqual({ fault: 'unmapped' });
  });

  it('clears a run with H_STUFF_TCE', () => {
    const t = new TceTable('pe', 1, bytes);
    for (let i = 0; i < 4; i++) t.put(1, i * 0x1000, (0x8000_0000 + i * 0x1000) + TCE_PCI_READ, 0);
    expect(t.entries()).toHaveLength(1);
    expect(t.stuff(1, 0x1000, 2)).toBe(H_SUCCESS);
    expect(t.entries().map((e) => [e.start, e.end])).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });
});

describe('a dynamic DMA window', () => {
  it('is created empty at the platform\'s base; a TCE the guest puts there lets the device read the bytes', () => {
    const m = makeMachine({}, { domain: 'pe', coherent: true });
    const t = m.tceTable('pe');
    m.dev.translation = t;
    m.dram.write(0x8000_0040, filled(16, 0x5a));
    expect(m.dma().read(m.platform.ddwBase + 0x8000_0040, 16).faults).toHaveLength(1);
    const created = { liobn: 0, addr_hi: 0, addr_lo: 0 };
    expect(withMachine(m, () => rtas_create_pe_dma_window('pe', 16, 40, created))).toBe(0);
    expect(created.addr_hi * 2 ** 32 + created.addr_lo).toBe(m.platform.ddwBase);
    expect(m.dma().read(m.platform.ddwBase + 0x8000_0040, 16).faults).toHaveLength(1);
    // One 64 KiB TCE of the DDW, by its own LIOBN.
    expect(withMachine(m, () => plpar_tce_put(created.liobn, m.platform.ddwBase + 0x8000_0000, 0x8000_0000 + TCE_PCI_READ))).toBe(H_SUCCESS);
    const r = m.dma().read(m.platform.ddwBase + 0x8000_0040, 16);
    expect(r.faults).toEqual([]);
    expect([...r.data]).toEqual(new Array(16).fill(0x5a));
    // The default window is unaffected.
    expect(t.translate(0x8000_0040, false)).toEqual({ fault: 'unmapped' });
  });

  it('H_PUT_TCE_INDIRECT reads its list from guest memory: a shared page gives the TCEs, a private one ciphertext that points nowhere', () => {
    for (const [shared, reaches] of [
      [true, true],
      [false, false],
    ] as const) {
      const m = makeMachine({ memoryEncryption: 'secure-guest' }, { domain: 'pe', coherent: true });
      const t = m.tceTable('pe');
      const list = 0x2000_0000;
      if (shared) m.guest.setShared(list, 1, true);
      withMachine(m, () => {
        for (let i = 0; i < 4; i++) store_be64(list + 8 * i, 0x8000_0000 + i * 0x1000 + TCE_PCI_READ);
        expect(plpar_tce_put_indirect(t.liobn, 0x4000, list, 4)).toBe(H_SUCCESS);
      });
      const hv = m.recorder.events.filter((e) => e.t === 'hv_read');
      expect(hv.length, `shared ${shared}`).toBe(shared ? 0 : 1);
      const got = [0, 1, 2, 3].map((i) => t.translate(0x4000 + i * 0x1000, false));
      if (reaches) expect(got).toEqual([0, 1, 2, 3].map((i) => ({ phys: 0x8000_0000 + i * 0x1000 })));
      else for (const g of got) expect(g.phys === undefined || g.phys < 0x8000_0000 || g.phys >= 0x8000_4000).toBe(true);
    }
  });

  it('answers H_FUNCTION to H_PUT_TCE_INDIRECT and H_STUFF_TCE when firmware lacks hcall-multi-tce', () => {
    const m = makeMachine({ hcallMultiTce: false }, { domain: 'pe' });
    const t = m.tceTable('pe');
    withMachine(m, () => {
      store_be64(0x2000_0000, 0x8000_0000 + TCE_PCI_READ);
      expect(plpar_tce_put_indirect(t.liobn, 0x4000, 0x2000_0000, 1)).toBe(H_FUNCTION);
      expect(plpar_tce_stuff(t.liobn, 0x4000, 0, 1)).toBe(H_FUNCTION);
      expect(plpar_tce_put(t.liobn, 0x4000, 0x8000_0000 + TCE_PCI_READ)).toBe(H_SUCCESS);
    });
    expect(t.translate(0x4000, false)).toEqual({ phys: 0x8000_0000 });
  });

  it('reaches TCEs through the hcalls by LIOBN, and refuses an unknown LIOBN', () => {
    const m = makeMachine({}, { domain: 'pe' });
    const t = m.tceTable('pe');
    expect(withMachine(m, () => plpar_tce_put(t.liobn, 0x2000, 0x8000_1000 + TCE_PCI_READ))).toBe(H_SUCCESS);
    expect(t.translate(0x2010, false)).toEqual({ phys: 0x8000_1010 });
    expect(withMachine(m, () => plpar_tce_stuff(t.liobn, 0x2000, 0, 1))).toBe(H_SUCCESS);
    expect(t.translate(0x2010, false)).toEqual({ fault: 'unmapped' });
    expect(withMachine(m, () => plpar_tce_put(99, 0, 0))).toBe(H_PARAMETER);
  });
});
