import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../harness/machine/memory.js';
import { Workspace } from '../../harness/machine/workspace.js';
import { patternSource } from '../../harness/fixtures/fill.js';

describe('physical memory', () => {
  it('reads zeros where nothing was written, and allocates nothing for reads', () => {
    const m = new PhysicalMemory(new Workspace());
    expect([...m.read(0x1234_5678, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(m.framesInUse).toBe(0);
  });

  it('is byte exact across frame boundaries', () => {
    const m = new PhysicalMemory(new Workspace());
    const data = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
    m.write(0x1ffb, data);
    expect([...m.read(0x1ffb, 10)]).toEqual([...data]);
    expect([...m.read(0x1ffa, 1)]).toEqual([0]);
    expect(m.framesInUse).toBe(2);
  });

  it('costs only the frames touched, even gigabytes apart', () => {
    const m = new PhysicalMemory(new Workspace());
    for (let gib = 0; gib < 64; gib++) m.write(gib * 2 ** 30 + 7, Uint8Array.of(gib));
    expect(m.framesInUse).toBe(64);
    expect(m.read(63 * 2 ** 30 + 7, 1)[0]).toBe(63);
  });

  it('gives a backed region its fill on read without materialising it, and keeps it on partial writes', () => {
    const m = new PhysicalMemory(new Workspace());
    m.back(0x8000_0000, 2 ** 30, patternSource({ counter: 0 }));
    expect([...m.read(0x8000_0000 + 300, 3)]).toEqual([300 & 0xff, 301 & 0xff, 302 & 0xff]);
    expect(m.framesInUse).toBe(0);
    m.write(0x8000_0000 + 4096 + 10, Uint8Array.of(0xee));
    expect([...m.read(0x8000_0000 + 4096 + 9, 3)]).toEqual([(4096 + 9) & 0xff, 0xee, (4096 + 11) & 0xff]);
    expect(m.framesInUse).toBe(1);
  });
});
