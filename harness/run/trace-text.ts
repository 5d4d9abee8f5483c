// A case's trace as it is written: UTF-8 text, one line per step or machine
// event, each ending in "\n". Lines are written straight into bytes as the
// case runs, so a result carries its trace as one byte array: cheap to keep,
// cheap to send to another thread, and turned into lines only when something
// reads them (a report, a diff). Comparing two traces compares bytes.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const TWO_32 = 2 ** 32;

// Buffer#write checks and normalises its arguments in JavaScript before it
// calls the native utf8Write; long trace strings are written often enough for
// that to show, so utf8Write is called directly where Node has it.
type Utf8Writer = { utf8Write?(s: string, offset: number, length: number): number };
const nativeUtf8Write = (Buffer.prototype as Utf8Writer).utf8Write;
const utf8Write: (buf: Buffer, s: string, offset: number) => number =
  nativeUtf8Write !== undefined ? (buf, s, offset) => nativeUtf8Write.call(buf, s, offset, buf.length - offset) : (buf, s, offset) => buf.write(s, offset, 'utf8');

/**
 * A buffer of at least `needed` bytes, twice as large as `buf` as often as it
 * takes, holding the first `used` bytes of `buf` (not zeroed beyond them).
 */
export function grown(buf: Buffer, used: number, needed: number): Buffer<ArrayBuffer> {
  let size = buf.length * 2;
  while (size < needed) size *= 2;
  const out = Buffer.allocUnsafeSlow(size);
  buf.copy(out, 0, 0, used);
  return out;
}

/** Strings up to this long are written by a JavaScript loop, longer ones natively. */
const SHORT = 24;
/** Room every short write has without asking: a short string's worst case, and more than a number's. */
const SLACK = 3 * SHORT;

/**
 * Appends text to a growing byte buffer; one writer serves case after case.
 * A trace line is a dozen small writes, so each write is a small function
 * V8 can inline into its caller: the common case (a short ASCII string, a
 * number below 2^32, room to spare) first, anything else in a method of its
 * own.
 */
export class TraceWriter {
  private buf = Buffer.allocUnsafeSlow(1 << 16);
  private n = 0;
  /** While n <= limit, SLACK bytes fit. */
  private limit = this.buf.length - SLACK;

  private room(bytes: number): void {
    if (this.n + bytes + SLACK <= this.buf.length) return;
    this.buf = grown(this.buf, this.n, this.n + bytes + SLACK);
    this.limit = this.buf.length - SLACK;
  }

  /** Start afresh (the buffer is kept). */
  reset(): void {
    this.n = 0;
  }

  str(s: string): this {
    const len = s.length;
    let n = this.n;
    if (len > SHORT || n > this.limit) return this.strNative(s);
    const buf = this.buf;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      // Rare (an ellipsis, a quoted name): written again, natively.
      if (c >= 0x80) return this.strNative(s);
      buf[n++] = c;
    }
    this.n = n;
    return this;
  }

  /** Long strings (sentences, step lines) and any that is not ASCII. */
  private strNative(s: string): this {
    this.room(s.length * 3);
    this.n += utf8Write(this.buf, s, this.n);
    return this;
  }

  /** "0x1f", "-0x10": the same text as bits.hex(). */
  hex(x: number): this {
    if (x >>> 0 !== x || this.n > this.limit) return this.hexWide(x);
    const buf = this.buf;
    buf[this.n] = 0x30;
    buf[this.n + 1] = 0x78;
    this.n += 2;
    this.digits(x, 1);
    return this;
  }

  /** hex() of a number that is not a 32-bit unsigned integer. */
  private hexWide(x: number): this {
    if (x < 0 || x > Number.MAX_SAFE_INTEGER || !Number.isInteger(x)) return this.str(x < 0 ? '-0x' + (-x).toString(16) : '0x' + x.toString(16));
    this.room(18);
    this.buf[this.n] = 0x30;
    this.buf[this.n + 1] = 0x78;
    this.n += 2;
    const hi = Math.floor(x / TWO_32);
    if (hi !== 0) this.digits(hi, 1);
    this.digits(x >>> 0, hi === 0 ? 1 : 8);
    return this;
  }

  /** Hex digits of a 32-bit value, at least `width` of them. */
  private digits(v: number, width: number): void {
    let count = width;
    while (count < 8 && v >>> (4 * count) !== 0) count++;
    const buf = this.buf;
    let n = this.n;
    for (let k = count - 1; k >= 0; k--) buf[n++] = DIGITS[(v >>> (4 * k)) & 15]!;
    this.n = n;
  }

  /** A number in decimal, as String(x) writes it. */
  dec(x: number): this {
    if (x >>> 0 !== x || this.n > this.limit) return this.str(String(x));
    const buf = this.buf;
    if (x < 10) {
      buf[this.n++] = 0x30 + x;
      return this;
    }
    let digits = 0;
    for (let v = x; v > 0; v = (v / 10) >>> 0) digits++;
    let at = this.n + digits;
    this.n = at;
    for (let v = x; v > 0; v = (v / 10) >>> 0) buf[--at] = 0x30 + (v % 10);
    return this;
  }

  /** End the current line. */
  end(): void {
    if (this.n > this.limit) this.room(1);
    this.buf[this.n++] = 0x0a;
  }

  /** What was written since the last reset, as a copy. */
  text(): Uint8Array {
    return keep(this.buf.subarray(0, this.n));
  }

  /** How many bytes were written since the last reset. */
  get length(): number {
    return this.n;
  }

  /** What was written since the last reset, not copied: good until the next write. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

// Copies of finished texts are cut from shared blocks: one ArrayBuffer per
// case cost more than writing its trace.
const BLOCK = 1 << 18;
// A block is not zeroed (every byte handed out is written first), and is a
// plain Uint8Array, not a Buffer, like every other trace text.
const newBlock = (): Uint8Array => new Uint8Array(Buffer.allocUnsafeSlow(BLOCK).buffer, 0, BLOCK);
let block = newBlock();
let used = 0;

function keep(bytes: Uint8Array): Uint8Array {
  if (bytes.length > BLOCK / 4) return new Uint8Array(bytes); // a copy (Buffer's slice() would not be)
  if (used + bytes.length > BLOCK) {
    block = newBlock();
    used = 0;
  }
  const out = block.subarray(used, used + bytes.length);
  out.set(bytes);
  used += bytes.length;
  return out;
}

/** The lines of a trace text. */
export function traceLines(text: Uint8Array): string[] {
  if (text.length === 0) return [];
  const lines = decoder.decode(text).split('\n');
  lines.pop(); // the text ends in "\n"
  return lines;
}

/** Lines as trace text (the inverse of traceLines, for results that arrive as lines). */
export function traceTextOf(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.map((l) => l + '\n').join(''));
}
