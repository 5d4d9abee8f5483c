// How the workers of a run share its cases: a counter in shared memory from
// which each claims the next few cases, and a slot per worker saying which
// case it is running, which the pool's watchdog reads (pool.ts).

/** Layout of a run's shared Int32Array: the claim counter, then each task's running case. */
export const NEXT = 0;
export const RUNNING = 1;
export const IDLE = -1;

/**
 * A claim takes at most this fraction of the cases left per task, so that
 * the run's last claims are single cases and no worker is left alone with a
 * whole fixture at the end.
 */
const CLAIM_SHARE = 2;

/**
 * The end of the claim that starts at case `at`: the cases of the same
 * fixture that follow it (`ends[at]`), but at most 1 / (CLAIM_SHARE x
 * tasks) of the cases left, and at least one. A run lists its cases
 * fixture by fixture, so a claim is mostly a whole fixture: a worker meets
 * the fixture's traces together and carries each distinct one once
 * (record.ts; claiming one case at a time, two workers split every fixture
 * between them and carried 1,753 bytes a case for the corpus instead of
 * 1,365), with the fixture's data warm in its caches, and the workers touch
 * the counter once a fixture instead of once a case. Taking one case at a
 * time ran 4 to 5% fewer cases a second on two workers (the benchmark's
 * turns).
 */
export function claimEnd(at: number, ends: Int32Array, tasks: number): number {
  const left = ends.length - at;
  return at + Math.min(ends[at]! - at, Math.max(1, Math.floor(left / (CLAIM_SHARE * tasks))));
}

/**
 * Claim the next cases of a run: the first of them (the rest end at
 * claimEnd()), or -1 when none are left. Since a claim's end follows from
 * its start, tasks agree on it by moving the counter from one to the other.
 */
export function claim(state: Int32Array, ends: Int32Array, tasks: number): number {
  for (;;) {
    const at = Atomics.load(state, NEXT);
    if (at >= ends.length) return -1;
    if (Atomics.compareExchange(state, NEXT, at, claimEnd(at, ends, tasks)) === at) return at;
  }
}

/** For each of a run's cases, given by their scenario indices, the end of the run of cases of the same scenario it is in. */
export function fixtureEnds(scenarioOf: (k: number) => number, length: number): Int32Array {
  const ends = new Int32Array(new SharedArrayBuffer(length * 4));
  for (let k = length - 1; k >= 0; k--) ends[k] = k + 1 < length && scenarioOf(k + 1) === scenarioOf(k) ? ends[k + 1]! : k + 1;
  return ends;
}

/**
 * Run `each` on every case a task claims from the counter, in order, until
 * none are left: the loop of every worker that shares a run.
 */
export function eachClaimed(state: Int32Array, ends: Int32Array, tasks: number, each: (i: number) => void): void {
  for (let at = claim(state, ends, tasks); at >= 0; at = claim(state, ends, tasks)) {
    for (let i = at, end = claimEnd(at, ends, tasks); i < end; i++) each(i);
  }
}
