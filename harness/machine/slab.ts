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

  /** A zeroed 4 KiB block, owned until release(). */
  take(): Uint8Array {
    return this.takeBytes(FRAME);
  }

  /** A zeroed block of `size` bytes, owned until release(). */
  takeBytes(size: number): Uint8Array {
    const reused = spare.get(size)?.pop();
    const block = reused === undefined ? new Uint8Array(size) : reused.fill(0);
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
