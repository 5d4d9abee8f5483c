// A powerpc pseries partitionable endpoint's DMA windows, as the hypervisor
// keeps them for a device that needs TCE translation (a PCI function, or a
// virtio device with iommu_platform): the default 32-bit window, a table of
// TCEs (translation control entries) from bus address 0, each one 4 KiB page
// with read and write bits; and, once the guest asks for one, a dynamic DMA
// window (DDW) at a high base that maps all guest RAM one to one. The guest
// changes TCEs only through hcalls (H_PUT_TCE, H_PUT_TCE_INDIRECT,
// H_STUFF_TCE) and creates the DDW through RTAS (ibm,create-pe-dma-window),
// then fills the DDW's TCEs with the same hcalls. The hypervisor stores each
// TCE as it reads it, as QEMU does (KVM passes a TCE it cannot check on to
// QEMU with H_TOO_HARD, and QEMU's put_tce_emu only checks the IOBA): a TCE
// that points outside guest RAM faults the device's access.
//
// The kernel gets the DDW's base from firmware: 2^59 on the PowerVM and KVM
// machines Alexey Kardashevskiy describes. Numbers are exact to 2^53 here, so
// the model's default base is 2^52 (platform.ddw_base): above every RAM
// address and every mask below 64 bits, which is all the kernel's decisions
// look at.

import { hex } from './bits.js';
import { MACHINE_LIMITS } from './platform.js';
import { RangeMap, type Run } from './range-map.js';
import type { AddressRange, Translated, Translation, TranslationEntry } from './translation.js';

/** TCE permission bits (asm/tce.h): the device may read the page, write it. */
export const TCE_PCI_READ = 0x1;
export const TCE_PCI_WRITE = 0x2;

/** Hypervisor return codes the model's hcalls give. */
export const H_SUCCESS = 0;
export const H_PARAMETER = -4;
/** The hcall is not offered (hcall-multi-tce absent, for H_PUT_TCE_INDIRECT and H_STUFF_TCE). */
export const H_FUNCTION = -2;

export const TCE_SHIFT = 12;
export const TCE_PAGE = 1 << TCE_SHIFT;

/** A dynamic DMA window at [base, base + 2^windowShift): empty when created; the guest fills its TCEs to map RAM one to one. */
export interface DynamicWindow {
  liobn: number;
  base: number;
  /** log2 of the window's size, as ibm,create-pe-dma-window was asked. */
  windowShift: number;
  /** log2 of its TCE page size. */
  pageShift: number;
  /** Its TCEs by number from the window's base. */
  tces: RangeMap<TranslationEntry>;
}

/** One window's view for the hcalls: its TCEs, page shift, and where it starts and ends in TCE numbers. */
interface Window {
  tces: RangeMap<TranslationEntry>;
  shift: number;
  first: number;
  end: number;
}

/** A window's TCEs: runs of consecutive pages. */
export function tceMap(pageBytes: number): RangeMap<TranslationEntry> {
  return new RangeMap<TranslationEntry>({
    slice: (v, delta) => ({ ...v, phys: v.phys + delta * pageBytes }),
    canMerge: (l, r) => l.value.prot === r.value.prot && l.value.owner === r.value.owner && l.value.phys + (l.end - l.start) * pageBytes === r.value.phys,
  });
}

export class TceTable implements Translation {
  readonly label: string;
  readonly granule = TCE_PAGE;
  readonly decrypts = false;
  /** The default window's TCEs by TCE number; a TCE's value keeps the page's address and its bits. */
  private readonly tces = tceMap(TCE_PAGE);
  /** The DDW, once created. */
  ddw: DynamicWindow | null = null;
  /** hcalls made on this table, for the trace's counts. */
  hcalls = 0;

  constructor(
    /** The PE's name, as fixtures give the device's domain. */
    readonly name: string,
    /** The default window's LIOBN. */
    readonly liobn: number,
    /** The default window's size in bytes (1 GiB on KVM, 2 GiB on PowerVM). */
    readonly windowBytes: number,
  ) {
    this.label = `TCE table ${name}`;
  }

  /** The default window's size in TCEs. */
  get windowTces(): number {
    return this.windowBytes / TCE_PAGE;
  }

  translate(addr: number, write: boolean): Translated {
    const w = this.ddw;
    const inDdw = w !== null && addr >= w.base && addr - w.base < 2 ** w.windowShift;
    const tces = inDdw ? w.tces : this.tces;
    const page = inDdw ? 2 ** w.pageShift : TCE_PAGE;
    const off = inDdw ? addr - w.base : addr;
    const n = Math.floor(off / page);
    if (!inDdw && n >= this.windowTces) return { fault: 'unmapped' };
    const run = tces.get(n);
    if (run === undefined) return { fault: 'unmapped' };
    const bit = write ? TCE_PCI_WRITE : TCE_PCI_READ;
    if ((run.value.prot & bit) === 0) return { fault: 'permission' };
    const phys = run.value.phys + (n - run.start) * page + (off % page);
    // No guest RAM there: the access fails.
    if (phys >= MACHINE_LIMITS.physEnd) return { fault: 'unmapped' };
    return { phys };
  }

