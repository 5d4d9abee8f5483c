// Page-sized byte blocks for DRAM and cache frames, recycled from one
// simulated machine to the next. A case touches a few dozen frames and ends;
// allocating (and zeroing) fresh typed arrays for each of them costs more
// than the case itself, and with several worker threads the allocation
// traffic is what keeps them from running in parallel.

const FRAME = 4096;
/** Spare blocks by size: 4 KiB frames, and the per-line flags of cache frames. */
const spare = new Map<number, Uint8Array[]>();

export class FramePool {
  private readonly taken: Uint8Array[] = [];

  /**
   * A 4 KiB block, owned until release(), holding whatever its last owner
   * left: DRAM fills a frame before use, and the cache reads only the lines
   * it has brought in.
   */
  take(): Uint8Array {
    return this.reuse(FRAME) ?? this.keep(new Uint8Array(FRAME));
  }

  /** A zeroed block of `size` bytes, owned until release(). */
  takeBytes(size: number): Uint8Array {
    return this.reuse(size)?.fill(0) ?? this.keep(new Uint8Array(size));
  }

  private reuse(size: number): Uint8Array | undefined {
    const block = spare.get(size)?.pop();
    if (block !== undefined) this.taken.push(block);
    return block;
  }

  private keep(block: Uint8Array): Uint8Array {
    this.taken.push(block);
    return block;
  }

  /** Give every block back for the next machine; none may be used afterwards. */
  release(): void {
    for (const b of this.taken) {
      const list = spare.get(b.length);
      if (list === undefined) spare.set(b.length, [b]);
      else list.push(b);
    }
    this.taken.length = 0;
  }
}
