// Shared helpers for the tests: a machine with chosen settings, run as the current one.

import { withMachine } from '../harness/machine/current.js';
import { DEFAULT_MODEL_OPTIONS, Machine, type ModelOptions } from '../harness/machine/machine.js';
import { Workspace } from '../harness/machine/workspace.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM, type DeviceConfig, type PlatformConfig } from '../harness/machine/platform.js';

export function makeMachine(platform: Partial<PlatformConfig> = {}, device: Partial<DeviceConfig> = {}, model: Partial<ModelOptions> = {}): Machine {
  return new Machine({ ...DEFAULT_PLATFORM, ...platform }, { ...DEFAULT_DEVICE, ...device }, new Workspace(), { ...DEFAULT_MODEL_OPTIONS, ...model });
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

export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

export function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}
