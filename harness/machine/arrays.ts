// Array reads and edits that stay on V8's fast path.
//
// `a[a.length - 1]` on an empty array, like `a[i - 1]` at i = 0, reads index
// -1. That is no array index: V8 turns it into the property name "-1" and
// looks it up through the prototype chain, a slow generic path. It cost more
// than a percent of a case where the first of a list is built this way.

/** The last element, or undefined when there is none. */
export function last<T>(a: readonly T[]): T | undefined {
  return a.length > 0 ? a[a.length - 1] : undefined;
}

/** The element before index i, or undefined at the start. */
export function before<T>(a: readonly T[], i: number): T | undefined {
  return i > 0 ? a[i - 1] : undefined;
}

// Array#splice builds an array of what it removes, even when nothing is
// removed or the caller drops it; these two edit in place. Shortening an
// array by setting its length goes through a slow generic path in V8, so
// the removed tail is popped (a run or two at a time).

export function insertAt<T>(a: T[], i: number, x: T): void {
  a.push(x);
  for (let k = a.length - 1; k > i; k--) a[k] = a[k - 1]!;
  a[i] = x;
}

export function removeAt<T>(a: T[], i: number, n: number): void {
  if (n <= 0) return;
  for (let k = i; k + n < a.length; k++) a[k] = a[k + n]!;
  for (let k = 0; k < n; k++) a.pop();
}
