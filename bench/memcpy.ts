// `npm run bench:memcpy`: the memory copy bandwidth of this machine, the
// figure the cost profiles (profiles/*.json) use for a bounce copy. A bounce
// is a kernel memcpy between a driver's buffer and a bounce page; the
// closest thing JavaScript runs is TypedArray.prototype.set between two
// ArrayBuffers, which V8 does with the C library's memmove. Two regimes are
// measured: the same pair of buffers over and over (hot in the cache), and
// copies walking a working set larger than the last-level cache (what a
// stream of I/O buffers sees). Each figure is the best of five rounds of at
// least 0.2 s; nothing is asserted.

import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { reportsDir } from '../harness/paths.js';

const SIZES = [512, 4096, 16384, 65536, 131072, 524288];
const WORKING_SET = 256 * 1024 * 1024;
const ROUNDS = 5;
const ROUND_NS = 200_000_000n;

interface Figure {
  bytes: number;
  hot_gb_s: number;
  streaming_gb_s: number;
  /** memset (TypedArray.prototype.fill) over the working set, as a bounce buffer's padding is zeroed. */
  fill_gb_s: number;
}

/** Bytes per second copying (or, with `fill`, zeroing) `size`-byte blocks, cycling over `span` bytes. */
function bandwidth(size: number, span: number, fill = false): number {
  const src = new Uint8Array(span);
  const dst = new Uint8Array(span);
  src.fill(0x5a);
  dst.fill(0xa5);
  const blocks = Math.max(1, Math.floor(span / size));
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let copied = 0;
    let k = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < ROUND_NS) {
      for (let n = 0; n < 64; n++) {
        const at = (k++ % blocks) * size;
        if (fill) dst.fill(0, at, at + size);
        else dst.set(src.subarray(at, at + size), at);
        copied += size;
      }
      elapsed = process.hrtime.bigint() - start;
    }
    best = Math.max(best, copied / (Number(elapsed) / 1e9));
  }
  return best;
}

function main(): void {
  const figures: Figure[] = SIZES.map((bytes) => ({
    bytes,
    hot_gb_s: bandwidth(bytes, bytes) / 1e9,
    streaming_gb_s: bandwidth(bytes, WORKING_SET) / 1e9,
    fill_gb_s: bandwidth(bytes, WORKING_SET, true) / 1e9,
  }));
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
  process.stdout.write(`memcpy bandwidth on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n\n`);
  process.stdout.write('   bytes    hot GB/s   streaming GB/s   ns per byte (streaming)   fill GB/s\n');
  for (const f of figures) {
    process.stdout.write(
      `${String(f.bytes).padStart(8)}  ${f.hot_gb_s.toFixed(2).padStart(10)}  ${f.streaming_gb_s.toFixed(2).padStart(15)}  ${(1 / f.streaming_gb_s).toFixed(4).padStart(24)}  ${f.fill_gb_s.toFixed(2).padStart(10)}\n`,
    );
  }
  mkdirSync(reportsDir, { recursive: true });
  const out = join(reportsDir, 'memcpy.json');
  writeFileSync(out, JSON.stringify({ machine, working_set: WORKING_SET, figures }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${out}\n`);
}

main();
