// A powerpc pseries partitionable endpoint's DMA windows, as the hypervisor
// keeps them for a device that needs TCE translation (a PCI function, or a
// virtio device with iommu_platform): the default 32-bit window, a table of
// TCEs (translation control entries) from bus address 0, each one 4 KiB page
// with read and write bits; and, once the guest asks for one, a dynamic DMA
// window (DDW) at a high base that maps all guest RAM one to one. The guest
// changes TCEs only through hcalls (H_PUT_TCE, H_STUFF_TCE) and creates the
// DDW through RTAS (ibm,create-pe-dma-window); both are below.
//
// The kernel gets the DDW's base from firmware: 2^59 on the PowerVM and KVM
// machines Alexey Kardashevskiy describes. Numbers are exact to 2^53 here, so
// the model's default base is 2^52 (platform.ddw_base): above every RAM
// address and every mask below 64 bits, which is all the kernel's decisions
// look at.

import { hex } from './bits.js';
import { RangeMap, type Run } from './range-map.js';
import type { AddressRange, Translated, Translation, TranslationEntry } from './translation.js';

/** TCE permission bits (asm/tce.h): the device may read the page, write it. */
export const TCE_PCI_READ = 0x1;
export const TCE_PCI_WRITE = 0x2;

/** Hypervisor return codes the model's hcalls give. */
export const H_SUCCESS = 0;
export const H_PARAMETER = -4;

export const TCE_SHIFT = 12;
export const TCE_PAGE = 1 << TCE_SHIFT;

/** A dynamic DMA window: [base, base + size) maps [0, size) of guest RAM. */
export interface DynamicWindow {
  liobn: number;
  base: number;
  /** log2 of the window's size, as ibm,create-pe-dma-window was asked. */
  windowShift: number;
  /** log2 of its TCE page size. */
  pageShift: number;
}

export class TceTable implements Translation {
  readonly label: string;
  readonly granule = TCE_PAGE;
  readonly decrypts = false;
  /** The default window's TCEs by TCE number; a TCE's value keeps the page's address and its bits. */
  private readonly tces = new RangeMap<TranslationEntry>({
    slice: (v, delta) => ({ ...v, phys: v.phys + delta * TCE_PAGE }),
    canMerge: (l, r) => l.value.prot === r.value.prot && l.value.owner === r.value.owner && l.value.phys + (l.end - l.start) * TCE_PAGE === r.value.phys,
  });
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
    if (w !== null && addr >= w.base && addr - w.base < 2 ** w.windowShift) return { phys: addr - w.base };
    const n = Math.floor(addr / TCE_PAGE);
    if (n >= this.windowTces) return { fault: 'unmapped' };
    const run = this.tces.get(n);
    if (run === undefined) return { fault: 'unmapped' };
    const bit = write ? TCE_PCI_WRITE : TCE_PCI_READ;
    if ((run.value.prot & bit) === 0) return { fault: 'permission' };
    return { phys: run.value.phys + (n - run.start) * TCE_PAGE + (addr % TCE_PAGE) };
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
    if (this.ddw !== null) out['ddw'] = `${hex(this.ddw.base)}+2^${this.ddw.windowShift}`;
    return out;
  }

  /** H_PUT_TCE: set (or, with no permission bits, clear) the TCE at `ioba`. */
  put(liobn: number, ioba: number, tce: number, owner: number): number {
    this.hcalls++;
    if (liobn !== this.liobn || ioba % TCE_PAGE !== 0 || ioba / TCE_PAGE >= this.windowTces) return H_PARAMETER;
    const n = ioba / TCE_PAGE;
    const prot = tce & (TCE_PCI_READ | TCE_PCI_WRITE);
    if (prot === 0) this.tces.clear(n, n + 1);
    else this.tces.set(n, n + 1, { phys: tce - (tce % TCE_PAGE), prot, owner });
    return H_SUCCESS;
  }

  /** H_STUFF_TCE: write one value into `npages` TCEs from `ioba`; only clearing is modelled. */
  stuff(liobn: number, ioba: number, npages: number): number {
    this.hcalls++;
    if (liobn !== this.liobn || ioba % TCE_PAGE !== 0 || ioba / TCE_PAGE + npages > this.windowTces) return H_PARAMETER;
    this.tces.clear(ioba / TCE_PAGE, ioba / TCE_PAGE + npages);
    return H_SUCCESS;
  }
}

function tceText(prot: number): string {
  return (prot & TCE_PCI_READ ? 'R' : '-') + (prot & TCE_PCI_WRITE ? 'W' : '-');
}
