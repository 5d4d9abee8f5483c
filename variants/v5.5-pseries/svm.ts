// arch/powerpc/platforms/pseries/svm.c as of v5.5: a secure guest forces
// swiotlb and shares its pool with the hypervisor, whose devices can reach
// nothing else of the guest. set_memory_encrypted and _decrypted are the
// ultravisor calls (uv_unshare_page, uv_share_page), which the machine's
// guest memory stands for; the ultravisor zeroes a page it shares or
// unshares.

import { IO_TLB_SIZE, is_secure_guest, machine, PAGE_ALIGN, PAGE_SIZE, SWIOTLB_FORCE, uv_share_page, uv_unshare_page } from '../../harness/kernel.js';
import { swiotlb_globals } from './direct.js';
import { swiotlb_init_with_tbl } from '../v5.14/swiotlb.js';

/**
 * swiotlb_update_mem_attributes (kernel/dma/swiotlb.c): share the whole
 * pool. 5.5 then zeroes it with memset, which the model leaves out: sharing
 * has zeroed it already (the ultravisor zeroes what it shares) and every
 * pseries device snoops the CPU cache, so it changes no byte anyone reads,
 * and 64 MiB of dirty cache lines would cost more than the case.
 */
function swiotlb_update_mem_attributes(): void {
  const p = machine().platform;
  if (machine().swiotlb === null) return;
  const bytes = PAGE_ALIGN(p.swiotlbBytes);
  set_memory_decrypted(p.swiotlbBase, bytes / PAGE_SIZE());
}

/** Make `numpages` pages at `addr` private again (pages must be page-aligned). */
export function set_memory_encrypted(addr: number, numpages: number): number {
  if (addr % PAGE_SIZE() !== 0) return -EINVAL;
  uv_unshare_page(addr / PAGE_SIZE(), numpages);
  return 0;
}

/** Share `numpages` pages at `addr` with the hypervisor. */
export function set_memory_decrypted(addr: number, numpages: number): number {
  if (addr % PAGE_SIZE() !== 0) return -EINVAL;
  uv_share_page(addr / PAGE_SIZE(), numpages);
  return 0;
}

const EINVAL = 22;

/** machine_early_initcall: force bouncing and share the pool. */
export function init_svm(): number {
  if (!is_secure_guest()) return 0;
  swiotlb_globals().swiotlb_force = SWIOTLB_FORCE;
  swiotlb_update_mem_attributes();
  return 0;
}

/** mem_init's swiotlb set-up in a secure guest: the pool anywhere in RAM (the model: where the platform puts it). */
export function svm_swiotlb_init(): void {
  const p = machine().platform;
  swiotlb_init_with_tbl(p.swiotlbBase, p.swiotlbBytes / IO_TLB_SIZE);
}
