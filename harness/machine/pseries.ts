// What a pseries guest kernel asks of its hypervisor and firmware for DMA,
// reduced to the calls the modelled kernel makes: the TCE hcalls of
// asm/plpar_wrappers.h and the three RTAS calls of dynamic DMA windows. Each
// PE's windows are the machine's (tce.ts); a device reaches them by LIOBN,
// as the guest does.

import { machine } from './current.js';
import type { MachineEvent } from './events.js';
import { H_FUNCTION, H_PARAMETER, type TceTable } from './tce.js';

/** The PE whose default window or DDW has this LIOBN. */
function tableOf(liobn: number): TceTable | undefined {
  for (const t of machine().tceTables.values()) if (t.windowOf(liobn) !== null) return t;
  return undefined;
}

type TceHcall = Extract<MachineEvent, { t: 'tce_hcall' }>;

/**
 * Record an hcall. A run of H_PUT_TCE calls that set consecutive TCEs to
 * consecutive pages (or clear them) with the same answer is one event
 * counting its calls: filling a DDW one TCE at a time makes one call per
 * page of RAM, and the trace shows them in a line.
 */
function hcallEvent(e: TceHcall): void {
  const rec = machine().recorder;
  const prev = rec.events[rec.events.length - 1];
  if (
    e.hcall === 'H_PUT_TCE' &&
    prev?.t === 'tce_hcall' &&
    prev.hcall === 'H_PUT_TCE' &&
    prev.liobn === e.liobn &&
    prev.ret === e.ret &&
    prev.stride === e.stride &&
    e.ioba === prev.ioba + prev.npages * e.stride &&
    (e.tce === 0 ? prev.tce === 0 : e.tce === prev.tce + prev.npages * e.stride)
  ) {
    prev.npages++;
    return;
  }
  rec.emit(e);
}

/** The page size of the window a LIOBN names (4 KiB for none). */
function strideOf(t: TceTable | undefined, liobn: number): number {
  return t?.windowOf(liobn)?.pageBytes ?? 4096;
}

/** plpar_tce_put (H_PUT_TCE): one TCE of a window. */
export function plpar_tce_put(liobn: number, ioba: number, tceval: number): number {
  const t = tableOf(liobn);
  const ret = t === undefined ? H_PARAMETER : t.put(liobn, ioba, tceval, machine().recorder.owner);
  hcallEvent({ t: 'tce_hcall', hcall: 'H_PUT_TCE', liobn, ioba, tce: tceval, npages: 1, stride: strideOf(t, liobn), ret });
  return ret;
}

/**
 * plpar_tce_put_indirect (H_PUT_TCE_INDIRECT): `npages` TCEs from a list in
 * a guest page at `page` (big-endian 64-bit values). The hypervisor reads
 * the list from guest memory as any host access does: in a secure guest a
 * page the guest has not shared reads as ciphertext.
 */
export function plpar_tce_put_indirect(liobn: number, ioba: number, page: number, npages: number): number {
  const m = machine();
  if (!m.platform.hcallMultiTce) {
    hcallEvent({ t: 'tce_hcall', hcall: 'H_PUT_TCE_INDIRECT', liobn, ioba, tce: page, npages, stride: 0, ret: H_FUNCTION });
    return H_FUNCTION;
  }
  const bytes = new Uint8Array(npages * 8);
  m.cache.snoopReadInto(page, bytes, 0, bytes.length);
  const privateBytes = m.guest.readWithoutKey(bytes, 0, page, bytes.length);
  if (privateBytes > 0) m.recorder.emit({ t: 'hv_read', what: 'the H_PUT_TCE_INDIRECT TCE list', addr: page, size: bytes.length, private: privateBytes });
  const view = new DataView(bytes.buffer);
  const tces: bigint[] = [];
  for (let i = 0; i < npages; i++) tces.push(view.getBigUint64(i * 8));
  const t = tableOf(liobn);
  const ret = t === undefined ? H_PARAMETER : t.putList(liobn, ioba, tces, m.recorder.owner);
  hcallEvent({ t: 'tce_hcall', hcall: 'H_PUT_TCE_INDIRECT', liobn, ioba, tce: page, npages, stride: strideOf(t, liobn), ret });
  return ret;
}

