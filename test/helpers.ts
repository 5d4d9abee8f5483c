// Shared helpers for the tests: a machine with chosen settings, booted by
// the base variant's kernel, run as the current one.

import { join } from 'node:path';
import { withMachine } from '../harness/machine/current.js';
import { DEFAULT_MODEL_OPTIONS, Machine, type ModelOptions } from '../harness/machine/machine.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM, type DeviceConfig, type PlatformConfig } from '../harness/machine/platform.js';
import { Workspace } from '../harness/machine/workspace.js';
import { variantsDir } from '../harness/paths.js';
import { loadVariant, readVariantMetas } from '../harness/variants/registry.js';
import type { IovaDomain } from '../variants/v5.14/iova.js';

const baseMeta = (await readVariantMetas()).find((v) => v.meta.id === 'v5.14')!;
/** The v5.14 kernel, which boots the machines made here. */
export const baseKernel = (await loadVariant(baseMeta.meta, join(variantsDir, 'v5.14'))).kernel;

/** A machine with one device ("dev", behind an IOMMU of the platform's page size unless it says otherwise), booted by the v5.14 kernel. */
export function makeMachine(platform: Partial<PlatformConfig> = {}, device: Partial<DeviceConfig> = {}, model: Partial<ModelOptions> = {}): Machine {
  const p = { ...DEFAULT_PLATFORM, ...platform };
  const m = new Machine(p, [{ ...DEFAULT_DEVICE, iovaGranule: p.iovaGranule, ...device }], new Workspace(), { ...DEFAULT_MODEL_OPTIONS, ...model });
  withMachine(m, () => baseKernel.boot(m));
  return m;
}

/** Run fn with a fresh machine as the current one. */
export function onMachine<T>(
  fn: (m: Machine) => T,
  platform: Partial<PlatformConfig> = {},
  device: Partial<DeviceConfig> = {},
  model: Partial<ModelOptions> = {},
): T {
  const m = makeMachine(platform, device, model);
  return withMachine(m, () => fn(m));
}

/** The IOVA allocator behind the default device's domain. */
export function iovadOf(m: Machine): IovaDomain {
  return (m.domain.iova_cookie as unknown as { iovad: IovaDomain }).iovad;
}

export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

export function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}
