// JUnit XML for CI: one test suite per variant, one test case per fixture
// (classname = the variant, name = fixture, file = the fixture file),
// failing when the fixture's expectation is not met; plus one suite per
// ad-hoc comparison, failing on regressions. A classname has no dots (JUnit
// viewers split "v5.14" into a package "v5" and a class "14"). No
// timestamps, no durations, so that two runs of the same input produce the
// same bytes.

import { isRegression } from '../../compare/grade.js';
import type { Report } from '../report-types.generated.js';
import { brokenText, caseIndex, escapeXml, outcome } from './common.js';

interface Case {
  classname: string;
  name: string;
  file: string;
  failure?: { message: string; body: string };
  error?: { message: string; body: string };
}

/** A classname JUnit viewers show whole: letters, digits, "-" and "_" only ("v5.14" -> "v5_14"). */
export function className(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_');
}

function suite(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const errors = cases.filter((c) => c.error !== undefined).length;
  const body = cases.map((c) => {
    const head = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" file="${escapeXml(c.file)}"`;
    const problem = c.failure ?? c.error;
    if (problem === undefined) return `${head}/>`;
    const tag = c.failure !== undefined ? 'failure' : 'error';
    return `${head}>\n      <${tag} message="${escapeXml(problem.message)}">${escapeXml(problem.body)}</${tag}>\n    </testcase>`;
  });
  return [`  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0">`, ...body, '  </testsuite>'].join('\n');
}

export function renderJunit(report: Report): string {
  const expectations = new Map(report.expectations.map((e) => [e.case, e]));
  const files = new Map(report.fixtures.map((f) => [f.id, f.file ?? f.id]));
  const suites: Array<[string, Case[]]> = [];
  for (const v of report.variants) {
    const cases: Case[] = [];
    for (const c of report.cases.filter((x) => x.variant === v.id)) {
      const k: Case = { classname: className(v.id), name: c.fixture, file: files.get(c.fixture) ?? c.fixture };
      if (c.status === 'error') k.error = { message: c.origin === 'harness' ? 'the harness failed (a bug in the harness, not in the variant)' : 'the variant threw', body: c.message };
      else if (c.status === 'timeout') k.error = { message: brokenText(c), body: '' };
      else {
        const e = expectations.get(c.id);
        if (e !== undefined && !e.met) {
          k.failure = {
            message: `expected ${e.expected.join(', ') || 'clean'}, got ${outcome(c)}`,
            body: c.violations.map((x) => `step ${x.step}: ${x.sentence}`).join('\n'),
          };
        }
      }
      cases.push(k);
    }
    suites.push([v.id, cases]);
  }
  const cases = caseIndex(report);
  for (const set of report.comparisons.filter((s) => s.series === null)) {
    const name = `compare ${set.before} -> ${set.after}`;
    suites.push([
      name,
      set.items.map((i): Case => {
        const k: Case = { classname: className(`compare ${set.before} to ${set.after}`), name: i.fixture, file: files.get(i.fixture) ?? i.fixture };
        if (isRegression(i.grade)) {
          k.failure = {
            message: `${i.grade}: ${outcome(cases.get(`${i.fixture}@${set.before}`))} -> ${outcome(cases.get(`${i.fixture}@${set.after}`))}`,
            body: `first divergent step: ${i.divergence ?? '-'}`,
          };
        }
        return k;
      }),
    ]);
  }
  const all = suites.flatMap(([, c]) => c);
  const failures = all.filter((c) => c.failure !== undefined).length;
  const errors = all.filter((c) => c.error !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dma-iommu-harness" tests="${all.length}" failures="${failures}" errors="${errors}" skipped="0">`,
    ...suites.map(([n, c]) => suite(n, c)),
    '</testsuites>',
    '',
  ].join('\n');
}
