// What a pseries guest kernel asks of its hypervisor and firmware for DMA,
// reduced to the calls the modelled kernel makes: the TCE hcalls of
// asm/plpar_wrappers.h and the three RTAS calls of dynamic DMA windows. Each
// PE's windows are the machine's (tce.ts); a device reaches them by LIOBN,
// as the guest does.

import { machine } from './current.js';
import { H_PARAMETER, type TceTable } from './tce.js';

/** The PE whose default window or DDW has this LIOBN. */
function tableOf(liobn: number): TceTable | undefined {
  for (const t of machine().tceTables.values()) if (t.liobn === liobn || t.ddw?.liobn === liobn) return t;
  return undefined;
}

/** plpar_tce_put (H_PUT_TCE): one TCE of the default window. */
export function plpar_tce_put(liobn: number, ioba: number, tceval: number): number {
  const t = tableOf(liobn);
  const ret = t === undefined ? H_PARAMETER : t.put(liobn, ioba, tceval, machine().recorder.owner);
  machine().recorder.emit({ t: 'tce_hcall', hcall: 'H_PUT_TCE', liobn, ioba, tce: tceval, npages: 1, ret });
  return ret;
}

/** plpar_tce_stuff (H_STUFF_TCE): clear npages TCEs of the default window. */
export function plpar_tce_stuff(liobn: number, ioba: number, tceval: number, npages: number): number {
  const t = tableOf(liobn);
  const ret = t === undefined ? H_PARAMETER : t.stuff(liobn, ioba, npages);
  machine().recorder.emit({ t: 'tce_hcall', hcall: 'H_STUFF_TCE', liobn, ioba, tce: tceval, npages, ret });
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

/** ibm,create-pe-dma-window: the DDW at the platform's base; the guest then fills its TCEs, which the model takes as done (see enable_ddw). */
export function rtas_create_pe_dma_window(pe: string, page_shift: number, window_shift: number, create: ddw_create_response): number {
  const t = machine().tceTables.get(pe);
  if (t === undefined || t.ddw !== null) return -3;
  const base = machine().platform.ddwBase;
  const liobn = t.liobn | 0x8000_0000;
  t.ddw = { liobn: liobn >>> 0, base, windowShift: window_shift, pageShift: page_shift };
  create.liobn = liobn >>> 0;
  create.addr_hi = Math.floor(base / 2 ** 32);
  create.addr_lo = base % 2 ** 32;
  return 0;
}
