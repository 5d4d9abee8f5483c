// WARN_ON and BUG_ON: what the kernel prints, and where it stops.

import { machine } from './current.js';
import { KernelBug } from './events.js';

/** Records a kernel WARNING at `site` when the condition holds; returns the condition, as in C. */
export function WARN_ON(condition: boolean, site: string): boolean {
  if (condition) machine().recorder.warn(site, `WARNING at ${site}`);
  return condition;
}

export function BUG_ON(condition: boolean, message: string): void {
  if (condition) throw new KernelBug(message);
}
