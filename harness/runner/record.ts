// How a batch of results crosses from a worker thread to the main thread:
// one byte array in shared memory, exactly as long as the batch. A case is
// a status byte, three lengths (head, trace, number of violations), its
// head (verdict, notes, costs, final state; see head.ts) and its trace text
// as it was written. The violations are their trace lines ("<step>   !!
// <kind>: <sentence>", see trace.ts), as in every result. A case that did
// not run to the end (an error, a timeout) is its status byte, its length
// and its result as JSON. The main thread rebuilds each result around its
// bytes (text-result.ts): the head is read, and the trace split into
// lines, when first read.
//
// A trace is carried once per fixture. Most variants of a series behave
// alike on most fixtures (the standard corpus has 85 distinct traces in
// 435 cases, 27% of its trace bytes), so when a case's trace is byte for
// byte one that the same writer already wrote for the same fixture, the
// case says where that one is (which batch of the writer's, at which
// offset) instead of carrying it again, and its result reads the trace
// from there. Batches are read in the order they were written, by one
// reader per writer (BatchReader), so the earlier batch is always at hand.
// A run lists its cases fixture by fixture, so a writer remembers the
// traces of the fixture it is on and forgets them at the next one (a
// fixture met again later carries its traces again).
//
// Structured cloning the results instead would copy every trace line as its
// own string on both sides, which cost more than running the cases.

import { HeadWriter } from '../run/head.js';
import { caseId, type CaseResult } from '../run/result.js';
import { grown } from '../run/trace-text.js';
import { TextOutcome, TextResult, traceText, violationCount } from '../run/text-result.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The trace follows the head. */
const OK = 0;
/** Not run to the end: the result as JSON. */
const OTHER = 1;
/** The trace is elsewhere: two 32-bit numbers after the header say in which batch and where. */
const SAME_TRACE = 2;

/** Status byte, then head length, trace length and number of violations (32 bits each). */
const HEADER = 13;
/** What SAME_TRACE adds to the header: the batch's number (0 for a writer's first) and the trace's offset in it. */
const WHERE = 8;

/** How many of a fixture's distinct traces a writer remembers, the latest ones. */
const REMEMBERED = 16;

/** A trace a writer has written: in its batch number `batch`, at `at`, `length` bytes. */
interface Written {
  batch: number;
  at: number;
  length: number;
  /** The bytes, once their batch is handed over. */
  bytes: Uint8Array | undefined;
}

/**
 * Encodes results one at a time as they are made, so that a worker holds no
 * finished result (a batch of 64 kept alive until it was sent cost the
 * collector 3%); take() hands over the bytes so far. The batches a writer
 * hands over are to be read in the same order by one BatchReader.
 */
export class BatchWriter {
  private out = Buffer.allocUnsafeSlow(1 << 16);
  private at = 0;

  private readonly head = new HeadWriter();

  /** The number of the batch being written: how many were handed over. */
  private batch = 0;
  /** The fixture of the last case written, and its distinct traces so far, the latest last. */
  private fixture: string | undefined;
  private traces: Written[] = [];

  add(r: CaseResult): void {
    if (r.status !== 'ok') {
      const json = encoder.encode(JSON.stringify(r));
      this.room(HEADER + json.length);
      this.header(OTHER, json.length, 0, 0);
      this.out.set(json, this.at);
      this.at += json.length;
      return;
    }
    this.head.write(r instanceof TextOutcome ? r.head() : [r.verdict, r.notes, r.costs, r.final]);
    const text = traceText(r);
    const size = this.head.size;
    const same = this.written(r.fixture, text);
    if (same !== undefined) {
      this.room(HEADER + WHERE + size);
      this.header(SAME_TRACE, size, text.length, violationCount(r));
      this.out.writeUInt32BE(same.batch, this.at);
      this.out.writeUInt32BE(same.at, this.at + 4);
      this.head.copyTo(this.out, this.at + WHERE);
      this.at += WHERE + size;
      return;
    }
    this.room(HEADER + size + text.length);
    this.header(OK, size, text.length, violationCount(r));
    this.head.copyTo(this.out, this.at);
    this.out.set(text, this.at + size);
    this.remember({ batch: this.batch, at: this.at + size, length: text.length, bytes: undefined });
    this.at += size + text.length;
  }

