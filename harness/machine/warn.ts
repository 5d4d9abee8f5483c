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

/**
 * WARN_ONCE / dev_WARN_ONCE: a WARNING the first time this call site gets
 * here on this machine, nothing after that. Each call site has its own
 * once-flag, as in C: `flag` tells apart sites in one function. Returns the
 * condition, as in C.
 */
export function WARN_ONCE(condition: boolean, site: string, message: string, flag = ''): boolean {
  if (condition) {
    const r = machine().recorder;
    const key = `${site}:${flag}`;
    if (!r.warnedOnce.has(key)) {
      r.warnedOnce.add(key);
      r.warn(site, message);
    }
  }
  return condition;
}

export function BUG_ON(condition: boolean, message: string): void {
  if (condition) BUG(message);
}

/** BUG(): the kernel stops here. For a message worth building only when it happens (`if (cond) BUG(...)`). */
export function BUG(message: string): never {
  throw new KernelBug(message);
}
