// A device's own DMA: reads and writes by DMA address, translated page by
// page by whatever stands between the device and memory (its translation:
// an IOMMU domain, or none). A non-coherent device reaches DRAM only; a
// coherent one snoops the CPU cache. An access the translation refuses (no
// entry, or no permission for the direction) faults and moves no data.

import { last } from './arrays.js';
import type { CpuCache } from './cache.js';
import type { GuestMemory } from './guest-memory.js';
import type { Translation } from './translation.js';
import type { PhysicalMemory } from './memory.js';

export interface DmaFault {
  /** Offset into the access. */
  offset: number;
  length: number;
  iova: number;
  reason: 'unmapped' | 'permission';
}

export interface DmaPiece {
  offset: number;
  length: number;
  iova: number;
  phys: number;
}

export interface DmaAccess {
  pieces: DmaPiece[];
  faults: DmaFault[];
  /** Bytes that reached private guest memory without the key: read as ciphertext, or written to no effect. */
  private: number;
}

export class DeviceDma {
  constructor(
    readonly translation: Translation,
    private readonly dram: PhysicalMemory,
    private readonly cache: CpuCache,
    private readonly coherent: boolean,
    private readonly guest: GuestMemory,
  ) {}

  /** Where each part of [iova, iova + length) lands, granule by granule. */
  translate(iova: number, length: number, write: boolean): DmaAccess {
    const g = this.translation.granule;
    const pieces: DmaPiece[] = [];
    const faults: DmaFault[] = [];
    let done = 0;
    while (done < length) {
      const a = iova + done;
      const n = Math.min(g - (a % g), length - done);
      const t = this.translation.translate(a, write);
      if (t.fault !== undefined) {
        const prev = last(faults);
        if (prev !== undefined && prev.offset + prev.length === done && prev.reason === t.fault) prev.length += n;
        else faults.push({ offset: done, length: n, iova: a, reason: t.fault });
      } else {
        const prev = last(pieces);
        if (prev !== undefined && prev.offset + prev.length === done && prev.phys + prev.length === t.phys) prev.length += n;
        else pieces.push({ offset: done, length: n, iova: a, phys: t.phys });
      }
      done += n;
    }
    return { pieces, faults, private: 0 };
  }

  read(iova: number, length: number): DmaAccess & { data: Uint8Array } {
    const data = new Uint8Array(length);
    return { ...this.readInto(iova, data, 0, length), data };
  }

  /** read() into dst at dstOffset; bytes the device could not reach are left as they were. */
  readInto(iova: number, dst: Uint8Array, dstOffset: number, length: number): DmaAccess {
    const access = this.translate(iova, length, false);
    for (const p of access.pieces) {
      if (this.coherent) this.cache.snoopReadInto(p.phys, dst, dstOffset + p.offset, p.length);
      else this.dram.readInto(p.phys, dst, dstOffset + p.offset, p.length);
      if (this.guest.active && !this.translation.decrypts) access.private += this.guest.readWithoutKey(dst, dstOffset + p.offset, p.phys, p.length);
    }
    return access;
  }

  write(iova: number, data: Uint8Array): DmaAccess {
    const access = this.translate(iova, data.length, true);
    for (const p of access.pieces) {
      const parts = this.guest.active && !this.translation.decrypts ? this.guest.pieces(p.phys, p.length) : [{ offset: 0, length: p.length, private: false }];
      for (const q of parts) {
        // A write to a private page does not reach the guest.
        if (q.private) {
          access.private += q.length;
          continue;
        }
        const bytes = data.subarray(p.offset + q.offset, p.offset + q.offset + q.length);
        if (this.coherent) this.cache.snoopWrite(p.phys + q.offset, bytes);
        else this.dram.write(p.phys + q.offset, bytes);
      }
    }
    return access;
  }
}
