// Integer arithmetic on addresses.
//
// Addresses, sizes and masks are JavaScript numbers. They are exact up to
// 2^53, which covers every physical address and every IOVA the model can
// produce (the IOMMU aperture is at most 52 bits wide, see platform.ts).
// JavaScript's bitwise operators work on 32 bits only, so every mask
// operation on an address goes through the helpers below.

const TWO_32 = 0x1_0000_0000;

/** The largest value a 64-bit all-ones mask is clamped to. */
export const U64_MAX = Number.MAX_SAFE_INTEGER;

export function isPowerOfTwo(x: number): boolean {
  if (x > 0 && x < 0x8000_0000) return (x & (x - 1)) === 0;
  if (!(x > 0) || x > U64_MAX + 1) return false;
  const h = hi(x);
  const l = lo(x);
  return l === 0 ? (h & (h - 1)) === 0 : h === 0 && (l & (l - 1)) === 0;
}

/** Round x up to a multiple of a power of two. */
export function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

/** Round x down to a multiple of a power of two. */
export function alignDown(x: number, align: number): number {
  return Math.floor(x / align) * align;
}

/** x modulo a power of two: the offset of x inside its aligned block. */
export function offsetIn(x: number, align: number): number {
  return x % align;
}

function hi(x: number): number {
  return Math.floor(x / TWO_32);
}

function lo(x: number): number {
  // x % TWO_32 without a floating-point remainder, which is slow; the same for x >= 0.
  return x >= 0 ? x - Math.floor(x / TWO_32) * TWO_32 : x % TWO_32;
}

/** Bitwise AND of two non-negative integers below 2^53. */
export function and(a: number, b: number): number {
  // A zero mask (no min_align_mask, the common case) in every step of a slot search.
  if (b === 0) return 0;
  if (a < TWO_32 && b < TWO_32) return (a & b) >>> 0;
  // One side below 2^32 (a mask, or a low address): the high word is 0.
  if (b >= 0 && b < TWO_32) return (lo(a) & b) >>> 0;
  if (a >= 0 && a < TWO_32) return (a & lo(b)) >>> 0;
  return ((hi(a) & hi(b)) >>> 0) * TWO_32 + ((lo(a) & lo(b)) >>> 0);
}

/** Bitwise OR of two non-negative integers below 2^53. */
export function or(a: number, b: number): number {
  if (a < TWO_32 && b < TWO_32) return (a | b) >>> 0;
  return ((hi(a) | hi(b)) >>> 0) * TWO_32 + ((lo(a) | lo(b)) >>> 0);
}

/** a & ~b for non-negative integers below 2^53. */
export function andNot(a: number, b: number): number {
  if (a < TWO_32 && b < TWO_32) return (a & ~b) >>> 0;
  return ((hi(a) & ~hi(b)) >>> 0) * TWO_32 + ((lo(a) & ~lo(b)) >>> 0);
}

// `2 ** n` calls a floating-point pow in V8 every time, and the IOVA paths
// shift by a granule's order on every map and unmap: powers of two come from
// a table.
const POWERS_OF_TWO = Array.from({ length: 65 }, (_, n) => 2 ** n);

/** The kernel's BIT(nr), 1UL << nr, as a number: the same value as 2 ** nr. */
export function BIT(nr: number): number {
  return POWERS_OF_TWO[nr] ?? 2 ** nr;
}

/** The kernel's DMA_BIT_MASK(n), clamped to what a number holds exactly. */
export function DMA_BIT_MASK(n: number): number {
  return n >= 53 ? U64_MAX : BIT(n) - 1;
}

/** Number of bits needed to hold x (the kernel's fls_long); 0 for 0. */
export function fls_long(x: number): number {
  if (x >= 1 && x < TWO_32) return 32 - Math.clz32(x);
  // Word by word: a logarithm rounds 2^53 - 1 up to 53.
  if (x >= TWO_32 && x <= U64_MAX) return 32 + fls_long(hi(x));
  return x === 0 ? 0 : Math.floor(Math.log2(x)) + 1;
}

/** Index of the lowest set bit (the kernel's __ffs); x must be non-zero. */
export function __ffs(x: number): number {
  if (x >= 1 && x < TWO_32 && Number.isInteger(x)) return 31 - Math.clz32(x & -x);
  let n = 0;
  while (offsetIn(x, 2) === 0) {
    x /= 2;
    n++;
  }
  return n;
}

/** The kernel's ffs() on an int: the 1-based index of the lowest set bit, 0 when none is. */
export function ffs(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x & -x);
}

/** ceil(log2(n)) for n >= 1 (the kernel's order_base_2). */
export function order_base_2(n: number): number {
  return n <= 1 ? 0 : fls_long(n - 1);
}

export function roundup_pow_of_two(n: number): number {
  return BIT(order_base_2(n));
}

/**
 * (mask - x + 1) & mask in unsigned long arithmetic, for a mask of the form
 * 2^k - 1: how far x is from the next multiple of mask + 1. With an all-ones
 * mask C wraps to 2^64 - x, which the model keeps as a value too large to matter.
 */
export function ulong_pad(mask: number, x: number): number {
  if (mask >= U64_MAX) return x === 0 ? 0 : 2 ** 64 - x;
  const b = mask + 1;
  return (b - (x % b)) % b;
}

/** The kernel's size_t subtraction: a result below zero wraps to a huge value. */
export function sizeSub(a: number, b: number): number {
  const r = a - b;
  return r < 0 ? r + 2 ** 64 : r;
}

// Trace lines print the same addresses over and over; converting a double to
// base 16 is slow enough to show in the benchmark, so recent results are kept.
const hexMemo = new Map<number, string>();

export function hex(x: number): string {
  let s = hexMemo.get(x);
  if (s === undefined) {
    s = x < 0 ? '-0x' + (-x).toString(16) : '0x' + x.toString(16);
    if (hexMemo.size >= 1 << 16) hexMemo.clear();
    hexMemo.set(x, s);
  }
  return s;
}
