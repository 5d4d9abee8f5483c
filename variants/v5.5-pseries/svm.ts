// arch/powerpc/platforms/pseries/svm.c as of v5.5: a secure guest forces
// swiotlb and shares its pool with the hypervisor, whose devices can reach
// nothing else of the guest. set_memory_encrypted and _decrypted are the
// ultravisor calls behind them (uv_unshare_page, uv_share_page), which the
// machine's guest memory stands for.

import { IO_TLB_SIZE, is_secure_guest, machine, PAGE_SIZE, set_memory_decrypted, SWIOTLB_FORCE } from '../../harness/kernel.js';
import { swiotlb_globals } from './direct.js';
import { swiotlb_init_with_tbl } from '../v5.14/swiotlb.js';

/** swiotlb_update_mem_attributes (kernel/dma/swiotlb.c): share the whole pool. */
function swiotlb_update_mem_attributes(): void {
  const p = machine().platform;
  set_memory_decrypted(p.swiotlbBase, p.swiotlbBytes / PAGE_SIZE());
}

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
