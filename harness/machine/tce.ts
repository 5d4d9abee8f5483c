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

/**
 * A DMA window of a PE at [base, base + 2^windowShift), reached by its
 * LIOBN: the default one from bus address 0 in 4 KiB TCEs, or a DDW, empty
 * when created, whose TCEs the guest fills to map RAM one to one.
 */
export interface DmaWindow {
  liobn: number;
  base: number;
  /** log2 of the window's size. */
  windowShift: number;
  /** log2 of its TCE page size. */
  pageShift: number;
  /** 2^pageShift, and the window's size in TCEs: kept, since every hcall asks. */
  pageBytes: number;
  size: number;
  /** Its TCEs by number from the window's base; a TCE's value keeps the page's address and its bits. */
  tces: RangeMap<TranslationEntry>;
}

function dmaWindow(liobn: number, base: number, windowShift: number, pageShift: number): DmaWindow {
  const page = 2 ** pageShift;
  const tces = new RangeMap<TranslationEntry>({
    slice: (v, delta) => ({ ...v, phys: v.phys + delta * page }),
    canMerge: (l, r) => l.value.prot === r.value.prot && l.value.owner === r.value.owner && l.value.phys + (l.end - l.start) * page === r.value.phys,
  });
  return { liobn, base, windowShift, pageShift, pageBytes: page, size: 2 ** (windowShift - pageShift), tces };
}

function covers(w: DmaWindow, addr: number): boolean {
  return addr >= w.base && addr - w.base < w.size * w.pageBytes;
}

/** TCEs set in a window. */
function filled(w: DmaWindow): number {
  return w.tces.view().reduce((n, e) => n + e.end - e.start, 0);
}

export class TceTable implements Translation {
  readonly label: string;
  readonly granule = TCE_PAGE;
  readonly decrypts = false;
  /** The default window. */
  readonly window: DmaWindow;
  /** The DDW, once created. */
  ddw: DmaWindow | null = null;
  /** hcalls made on this table, for the trace's counts. */
  hcalls = 0;

  constructor(
    /** The PE's name, as fixtures give the device's domain. */
    readonly name: string,
    /** The default window's LIOBN. */
    readonly liobn: number,
    /** The default window's size in bytes (1 GiB on KVM, 2 GiB on PowerVM), a power of two. */
    readonly windowBytes: number,
  ) {
    this.label = `TCE table ${name}`;
    this.window = dmaWindow(liobn, 0, Math.log2(windowBytes), TCE_SHIFT);
  }

  /** The default window's size in TCEs. */
  get windowTces(): number {
    return this.windowBytes / TCE_PAGE;
  }

  /** An empty DDW, as ibm,create-pe-dma-window makes it. */
  createDdw(liobn: number, base: number, windowShift: number, pageShift: number): void {
    this.ddw = dmaWindow(liobn, base, windowShift, pageShift);
  }

  /** The window an hcall names by LIOBN, or null. */
  windowOf(liobn: number): DmaWindow | null {
    if (liobn === this.liobn) return this.window;
    return this.ddw !== null && liobn === this.ddw.liobn ? this.ddw : null;
  }

  translate(addr: number, write: boolean): Translated {
    const w = this.ddw !== null && covers(this.ddw, addr) ? this.ddw : covers(this.window, addr) ? this.window : null;
    if (w === null) return { fault: 'unmapped' };
    const page = w.pageBytes;
    const off = addr - w.base;
    const n = Math.floor(off / page);
    const run = w.tces.get(n);
    if (run === undefined) return { fault: 'unmapped' };
    const bit = write ? TCE_PCI_WRITE : TCE_PCI_READ;
    if ((run.value.prot & bit) === 0) return { fault: 'permission' };
    const phys = run.value.phys + (n - run.start) * page + (off % page);
    // No guest RAM there: the access fails.
    if (phys >= MACHINE_LIMITS.physEnd) return { fault: 'unmapped' };
    return { phys };
  }

  entries(): readonly Run<TranslationEntry>[] {
    return this.window.tces.view();
  }

  allocated(): readonly AddressRange[] {
    return [];
  }

  finalSection(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      tces: this.window.tces.view().map((e) => `${hex(e.start * TCE_PAGE)}+${hex((e.end - e.start) * TCE_PAGE)} -> ${hex(e.value.phys)} ${tceText(e.value.prot)}`),
      tce_pages: filled(this.window),
    };
    const w = this.ddw;
    if (w !== null) out['ddw'] = `${hex(w.base)}+2^${w.windowShift}, ${filled(w)} TCEs of 2^${w.pageShift} bytes filled`;
    out['hcalls'] = this.hcalls;
    return out;
  }

  /** `ioba` as a TCE number of the window, or -1 for an IOBA outside it or not on a TCE boundary. */
  private indexIn(w: DmaWindow, ioba: number, npages: number): number {
    const off = ioba - w.base;
    if (off < 0 || off % w.pageBytes !== 0) return -1;
    const n = off / w.pageBytes;
    return n + npages > w.size ? -1 : n;
  }

  /** Set TCE n of the window as the hypervisor stores it: no permission bits clear it. */
  private store(w: DmaWindow, n: number, prot: number, phys: number, owner: number): void {
    if (prot === 0) w.tces.clear(n, n + 1);
    else w.tces.set(n, n + 1, { phys, prot, owner });
  }

  /** H_PUT_TCE: set (or, with no permission bits, clear) the TCE at `ioba`. */
  put(liobn: number, ioba: number, tce: number, owner: number): number {
    // One TCE the kernel built: a number below 2^53, so no list to decode (a DDW's fill or a window's clear makes a call per TCE).
    this.hcalls++;
    const w = this.windowOf(liobn);
    const n = w === null ? -1 : this.indexIn(w, ioba, 1);
    if (w === null || n < 0) return H_PARAMETER;
    this.store(w, n, tce & (TCE_PCI_READ | TCE_PCI_WRITE), tce - (tce % w.pageBytes), owner);
    return H_SUCCESS;
  }

  /** H_PUT_TCE_INDIRECT once the hypervisor has read the list: each TCE stored as read, after the window and IOBA are checked. */
  putList(liobn: number, ioba: number, tces: readonly bigint[], owner: number): number {
    this.hcalls++;
    const w = this.windowOf(liobn);
    const first = w === null ? -1 : this.indexIn(w, ioba, tces.length);
    if (w === null || first < 0) return H_PARAMETER;
    const page = BigInt(w.pageBytes);
    // A page address above 2^53 is not exact as a number; it is outside guest RAM either way.
    tces.forEach((tce, i) => this.store(w, first + i, Number(tce & BigInt(TCE_PCI_READ | TCE_PCI_WRITE)), Number(tce - (tce % page)), owner));
    return H_SUCCESS;
  }

  /** H_STUFF_TCE: write one value into `npages` TCEs from `ioba`; only clearing is modelled. */
  stuff(liobn: number, ioba: number, npages: number): number {
    this.hcalls++;
    const w = this.windowOf(liobn);
    const n = w === null ? -1 : this.indexIn(w, ioba, npages);
    if (w === null || n < 0) return H_PARAMETER;
    w.tces.clear(n, n + npages);
    return H_SUCCESS;
  }
}

function tceText(prot: number): string {
  return (prot & TCE_PCI_READ ? 'R' : '-') + (prot & TCE_PCI_WRITE ? 'W' : '-');
}
