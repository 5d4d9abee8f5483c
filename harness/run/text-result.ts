// A finished case keeps its trace as the text it was written as
// (trace-text.ts) and turns it into lines, and its violation lines into
// violations, only when something reads them. A result rebuilt from a
// worker's batch (runner/record.ts) keeps the rest of its fields (its head)
// as bytes until then too (head.ts). Results made in this thread and
// rebuilt ones are the same class, so every reader sees one kind of result.
//
// The fields are getters of the class, not properties defined on each
// result: defining six accessors on every result cost the thread that
// collects results (thousands a second) more than all else it does for
// them. JSON.stringify goes through toJSON(), which lists the fields in the
// report's order; a structured clone would see only the labels, and nothing
// clones results.

import { inspect } from 'node:util';
import { readHead } from './head.js';
import type { CaseOk, CaseOutcome, Violation } from './result.js';
import { traceLines, traceTextOf } from './trace-text.js';
import { violationOfLine } from './trace.js';

/** A result's fields other than its trace and violations, as one value (a batch carries it as bytes, head.ts). */
export type Head = [CaseOk['verdict'], CaseOk['notes'], CaseOk['costs'], CaseOk['final']];

/** The parts of a case's outcome, with its trace still text. */
export interface OutcomeParts {
  verdict: CaseOk['verdict'];
  violationCount: number;
  notes: CaseOk['notes'];
  costs: CaseOk['costs'];
  final: CaseOk['final'];
  text: Uint8Array;
}

/** An outcome whose trace is text: `trace` and `violations` are read from it on first read. */
export class TextOutcome implements CaseOutcome {
  /** The head's values; undefined while they are still the bytes at [#headAt, #headAt + #headLength) of #headBytes. */
  #head: Head | undefined;
  readonly #headBytes: Uint8Array | undefined;
  /** Holds the trace text at [#textAt, #textAt + #textLength). */
  readonly #text: Uint8Array;
  readonly #headAt: number;
  readonly #headLength: number;
  readonly #textAt: number;
  readonly #textLength: number;
  readonly #violationCount: number;
  #lines: string[] | undefined = undefined;
  #violations: Violation[] | undefined = undefined;

  protected constructor(text: Uint8Array, textAt: number, textLength: number, violationCount: number, head: Head | undefined, headBytes: Uint8Array | undefined, headAt: number, headLength: number) {
    this.#head = head;
    this.#headBytes = headBytes;
    this.#text = text;
    this.#headAt = headAt;
    this.#headLength = headLength;
    this.#textAt = textAt;
    this.#textLength = textLength;
    this.#violationCount = violationCount;
  }

  static of(parts: OutcomeParts): TextOutcome {
    return new TextOutcome(parts.text, 0, parts.text.length, parts.violationCount, headOf(parts), undefined, 0, 0);
  }

  #parsedHead(): Head {
    return (this.#head ??= readHead(this.#headBytes!, this.#headAt, this.#headLength));
  }

  get verdict(): CaseOk['verdict'] {
    return this.#parsedHead()[0];
  }

  // A violation is written once, as its trace line ("<step>   !! <kind>:
  // <sentence>", trace.ts); the list is read back from those lines.
  get violations(): Violation[] {
    return (this.#violations ??= violationsOf(this.trace, this.#violationCount));
  }

  get notes(): CaseOk['notes'] {
    return this.#parsedHead()[1];
  }

  get costs(): CaseOk['costs'] {
    return this.#parsedHead()[2];
  }

  get trace(): string[] {
    return (this.#lines ??= traceLines(this.textBytes()));
  }

  get final(): CaseOk['final'] {
    return this.#parsedHead()[3];
  }

  /** The trace as the text it was written as. */
  textBytes(): Uint8Array {
    return this.#text.subarray(this.#textAt, this.#textAt + this.#textLength);
  }

  /** How many violations there are, without reading them back from the trace. */
  violationCount(): number {
    return this.#violationCount;
  }

  /** verdict, notes, costs and final as one value (read, if it was still bytes). */
  head(): Head {
    return this.#parsedHead();
  }

  toJSON(): CaseOutcome {
    return { verdict: this.verdict, violations: this.violations, notes: this.notes, costs: this.costs, trace: this.trace, final: this.final };
  }

  [inspect.custom](): object {
    return this.toJSON();
  }
}

/** The same, labelled with its case: what runCase() returns, and what a batch of results decodes to. */
export class TextResult extends TextOutcome implements CaseOk {
  readonly id: string;
  readonly fixture: string;
  readonly variant: string;
  readonly status = 'ok' as const;

  private constructor(
    id: string,
    fixture: string,
    variant: string,
    text: Uint8Array,
    textAt: number,
    textLength: number,
    violationCount: number,
    head: Head | undefined,
    headBytes: Uint8Array | undefined,
    headAt: number,
    headLength: number,
  ) {
    super(text, textAt, textLength, violationCount, head, headBytes, headAt, headLength);
    this.id = id;
    this.fixture = fixture;
    this.variant = variant;
  }

  static made(id: string, fixture: string, variant: string, parts: OutcomeParts): TextResult {
    return new TextResult(id, fixture, variant, parts.text, 0, parts.text.length, parts.violationCount, headOf(parts), undefined, 0, 0);
  }

  /** A result whose head is at [headAt, headAt + headLength) of `batch` (head.ts), and its trace text at [textAt, textAt + textLength) of `text`. */
  static decoded(
    id: string,
    fixture: string,
    variant: string,
    batch: Uint8Array,
    headAt: number,
    headLength: number,
    text: Uint8Array,
    textAt: number,
    textLength: number,
    violationCount: number,
  ): TextResult {
    return new TextResult(id, fixture, variant, text, textAt, textLength, violationCount, undefined, batch, headAt, headLength);
  }

  override toJSON(): CaseOk {
    return { id: this.id, fixture: this.fixture, variant: this.variant, status: this.status, ...super.toJSON() };
  }
}

function headOf(parts: OutcomeParts): Head {
  return [parts.verdict, parts.notes, parts.costs, parts.final];
}

/** The violations a trace's violation lines record; `count` is how many the run found. */
function violationsOf(lines: readonly string[], count: number): Violation[] {
  const out: Violation[] = [];
  for (const line of lines) {
    const v = violationOfLine(line);
    if (v !== undefined) out.push(v);
  }
  if (out.length !== count) throw new Error(`the trace has ${out.length} violation lines, the result ${count} violations`);
  return out;
}

/** A result's trace as text: its own bytes, or its lines encoded (a result read from a saved report). */
export function traceText(r: { trace: string[] }): Uint8Array {
  return r instanceof TextOutcome ? r.textBytes() : traceTextOf(r.trace);
}

/** How many violations a result has, without reading them back from its trace. */
export function violationCount(r: { violations: Violation[] }): number {
  return r instanceof TextOutcome ? r.violationCount() : r.violations.length;
}
