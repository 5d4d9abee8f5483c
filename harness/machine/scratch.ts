// Byte arrays that live for one step of a case: what the device read, what
// it should have read, which of those bytes are checked, the temporary of a
// memcpy. A typed array of more than a few dozen bytes gets its own off-heap
// store, and allocating those per step is slow, and slower still with
// several worker threads doing it at once; so each purpose keeps one array
// and hands out zeroed views of it.
//
// A view is valid until the next call for the same slot. Nothing may keep
// one: whatever outlives the step (trace text, the ideal views, the
// machine's memory) copies the bytes.

const LARGEST_KEPT = 1 << 20;
const kept: Uint8Array[] = [];
/** The last view handed out for each slot: asked again for the same length (steps repeat sizes), it is handed out again. */
const views: Uint8Array[] = [];

/** One slot per purpose, so that views used together never share bytes. */
export const SLOT = { actual: 0, expected: 1, defined: 2, data: 3, idealBytes: 4, idealDefined: 5, copy: 6 } as const;

/** A zeroed array of `length` bytes for `slot`, valid until the slot's next use. */
export function scratch(slot: (typeof SLOT)[keyof typeof SLOT], length: number): Uint8Array {
  if (length > LARGEST_KEPT) return new Uint8Array(length);
  let view = views[slot];
  if (view === undefined || view.length !== length) {
    let b = kept[slot];
    if (b === undefined || b.length < length) {
      b = new Uint8Array(Math.max(length, 4096, 2 * (b?.length ?? 0)));
      kept[slot] = b;
    }
    view = b.subarray(0, length);
    views[slot] = view;
  }
  view.fill(0);
  return view;
}

// Bytes that live as long as one case: copies the ideal views keep. They are
// carved from chunks that are handed back when the case ends and reused by
// the next one.

const CHUNK = 1 << 16;
const chunks: Uint8Array[] = [];
let chunk = 0;
let used = 0;

/** A copy of `data` that stays valid until releaseCaseBytes(). */
export function caseCopy(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n > CHUNK / 4) return data.slice();
  if (chunks[chunk] === undefined) chunks[chunk] = new Uint8Array(CHUNK);
  if (used + n > CHUNK) {
    chunk++;
    used = 0;
    if (chunks[chunk] === undefined) chunks[chunk] = new Uint8Array(CHUNK);
  }
  const view = chunks[chunk]!.subarray(used, used + n);
  view.set(data);
  used += n;
  return view;
}

/** The case has ended: every caseCopy() may be reused. */
export function releaseCaseBytes(): void {
  chunk = 0;
  used = 0;
}
