// The trace writer writes the same text that string formatting would.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex } from '../../harness/machine/bits.js';
import { TraceWriter, traceLines, traceTextOf } from '../../harness/run/trace-text.js';

const numbers = fc.oneof(
  fc.nat(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.maxSafeNat(),
  fc.constantFrom(0, 1, 15, 16, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 64 - 4096, 2 ** 64, -1, 0.5, 1e21),
  fc.double({ noNaN: true }),
);
const texts = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ minLength: 20, maxLength: 200 }));

describe('TraceWriter', () => {
  it('writes hex and decimal numbers and strings as hex(), String() and UTF-8 do', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('hex', 'dec', 'str'), numbers, texts), { minLength: 1, maxLength: 12 }), (parts) => {
        const w = new TraceWriter();
        let expected = '';
        for (const [kind, n, s] of parts) {
          if (kind === 'hex') {
            w.hex(n);
            expected += hex(n);
          } else if (kind === 'dec') {
            w.dec(n);
            expected += String(n);
          } else {
            w.str(s);
            expected += s;
          }
        }
        expect(Buffer.from(w.text()).toString('utf8')).toBe(Buffer.from(expected, 'utf8').toString('utf8'));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps each text intact when later ones are written, short or long, across its buffer growing', () => {
    const w = new TraceWriter();
    const kept: Array<[Uint8Array, string[]]> = [];
    for (let round = 0; round < 40; round++) {
      w.reset();
      // Some texts are longer than a shared block's quarter, and are copied on their own.
      const lines = Array.from({ length: round % 7 === 0 ? 1500 : 1 + ((round * 37) % 300) }, (_, i) => `${round}.${i}   ${'x'.repeat((i * 13) % 90)} \u2026 ${hex(i * 4096)}`);
      for (const l of lines) {
        w.str(l);
        w.end();
      }
      kept.push([w.text(), lines]);
    }
    for (const [text, lines] of kept) expect(traceLines(text)).toEqual(lines);
  });

  it('turns lines into text and back', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\n'))), (lines) => {
        expect(traceLines(traceTextOf(lines))).toEqual(lines);
      }),
    );
  });
});
