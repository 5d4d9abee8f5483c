// Byte arrays that live for one step of a case: what the device read, what
// it should have read, which bytes it reached. A typed array of more than a
// few dozen bytes gets its own off-heap store, and allocating those per step
// is slow, and slower still with several worker threads doing it at once;
// so each purpose keeps one array and hands out zeroed views of it.
//
// A view is valid until the next call for the same slot. Nothing may keep
// one: whatever outlives the step (trace text, the ideal views, the
// machine's memory) copies the bytes.

const LARGEST_KEPT = 1 << 20;
const kept: Uint8Array[] = [];

/** One slot per purpose, so that views used together never share bytes. */
export const SLOT = { actual: 0, expected: 1, defined: 2, reached: 3, data: 4 } as const;

/** A zeroed array of `length` bytes for `slot`, valid until the slot's next use. */
export function scratch(slot: (typeof SLOT)[keyof typeof SLOT], length: number): Uint8Array {
  if (length > LARGEST_KEPT) return new Uint8Array(length);
  let b = kept[slot];
  if (b === undefined || b.length < length) {
    b = new Uint8Array(Math.max(length, 4096, 2 * (b?.length ?? 0)));
    kept[slot] = b;
  }
  const view = b.subarray(0, length);
  view.fill(0);
  return view;
}