  /** Where this writer already wrote `text` for `fixture`, if it did. */
  private written(fixture: string, text: Uint8Array): Written | undefined {
    if (fixture !== this.fixture) {
      this.fixture = fixture;
      this.traces = [];
      return undefined;
    }
    for (let k = this.traces.length - 1; k >= 0; k--) {
      const w = this.traces[k]!;
      if (w.length !== text.length) continue;
      const bytes = w.bytes ?? this.out.subarray(w.at, w.at + w.length);
      if (Buffer.compare(bytes, text) === 0) return w;
    }
    return undefined;
  }

  private remember(w: Written): void {
    if (this.traces.length === REMEMBERED) this.traces.shift();
    this.traces.push(w);
  }

  private header(status: number, headLength: number, textLength: number, violations: number): void {
    const out = this.out;
    const at = this.at;
    out[at] = status;
    out.writeUInt32BE(headLength, at + 1);
    out.writeUInt32BE(textLength, at + 5);
    out.writeUInt32BE(violations, at + 9);
    this.at = at + HEADER;
  }

  /**
   * The batch so far, as a byte array of its own in shared memory, exactly
   * as long as the batch; the writer keeps its buffer for the next batch.
   *
   * Shared memory, because V8 counts the bytes of an ArrayBuffer moved to
   * the main thread as that thread's memory, and starts its collector by
   * how many arrive: with a full corpus of traces arriving every few
   * milliseconds, that thread and V8's helpers ran a mark-compact after
   * mark-compact over results that were all still alive. A
   * SharedArrayBuffer's bytes are not counted that way (they are freed with
   * the last result that holds them, at the collection that finds it dead).
   * Exactly as long, because results hold their batch: unused room would
   * live as long as they do.
   */
  take(): Uint8Array {
    const bytes = new Uint8Array(new SharedArrayBuffer(this.at));
    bytes.set(this.out.subarray(0, this.at));
    // The traces remembered since the last batch now have bytes of their own.
    for (const w of this.traces) w.bytes ??= bytes.subarray(w.at, w.at + w.length);
    this.batch++;
    this.at = 0;
    return bytes;
  }

  private room(bytes: number): void {
    if (this.at + bytes > this.out.length) this.out = grown(this.out, this.at, this.at + bytes);
  }
}

/** Rebuilds the results of one BatchWriter's batches, read in the order they were taken. */
export class BatchReader {
  private readonly batches: Uint8Array[] = [];

  /** The batch's results, in order; `labels` gives each case's fixture and variant. */
  read(bytes: Uint8Array, labels: ReadonlyArray<{ fixture: string; variant: string }>): CaseResult[] {
    this.batches.push(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: CaseResult[] = [];
    let at = 0;
    for (const { fixture, variant } of labels) {
      const status = bytes[at]!;
      const headLen = view.getUint32(at + 1);
      const textLen = view.getUint32(at + 5);
      const violations = view.getUint32(at + 9);
      at += HEADER;
      if (status === OTHER) {
        out.push(JSON.parse(decoder.decode(bytes.subarray(at, at + headLen))) as CaseResult);
        at += headLen;
        continue;
      }
      let text = bytes;
      let textAt = at + headLen;
      if (status === SAME_TRACE) {
        const batch = view.getUint32(at);
        textAt = view.getUint32(at + 4);
        at += WHERE;
        const earlier = this.batches[batch];
        if (earlier === undefined || textAt + textLen > earlier.length) {
          throw new Error(`a trace is said to be in batch ${batch} at ${textAt}, but that is not in the ${this.batches.length} batches read`);
        }
        text = earlier;
      } else if (status !== OK) throw new Error(`a batch holds a case of unknown status ${status}`);
      out.push(TextResult.decoded(caseId(fixture, variant), fixture, variant, bytes, at, headLen, text, textAt, textLen, violations));
      at += headLen + (status === OK ? textLen : 0);
    }
    if (at !== bytes.length) throw new Error(`a batch of ${labels.length} results is ${bytes.length} bytes, but they end at ${at}`);
    return out;
  }
}

/** The results as one batch of a writer of their own. */
export function encodeBatch(results: readonly CaseResult[]): Uint8Array {
  const w = new BatchWriter();
  for (const r of results) w.add(r);
  return w.take();
}

/** Rebuild a batch that encodeBatch() made; `labels` gives each case's fixture and variant, in order. */
export function decodeBatch(bytes: Uint8Array, labels: ReadonlyArray<{ fixture: string; variant: string }>): CaseResult[] {
  return new BatchReader().read(bytes, labels);
}
