// A batch of results encoded by a worker and decoded by the pool reads the
// same as the results themselves: every field, every trace line, every
// violation sentence (which travels only on its trace line), and every
// trace that travelled once for several cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, loadFixtures, resolveFixture } from '../../harness/fixtures/load.js';
import { buildFixture, DEFAULT_SPACE, scenarioArb } from '../../harness/fuzz/generate.js';
import { corpusDir } from '../../harness/paths.js';
import type { CaseResult } from '../../harness/run/result.js';
import { TextOutcome } from '../../harness/run/text-result.js';
import { BatchReader, BatchWriter, decodeBatch, encodeBatch } from '../../harness/runner/record.js';
import { runCase } from '../../harness/runner/run-case.js';
import { violationOfLine } from '../../harness/run/trace.js';
import { allVariants } from '../corpus.js';

const labels = (rs: readonly CaseResult[]) => rs.map((r) => ({ fixture: r.fixture, variant: r.variant }));

function roundTrip(results: CaseResult[]): CaseResult[] {
  // Batches of 32 from one writer to one reader, as a worker's task sends them.
  const writer = new BatchWriter();
  const reader = new BatchReader();
  const out: CaseResult[] = [];
  for (let i = 0; i < results.length; i += 32) {
    const batch = results.slice(i, i + 32);
    for (const r of batch) writer.add(r);
    out.push(...reader.read(writer.take(), labels(batch)));
  }
  return out;
}

/** The trace's bytes of a decoded result, and where they are. */
function traceBytes(r: CaseResult): Uint8Array {
  if (!(r instanceof TextOutcome)) throw new Error(`${r.id} is not a decoded result`);
  return r.textBytes();
}

