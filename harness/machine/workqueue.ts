// Time, and work the kernel defers: the clock (jiffies) and delayed work on
// workqueues (include/linux/workqueue.h), as far as the modelled code uses
// them. Time passes only when a fixture says so (a `wait` step): DMA API
// calls take no time on the model's clock. A delayed work runs when the
// clock reaches the time it was queued for, in the order of those times
// (queueing order among equals), on the one CPU the model has, between the
// driver's steps; a work that queues itself again runs again if the wait
// reaches its new time.
//
// HZ is 1000 in the model, so a jiffy is a millisecond; the modelled delays
// are whole seconds, which every HZ the kernel supports divides.

import { machine } from './current.js';

export const HZ = 1000;

export function msecs_to_jiffies(ms: number): number {
  return Math.ceil((ms * HZ) / 1000);
}

/** struct workqueue_struct: only its name matters to the model. */
export interface workqueue_struct {
  name: string;
  destroyed: boolean;
}

/**
 * struct delayed_work: the function and, while it is pending, when it runs.
 * `container` is what container_of() finds from it in C: the structure the
 * work is embedded in.
 */
export interface delayed_work<T = unknown> {
  container: T;
  func: (work: delayed_work<T>) => void;
  /** The jiffy it runs at while pending; -1 when it is not. */
  due: number;
  wq: workqueue_struct | null;
  /** Order of queueing, among works due at the same jiffy. */
  seq: number;
}

/** The machine's clock and its pending delayed works. */
export class Timers {
  /** jiffies since boot. */
  now = 0;
  private readonly pending: Array<delayed_work<unknown>> = [];
  private seq = 0;

  queue(wq: workqueue_struct, work: delayed_work<unknown>, delay: number): boolean {
    if (work.due >= 0) return false;
    work.due = this.now + delay;
    work.wq = wq;
    work.seq = this.seq++;
    this.pending.push(work);
    return true;
  }

  cancel(work: delayed_work<unknown>): boolean {
    const i = this.pending.indexOf(work);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    work.due = -1;
    return true;
  }

  /** Let `jiffies` pass, running every work that comes due on the way; the works run, in order. */
  advance(jiffies: number): number {
    const until = this.now + jiffies;
    let ran = 0;
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next.due > until) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.now = next.due;
      next.due = -1;
      ran++;
      next.func(next);
    }
    this.now = until;
    return ran;
  }

  private nextDue(): delayed_work<unknown> | undefined {
    let best: delayed_work<unknown> | undefined;
    for (const w of this.pending) if (best === undefined || w.due < best.due || (w.due === best.due && w.seq < best.seq)) best = w;
    return best;
  }

  /** Works pending, for the final state. */
  get pendingCount(): number {
    return this.pending.length;
  }
}

/** create_singlethread_workqueue(): the model never fails it (it runs at boot). */
export function create_singlethread_workqueue(name: string): workqueue_struct {
  return { name, destroyed: false };
}

export function destroy_workqueue(wq: workqueue_struct): void {
  wq.destroyed = true;
}

/** INIT_DELAYED_WORK() of the work embedded in `container`: a work that is not pending. */
export function INIT_DELAYED_WORK<T>(container: T, func: (work: delayed_work<T>) => void): delayed_work<T> {
  return { container, func, due: -1, wq: null, seq: 0 };
}

/** queue_delayed_work(): false, doing nothing, when the work is already pending. */
export function queue_delayed_work<T>(wq: workqueue_struct, work: delayed_work<T>, delay: number): boolean {
  return machine().timers.queue(wq, work as delayed_work<unknown>, delay);
}

/** cancel_delayed_work_sync(): whether it was pending. */
export function cancel_delayed_work_sync<T>(work: delayed_work<T>): boolean {
  return machine().timers.cancel(work as delayed_work<unknown>);
}

export function jiffies(): number {
  return machine().timers.now;
}
