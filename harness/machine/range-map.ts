// A map from half-open integer ranges [start, end) to values, kept as sorted,
// non-overlapping runs. The simulated page table, the ideal contents of a
// buffer and the ownership of its bytes are all stored this way, so that a
// fixture which maps a gigabyte costs a handful of runs, not a gigabyte.

import { before, insertAt, removeAt } from './arrays.js';

export interface Run<V> {
  start: number;
  end: number;
  value: V;
}

export interface RangeMapOptions<V> {
  /** The value of the part of a run that starts `delta` units into it. */
  slice?: (value: V, delta: number) => V;
  /** Whether two touching runs may become one (left ends where right starts). */
  canMerge?: (left: Run<V>, right: Run<V>) => boolean;
}

export class RangeMap<V> {
  private runs_: Run<V>[] = [];
  private readonly slice: (value: V, delta: number) => V;
  private readonly canMerge: ((left: Run<V>, right: Run<V>) => boolean) | undefined;

  constructor(options: RangeMapOptions<V> = {}) {
    this.slice = options.slice ?? ((v) => v);
    this.canMerge = options.canMerge;
  }

  get isEmpty(): boolean {
    return this.runs_.length === 0;
  }

  get runCount(): number {
    return this.runs_.length;
  }

  /** All runs, in address order. The array is a copy; the runs are not. */
  all(): Run<V>[] {
    return this.runs_.slice();
  }

  /** All runs, in address order, without a copy: to read before the map next changes. */
  view(): readonly Run<V>[] {
    return this.runs_;
  }

  /** The run containing pos, if any. */
  get(pos: number): Run<V> | undefined {
    const i = this.indexAtOrAfter(pos);
    const run = this.runs_[i];
    return run !== undefined && run.start <= pos ? run : undefined;
  }

  /** The runs overlapping [start, end), clipped to it. */
  runs(start: number, end: number): Run<V>[] {
    const out: Run<V>[] = [];
    for (let i = this.indexAtOrAfter(start); i < this.runs_.length; i++) {
      const run = this.runs_[i]!;
      if (run.start >= end) break;
      const s = Math.max(run.start, start);
      const e = Math.min(run.end, end);
      out.push({ start: s, end: e, value: s === run.start ? run.value : this.slice(run.value, s - run.start) });
    }
    return out;
  }

  /** The sub-ranges of [start, end) that no run covers. */
  gaps(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let pos = start;
    for (const run of this.runs(start, end)) {
      if (run.start > pos) out.push([pos, run.start]);
      pos = run.end;
    }
    if (pos < end) out.push([pos, end]);
    return out;
  }

  /** Whether any run overlaps [start, end). */
  overlaps(start: number, end: number): boolean {
    const run = this.runs_[this.indexAtOrAfter(start)];
    return run !== undefined && run.start < end;
  }

  set(start: number, end: number, value: V): void {
    if (end <= start) return;
    const i = this.cut(start, end);
    insertAt(this.runs_, i, { start, end, value });
    this.mergeAround(i);
  }

  clear(start: number, end: number): void {
    if (end <= start) return;
    this.cut(start, end);
  }

  /** Index of the first run whose end is after pos. */
  private indexAtOrAfter(pos: number): number {
    let lo = 0;
    let hi = this.runs_.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs_[mid]!.end <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Remove [start, end) from every run, splitting runs at its edges; returns the insertion index. */
  private cut(start: number, end: number): number {
    let i = this.indexAtOrAfter(start);
    const first = this.runs_[i];
    if (first !== undefined && first.start < start) {
      const left: Run<V> = { start: first.start, end: start, value: first.value };
      if (first.end > end) {
        const right: Run<V> = { start: end, end: first.end, value: this.slice(first.value, end - first.start) };
        this.runs_[i] = left;
        insertAt(this.runs_, i + 1, right);
        return i + 1;
      }
      this.runs_[i] = left;
      i++;
    }
    let j = i;
    while (j < this.runs_.length && this.runs_[j]!.end <= end) j++;
    const last = this.runs_[j];
    if (last !== undefined && last.start < end) {
      this.runs_[j] = { start: end, end: last.end, value: this.slice(last.value, end - last.start) };
    }
    removeAt(this.runs_, i, j - i);
    return i;
  }

  private mergeAround(i: number): void {
    if (this.canMerge === undefined) return;
    const next = this.runs_[i + 1];
    const cur = this.runs_[i]!;
    if (next !== undefined && cur.end === next.start && this.canMerge(cur, next)) {
      this.runs_[i] = { start: cur.start, end: next.end, value: cur.value };
      removeAt(this.runs_, i + 1, 1);
    }
    const prev = before(this.runs_, i);
    const merged = this.runs_[i]!;
    if (prev !== undefined && prev.end === merged.start && this.canMerge(prev, merged)) {
      this.runs_[i - 1] = { start: prev.start, end: merged.end, value: prev.value };
      removeAt(this.runs_, i, 1);
    }
  }
}
