// Fault injection: the Nth allocation of a kind fails, the kernel code's
// error paths run, and the checks say what a failed map left behind.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counting, failId, parseFailId, withFail } from '../../harness/fixtures/fail.js';
import type { Fail } from '../../harness/fixtures/fixture-types.generated.js';
import { Recorder } from '../../harness/machine/events.js';
import { FaultInjector } from '../../harness/machine/faults.js';
import { executeScenario } from '../../harness/run/execute.js';
import type { CaseOutcome } from '../../harness/run/result.js';
import type { Report } from '../../harness/report/report-types.generated.js';
import { cli } from '../cli/cli.js';
import { fixture, variant } from '../corpus.js';

async function failing(fixtureId: string, variantId: string, fail: Fail): Promise<CaseOutcome> {
  return executeScenario(withFail(await fixture(fixtureId), fail), (await variant(variantId)).kernel);
}

describe('the fault injector', () => {
  it('fails the nth ask of its kind and the times - 1 after it, counting every ask', () => {
    const asks = (fail: Fail | null): boolean[] => {
      const f = new FaultInjector(fail, new Recorder());
      const out = ['iova', 'pgtable', 'iova', 'iova', 'iova'].map((k) => f.should_fail(k as 'iova' | 'pgtable', 'site'));
      expect(f.points).toEqual({ iova: 4, swiotlb: 0, pgtable: 1 });
      return out;
    };
    expect(asks(null)).toEqual([false, false, false, false, false]);
    expect(asks({ kind: 'iova', nth: 2, times: 1 })).toEqual([false, false, true, false, false]);
    expect(asks({ kind: 'iova', nth: 2, times: 2 })).toEqual([false, false, true, true, false]);
    expect(asks({ kind: 'iova', nth: 2, times: -1 })).toEqual([false, false, true, true, true]);
    expect(asks({ kind: 'pgtable', nth: 1, times: 1 })).toEqual([false, true, false, false, false]);
    expect(asks({ kind: 'iova', nth: 0, times: 1 })).toEqual([false, false, false, false, false]);
  });

  it('names a failing run so that it can be asked for again', () => {
    for (const fail of [{ kind: 'iova', nth: 3, times: 1 }, { kind: 'pgtable', nth: 12, times: -1 }] as Fail[]) {
      expect(parseFailId(failId('map_page+a+b', fail))).toEqual({ fixture: 'map_page+a+b', fail });
    }
    expect(failId('x', { kind: 'swiotlb', nth: 2, times: -1 })).toBe('x~swiotlb:2+');
    expect(parseFailId('map_page+untrusted')).toBeUndefined();
    expect(parseFailId('x~iova:0')).toBeUndefined();
  });
});

