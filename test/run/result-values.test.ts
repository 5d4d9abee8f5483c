// A case result is a plain value: it survives a structured clone (the worker
// boundary) and a spread, and two results that differ compare unequal.

import { describe, expect, it } from 'vitest';
import { runCase } from '../../harness/runner/run-case.js';
import { fixture, variant } from '../corpus.js';

describe('a case result', () => {
  it('is a plain value that a clone and a spread keep whole, and that compares by content', async () => {
    const f = await fixture('map_page+untrusted+nvme+512b+offset_0x800');
    const before = runCase(f, await variant('v5.14'));
    const after = runCase(f, await variant('5.16-7-min-align'));
    expect(before.status).toBe('ok');
    expect(Object.getPrototypeOf(before)).toBe(Object.prototype);
    expect(structuredClone(before)).toEqual(before);
    expect({ ...before }).toEqual(before);
    expect(JSON.parse(JSON.stringify(before))).toEqual(before);
    // The two verdicts differ, and so do the results.
    expect(before.status === 'ok' && after.status === 'ok' && before.verdict.join() !== after.verdict.join()).toBe(true);
    expect(after).not.toEqual(before);
    // Violations are values of their own, each with its line in the trace.
    if (before.status !== 'ok') return;
    expect(before.violations.length).toBeGreaterThan(0);
    for (const v of before.violations) expect(before.trace).toContain(`${v.step}   !! ${v.kind}: ${v.sentence}`);
  });
});
