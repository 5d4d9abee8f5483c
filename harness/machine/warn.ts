// WARN_ON, BUG_ON and BUG: what the kernel prints, and where it stops.

import { machine } from './current.js';
import { KernelBug } from './events.js';

/**
 * Records a kernel WARNING when the condition holds and returns the
 * condition, as in C. `what` is the condition as the C source writes it.
 */
export function WARN_ON(condition: boolean, what: string): boolean {
  if (condition) machine().recorder.warn('WARN_ON', `WARN_ON(${what})`);
  return condition;
}

export function BUG_ON(condition: boolean, message: string): void {
  if (condition) BUG(message);
}

/** BUG(): the kernel stops here. For a message worth building only when it happens (`if (cond) BUG(...)`). */
export function BUG(message: string): never {
  throw new KernelBug(message);
}
