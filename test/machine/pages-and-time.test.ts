// The page allocator and the clock, in the io-pgtable self-test manner: an
// empty allocator has handed out nothing, a page freed comes back first with
// what it held;
// delayed work runs when the clock reaches it, in order, once per queueing.

import { describe, expect, it } from 'vitest';
import { withMachine } from '../../harness/machine/current.js';
import { __free_page, __GFP_ZERO, alloc_pages_node, GFP_ATOMIC } from '../../harness/machine/pages.js';
import { PageAllocator } from '../../harness/machine/page-alloc.js';
import { Recorder } from '../../harness/machine/events.js';
import { INIT_DELAYED_WORK, create_singlethread_workqueue, msecs_to_jiffies, queue_delayed_work, cancel_delayed_work_sync, Timers } from '../../harness/machine/workqueue.js';
import { DEFAULT_MODEL_OPTIONS, Machine } from '../../harness/machine/machine.js';
import { DEFAULT_DEVICE, DEFAULT_PLATFORM } from '../../harness/machine/platform.js';
import { Workspace } from '../../harness/machine/workspace.js';
import { makeMachine } from '../helpers.js';

describe('the page allocator', () => {
  it('hands a single page freed, whose buddy is still allocated, out first', () => {
    const a = new PageAllocator({ pageSize: 4096, base: 0x2000_0000, bytes: 0x40_0000 }, new Recorder());
    expect(a.inUse).toBe(0);
    const [p, q, r] = [a.alloc(0, false), a.alloc(0, false), a.alloc(0, false)];
    expect([p, q, r]).toEqual([0x2000_0000, 0x2000_1000, 0x2000_2000]);
    a.free(q, 0);
    expect(a.inUse).toBe(2);
    expect(a.alloc(0, false)).toBe(q);
  });

  it('leaves a reused page as it was, unless asked for __GFP_ZERO', () => {
    const m = makeMachine();
    withMachine(m, () => {
      const p = alloc_pages_node(0, GFP_ATOMIC, 0);
      m.cache.cpuWrite(p, new Uint8Array(16).fill(0x5a));
      __free_page(p);
      const again = alloc_pages_node(0, GFP_ATOMIC, 0);
      expect(again).toBe(p);
      expect(m.cache.cpuRead(p, 4)).toEqual(new Uint8Array(4).fill(0x5a));
      __free_page(again);
      const zeroed = alloc_pages_node(0, GFP_ATOMIC | __GFP_ZERO, 0);
      expect(m.cache.cpuRead(zeroed, 4)).toEqual(new Uint8Array(4));
    });
  });

  it('fails the nth allocation when a fixture asks (fail_page_alloc)', () => {
    const m = new Machine(DEFAULT_PLATFORM, [DEFAULT_DEVICE], new Workspace(), DEFAULT_MODEL_OPTIONS, { kind: 'pages', nth: 2, times: 1 });
    withMachine(m, () => {
      expect(alloc_pages_node(0, GFP_ATOMIC, 0)).not.toBe(0);
      expect(alloc_pages_node(0, GFP_ATOMIC, 0)).toBe(0);
      expect(alloc_pages_node(0, GFP_ATOMIC, 0)).not.toBe(0);
    });
    expect(m.faults.points.pages).toBe(3);
    expect(m.recorder.events.filter((e) => e.t === 'fault_injected')).toEqual([{ t: 'fault_injected', kind: 'pages', nth: 2, site: 'alloc_pages_node' }]);
  });
});

describe('the clock and delayed work', () => {
  it('runs nothing before its time, and the work at its time', () => {
    const t = new Timers();
    const ran: number[] = [];
    const wq = create_singlethread_workqueue('test');
    const w = INIT_DELAYED_WORK('a', () => ran.push(t.now));
    expect(t.queue(wq, w as never, msecs_to_jiffies(5000))).toBe(true);
    expect(t.advance(4999)).toBe(0);
    expect(ran).toEqual([]);
    expect(t.advance(1)).toBe(1);
    expect(ran).toEqual([5000]);
  });

  it('queues a pending work once (queue_delayed_work returns false)', () => {
    const t = new Timers();
    const wq = create_singlethread_workqueue('test');
    let runs = 0;
    const w = INIT_DELAYED_WORK(null, () => runs++);
    expect(t.queue(wq, w as never, 10)).toBe(true);
    expect(t.queue(wq, w as never, 20)).toBe(false);
    t.advance(100);
    expect(runs).toBe(1);
  });

  it('runs works in the order of their times, and a work that requeues itself again within one wait', () => {
    const m = makeMachine();
    const order: string[] = [];
    withMachine(m, () => {
      const wq = create_singlethread_workqueue('test');
      const a = INIT_DELAYED_WORK('a', (w) => {
        order.push(`${w.container}@${m.timers.now}`);
        if (m.timers.now < 15000) queue_delayed_work(wq, w, 5000);
      });
      const b = INIT_DELAYED_WORK('b', (w) => order.push(`${w.container}@${m.timers.now}`));
      queue_delayed_work(wq, a, 5000);
      queue_delayed_work(wq, b, 7000);
      m.timers.advance(30000);
      expect(order).toEqual(['a@5000', 'b@7000', 'a@10000', 'a@15000']);
      expect(m.timers.now).toBe(30000);
    });
  });

  it('does not run a cancelled work', () => {
    const m = makeMachine();
    withMachine(m, () => {
      const wq = create_singlethread_workqueue('test');
      let runs = 0;
      const w = INIT_DELAYED_WORK(null, () => runs++);
      queue_delayed_work(wq, w, 10);
      expect(cancel_delayed_work_sync(w)).toBe(true);
      expect(cancel_delayed_work_sync(w)).toBe(false);
      m.timers.advance(1000);
      expect(runs).toBe(0);
    });
  });
});
