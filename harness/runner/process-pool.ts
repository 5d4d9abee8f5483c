// Child processes for the cases of C variants, whose kernel is native code:
// a NULL dereference or an endless loop in it would take a thread's whole
// process down, so each runs in a process of its own (child.ts). A child
// takes a batch of cases and says on a pipe which one it has started; a
// case that runs past its budget is a `timeout` cell (the child is killed),
// one whose process dies is an `error` cell naming the signal; either way
// the rest of the batch runs again on a fresh child, and results come back
// in case order.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Scenario } from '../fixtures/scenario.js';
import { compiledFile, projectRoot } from '../paths.js';
import { caseId, type CaseResult } from '../run/result.js';
import type { VariantMeta } from '../variants/registry.js';
import { PROGRESS_FD, type ChildInit, type ChildResults, type ChildRun } from './child-protocol.js';

export interface ChildCase {
  scenario: Scenario;
  /** Index into the variants the pool was made with. */
  variant: number;
}

/** How often a child's progress is looked at. */
const WATCHDOG_MS = 10;

function childEntry(): string {
  const filename = compiledFile(join(projectRoot, 'harness', 'runner', 'child.ts'));
  if (!existsSync(filename)) throw new Error(`${filename} is missing: run npm run build first`);
  return filename;
}

/** Why a child died, for the error cell. */
function deathMessage(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) {
    const what = signal === 'SIGSEGV' || signal === 'SIGBUS' ? ' (a bad pointer dereferenced in the C kernel)' : signal === 'SIGABRT' ? ' (the C kernel or the runtime aborted)' : '';
    return `the C kernel's process was killed by ${signal}${what}`;
  }
  return `the C kernel's process exited with code ${code}`;
}

/** One child process, running one batch at a time. */
class Child {
  private readonly proc: ChildProcess;
  /** Index in the batch of the case started last; -1 before the first. */
  started = -1;
  since = performance.now();
  private buffered = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private waiting: ((r: ChildResults | null) => void) | null = null;

  constructor(variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>) {
    this.proc = fork(childEntry(), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      serialization: 'advanced',
      execArgv: ['--enable-source-maps'],
    });
    const progress = this.proc.stdio[PROGRESS_FD] as Readable;
    progress.setEncoding('utf8');
    progress.on('data', (chunk: string) => {
      this.buffered += chunk;
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop()!;
      const lastLine = lines[lines.length - 1];
      if (lastLine !== undefined) {
        this.started = Number(lastLine);
        this.since = performance.now();
      }
    });
    this.proc.on('message', (msg: ChildResults) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      // Let the progress pipe drain: the last index it carries is the case that died.
      progress.once('end', () => this.settle());
      if (progress.readableEnded) this.settle();
      setTimeout(() => this.settle(), 50);
    });
    const init: ChildInit = { type: 'init', variants: [...variants] };
    this.proc.send(init);
  }

  private settle(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.(null);
  }

  /** The batch's results, or null when the process died or was killed first. */
  run(batch: ChildRun): Promise<ChildResults | null> {
    this.started = -1;
    this.since = performance.now();
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.proc.send(batch);
    });
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }

  close(): void {
    if (this.exited === null) this.proc.disconnect();
  }
}

export class ProcessPool {
  private readonly idle: Child[] = [];
  private readonly busy = new Set<Child>();
  private nextId = 1;
  private readonly watchdog: NodeJS.Timeout;
  private readonly deadlines = new Map<Child, () => void>();

  constructor(
    private readonly variants: ReadonlyArray<{ meta: VariantMeta; dir: string }>,
    private readonly timeoutMs: number,
  ) {
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const [child, onTimeout] of this.deadlines) if (child.started >= 0 && now - child.since > this.timeoutMs) onTimeout();
    }, WATCHDOG_MS);
    this.watchdog.unref();
  }

  private take(): Child {
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) if (c.exited === null) return c;
    return new Child(this.variants);
  }

  /** Run a batch to the end: every case gets a result, whatever the children do. */
  async run(cases: readonly ChildCase[]): Promise<CaseResult[]> {
    const results = new Array<CaseResult>(cases.length);
    let todo = cases.map((_, i) => i);
    while (todo.length > 0) {
      const child = this.take();
      this.busy.add(child);
      let timedOut = false;
      this.deadlines.set(child, () => {
        timedOut = true;
        this.deadlines.delete(child);
        child.kill();
      });
      const answer = await child.run({ type: 'run', id: this.nextId++, cases: todo.map((i) => cases[i]!) });
      this.deadlines.delete(child);
      this.busy.delete(child);
      if (answer !== null) {
        answer.results.forEach((r, k) => (results[todo[k]!] = r));
        this.idle.push(child);
        return results;
      }
      // The child died on the case it had started (or before any, on loading: then the first).
      const at = Math.max(0, child.started);
      const i = todo[at]!;
      const c = cases[i]!;
      const fixture = c.scenario.id;
      const variant = this.variants[c.variant]!.meta.id;
      const id = caseId(fixture, variant);
      results[i] = timedOut
        ? { id, fixture, variant, status: 'timeout', budget_ms: this.timeoutMs }
        : { id, fixture, variant, status: 'error', message: deathMessage(child.exited?.code ?? null, child.exited?.signal ?? null) };
      // The cases before it finished, but their results died with the process: run them again.
      todo = todo.filter((_, k) => k !== at);
    }
    return results;
  }

  close(): void {
    clearInterval(this.watchdog);
    for (const c of [...this.idle, ...this.busy]) c.close();
    this.idle.length = 0;
  }
}
