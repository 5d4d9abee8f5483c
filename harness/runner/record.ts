// How a batch of results crosses from a worker thread to the main thread:
// one byte array, exactly as long as the batch, moved rather than copied. A
// case is a status byte, three lengths (head, trace, number of violations),
// a small JSON head (verdict, notes, costs, final state) and its trace text
// as it was written. The violations are their trace lines ("<step>   !!
// <kind>: <sentence>", see trace.ts), as in every result. The main thread
// rebuilds each result around its bytes: the head is parsed, and the trace
// split into lines, when first read.
//
// Structured cloning the results instead would copy every trace line as its
// own string on both sides, which cost more than running the cases.

import { caseId, type CaseOk, type CaseResult } from '../run/result.js';
import { defineTrace, defineViolations, grown, traceText, violationCount } from '../run/trace-text.js';

const decoder = new TextDecoder();

const OK = 0;
const OTHER = 1;

type Head = [CaseOk['verdict'], CaseOk['notes'], CaseOk['costs'], CaseOk['final']];

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

  add(r: CaseResult): void {
    const head = r.status === 'ok' ? JSON.stringify([r.verdict, r.notes, r.costs, r.final] satisfies Head) : JSON.stringify(r);
    const text = r.status === 'ok' ? traceText(r) : EMPTY;
    // Room for the worst case: every head character three bytes.
    this.room(HEADER + head.length * 3 + text.length);
    const out = this.out;
    let at = this.at;
    const headLen = out.write(head, at + HEADER, 'utf8');
    out[at] = r.status === 'ok' ? OK : OTHER;
    out.writeUInt32BE(headLen, at + 1);
    out.writeUInt32BE(text.length, at + 5);
    out.writeUInt32BE(r.status === 'ok' ? violationCount(r) : 0, at + 9);
    at += HEADER + headLen;
    out.set(text, at);
    this.at = at + text.length;
  }

  /**
   * The batch so far, as a byte array of its own, exactly as long as the
   * batch, whose buffer may be moved to another thread; the writer keeps its
   * buffer for the next batch. Moving the writer's buffer instead would hand
   * the collecting thread its unused room too (half of it, on average, as it
   * grows by doubling): that thread's collector runs by how many bytes arrive,
   * and the copy cost less than the collections it saved (see the README).
   */
  take(): Uint8Array {
    // Not zeroed first: every byte is copied over.
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(this.at).buffer, 0, this.at);
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

const EMPTY = new Uint8Array(0);

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
    const text = bytes.subarray(at, at + textLen);
    at += textLen;
    out.push(status === OK ? okResult(fixture, variant, bytes, head, headLen, text, violations) : (JSON.parse(decoder.decode(bytes.subarray(head, head + headLen))) as CaseResult));
  }
  if (at !== bytes.length) throw new Error(`a batch of ${labels.length} results is ${bytes.length} bytes, but they end at ${at}`);
  return out;
}

// A decoded result's fields are read through getters shared by every result
// (see trace-text.ts for why not closures); each result keeps where its head
// is in the batch, and what was parsed from it, under one symbol. The thread
// that collects results holds thousands of them, so they are kept small.
const DECODED = Symbol('decoded head');

interface Decoded {
  /** The head is bytes [at, at + length) of the batch. */
  batch: Uint8Array;
  at: number;
  length: number;
  head: Head | undefined;
}

type Encoded = CaseOk & { [DECODED]: Decoded };

function headOf(r: Encoded): Head {
  const d = r[DECODED];
  return (d.head ??= JSON.parse(decoder.decode(d.batch.subarray(d.at, d.at + d.length))) as Head);
}

const field = (get: (this: Encoded) => unknown): PropertyDescriptor => ({ get, enumerable: true, configurable: true });
const VERDICT = field(function () {
  return headOf(this)[0];
});
const NOTES = field(function () {
  return headOf(this)[1];
});
const COSTS = field(function () {
  return headOf(this)[2];
});
const FINAL = field(function () {
  return headOf(this)[3];
});

/** A result around its bytes: the head at [at, at + length) of the batch, and the trace text. */
function okResult(fixture: string, variant: string, batch: Uint8Array, at: number, length: number, text: Uint8Array, violations: number): CaseOk {
  const r = { id: caseId(fixture, variant), fixture, variant, status: 'ok' } as Encoded;
  Object.defineProperty(r, DECODED, { value: { batch, at, length, head: undefined } satisfies Decoded });
  // In the order of a result's fields (reports and JSON follow it).
  Object.defineProperty(r, 'verdict', VERDICT);
  defineViolations(r, text, violations);
  Object.defineProperty(r, 'notes', NOTES);
  Object.defineProperty(r, 'costs', COSTS);
  defineTrace(r);
  Object.defineProperty(r, 'final', FINAL);
  return r;
}