/** plpar_tce_stuff (H_STUFF_TCE): clear npages TCEs of a window; part of hcall-multi-tce. */
export function plpar_tce_stuff(liobn: number, ioba: number, tceval: number, npages: number): number {
  const t = tableOf(liobn);
  const ret = !machine().platform.hcallMultiTce ? H_FUNCTION : t === undefined ? H_PARAMETER : t.stuff(liobn, ioba, npages);
  hcallEvent({ t: 'tce_hcall', hcall: 'H_STUFF_TCE', liobn, ioba, tce: tceval, npages, stride: strideOf(t, liobn), ret });
  return ret;
}

/** The answer to ibm,query-pe-dma-window. */
export interface ddw_query_response {
  windows_available: number;
  largest_available_block: number;
  /** Bit 0: 4 KiB TCEs, bit 1: 64 KiB, bit 2: 16 MiB. */
  page_size: number;
}

/** The answer to ibm,create-pe-dma-window. */
export interface ddw_create_response {
  liobn: number;
  addr_hi: number;
  addr_lo: number;
}

/** The "ibm,ddw-applicable" property: whether firmware offers DDW for the PE. */
export function ddw_applicable(pe: string): boolean {
  return machine().platform.ddwAvailable && machine().tceTables.has(pe);
}

/** ibm,query-pe-dma-window: one window, as large as any guest, with 64 KiB and 16 MiB pages. */
export function rtas_query_pe_dma_window(pe: string, query: ddw_query_response): number {
  const t = machine().tceTables.get(pe);
  if (t === undefined) return -3;
  query.windows_available = t.ddw === null ? 1 : 0;
  query.largest_available_block = 2 ** 40;
  query.page_size = 0x7;
  return 0;
}

/** ibm,create-pe-dma-window: an empty DDW at the platform's base; the guest then fills its TCEs. */
export function rtas_create_pe_dma_window(pe: string, page_shift: number, window_shift: number, create: ddw_create_response): number {
  const t = machine().tceTables.get(pe);
  if (t === undefined || t.ddw !== null) return -3;
  const base = machine().platform.ddwBase;
  const liobn = t.liobn | 0x8000_0000;
  t.createDdw(liobn >>> 0, base, window_shift, page_shift);
  create.liobn = liobn >>> 0;
  create.addr_hi = Math.floor(base / 2 ** 32);
  create.addr_lo = base % 2 ** 32;
  return 0;
}

/** ibm,remove-pe-dma-window: the PE's DDW, by its LIOBN, is gone. */
export function rtas_remove_pe_dma_window(liobn: number): number {
  const t = tableOf(liobn);
  if (t === undefined || t.ddw?.liobn !== liobn) return -3;
  t.ddw = null;
  return 0;
}

/** memblock_end_of_DRAM(): the end of guest RAM, as the platform gives it. */
export function memblock_end_of_DRAM(): number {
  return machine().platform.ramEnd;
}

/**
 * walk_system_ram_range() (kernel/resource.c): call `func` on each run of
 * System RAM pages in [start_pfn, start_pfn + nr_pages), stopping at the
 * first non-zero answer. The guest's RAM is one run from 0 to its end.
 */
export function walk_system_ram_range<T>(start_pfn: number, nr_pages: number, arg: T, func: (start_pfn: number, nr_pages: number, arg: T) => number): number {
  const page = machine().platform.pageSize;
  const end = Math.min(start_pfn + nr_pages, memblock_end_of_DRAM() / page);
  return end > start_pfn ? func(start_pfn, end - start_pfn, arg) : -1;
}
