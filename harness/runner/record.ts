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
// Structured cloning the results instead would copy every trace line as its
// own string on both sides, which cost more than running the cases.

import { HeadWriter } from '../run/head.js';
import { caseId, type CaseResult } from '../run/result.js';
import { grown } from '../run/trace-text.js';
import { TextOutcome, TextResult, traceText, violationCount } from '../run/text-result.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const OK = 0;
const OTHER = 1;

/** Status byte, then head length, trace length and number of violations (32 bits each). */
const HEADER = 13;

/**
 * Encodes results one at a time as they are made, so that a worker holds no
 * finished result (a batch of 64 kept alive until it was sent cost the
 * collector 3%); take() hands over the bytes so far.
 */
export class BatchWriter {
  private out = Buffer.allocUnsafeSlow(1 << 16);
  private at = 0;

  private readonly head = new HeadWriter();

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
    this.room(HEADER + size + text.length);
    this.header(OK, size, text.length, violationCount(r));
    this.head.copyTo(this.out, this.at);
    this.out.set(text, this.at + size);
    this.at += size + text.length;
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
    this.at = 0;
    return bytes;
  }

  private room(bytes: number): void {
    if (this.at + bytes > this.out.length) this.out = grown(this.out, this.at, this.at + bytes);
  }
}

/** The results of a batch, in order, as one byte array. */
export function encodeBatch(results: readonly CaseResult[]): Uint8Array {
  const w = new BatchWriter();
  for (const r of results) w.add(r);
  return w.take();
}

/** Rebuild a batch's results; `labels` gives each case's fixture and variant, in order. */
export function decodeBatch(bytes: Uint8Array, labels: ReadonlyArray<{ fixture: string; variant: string }>): CaseResult[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: CaseResult[] = [];
  let at = 0;
  for (const { fixture, variant } of labels) {
    const status = bytes[at]!;
    const headLen = view.getUint32(at + 1);
    const textLen = view.getUint32(at + 5);
    const violations = view.getUint32(at + 9);
    at += HEADER;
    const head = at;
    at += headLen;
    const textAt = at;
    at += textLen;
    out.push(
      status === OK
        ? TextResult.decoded(caseId(fixture, variant), fixture, variant, bytes, head, headLen, textAt, textLen, violations)
        : (JSON.parse(decoder.decode(bytes.subarray(head, head + headLen))) as CaseResult),
    );
  }
  if (at !== bytes.length) throw new Error(`a batch of ${labels.length} results is ${bytes.length} bytes, but they end at ${at}`);
  return out;
}
