// Reading a JSON document the harness is given (a fixture, a variant's
// metadata, a saved report), with every way it can be unusable named as bad
// input before anything looks inside it: a file too large, a byte-order
// mark, bytes that are not UTF-8, text that is not JSON, and nesting deeper
// than the validator and the loader are built for.

import { readFile, stat } from 'node:fs/promises';
import { InputError, pointerToken, type InputProblem } from './input-error.js';
import { shownPath } from './paths.js';

/** How deep objects and arrays may nest in any document the harness reads. */
export const MAX_NESTING = 64;

/** The largest fixture file accepted (the corpus's largest is about 5 KiB). */
export const MAX_FIXTURE_BYTES = 1 << 20;

export interface JsonLimits {
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** What the file is, for messages ("a fixture"). */
  what: string;
}

/** A line and column (both from 1) for a character offset of `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Turn JSON.parse's "at position N" into a line and column. */
export function parseJson(text: string, file: string): { value: unknown } | { problem: InputProblem } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const where = m === null ? '' : ` (${lineAndColumn(text, Number(m[1]))})`;
    return { problem: { file, pointer: '', message: `not valid JSON${where}: ${message}` } };
  }
}

const BOMS: Array<[number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark'],
  [[0xff, 0xfe], 'a UTF-16 (little-endian) byte-order mark'],
  [[0xfe, 0xff], 'a UTF-16 (big-endian) byte-order mark'],
];

/** The text of a file that must be UTF-8 without a byte-order mark, or the problem with it. */
export function utf8Text(bytes: Uint8Array, file: string): { text: string } | { problem: InputProblem } {
  for (const [mark, name] of BOMS) {
    if (mark.every((b, i) => bytes[i] === b)) return { problem: { file, pointer: '', message: `starts with ${name}; expected UTF-8 without one` } };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const text = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    return { problem: { file, pointer: '', message: `is not UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at} (${lineAndColumn(text, text.length)}) starts no valid character` } };
  }
}

/** The offset of the first byte that does not begin a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n;
  }
  return i;
}

/** The pointer of the first value nested deeper than `max` levels, or null. */
export function tooDeep(value: unknown, max: number = MAX_NESTING): string | null {
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  while (stack.length > 0) {
    const [v, pointer, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return pointer;
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], `${pointer}/${pointerToken(entries[i]![0])}`, depth + 1]);
  }
  return null;
}

/** Read, decode, parse and depth-check a JSON file; `file` in the result is what messages name. */
export async function readJsonFile(path: string, limits: JsonLimits = { maxBytes: MAX_FIXTURE_BYTES, what: 'a fixture' }): Promise<{ file: string; value: unknown }> {
  const file = shownPath(path);
  const fail = (message: string, pointer = ''): never => {
    throw new InputError([{ file, pointer, message }]);
  };
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : fail('cannot read: not a file')),
    (e: Error) => fail(`cannot read: ${e.message}`),
  );
  if (size > limits.maxBytes) fail(`is ${size} bytes; ${limits.what} may be at most ${limits.maxBytes} bytes`);
  const bytes = await readFile(path).catch((e: Error) => fail(`cannot read: ${e.message}`));
  const decoded = utf8Text(bytes, file);
  if ('problem' in decoded) throw new InputError([decoded.problem]);
  const parsed = parseJson(decoded.text, file);
  if ('problem' in parsed) throw new InputError([parsed.problem]);
  const deep = tooDeep(parsed.value);
  if (deep !== null) fail(`nests deeper than ${MAX_NESTING} levels of objects and arrays (repeat inside repeat, say); expected at most ${MAX_NESTING}`, deep);
  return { file, value: parsed.value };
}