  entries(): readonly Run<TranslationEntry>[] {
    return this.tces.view();
  }

  allocated(): readonly AddressRange[] {
    return [];
  }

  finalSection(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      tces: this.tces.view().map((e) => `${hex(e.start * TCE_PAGE)}+${hex((e.end - e.start) * TCE_PAGE)} -> ${hex(e.value.phys)} ${tceText(e.value.prot)}`),
      tce_pages: this.tces.view().reduce((n, e) => n + e.end - e.start, 0),
    };
    const w = this.ddw;
    if (w !== null) {
      const filled = w.tces.view().reduce((n, e) => n + e.end - e.start, 0);
      out['ddw'] = `${hex(w.base)}+2^${w.windowShift}, ${filled} TCEs of 2^${w.pageShift} bytes filled`;
    }
    out['hcalls'] = this.hcalls;
    return out;
  }

  /** The default window, as the hcalls see it. */
  private readonly defaultWindow: Window = { tces: this.tces, shift: TCE_SHIFT, first: 0, end: 0 };
  /** The DDW as the hcalls see it, made once per DDW. */
  private ddwWindow: { of: DynamicWindow; win: Window } | null = null;

  /** The window an hcall names by LIOBN, or null. */
  private windowOf(liobn: number): Window | null {
    if (liobn === this.liobn) {
      this.defaultWindow.end = this.windowTces;
      return this.defaultWindow;
    }
    const w = this.ddw;
    if (w === null || liobn !== w.liobn) return null;
    if (this.ddwWindow?.of !== w) {
      this.ddwWindow = { of: w, win: { tces: w.tces, shift: w.pageShift, first: w.base / 2 ** w.pageShift, end: (w.base + 2 ** w.windowShift) / 2 ** w.pageShift } };
    }
    return this.ddwWindow.win;
  }

  /** `ioba` as a TCE number in the window, or -1 for an IOBA outside it or not on a TCE boundary. */
  private indexIn(win: Window, ioba: number, npages: number): number {
    const page = 2 ** win.shift;
    if (ioba % page !== 0) return -1;
    const n = ioba / page;
    if (n < win.first || n + npages > win.end) return -1;
    return n - win.first;
  }

  /** H_PUT_TCE: set (or, with no permission bits, clear) the TCE at `ioba`. */
  put(liobn: number, ioba: number, tce: number, owner: number): number {
    // One TCE the kernel built: a number below 2^53, so no list to decode (a DDW's fill or a window's clear makes a call per TCE).
    this.hcalls++;
    const win = this.windowOf(liobn);
    const n = win === null ? -1 : this.indexIn(win, ioba, 1);
    if (win === null || n < 0) return H_PARAMETER;
    const prot = tce & (TCE_PCI_READ | TCE_PCI_WRITE);
    if (prot === 0) win.tces.clear(n, n + 1);
    else win.tces.set(n, n + 1, { phys: tce - (tce % 2 ** win.shift), prot, owner });
    return H_SUCCESS;
  }

  /** H_PUT_TCE_INDIRECT once the hypervisor has read the list: each TCE stored as read, after the window and IOBA are checked. */
  putList(liobn: number, ioba: number, tces: readonly bigint[], owner: number): number {
    this.hcalls++;
    const win = this.windowOf(liobn);
    const first = win === null ? -1 : this.indexIn(win, ioba, tces.length);
    if (win === null || first < 0) return H_PARAMETER;
    const page = BigInt(2 ** win.shift);
    tces.forEach((tce, i) => {
      const n = first + i;
      const prot = Number(tce & BigInt(TCE_PCI_READ | TCE_PCI_WRITE));
      // A page address above 2^53 is not exact as a number; it is outside guest RAM either way.
      if (prot === 0) win.tces.clear(n, n + 1);
      else win.tces.set(n, n + 1, { phys: Number(tce - (tce % page)), prot, owner });
    });
    return H_SUCCESS;
  }

  /** H_STUFF_TCE: write one value into `npages` TCEs from `ioba`; only clearing is modelled. */
  stuff(liobn: number, ioba: number, npages: number): number {
    this.hcalls++;
    const win = this.windowOf(liobn);
    const n = win === null ? -1 : this.indexIn(win, ioba, npages);
    if (win === null || n < 0) return H_PARAMETER;
    win.tces.clear(n, n + npages);
    return H_SUCCESS;
  }
}

function tceText(prot: number): string {
  return (prot & TCE_PCI_READ ? 'R' : '-') + (prot & TCE_PCI_WRITE ? 'W' : '-');
}
