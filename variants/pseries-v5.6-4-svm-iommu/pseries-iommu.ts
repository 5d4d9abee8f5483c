// arch/powerpc/platforms/pseries/iommu.c as of v5.5, the LPAR paths: TCEs
// written one H_PUT_TCE at a time, or with hcall-multi-tce as lists of up to
// 512 in a per-CPU page the hypervisor reads (H_PUT_TCE_INDIRECT) and
// cleared with H_STUFF_TCE; a PE's default window from its ibm,dma-window;
// and the dynamic DMA window that lets a 64-bit device bypass the table,
// filled at creation with TCEs for all of RAM. Firmware's side is the
// machine's (harness/machine/pseries.ts). Simplified: a PE is the device's
// domain name in the fixture; the hot-plug maximum is the end of RAM; there
// is no memory hot-plug notifier and no device-tree property for the DDW
// (direct_window_list keeps its base).

import {
  __get_free_page,
  ddw_applicable,
  DMA_BIDIRECTIONAL,
  DMA_BIT_MASK,
  DMA_TO_DEVICE,
  GFP_ATOMIC,
  H_SUCCESS,
  hex,
  is_secure_guest,
  load_be64,
  machine,
  memblock_end_of_DRAM,
  order_base_2,
  PAGE_SHIFT,
  plpar_tce_put,
  plpar_tce_put_indirect,
  plpar_tce_stuff,
  rtas_create_pe_dma_window,
  rtas_query_pe_dma_window,
  rtas_remove_pe_dma_window,
  store_be64,
  TCE_PCI_READ,
  TCE_PCI_WRITE,
  walk_system_ram_range,
  type ddw_create_response,
  type ddw_query_response,
  type device,
  type dma_data_direction,
  type dma_map_ops,
} from '../../harness/kernel.js';
import { iommu_init_table, type iommu_table, type iommu_table_ops } from '../v5.5-pseries/powerpc-iommu.js';
import { dma_iommu_ops, set_iommu_table_base } from './dma-iommu.js';
import { firmware_has_feature, FW_FEATURE_PUT_TCE_IND, FW_FEATURE_STUFF_TCE } from './firmware.js';

const H_NOT_ENOUGH_RESOURCES = -44;
const TCE_SHIFT = 12;
/** TCEs one list page holds (4096 / TCE_ENTRY_SIZE). */
const TCES_PER_PAGE = 512;
const ENOMEM = 12;

/** struct pci_controller_ops, the members pseries fills for DMA. */
interface pci_controller_ops {
  dma_dev_setup: ((dev: device) => void) | null;
  iommu_bypass_supported: ((dev: device, mask: number) => boolean) | null;
}

/** struct dynamic_dma_window_prop: what enable_ddw hands the range walkers. */
interface dynamic_dma_window_prop {
  liobn: number;
  dma_base: number;
  tce_shift: number;
  window_shift: number;
}

interface pseries_statics {
  controller_ops: pci_controller_ops;
  /** pci_dma_ops: what pcibios_setup_device gives each PCI device. */
  pci_dma_ops: dma_map_ops | null;
  /** The PEs whose DDW failed: never retried. */
  failed_ddw_pdn_list: Set<string>;
  /** direct_window_list: the DDW base of each PE that has one. */
  direct_window_list: Map<string, number>;
  /** Each PE's "linux,direct64-ddr-window-info" device-tree property, added once its DDW is filled. */
  ddw_property: Map<string, dynamic_dma_window_prop>;
  /** Each PE's default-window table, once a device of it was set up. */
  tables: Map<string, iommu_table>;
  /** The per-CPU tce_page (one CPU): the list H_PUT_TCE_INDIRECT reads, allocated on first use and kept; 0 until then. */
  tce_page: number;
}

function statics(): pseries_statics {
  return machine().statics.get('pseries/iommu.c') as pseries_statics;
}

/** The PCI host bridge's ops (phb->controller_ops), for dma-iommu.c's bypass question. */
export function pci_controller_ops_of(_dev: device): pci_controller_ops {
  return statics().controller_ops;
}

