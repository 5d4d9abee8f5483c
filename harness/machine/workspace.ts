// Memory a thread reuses from one case to the next: page-sized blocks for
// DRAM and cache frames, scratch arrays that live for one step, and copies
// that live for one case. A case touches a few dozen frames and ends;
// allocating (and zeroing) fresh typed arrays for each of them costs more
// than the case itself, and with several worker threads the allocation
// traffic is what keeps them from running in parallel. Whoever runs cases
// keeps one Workspace and hands it to each case; nothing here is global.

const FRAME = 4096;
const LARGEST_KEPT = 1 << 20;
const CHUNK = 1 << 16;

/** One scratch slot per purpose, so that arrays used together never share bytes. */
export const SLOT = { actual: 0, expected: 1, defined: 2, data: 3, idealBytes: 4, idealDefined: 5, copy: 6 } as const;
export type Slot = (typeof SLOT)[keyof typeof SLOT];

export class Workspace {
  /** Spare blocks by size: 4 KiB frames, and the per-line flags of cache frames. */
  private readonly spare = new Map<number, Uint8Array[]>();
  /** Blocks handed out to the case running now. */
  private readonly taken: Uint8Array[] = [];
  private readonly kept: Uint8Array[] = [];
  /** The last view handed out for each slot: asked again for the same length (steps repeat sizes), it is handed out again. */
  private readonly views: Uint8Array[] = [];
  private readonly chunks: Uint8Array[] = [];
  private chunk = 0;
  private used = 0;

  /**
   * A 4 KiB block, owned until endCase(), holding whatever its last owner
   * left: DRAM fills a frame before use, and the cache reads only the lines
   * it has brought in.
   */
  take(): Uint8Array {
    return this.reuse(FRAME) ?? this.keep(new Uint8Array(FRAME));
  }

  /** A zeroed block of `size` bytes, owned until endCase(). */
  takeBytes(size: number): Uint8Array {
    return this.reuse(size)?.fill(0) ?? this.keep(new Uint8Array(size));
  }

  private reuse(size: number): Uint8Array | undefined {
    const block = this.spare.get(size)?.pop();
    if (block !== undefined) this.taken.push(block);
    return block;
  }

  private keep(block: Uint8Array): Uint8Array {
    this.taken.push(block);
    return block;
  }

  /**
   * A zeroed array of `length` bytes for `slot`, valid until the slot's next
   * use. Nothing may keep one: whatever outlives the step (trace text, the
   * ideal views, the machine's memory) copies the bytes.
   */
  scratch(slot: Slot, length: number): Uint8Array {
    if (length > LARGEST_KEPT) return new Uint8Array(length);
    let view = this.views[slot];
    if (view === undefined || view.length !== length) {
      let b = this.kept[slot];
      if (b === undefined || b.length < length) {
        b = new Uint8Array(Math.max(length, 4096, 2 * (b?.length ?? 0)));
        this.kept[slot] = b;
      }
      view = b.subarray(0, length);
      this.views[slot] = view;
    }
    view.fill(0);
    return view;
  }

  /** A copy of `data` that stays valid until endCase(), carved from chunks the next case reuses. */
  caseCopy(data: Uint8Array): Uint8Array {
    const n = data.length;
    if (n > CHUNK / 4) return data.slice();
    if (this.chunks[this.chunk] === undefined) this.chunks[this.chunk] = new Uint8Array(CHUNK);
    if (this.used + n > CHUNK) {
      this.chunk++;
      this.used = 0;
      if (this.chunks[this.chunk] === undefined) this.chunks[this.chunk] = new Uint8Array(CHUNK);
    }
    const view = this.chunks[this.chunk]!.subarray(this.used, this.used + n);
    view.set(data);
    this.used += n;
    return view;
  }

  /** The case has ended: its frames and case copies go back for the next one; none may be used afterwards. */
  endCase(): void {
    for (const b of this.taken) {
      const list = this.spare.get(b.length);
      if (list === undefined) this.spare.set(b.length, [b]);
      else list.push(b);
    }
    this.taken.length = 0;
    this.chunk = 0;
    this.used = 0;
  }
}
