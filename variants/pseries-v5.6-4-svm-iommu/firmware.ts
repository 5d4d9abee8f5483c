// arch/powerpc/platforms/pseries/firmware.c as of v5.5, the part DMA needs:
// which hcall sets the hypervisor offers, read from the device tree's
// ibm,hypertas-functions at boot into powerpc_firmware_features, and
// firmware_has_feature() (asm/firmware.h) to ask. Only the TCE feature is
// modelled, as two bits since 5.6: FW_FEATURE_PUT_TCE_IND (H_PUT_TCE_INDIRECT)
// and FW_FEATURE_STUFF_TCE (H_STUFF_TCE), both from "hcall-multi-tce", which
// the platform offers unless its hcall_multi_tce setting says not.
// multitce=off on the command line is not modelled.

import { is_secure_guest, machine } from '../../harness/kernel.js';

export const FW_FEATURE_PUT_TCE_IND = 1 << 0;
export const FW_FEATURE_STUFF_TCE = 1 << 1;

interface firmware_statics {
  powerpc_firmware_features: number;
}

function statics(): firmware_statics {
  let s = machine().statics.get('pseries/firmware.c') as firmware_statics | undefined;
  if (s === undefined) {
    s = { powerpc_firmware_features: 0 };
    machine().statics.set('pseries/firmware.c', s);
  }
  return s;
}

/** The hcall sets ibm,hypertas-functions lists on this platform. */
function hypertas_functions(): string[] {
  return machine().platform.hcallMultiTce ? ['hcall-tce', 'hcall-multi-tce'] : ['hcall-tce'];
}

/** Turn the listed hcall sets into feature bits. */
export function fw_hypertas_feature_init(): void {
  const s = statics();
  for (const name of hypertas_functions()) {
    if (name === 'hcall-multi-tce') s.powerpc_firmware_features |= FW_FEATURE_PUT_TCE_IND | FW_FEATURE_STUFF_TCE;
  }
  // A secure guest would have to share the TCE list page: set TCEs one by one instead.
  if (is_secure_guest() && (s.powerpc_firmware_features & FW_FEATURE_PUT_TCE_IND) !== 0) {
    s.powerpc_firmware_features &= ~FW_FEATURE_PUT_TCE_IND;
  }
}

export function firmware_has_feature(feature: number): boolean {
  return (statics().powerpc_firmware_features & feature) !== 0;
}
