// A confidential guest's memory: a device without the guest's key reads
// ciphertext on a private page and its writes there are lost; shared pages
// (set_memory_decrypted) and, where the platform says so, an IOMMU that
// holds the key, see the clear bytes. The contract says so with
// private-memory.

import { describe, expect, it } from 'vitest';
import { resolveFixture } from '../../harness/fixtures/load.js';
import { withMachine } from '../../harness/machine/current.js';
import { set_memory_decrypted } from '../../harness/machine/guest-memory.js';
import { filled, makeMachine } from '../helpers.js';
import { run, variant } from '../corpus.js';
import { executeScenario } from '../../harness/run/execute.js';

describe('guest memory that is private unless shared', () => {
  it('a device reads ciphertext on a private page and the clear bytes on a shared one, and cannot write a private one', () => {
    const m = makeMachine({ memoryEncryption: 'secure-guest' }, { domain: null, coherent: false });
    m.dram.write(0x8000_0000, filled(64, 0x11));
    m.dram.write(0x8000_1000, filled(64, 0x22));
    withMachine(m, () => set_memory_decrypted(0x8000_1000, 1));
    const priv = m.dma().read(0x8000_0000, 64);
    expect(priv.private).toBe(64);
    expect(priv.data.some((b) => b === 0x11)).toBe(false);
    const shared = m.dma().read(0x8000_1000, 64);
    expect(shared.private).toBe(0);
    expect([...shared.data]).toEqual(new Array(64).fill(0x22));
    const w = m.dma().write(0x8000_0ff0, filled(0x20, 7));
    expect(w.private).toBe(0x10);
    expect(m.dram.read(0x8000_0ff0, 0x10).every((b) => b === 0)).toBe(true);
    expect(m.dram.read(0x8000_1000, 0x10).every((b) => b === 7)).toBe(true);
  });

  it('nothing is private outside a confidential guest, and an IOMMU that holds the key sees the clear bytes', () => {
    const plain = makeMachine({}, { domain: null });
    plain.dram.write(0x8000_0000, filled(8, 0x33));
    expect(plain.dma().read(0x8000_0000, 8)).toMatchObject({ private: 0 });
    const cc = makeMachine({ memoryEncryption: 'cc-guest', iommuDecrypts: true });
    cc.domain.map_each(0x1000, 0x8000_0000, 0x1000, 1, 1);
    cc.dram.write(0x8000_0000, filled(8, 0x33));
    const r = cc.dma().read(0x1000, 8);
    expect(r.private).toBe(0);
    expect([...r.data]).toEqual(new Array(8).fill(0x33));
  });

  it('a map of a private buffer for a device without an IOMMU is reported, with the ciphertext it read', async () => {
    const f = await resolveFixture(
      {
        id: 'private',
        question: 'What does a device without an IOMMU read of a private buffer in a secure guest?',
        platform: { memory_encryption: 'secure-guest' },
        device: { coherent: true, untrusted: false, domain: null },
        buffers: { buf: { size: 64, fill: { counter: 1 } } },
        steps: [
          { op: 'map_page', handle: 'h', buffer: 'buf', dir: 'DMA_TO_DEVICE' },
          { op: 'device_read', handle: 'h' },
          { op: 'unmap_page', handle: 'h' },
        ],
        expect: {},
      },
      'private.json',
    );
    const r = executeScenario(f, (await variant('v5.14')).kernel);
    expect(r.verdict).toEqual(['device-read-stale', 'private-memory']);
    expect(r.violations.find((v) => v.kind === 'private-memory')!.sentence).toContain('device read private guest memory and got ciphertext');
    // Outside a confidential guest the same case is clean.
    expect((await run('map_page+direct+noncoherent+to_device', 'v5.14')).verdict).toEqual([]);
  });
});