function tce_build_pSeriesLP(liobn: number, tcenum: number, tceshift: number, npages: number, uaddr: number, direction: dma_data_direction, _attrs: number): number {
  let ret = 0;
  const tcenum_start = tcenum;
  let rpn = Math.floor(uaddr / 2 ** tceshift);
  const proto_tce = TCE_PCI_READ + (direction !== DMA_TO_DEVICE ? TCE_PCI_WRITE : 0);
  for (let done = 0; done < npages; done++) {
    const tce = proto_tce + rpn * 2 ** tceshift;
    const rc = plpar_tce_put(liobn, tcenum * 2 ** tceshift, tce);
    if (rc === H_NOT_ENOUGH_RESOURCES) {
      ret = rc;
      tce_free_pSeriesLP(liobn, tcenum_start, done);
      break;
    }
    if (rc !== H_SUCCESS) machine().recorder.warn('tce_build_pSeriesLP', `plpar_tce_put failed. rc=${rc} index=${hex(tcenum)} tce=${hex(tce)}`, false);
    tcenum++;
    rpn++;
  }
  return ret;
}

/** The per-CPU list page (__this_cpu_read(tce_page)), allocated on first use with GFP_ATOMIC and kept; 0 when that fails. */
function this_cpu_tce_page(): number {
  const s = statics();
  if (s.tce_page === 0) s.tce_page = __get_free_page(GFP_ATOMIC, true);
  return s.tce_page;
}

function tce_buildmulti_pSeriesLP(tbl: iommu_table, tcenum: number, npages: number, uaddr: number, direction: dma_data_direction, attrs: number): number {
  if (npages === 1 || !firmware_has_feature(FW_FEATURE_PUT_TCE_IND)) return tce_build_pSeriesLP(tbl.it_index, tcenum, tbl.it_page_shift, npages, uaddr, direction, attrs);
  const tcep = this_cpu_tce_page();
  if (tcep === 0) return tce_build_pSeriesLP(tbl.it_index, tcenum, tbl.it_page_shift, npages, uaddr, direction, attrs);
  const tcenum_start = tcenum;
  const npages_start = npages;
  let rpn = Math.floor(uaddr / 2 ** TCE_SHIFT);
  const proto_tce = TCE_PCI_READ + (direction !== DMA_TO_DEVICE ? TCE_PCI_WRITE : 0);
  let rc: number;
  let limit: number;
  do {
    limit = Math.min(npages, TCES_PER_PAGE);
    for (let l = 0; l < limit; l++, rpn++) store_be64(tcep + 8 * l, proto_tce + rpn * 2 ** TCE_SHIFT);
    rc = plpar_tce_put_indirect(tbl.it_index, tcenum * 2 ** 12, tcep, limit);
    npages -= limit;
    tcenum += limit;
  } while (npages > 0 && rc === H_SUCCESS);
  if (rc === H_NOT_ENOUGH_RESOURCES) {
    tce_freemulti_pSeriesLP(tbl, tcenum_start, npages_start - (npages + limit));
    return rc;
  }
  if (rc !== H_SUCCESS) {
    machine().recorder.warn('tce_buildmulti_pSeriesLP', `plpar_tce_put failed. rc=${rc} index=${hex(tcenum_start)} npages=${npages_start} tce[0] val=${hex(load_be64(tcep))}`, false);
  }
  return 0;
}

function tce_free_pSeriesLP(liobn: number, tcenum: number, npages: number): void {
  for (let i = 0; i < npages; i++, tcenum++) {
    const rc = plpar_tce_put(liobn, tcenum * 2 ** 12, 0);
    if (rc !== H_SUCCESS) machine().recorder.warn('tce_free_pSeriesLP', `plpar_tce_put failed. rc=${rc} index=${hex(tcenum)}`, false);
  }
}

function tce_freemulti_pSeriesLP(tbl: iommu_table, tcenum: number, npages: number): void {
  if (!firmware_has_feature(FW_FEATURE_STUFF_TCE)) return tce_free_pSeriesLP(tbl.it_index, tcenum, npages);
  const rc = plpar_tce_stuff(tbl.it_index, tcenum * 2 ** 12, 0, npages);
  if (rc !== H_SUCCESS) machine().recorder.warn('tce_freemulti_pSeriesLP', `plpar_tce_stuff failed. rc=${rc} index=${hex(tcenum)} npages=${npages}`, false);
}

/** The table's it_ops. */
const iommu_table_lpar_multi_ops: iommu_table_ops = {
  set: tce_buildmulti_pSeriesLP,
  clear: tce_freemulti_pSeriesLP,
};