describe('a failed map', () => {
  it("on an untrusted device hands a DMA_FROM_DEVICE buffer back zeroed: the unwinding copies the zeroed bounce into it", async () => {
    const own = await executeScenario(counting(await fixture('map_page+untrusted+from_device+slot_reuse')), (await variant('v5.14')).kernel);
    expect(own.verdict).toEqual([]);
    expect(own.faults?.points).toEqual({ iova: 2, swiotlb: 2, pgtable: 2 });
    // The second page-table allocation is the map of b.
    const r = await failing('map_page+untrusted+from_device+slot_reuse', 'v5.14', { kind: 'pgtable', nth: 2, times: 1 });
    expect(r.faults).toMatchObject({ injected: 1, failed_maps: 1 });
    expect(r.trace).toContain('3 map_page hb = b[0x0..+0x200] DMA_FROM_DEVICE attrs=0 -> DMA_MAPPING_ERROR');
    expect(r.trace).toContain('3   fault injected: arm_lpae_map fails (pgtable allocation 2)');
    expect(r.trace).toContain('3   memcpy 0x40000000+0x200 -> 0x80050800');
    const corruption = r.violations.find((v) => v.kind === 'memory-corruption');
    expect(corruption?.sentence).toBe(
      "failed map changed the caller's buffer [handle=hb] [buffer=b] [offset=0x0] [size=512] [differing=512 bytes] [now=00 00 00 00 00 00 00 00…] [was=bb bb bb bb bb bb bb bb…]",
    );
    // And the driver reads the zeros.
    expect(r.trace).toContain('7 cpu read b[0x0..+0x200] 512 bytes 00 00 00 00 00 00 00 00… (512 of 512 bytes differ; expected bb bb bb bb bb bb bb bb…)');
    // Nothing else is left: the page table, the IOVA space and the pool are as they were.
    expect(r.verdict).toEqual(['cpu-read-stale', 'memory-corruption']);
    expect(r.final['domain dev']).toMatchObject({ pte_pages: 0 });
    expect(r.final['swiotlb']).toMatchObject({ used: 0 });
  });

  it('of a DMA_TO_DEVICE buffer copies nothing into it, and the caller reads its own bytes', async () => {
    const r = await failing('map_page+untrusted+noncoherent+to_device+unaligned', '5.16-7-min-align', { kind: 'pgtable', nth: 1, times: 1 });
    expect(r.faults).toMatchObject({ injected: 1, failed_maps: 1 });
    expect(r.verdict).toEqual([]);
    expect(r.notes).toContain('2: map of "h" refused: arm_lpae_map_pages was made to fail');
  });

  it('that allocated IOVA and mapped entries before failing is reported for what it leaves', async () => {
    // A 31-entry list of an untrusted device, bounced entry by entry; from the 9th IOVA on every allocation fails.
    const r = await failing('map_page+untrusted+nvme+nearly_full_pool+slot_search_spins', '5.16-2-arch-sync', { kind: 'iova', nth: 9, times: -1 });
    expect(r.trace.some((l) => l.startsWith('2 map_sg rest = ') && l.endsWith(' -> 0'))).toBe(true);
    // Before 5/5 each entry allocated two pages and the unwinding frees one: the second page stays mapped and allocated.
    expect(r.violations.filter((v) => v.step === '2' && v.kind === 'stale-pte').map((v) => v.sentence)).toContain(
      'page-table entry left by a failed map [handle=rest] [iova=0xffff1000+0x1000] [phys=0x4000f000] [pages=1]',
    );
    expect(r.violations.filter((v) => v.step === '2' && v.kind === 'resource-leak').map((v) => v.sentence)).toContain(
      'IOVA range left allocated by a failed map [handle=rest] [pfns=0xffffc-0xffffd] [pages=2]',
    );
    // 5/5 allocates one page per entry: the same failure leaves nothing.
    const fixed = await failing('map_page+untrusted+nvme+nearly_full_pool+slot_search_spins', '5.16-7-min-align', { kind: 'iova', nth: 9, times: -1 });
    expect(fixed.violations.filter((v) => v.step === '2' && (v.kind === 'stale-pte' || v.kind === 'resource-leak'))).toEqual([]);
  });

  it('is recovered by alloc_iova_fast when one IOVA allocation fails: the rcache is flushed and the retry succeeds', async () => {
    const r = await failing('map_page+trusted+nvme+512b+offset_0x800', 'v5.14', { kind: 'iova', nth: 1, times: 1 });
    expect(r.faults).toMatchObject({ injected: 1, failed_maps: 0 });
    expect(r.verdict).toEqual([]);
    const twice = await failing('map_page+trusted+nvme+512b+offset_0x800', 'v5.14', { kind: 'iova', nth: 1, times: -1 });
    expect(twice.faults?.failed_maps).toBe(1);
    expect(twice.faults?.injected).toBeGreaterThan(1);
  });

  it('on dma-direct unmaps the entries bounced before it, without syncing them back', async () => {
    const r = await failing('map_sg+direct+32bit_mask+from_device+bounced', 'v5.14', { kind: 'swiotlb', nth: 2, times: 1 });
    expect(r.trace.slice(0, 7)).toEqual([
      '1 map_sg h = {a[0x0..+0x2bc] b[0x0..+0xbb8]} DMA_FROM_DEVICE attrs=0 -> 0',
      '1   swiotlb map 0x120000100 -> 0x40000000 (slots 0..0, alloc 700)',
      '1   cache invalidate 0x40000000+0x2bc (11 lines)',
      '1   fault injected: find_slots fails (swiotlb allocation 2)',
      '1   kernel: swiotlb_tbl_map_single: swiotlb buffer is full (sz: 3000 bytes), total 32768 (slots), used 1 (slots)',
      '1   swiotlb: no 2 slots for 0x130000000 (used 1 of 32768 slots)',
      '1   swiotlb unmap 0x40000000 (slots 0..0)',
    ]);
    expect(r.verdict).toEqual([]);
  });

  it('injects nothing past the last injection point the counting run found', async () => {
    const s = await fixture('map_page+untrusted+4k_pages+odd_slot');
    const kernel = (await variant('v5.14')).kernel;
    const points = executeScenario(counting(s), kernel).faults!.points;
    for (const kind of ['iova', 'swiotlb', 'pgtable'] as const) {
      expect(executeScenario(withFail(s, { kind, nth: points[kind], times: 1 }), kernel).faults?.injected).toBe(1);
      expect(executeScenario(withFail(s, { kind, nth: points[kind] + 1, times: -1 }), kernel).faults?.injected).toBe(0);
    }
  });
});

describe('the faults command', () => {
  it('runs each fixture for every injection point of every kind, both ways, and reports each run', () => {
    const out = mkdtempSync(join(tmpdir(), 'faults-'));
    try {
      const r = cli(['faults', '-q', '-f', 'map_page+untrusted+from_device+slot_reuse', '-v', 'v5.14', '5.16-7-min-align', '-o', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
      const runs = report.faults!.fixtures[0]!.runs;
      // 2 points of each kind, each failed once and from there on.
      expect(runs).toEqual(['iova', 'swiotlb', 'pgtable'].flatMap((k) => [`~${k}:1`, `~${k}:1+`, `~${k}:2`, `~${k}:2+`]).map((s) => `map_page+untrusted+from_device+slot_reuse${s}`));
      const failingCases = report.cases.filter((c) => c.fixture.includes('~'));
      expect(failingCases).toHaveLength(24);
      for (const c of failingCases) expect(c.status === 'ok' && c.faults!.injected > 0).toBe(true);
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain('| `map_page+untrusted+from_device+slot_reuse` | iova 2, swiotlb 2, pgtable 2 | 24 |');
      expect(md).toContain('| pgtable:2 | every variant (2) | cpu-read-stale, memory-corruption | cpu-read-stale, memory-corruption | failed |');
      // The failing run can be replayed whole by its name.
      const explained = cli(['explain', 'map_page+untrusted+from_device+slot_reuse~pgtable:2', '--variant', 'v5.14']);
      expect(explained.stdout).toContain("failed map changed the caller's buffer");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a fail that names no allocation, before running anything', () => {
    const r = cli(['faults', '-q', '--kind', 'dma']);
    expect(r.code).toBe(2);
  });
});
