// How workers claim a run's cases (share.ts): the claims of a run cover its
// cases once each, in order, never reach past the fixture a claim starts
// in, take at most a (2 x tasks)th of what is left, and end in single
// cases; and a whole corpus run claims mostly whole fixtures.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claim, claimEnd, fixtureEnds, NEXT } from '../../harness/runner/share.js';

/** A run of cases, given as the scenario index of each: runs of equal indices, as plans list them. */
const runArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }).map((lengths) => lengths.flatMap((n, f) => Array<number>(n).fill(f)));

/** Every claim of a run, in the order a single task makes them: [start, end) pairs. */
function claims(scenarios: readonly number[], tasks: number): Array<[number, number]> {
  const ends = fixtureEnds((k) => scenarios[k]!, scenarios.length);
  const state = new Int32Array(new SharedArrayBuffer(8));
  const out: Array<[number, number]> = [];
  for (let at = claim(state, ends, tasks); at >= 0; at = claim(state, ends, tasks)) out.push([at, claimEnd(at, ends, tasks)]);
  expect(state[NEXT]).toBe(scenarios.length);
  return out;
}

describe('claims on a run of cases', () => {
  it('gives each case its fixture run end', () => {
    const ends = fixtureEnds((k) => [4, 4, 4, 7, 2, 2][k]!, 6);
    expect([...ends]).toEqual([3, 3, 3, 4, 6, 6]);
  });

  it('cover every case once, in order, within one fixture each, at most a share of what is left', () => {
    fc.assert(
      fc.property(runArb, fc.integer({ min: 1, max: 8 }), (scenarios, tasks) => {
        const got = claims(scenarios, tasks);
        let next = 0;
        for (const [start, end] of got) {
          expect(start).toBe(next);
          expect(end).toBeGreaterThan(start);
          expect(new Set(scenarios.slice(start, end)).size).toBe(1);
          expect(end - start).toBeLessThanOrEqual(Math.max(1, Math.floor((scenarios.length - start) / (2 * tasks))));
          next = end;
        }
        expect(next).toBe(scenarios.length);
        // The last 2 x tasks cases are claimed one at a time.
        const tail = got.filter(([start]) => start >= scenarios.length - 2 * tasks);
        expect(tail.every(([start, end]) => end - start === 1)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('claims whole fixtures while much is left: 29 fixtures of 15 cases on two tasks', () => {
    const scenarios = Array.from({ length: 29 * 15 }, (_, k) => Math.floor(k / 15));
    const got = claims(scenarios, 2);
    const whole = got.filter(([start, end]) => end - start === 15).length;
    expect(whole).toBeGreaterThanOrEqual(25);
    expect(got.length).toBeLessThan(29 + 15);
  });
});
