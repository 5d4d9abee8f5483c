// The machine the simulated kernel is running on.
//
// Kernel code reaches some state through globals (the CPU caches, the default
// swiotlb pool, Kconfig options); the model reaches it through the current
// machine. Cases run one at a time per thread, so one slot is enough.

import type { Machine } from './machine.js';

let current: Machine | undefined;

export function machine(): Machine {
  if (current === undefined) throw new Error('no simulated machine is running');
  return current;
}

export function withMachine<T>(m: Machine, fn: () => T): T {
  const saved = current;
  current = m;
  try {
    return fn();
  } finally {
    current = saved;
  }
}
