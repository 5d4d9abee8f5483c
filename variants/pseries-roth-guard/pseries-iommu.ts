// arch/powerpc/platforms/pseries/iommu.c as of v5.5, the LPAR paths: TCEs
// written one H_PUT_TCE at a time (the firmware feature hcall-multi-tce is
// taken as absent: the model has no H_PUT_TCE_INDIRECT and no per-CPU TCE
// list page), a PE's default window from its ibm,dma-window, and the dynamic
// DMA window that lets a 64-bit device bypass the table. Firmware's side is
// the machine's (harness/machine/pseries.ts). Simplified: a PE is the
// device's domain name in the fixture; enable_ddw's filling of the window
// (walk_system_ram_range with tce_setrange_multi_pSeriesLP) is taken as done
// by the window's creation; there is no memory hot-plug notifier.

import {
  ddw_applicable,
  DMA_BIT_MASK,
  DMA_TO_DEVICE,
  H_SUCCESS,
  hex,
  machine,
  MACHINE_LIMITS,
  order_base_2,
  plpar_tce_put,
  rtas_create_pe_dma_window,
  rtas_query_pe_dma_window,
  TCE_PCI_READ,
  TCE_PCI_WRITE,
  type ddw_create_response,
  type ddw_query_response,
  type device,
  type dma_data_direction,
  type dma_map_ops,
} from '../../harness/kernel.js';
import { iommu_init_table, type iommu_table, type iommu_table_ops } from '../v5.5-pseries/powerpc-iommu.js';
import { dma_iommu_ops, set_iommu_table_base } from './dma-iommu.js';

const H_NOT_ENOUGH_RESOURCES = -44;

/** struct pci_controller_ops, the members pseries fills for DMA. */
interface pci_controller_ops {
  dma_dev_setup: ((dev: device) => void) | null;
  iommu_bypass_supported: ((dev: device, mask: number) => boolean) | null;
}

interface pseries_statics {
  controller_ops: pci_controller_ops;
  /** pci_dma_ops: what pcibios_setup_device gives each PCI device. */
  pci_dma_ops: dma_map_ops | null;
  /** The PEs whose DDW failed: never retried. */
  failed_ddw_pdn_list: Set<string>;
  /** direct_window_list: the DDW base of each PE that has one. */
  direct_window_list: Map<string, number>;
  /** Each PE's default-window table, once a device of it was set up. */
  tables: Map<string, iommu_table>;
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
    if (rc !== H_SUCCESS) machine().recorder.warn('tce_build_pSeriesLP', `plpar_tce_put failed. rc=${rc} tcenum=${hex(tcenum)} tce=${hex(tce)}`, false);
    tcenum++;
    rpn++;
  }
  return ret;
}

function tce_free_pSeriesLP(liobn: number, tcenum: number, npages: number): void {
  for (let i = 0; i < npages; i++, tcenum++) {
    const rc = plpar_tce_put(liobn, tcenum * 4096, 0);
    if (rc !== H_SUCCESS) machine().recorder.warn('tce_free_pSeriesLP', `plpar_tce_put failed. rc=${rc} tcenum=${hex(tcenum)}`, false);
  }
}

/** The table's it_ops without hcall-multi-tce: both fall back to one TCE at a time. */
const iommu_table_lpar_multi_ops: iommu_table_ops = {
  set: (tbl, tcenum, npages, uaddr, direction, attrs) => tce_build_pSeriesLP(tbl.it_index, tcenum, tbl.it_page_shift, npages, uaddr, direction, attrs),
  clear: (tbl, tcenum, npages) => tce_free_pSeriesLP(tbl.it_index, tcenum, npages),
};

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

/** The highest address RAM may reach, hot-plug included: the model's physical address space. */
function ddw_memory_hotplug_max(): number {
  return MACHINE_LIMITS.physEnd;
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
  if (query.largest_available_block < max_addr / 2 ** page_shift) return fail('not enough TCEs to map all of memory');
  const len = order_base_2(max_addr);
  const create: ddw_create_response = { liobn: 0, addr_hi: 0, addr_lo: 0 };
  if (rtas_create_pe_dma_window(pe, page_shift, len, create) !== 0) return fail('create-pe-dma-window failed');
  const dma_addr = create.addr_hi * 2 ** 32 + create.addr_lo;
  s.direct_window_list.set(pe, dma_addr);
  return dma_addr;
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
    tables: new Map(),
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
