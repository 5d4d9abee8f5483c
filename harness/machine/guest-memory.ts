// Guest memory that is private unless shared: what a confidential guest
// (an x86 SEV/TDX guest, a powerpc secure VM) looks like from outside. The
// host, and any device that reaches memory without the guest's key, sees
// ciphertext on a private page and cannot write to it; the guest shares
// pages (set_memory_decrypted) it wants devices to reach, such as the
// swiotlb pool. The model's ciphertext is the bytes scrambled with a key of
// the page's address, so that reading it is never mistaken for the data.

import { machine } from './current.js';
import { RangeMap } from './range-map.js';

export type MemoryEncryption = 'none' | 'cc-guest' | 'secure-guest';

const PAGE = 4096;

export class GuestMemory {
  /** Shared (decrypted) pages, by page number. */
  private readonly shared = new RangeMap<true>();

  constructor(readonly encryption: MemoryEncryption) {}

  get active(): boolean {
    return this.encryption !== 'none';
  }

  /** set_memory_decrypted / set_memory_encrypted on whole pages. */
  setShared(addr: number, pages: number, shared: boolean): void {
    const first = Math.floor(addr / PAGE);
    if (shared) this.shared.set(first, first + pages, true);
    else this.shared.clear(first, first + pages);
  }

  /** Whether all of [addr, addr + length) is private. */
  isPrivate(addr: number, length: number): boolean {
    if (!this.active) return false;
    const first = Math.floor(addr / PAGE);
    const last = Math.ceil((addr + length) / PAGE);
    return this.shared.runs(first, last).length === 0;
  }

  /**
   * What a reader without the key (the host, a device) makes of `length`
   * bytes it read from `phys` into `bytes` at `at`: the private parts turn
   * to ciphertext. How many bytes were private.
   */
  readWithoutKey(bytes: Uint8Array, at: number, phys: number, length: number): number {
    let n = 0;
    for (const q of this.pieces(phys, length)) {
      if (!q.private) continue;
      ciphertext(bytes, at + q.offset, phys + q.offset, q.length);
      n += q.length;
    }
    return n;
  }

  /** Split [addr, addr + length) into private and shared pieces, in order. */
  pieces(addr: number, length: number): Array<{ offset: number; length: number; private: boolean }> {
    if (!this.active) return [{ offset: 0, length, private: false }];
    const out: Array<{ offset: number; length: number; private: boolean }> = [];
    let pos = addr;
    const end = addr + length;
    while (pos < end) {
      const page = Math.floor(pos / PAGE);
      const shared = this.shared.get(page) !== undefined;
      let stop = Math.min(end, (page + 1) * PAGE);
      while (stop < end && (this.shared.get(Math.floor(stop / PAGE)) !== undefined) === shared) stop = Math.min(end, stop + PAGE);
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.private === !shared) prev.length += stop - pos;
      else out.push({ offset: pos - addr, length: stop - pos, private: !shared });
      pos = stop;
    }
    return out;
  }
}

/** What a device without the key reads of a private page: the bytes scrambled by address. */
function ciphertext(bytes: Uint8Array, at: number, phys: number, length: number): void {
  for (let i = 0; i < length; i++) {
    const a = phys + i;
    // Never 0, so no byte reads as itself.
    const key = (0x5a ^ (Math.imul(a, 0x9e3779b1) >>> 24)) & 0xff;
    bytes[at + i] = bytes[at + i]! ^ (key === 0 ? 0xa5 : key);
  }
}

// What the kernel calls (arch/x86/mm/pat/set_memory.c, arch/powerpc/mm/mem.c
// and their friends), reduced to what the guest's memory remembers.


/** Share `numpages` pages at `addr` with the host and devices (they see them in the clear). */
export function set_memory_decrypted(addr: number, numpages: number): number {
  machine().guest.setShared(addr, numpages, true);
  return 0;
}

/** Make `numpages` pages at `addr` private again. */
export function set_memory_encrypted(addr: number, numpages: number): number {
  machine().guest.setShared(addr, numpages, false);
  return 0;
}

/** UV_SHARE_PAGE (powerpc, asm/ultravisor.h): share `npages` pages from page frame `pfn`; the ultravisor zeroes them first. */
export function uv_share_page(pfn: number, npages: number): number {
  uvZero(pfn, npages);
  machine().guest.setShared(pfn * PAGE, npages, true);
  machine().recorder.emit({ t: 'uv', op: 'share', addr: pfn * PAGE, pages: npages });
  return 0;
}

/** UV_UNSHARE_PAGE: make the pages secure (private) again, zeroed. */
export function uv_unshare_page(pfn: number, npages: number): number {
  uvZero(pfn, npages);
  machine().guest.setShared(pfn * PAGE, npages, false);
  machine().recorder.emit({ t: 'uv', op: 'unshare', addr: pfn * PAGE, pages: npages });
  return 0;
}

/** The ultravisor's zeroing, in memory: no cached copy survives it. */
function uvZero(pfn: number, npages: number): void {
  const m = machine();
  m.cache.invalidate(pfn * PAGE, npages * PAGE);
  m.dram.zero(pfn * PAGE, npages * PAGE);
  m.provenance.mark(pfn * PAGE, npages * PAGE, 0);
}

/** mem_encrypt_active() (5.x): is guest memory encrypted? */
export function mem_encrypt_active(): boolean {
  return machine().guest.active;
}

export const CC_ATTR_MEM_ENCRYPT = 'CC_ATTR_MEM_ENCRYPT';
export const CC_ATTR_GUEST_MEM_ENCRYPT = 'CC_ATTR_GUEST_MEM_ENCRYPT';

/** cc_platform_has(): in the model, both attributes mean an x86 confidential guest. */
export function cc_platform_has(attr: typeof CC_ATTR_MEM_ENCRYPT | typeof CC_ATTR_GUEST_MEM_ENCRYPT): boolean {
  return attr !== undefined && machine().guest.encryption === 'cc-guest';
}

/** is_secure_guest() (powerpc): an ultravisor-protected guest. */
export function is_secure_guest(): boolean {
  return machine().guest.encryption === 'secure-guest';
}