describe('result batches', () => {
  it('decode to the same results, for the whole corpus on every variant', async () => {
    const variants = await allVariants();
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const results = scenarios.flatMap((s) => variants.map((v) => runCase(s, v)));
    const decoded = roundTrip(results);
    expect(decoded.map((r) => JSON.stringify(r))).toEqual(results.map((r) => JSON.stringify(r)));
    // Not vacuous: many violations, whose sentences were rebuilt from the traces.
    const sentences = decoded.flatMap((r) => (r.status === 'ok' ? r.violations.map((v) => v.sentence) : []));
    expect(sentences.length).toBeGreaterThan(2000);
    expect(new Set(sentences).size).toBeGreaterThan(100);
  });

  it('decode to the same results for generated scenarios, an error result and a timeout among them', async () => {
    const variants = await allVariants();
    const samples = fc.sample(scenarioArb({ ...DEFAULT_SPACE, maxCommands: 16 }), { seed: 7, numRuns: 60 });
    const results: CaseResult[] = [];
    for (const [i, g] of samples.entries()) {
      const scenario = await resolveFixture(buildFixture(g, `record-${i}`, 'A generated scenario.'), `record-${i}.json`);
      for (const v of variants) results.push(runCase(scenario, v));
    }
    results.splice(5, 0, { id: 'x@y', fixture: 'x', variant: 'y', status: 'error', message: 'TypeError: "quoted" … (at variants/y/dma-iommu.ts:1)' });
    results.splice(40, 0, { id: 'x@z', fixture: 'x', variant: 'z', status: 'timeout', budget_ms: 2000 });
    const decoded = roundTrip(results);
    expect(decoded.map((r) => JSON.stringify(r))).toEqual(results.map((r) => JSON.stringify(r)));
    expect(decoded.filter((r) => r.status === 'ok' && r.violations.length > 0).length).toBeGreaterThan(50);
  });

  it('carries a trace once per fixture: later cases with the same trace read it where it first went', async () => {
    const variants = await allVariants();
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const results = scenarios.flatMap((s) => variants.map((v) => runCase(s, v)));
    const decoded = roundTrip(results);
    const traceTotal = results.reduce((n, r) => n + traceBytes(r).length, 0);
    const distinct = new Map<string, Uint8Array>();
    let shared = 0;
    for (const r of decoded) {
      const bytes = traceBytes(r);
      const key = `${r.fixture}\n${Buffer.from(bytes).toString('latin1')}`;
      const first = distinct.get(key);
      if (first === undefined) distinct.set(key, bytes);
      else {
        // The same memory as the first case with this trace, not a copy of it.
        expect(bytes.buffer).toBe(first.buffer);
        expect(bytes.byteOffset).toBe(first.byteOffset);
        shared++;
      }
    }
    // Not vacuous: most cases of the corpus share a trace with an earlier variant.
    expect(shared).toBeGreaterThan(results.length / 2);
    expect(distinct.size).toBe(results.length - shared);
    // And the batches are smaller by about as much: every distinct trace once, plus heads.
    const writer = new BatchWriter();
    for (const r of results) writer.add(r);
    const carried = writer.take().length;
    const distinctTotal = [...distinct.values()].reduce((n, b) => n + b.length, 0);
    expect(carried).toBeGreaterThan(distinctTotal);
    expect(carried).toBeLessThan(distinctTotal + results.length * 1024);
    expect(carried).toBeLessThan(traceTotal / 2);
  });

  it('shares traces only within a fixture: a copy of a fixture under another id carries its own', async () => {
    const variants = await allVariants();
    const [s] = await loadFixtures(await fixtureFiles(corpusDir));
    const one = variants.map((v) => runCase(s!, v));
    const copy = variants.map((v) => runCase({ ...s!, id: `${s!.id}-copy` }, v));
    expect(traceBytes(copy[0]!)).toEqual(traceBytes(one[0]!));
    const alone = encodeBatch(one).length;
    const both = encodeBatch([...one, ...copy]).length;
    // Ids are not in a batch, so the copy weighs exactly what the original does.
    expect(both).toBe(2 * alone);
    const decoded = decodeBatch(encodeBatch([...one, ...copy]), labels([...one, ...copy]));
    expect(traceBytes(decoded[variants.length]!).byteOffset).not.toBe(traceBytes(decoded[0]!).byteOffset);
  });

  it('refuses a batch that names a trace in a batch its reader has not read', async () => {
    const variants = await allVariants();
    const [s] = await loadFixtures(await fixtureFiles(corpusDir));
    const results = variants.map((v) => runCase(s!, v));
    const w = new BatchWriter();
    w.add(results[0]!);
    w.take();
    w.add(results[0]!);
    const second = w.take();
    expect(() => new BatchReader().read(second, labels(results.slice(0, 1)))).toThrow(/batch 0 .* not in the 1 batches read/);
  });

  it('hands over each batch in a buffer of its own, exactly its length, that later batches leave alone', async () => {
    const variants = await allVariants();
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const results = scenarios.slice(0, 6).flatMap((s) => variants.map((v) => runCase(s, v)));
    const w = new BatchWriter();
    const half = results.length >> 1;
    for (const r of results.slice(0, half)) w.add(r);
    const first = w.take();
    const copy = first.slice();
    // The writer goes on (a worker's next batch) before the first batch is read.
    for (const r of results.slice(half)) w.add(r);
    const second = w.take();
    // What the collecting thread receives is the batch and nothing more, in shared memory.
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(first.length);
    expect(second.buffer.byteLength).toBe(second.length);
    expect(first.buffer).not.toBe(second.buffer);
    expect(first.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(first).toEqual(copy);
    const reader = new BatchReader();
    const decoded = [...reader.read(first, labels(results.slice(0, half))), ...reader.read(second, labels(results.slice(half)))];
    expect(decoded.map((r) => JSON.stringify(r))).toEqual(results.map((r) => JSON.stringify(r)));
  });

  it('encodes a result read back from JSON (a saved report) byte for byte as the result it was', async () => {
    const variants = await allVariants();
    const scenarios = await loadFixtures(await fixtureFiles(corpusDir));
    const results = scenarios.slice(0, 8).flatMap((s) => variants.map((v) => runCase(s, v)));
    const plain = JSON.parse(JSON.stringify(results)) as CaseResult[];
    expect(plain.some((r) => r.status === 'ok' && r.violations.length > 0)).toBe(true);
    expect(Buffer.from(encodeBatch(plain)).equals(Buffer.from(encodeBatch(results)))).toBe(true);
  });

  it('refuses a batch whose length does not match its cases', async () => {
    const [v] = await allVariants();
    const [s] = await loadFixtures(await fixtureFiles(corpusDir));
    const r = runCase(s!, v!);
    const bytes = encodeBatch([r, r]);
    expect(() => decodeBatch(bytes, [{ fixture: r.fixture, variant: r.variant }])).toThrow(/end at/);
  });

  it('reads violations only from violation lines, and refuses a trace whose violation lines do not match the count', async () => {
    expect(violationOfLine('3#2.1   !! stale-pte: page-table entry left after unmap: handle h')).toEqual({
      kind: 'stale-pte',
      step: '3#2.1',
      sentence: 'page-table entry left after unmap: handle h',
    });
    // A machine event (three spaces, then a word) and a step's own line (one space) are not violations,
    // whatever their text holds further on.
    expect(violationOfLine('2   WARNING: swiotlb_bounce:   !! odd: text')).toBeUndefined();
    expect(violationOfLine('2 map_page h = buf[0x0..+0x40]   !! stale-pte: x')).toBeUndefined();
    expect(violationOfLine('end   !! resource-leak')).toBeUndefined();

    const [v] = await allVariants();
    const s = (await loadFixtures(await fixtureFiles(corpusDir))).find((f) => f.id.includes('fragmented'))!;
    const r = runCase(s, v!);
    if (r.status !== 'ok') throw new Error('the case did not run');
    expect(r.violations.length).toBeGreaterThan(10);
    // Drop one violation from the result but not from its trace: the decoded result says so when read.
    const plain = JSON.parse(JSON.stringify(r)) as typeof r;
    const [bad] = decodeBatch(encodeBatch([{ ...plain, violations: plain.violations.slice(1) }]), labels([r]));
    expect(() => (bad as typeof r).violations).toThrow(/violation lines/);
  });
});