/** Map [start_pfn, start_pfn + num_pfn) of RAM into a DDW, READ|WRITE, in lists of 512 TCEs. */
function tce_setrange_multi_pSeriesLP(start_pfn: number, num_pfn: number, maprange: dynamic_dma_window_prop): number {
  if (!firmware_has_feature(FW_FEATURE_PUT_TCE_IND)) {
    const tceshift = maprange.tce_shift;
    const dmastart = start_pfn * 2 ** PAGE_SHIFT() + maprange.dma_base;
    const tcenum = Math.floor(dmastart / 2 ** tceshift);
    const npages = Math.floor((num_pfn * 2 ** PAGE_SHIFT()) / 2 ** tceshift);
    const uaddr = start_pfn * 2 ** PAGE_SHIFT();
    return tce_build_pSeriesLP(maprange.liobn, tcenum, tceshift, npages, uaddr, DMA_BIDIRECTIONAL, 0);
  }
  const tcep = this_cpu_tce_page();
  if (tcep === 0) return -ENOMEM;
  const proto_tce = TCE_PCI_READ + TCE_PCI_WRITE;
  const tce_size = 2 ** maprange.tce_shift;
  let next = start_pfn * 2 ** PAGE_SHIFT();
  let num_tce = num_pfn * 2 ** PAGE_SHIFT();
  // Back to the start of its TCE page, then count whole TCEs.
  num_tce += next % tce_size;
  next -= next % tce_size;
  num_tce = Math.floor(num_tce / tce_size);
  let rc: number;
  do {
    const limit = Math.min(num_tce, TCES_PER_PAGE);
    const dma_offset = next + maprange.dma_base;
    for (let l = 0; l < limit; l++, next += tce_size) store_be64(tcep + 8 * l, proto_tce + next);
    rc = plpar_tce_put_indirect(maprange.liobn, dma_offset, tcep, limit);
    num_tce -= limit;
  } while (num_tce > 0 && rc === H_SUCCESS);
  return rc;
}

/** Clear a DDW's TCEs for [start_pfn, start_pfn + num_pfn), 512 at a time. */
function tce_clearrange_multi_pSeriesLP(start_pfn: number, num_pfn: number, maprange: dynamic_dma_window_prop): number {
  const tce_size = 2 ** maprange.tce_shift;
  let next = start_pfn * 2 ** PAGE_SHIFT();
  let num_tce = num_pfn * 2 ** PAGE_SHIFT();
  num_tce += next % tce_size;
  next -= next % tce_size;
  num_tce = Math.floor(num_tce / tce_size);
  let rc: number;
  do {
    const limit = Math.min(num_tce, TCES_PER_PAGE);
    rc = plpar_tce_stuff(maprange.liobn, next + maprange.dma_base, 0, limit);
    next += limit * tce_size;
    num_tce -= limit;
  } while (num_tce > 0 && rc === H_SUCCESS);
  return rc;
}

/** The window's parameters, as ibm,dma-window gives them: from bus address 0, the platform's size, 4 KiB TCEs. */
function iommu_table_setparms_lpar(pe: string): iommu_table {
  const hw = machine().tceTable(pe);
  return {
    it_index: hw.liobn,
    it_offset: 0,
    it_size: hw.windowTces,
    it_page_shift: 12,
    it_blocksize: 16,
    it_map: new Uint8Array(0),
    nr_pools: 1,
    pools: [],
    large_pool: { start: 0, end: 0, hint: 0 },
    it_ops: iommu_table_lpar_multi_ops,
  };
}

/** The device's PE: the fixture's domain name; a device without one has no ibm,dma-window above it. */
function pe_of(dev: device): string | null {
  return dev.config.domain;
}

function pci_dma_dev_setup_pSeriesLP(dev: device): void {
  const pe = pe_of(dev);
  if (pe === null) {
    machine().recorder.warn('pci_dma_dev_setup_pSeriesLP', `no DMA window found for pci dev=${dev.name}`, false);
    return;
  }
  const s = statics();
  let tbl = s.tables.get(pe);
  if (tbl === undefined) {
    tbl = iommu_init_table(iommu_table_setparms_lpar(pe), 0, 0, 0);
    s.tables.set(pe, tbl);
  }
  set_iommu_table_base(dev, tbl);
}

function find_existing_ddw(pe: string): number {
  return statics().direct_window_list.get(pe) ?? 0;
}

/** The highest address RAM may reach, hot-plug included: the end of RAM (the model has no hot-plug memory). */
function ddw_memory_hotplug_max(): number {
  return memblock_end_of_DRAM();
}

/** Take a PE's DDW down: clear its TCEs, then ask firmware to remove it; nothing without the PE's DDW property. */
function remove_ddw(pe: string): void {
  const dwp = statics().ddw_property.get(pe);
  if (dwp === undefined) return;
  const ret = tce_clearrange_multi_pSeriesLP(0, 2 ** (dwp.window_shift - PAGE_SHIFT()), dwp);
  if (ret !== 0) machine().recorder.warn('remove_ddw', `failed to clear tces in window. ret=${ret}`, false);
  const rc = rtas_remove_pe_dma_window(dwp.liobn);
  if (rc !== 0) machine().recorder.warn('remove_ddw', `failed to remove direct window: rtas returned ${rc} liobn ${hex(dwp.liobn)}`, false);
}

