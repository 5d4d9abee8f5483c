// Trace lines: one per step and one per thing the machine did during it,
// each prefixed with the step's label, so that two traces can be diffed
// line by line and every difference names its step.

import { hex } from '../machine/bits.js';
import type { MachineEvent } from '../machine/events.js';
import { protText } from '../machine/iommu.js';
import type { Comparison } from '../contract/bytes.js';

/** What follows the step label on a violation's line: "<step>   !! <kind>: <sentence>". */
export const VIOLATION_MARK = '   !! ';

export function range(addr: number, size: number): string {
  return `${hex(addr)}+${hex(size)}`;
}

/** One machine event as a trace line's text. */
export function eventText(e: MachineEvent): string {
  switch (e.t) {
    case 'memcpy':
      return `memcpy ${range(e.src, e.size)} -> ${hex(e.dst)}`;
    case 'memset':
      return `memset 0 ${range(e.addr, e.size)}`;
    case 'cache': {
      let s = `cache ${e.op} ${range(e.addr, e.size)} (${e.lines} lines`;
      if (e.written > 0) s += `, ${e.written} written back`;
      if (e.dropped > 0) s += `, ${e.dropped} dirty dropped`;
      return s + ')';
    }
    case 'page_alloc':
      return `page alloc order ${e.order} at ${hex(e.phys)}${e.zeroed ? ' (zeroed)' : ''}`;
    case 'page_alloc_fail':
      return `page alloc order ${e.order} failed`;
    case 'page_free':
      return `page free ${range(e.phys, e.size)}`;
    case 'iova_alloc':
      return `iova alloc ${plural(e.pages, 'page')} at pfn ${hex(e.pfn)} from ${e.from} (limit pfn ${hex(e.limitPfn)})`;
    case 'iova_alloc_fail':
      return `iova alloc ${plural(e.pages, 'page')} failed (limit pfn ${hex(e.limitPfn)})`;
    case 'iova_free':
      return `iova free ${plural(e.pages, 'page')} at pfn ${hex(e.pfn)} into ${e.into}`;
    case 'iova_rcache_release':
      return `iova rcache ${e.reason === 'flush' ? 'flushed' : 'magazine released (depot full)'}: ${e.nodes.length} nodes back to the tree`;
    case 'iommu_map':
      return `iommu map ${range(e.iova, e.size)} -> ${hex(e.phys)} ${protText(e.prot)}${e.ret !== 0 ? ` = ${e.ret}` : ''}`;
    case 'iommu_unmap':
      return `iommu unmap ${range(e.iova, e.size)}${e.unmapped !== e.size ? ` unmapped only ${hex(e.unmapped)}` : ''}`;
    case 'iotlb_sync':
      return e.pages === 0 ? 'iotlb sync (nothing gathered)' : 'iotlb sync';
    case 'pte_collision':
      return e.kept
        ? `iommu: entry for iova ${hex(e.iova)} already set (to ${hex(e.oldPhys)} not ${hex(e.newPhys)}); old entry kept`
        : `iommu: entry for iova ${hex(e.iova)} already valid (${hex(e.oldPhys)}); -EEXIST`;
    case 'iova_to_phys':
      return `iova_to_phys ${hex(e.iova)} = ${hex(e.phys)}`;
    case 'swiotlb_map':
      return `swiotlb map ${hex(e.orig)} -> ${hex(e.tlb)} (slots ${e.index}..${e.index + e.nslots - 1}, alloc ${e.allocSize})`;
    case 'swiotlb_full':
      return `swiotlb: no ${plural(e.nslots, 'slot')} for ${hex(e.orig)} (used ${e.used} of ${e.total} slots)`;
    case 'swiotlb_unmap':
      return `swiotlb unmap ${hex(e.tlb)} (slots ${e.index}..${e.index + e.nslots - 1})`;
    case 'bounce_slot':
      switch (e.op) {
        case 'take-fresh':
          return `bounce pool: new buffer ${range(e.iova, e.size)} -> ${hex(e.phys)}`;
        case 'take-cached':
          return `bounce pool: cached buffer ${range(e.iova, e.size)} -> ${hex(e.phys)} reused`;
        case 'cache':
          return `bounce pool: buffer ${range(e.iova, e.size)} cached, still mapped`;
        case 'free':
          return `bounce pool: buffer ${range(e.iova, e.size)} freed`;
      }
      break;
    case 'bounce_reserve':
      return `bounce pool: iova ${range(e.iova, e.size)} ${e.released ? 'released' : 'reserved'}`;
    case 'fault_injected':
      return `fault injected: ${e.site} fails (${e.kind} allocation ${e.nth})`;
    case 'tce_hcall': {
      const ret = e.ret !== 0 ? ` = ${e.ret}` : '';
      switch (e.hcall) {
        case 'H_PUT_TCE':
          return e.npages === 1
            ? `H_PUT_TCE liobn ${hex(e.liobn)} ioba ${hex(e.ioba)} tce ${hex(e.tce)}${ret}`
            : `H_PUT_TCE x${e.npages} liobn ${hex(e.liobn)} ioba ${hex(e.ioba)}.. tce ${e.tce === 0 ? '0 (clear)' : `${hex(e.tce)}..`} step ${hex(e.stride)}${ret}`;
        case 'H_PUT_TCE_INDIRECT':
          return `H_PUT_TCE_INDIRECT liobn ${hex(e.liobn)} ioba ${hex(e.ioba)} ${plural(e.npages, 'TCE')} listed at ${hex(e.tce)}${ret}`;
        case 'H_STUFF_TCE':
          return `H_STUFF_TCE liobn ${hex(e.liobn)} ioba ${hex(e.ioba)} ${plural(e.npages, 'TCE')} cleared${ret}`;
      }
      break;
    }
    case 'uv':
      return `ultravisor: ${plural(e.pages, 'page')} at ${hex(e.addr)} ${e.op === 'share' ? 'shared with the hypervisor' : 'made secure again'} (zeroed)`;
    case 'hv_read':
      return `hypervisor reads ${e.what} at ${range(e.addr, e.size)}${e.private > 0 ? `: ${e.private} bytes private, read as ciphertext` : ''}`;
    case 'warn':
      return `${e.splat ? 'WARNING' : 'kernel'}: ${e.site}: ${e.message}`;
  }
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexBytes(bytes: Uint8Array, count: number): string {
  const n = Math.min(count, bytes.length);
  let out = n > 0 ? BYTE_HEX[bytes[0]!]! : '';
  for (let i = 1; i < n; i++) out += ' ' + BYTE_HEX[bytes[i]!]!;
  return bytes.length > count ? out + '…' : out;
}

/** "512 bytes 10 11 12 13 14 15 16 17…", with the expectation when it failed. */
export function bytesText(actual: Uint8Array, expected?: Uint8Array, cmp?: Comparison): string {
  const head = `${actual.length} bytes ${hexBytes(actual, 8)}`;
  if (expected === undefined || cmp === undefined) return head;
  if (cmp.checked === 0) return `${head} (nothing to check)`;
  if (cmp.differ === 0) return `${head} (as expected)`;
  const at = cmp.first;
  const where = at === 0 ? '' : `first at +${hex(at)}: ${hexBytes(actual.subarray(at), 8)}, `;
  return `${head} (${cmp.differ} of ${cmp.checked} bytes differ; ${where}expected ${hexBytes(expected.subarray(at), 8)})`;
}

export function shortBytes(bytes: Uint8Array, count = 8): string {
  return hexBytes(bytes, count);
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}
