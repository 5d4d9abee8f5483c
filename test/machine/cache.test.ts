import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuCache } from '../../harness/machine/cache.js';
import { PhysicalMemory } from '../../harness/machine/memory.js';
import { Workspace } from '../../harness/machine/workspace.js';
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device } from '../../harness/machine/cpu.js';
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from '../../harness/machine/dma.js';
import { filled, onMachine } from '../helpers.js';

function setup(pool = new Workspace()): { dram: PhysicalMemory; cache: CpuCache } {
  const dram = new PhysicalMemory(pool);
  return { dram, cache: new CpuCache(dram, 64, pool) };
}

describe('CPU cache (kernel-model §5)', () => {
  it('§5 keeps CPU stores in dirty lines that DRAM, and so a non-coherent device, does not see', () => {
    const { dram, cache } = setup();
    cache.cpuWrite(0x1000, filled(64, 7));
    expect(dram.read(0x1000, 1)[0]).toBe(0);
    expect(cache.isDirty(0x1000)).toBe(true);
    expect(cache.snoopRead(0x1000, 1)[0]).toBe(7);
  });

  it('never shows bytes a recycled frame held for an earlier machine (frames are handed out unzeroed)', () => {
    const pool = new Workspace();
    const first = new CpuCache(new PhysicalMemory(pool), 64, pool);
    first.cpuWrite(0x3000, filled(4096, 0xaa));
    first.cpuFill(0x5000, 0xbb, 4096);
    pool.endCase();
    const next = setup(pool);
    // A partial line, a whole line and a whole frame: every byte comes from DRAM (zeros) or from this machine.
    next.cache.cpuWrite(0x3010, filled(16, 1));
    expect([...next.cache.cpuRead(0x3000, 64)]).toEqual([...new Array(16).fill(0), ...new Array(16).fill(1), ...new Array(32).fill(0)]);
    expect(next.cache.cpuRead(0x5000, 4096).every((b) => b === 0)).toBe(true);
    expect(next.dram.read(0x3000, 4096).every((b) => b === 0)).toBe(true);
    expect(next.cache.snoopRead(0x3040, 64).every((b) => b === 0)).toBe(true);
  });

  it('§5 clean writes every touched dirty line back and keeps it cached', () => {
    const { dram, cache } = setup();
    cache.cpuWrite(0x1010, filled(100, 9));
    const r = cache.clean(0x1010, 100);
    expect(r).toEqual({ lines: 2, written: 2, dropped: 0 });
    expect(dram.read(0x1010, 100).every((b) => b === 9)).toBe(true);
    expect(cache.isCached(0x1010)).toBe(true);
    expect(cache.isDirty(0x1010)).toBe(false);
  });

  it('§5 invalidate drops dirty data on fully covered lines', () => {
    const { dram, cache } = setup();
    cache.cpuWrite(0x2000, filled(128, 5));
    const r = cache.invalidate(0x2000, 128);
    expect(r.dropped).toBe(2);
    expect(r.written).toBe(0);
    expect(cache.cpuRead(0x2000, 128).every((b) => b === 0)).toBe(true);
    expect(dram.read(0x2000, 128).every((b) => b === 0)).toBe(true);
  });

  it('§5 invalidate cleans and invalidates partial lines at either end, so their dirty data survives', () => {
    const { dram, cache } = setup();
    cache.cpuWrite(0x3000, filled(192, 3));
    // [0x3020, 0x3090): the first and last lines are partial, the middle one is whole.
    const r = cache.invalidate(0x3020, 0x70);
    expect(r).toEqual({ lines: 3, written: 2, dropped: 1 });
    expect(dram.read(0x3000, 64).every((b) => b === 3)).toBe(true);
    expect(dram.read(0x3040, 64).every((b) => b === 0)).toBe(true);
    expect(dram.read(0x3080, 64).every((b) => b === 3)).toBe(true);
    expect(cache.cachedLineCount).toBe(0);
  });

  it('§5 a line the CPU loaded keeps its stale copy until it is invalidated', () => {
    const { dram, cache } = setup();
    cache.cpuRead(0x4000, 64);
    dram.write(0x4000, filled(64, 0xaa));
    expect(cache.cpuRead(0x4000, 1)[0]).toBe(0);
    cache.invalidate(0x4000, 64);
    expect(cache.cpuRead(0x4000, 1)[0]).toBe(0xaa);
  });

  it('evict forces dirty lines out at a chosen moment', () => {
    const { dram, cache } = setup();
    cache.cpuWrite(0x5000, filled(64, 1));
    cache.cpuWrite(0x9000, filled(64, 2));
    const r = cache.evict(0x5000, 64);
    expect(r.written).toBe(1);
    expect(dram.read(0x5000, 1)[0]).toBe(1);
    expect(dram.read(0x9000, 1)[0]).toBe(0);
    cache.evict();
    expect(dram.read(0x9000, 1)[0]).toBe(2);
  });

  it('a coherent device write updates a cached copy as well as DRAM', () => {
    const { dram, cache } = setup();
    cache.cpuRead(0x6000, 64);
    cache.snoopWrite(0x6000, filled(8, 4));
    expect(cache.cpuRead(0x6000, 1)[0]).toBe(4);
    expect(dram.read(0x6000, 1)[0]).toBe(4);
  });

  it.each([
    [DMA_TO_DEVICE, 'clean'],
    [DMA_BIDIRECTIONAL, 'clean'],
    [DMA_FROM_DEVICE, 'invalidate'],
  ] as const)('§5 arch_sync_dma_for_device(dir %i) is %s', (dir, op) => {
    onMachine((m) => {
      m.cache.cpuWrite(0x8000, filled(64, 6));
      arch_sync_dma_for_device(0x8000, 64, dir);
      const e = m.recorder.events.at(-1);
      expect(e).toMatchObject({ t: 'cache', op });
      expect(m.dram.read(0x8000, 1)[0]).toBe(op === 'clean' ? 6 : 0);
    });
  });

  it.each([
    [DMA_TO_DEVICE, 0],
    [DMA_BIDIRECTIONAL, 1],
    [DMA_FROM_DEVICE, 1],
  ] as const)('§5 arch_sync_dma_for_cpu(dir %i) does %i invalidates', (dir, n) => {
    onMachine((m) => {
      arch_sync_dma_for_cpu(0x8000, 64, dir);
      expect(m.recorder.events.filter((e) => e.t === 'cache' && e.op === 'invalidate')).toHaveLength(n);
    });
  });

  it('counts dirty lines as they change: the count is the lines isDirty() reports, after any sequence of stores and maintenance', () => {
    // Three frames and the lines either side, at two line sizes.
    const BASE = 0x10_0000 - 128;
    const SPAN = 3 * 4096 + 256;
    const op = fc.record({
      kind: fc.constantFrom('write', 'fill', 'clean', 'invalidate', 'evict', 'evict-all'),
      at: fc.integer({ min: 0, max: SPAN - 1 }),
      size: fc.integer({ min: 1, max: 5000 }),
    });
    let dirtySeen = 0;
    fc.assert(
      fc.property(fc.constantFrom(32, 64), fc.array(op, { maxLength: 30 }), (lineSize, ops) => {
        const dram = new PhysicalMemory(new Workspace());
        const cache = new CpuCache(dram, lineSize, new Workspace());
        for (const o of ops) {
          const addr = BASE + o.at;
          const size = Math.min(o.size, SPAN - o.at);
          if (o.kind === 'write') cache.cpuWrite(addr, filled(size, 1));
          else if (o.kind === 'fill') cache.cpuFill(addr, 2, size);
          else if (o.kind === 'clean') cache.clean(addr, size);
          else if (o.kind === 'invalidate') cache.invalidate(addr, size);
          else if (o.kind === 'evict') cache.evict(addr, size);
          else cache.evict();
          let dirty = 0;
          for (let line = BASE - lineSize; line < BASE + SPAN + lineSize; line += lineSize) if (cache.isDirty(line)) dirty++;
          expect(cache.dirtyCount()).toBe(dirty);
          dirtySeen += dirty;
        }
      }),
      { numRuns: 200, seed: 5 },
    );
    expect(dirtySeen).toBeGreaterThan(1000);
  });

  it('a coherent device reads and writes the cached copy of exactly the lines that are cached, whatever lies between them', () => {
    // A model of the cache by line, to hold snoopRead and snoopWrite to: every
    // byte of a cached line is the cache's, every other byte DRAM's.
    const BASE = 0x20_0000 - 256;
    const SPAN = 2 * 4096 + 512;
    const range = fc.record({ at: fc.integer({ min: 0, max: SPAN - 1 }), size: fc.integer({ min: 1, max: 3000 }) });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('cpu_write' as const), r: range, value: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('evict' as const), r: range, value: fc.constant(0) }),
      fc.record({ kind: fc.constant('snoop_write' as const), r: range, value: fc.integer({ min: 1, max: 255 }) }),
    );
    let cachedBytesRead = 0;
    fc.assert(
      fc.property(fc.constantFrom(32, 64), fc.array(op, { maxLength: 25 }), range, (ls, ops, read) => {
        const dram = new PhysicalMemory(new Workspace());
        const cache = new CpuCache(dram, ls, new Workspace());
        const ram = new Uint8Array(SPAN + 2 * ls);
        const lines = new Map<number, Uint8Array>(); // line number -> cached bytes
        const lineOf = (a: number): number => Math.floor(a / ls);
        const bounded = (r: { at: number; size: number }) => ({ addr: BASE + r.at, size: Math.min(r.size, SPAN - r.at) });
        // Model addresses are offsets from the line below BASE.
        const origin = Math.floor(BASE / ls) * ls;
        for (const o of ops) {
          const { addr, size } = bounded(o.r);
          if (o.kind === 'cpu_write') {
            cache.cpuWrite(addr, filled(size, o.value));
            for (let l = lineOf(addr); l <= lineOf(addr + size - 1); l++) {
              if (!lines.has(l)) lines.set(l, ram.slice(l * ls - origin, (l + 1) * ls - origin));
            }
            for (let a = addr; a < addr + size; a++) lines.get(lineOf(a))![a - lineOf(a) * ls] = o.value;
          } else if (o.kind === 'evict') {
            cache.evict(addr, size);
            for (let l = lineOf(addr); l <= lineOf(addr + size - 1); l++) {
              const bytes = lines.get(l);
              if (bytes === undefined) continue;
              ram.set(bytes, l * ls - origin);
              lines.delete(l);
            }
          } else {
            cache.snoopWrite(addr, filled(size, o.value));
            for (let a = addr; a < addr + size; a++) {
              ram[a - origin] = o.value;
              const bytes = lines.get(lineOf(a));
              if (bytes !== undefined) bytes[a - lineOf(a) * ls] = o.value;
            }
          }
        }
        const { addr, size } = bounded(read);
        const expected = new Uint8Array(size);
        for (let a = addr; a < addr + size; a++) {
          const bytes = lines.get(lineOf(a));
          if (bytes !== undefined) cachedBytesRead++;
          expected[a - addr] = bytes !== undefined ? bytes[a - lineOf(a) * ls]! : ram[a - origin]!;
        }
        expect(cache.snoopRead(addr, size)).toEqual(expected);
        // And DRAM alone holds what the model's DRAM does.
        expect(dram.read(addr, size)).toEqual(ram.slice(addr - origin, addr - origin + size));
      }),
      { numRuns: 300, seed: 11 },
    );
    expect(cachedBytesRead).toBeGreaterThan(10_000);
  });
});