/** A DDW for the device's PE, mapping all of RAM; its base, or 0. */
function enable_ddw(dev: device, pe: string): number {
  const s = statics();
  const existing = find_existing_ddw(pe);
  if (existing !== 0) return existing;
  if (s.failed_ddw_pdn_list.has(pe)) return 0;

  const fail = (why: string): number => {
    machine().recorder.warn('enable_ddw', `${dev.name}: ${why}`, false);
    s.failed_ddw_pdn_list.add(pe);
    return 0;
  };
  if (!ddw_applicable(pe)) return fail('no ibm,ddw-applicable');
  const query: ddw_query_response = { windows_available: 0, largest_available_block: 0, page_size: 0 };
  if (rtas_query_pe_dma_window(pe, query) !== 0) return fail('query-pe-dma-window failed');
  if (query.windows_available === 0) return fail('no free dynamic windows');
  let page_shift: number;
  if (query.page_size & 4) page_shift = 24;
  else if (query.page_size & 2) page_shift = 16;
  else if (query.page_size & 1) page_shift = 12;
  else return fail(`no supported direct page size in mask ${hex(query.page_size)}`);
  const max_addr = ddw_memory_hotplug_max();
  if (query.largest_available_block < Math.floor(max_addr / 2 ** page_shift)) return fail('not enough TCEs to map all of memory');
  const len = order_base_2(max_addr);
  const create: ddw_create_response = { liobn: 0, addr_hi: 0, addr_lo: 0 };
  if (rtas_create_pe_dma_window(pe, page_shift, len, create) !== 0) return fail('create-pe-dma-window failed');
  const dwp: dynamic_dma_window_prop = { liobn: create.liobn, dma_base: create.addr_hi * 2 ** 32 + create.addr_lo, tce_shift: page_shift, window_shift: len };
  const ret = walk_system_ram_range(0, memblock_end_of_DRAM() / 2 ** PAGE_SHIFT(), dwp, tce_setrange_multi_pSeriesLP);
  if (ret !== 0) {
    machine().recorder.warn('enable_ddw', `${dev.name}: failed to map direct window for ${pe}: ${ret}`, false);
    // The property is not added yet, so the window stays as it is.
    remove_ddw(pe);
    s.failed_ddw_pdn_list.add(pe);
    return 0;
  }
  s.ddw_property.set(pe, dwp);
  s.direct_window_list.set(pe, dwp.dma_base);
  return dwp.dma_base;
}

/** A 64-bit mask gets the DDW: its base becomes the device's DMA offset. */
function iommu_bypass_supported_pSeriesLP(dev: device, dma_mask: number): boolean {
  if (dma_mask < DMA_BIT_MASK(64)) return false;
  const pe = pe_of(dev);
  if (pe !== null) {
    dev.archdata.dma_offset = enable_ddw(dev, pe);
    return dev.archdata.dma_offset !== 0;
  }
  return false;
}

/** Install the pseries DMA hooks and dma_iommu_ops, secure guest or not: a secure guest's 64-bit devices reach dma-direct through the DDW bypass. */
export function iommu_init_early_pSeries(): void {
  machine().statics.set('pseries/iommu.c', {
    controller_ops: { dma_dev_setup: null, iommu_bypass_supported: null },
    pci_dma_ops: null,
    failed_ddw_pdn_list: new Set(),
    direct_window_list: new Map(),
    ddw_property: new Map(),
    tables: new Map(),
    tce_page: 0,
  } satisfies pseries_statics);
  const s = statics();
  s.controller_ops.dma_dev_setup = pci_dma_dev_setup_pSeriesLP;
  if (!machine().platform.disableDdw) s.controller_ops.iommu_bypass_supported = iommu_bypass_supported_pSeriesLP;
  set_pci_dma_ops(dma_iommu_ops);
}

function set_pci_dma_ops(ops: dma_map_ops): void {
  statics().pci_dma_ops = ops;
}

/** What pcibios_setup_device (pci-common.c) reads: the ops every PCI device gets. */
export function get_pci_dma_ops(): dma_map_ops | null {
  return statics().pci_dma_ops;
}

/** The PHB's per-device DMA set-up, as pcibios_setup_device calls it. */
export function pcibios_setup_device_dma(dev: device): void {
  statics().controller_ops.dma_dev_setup?.(dev);
}
