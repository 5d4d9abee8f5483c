// The e-mail says one thing throughout: its subject, its first line, the
// counts of each comparison it covers and the list of cells that did not run
// to the end agree, with and without error and timeout cells. It is ASCII,
// at most 80 columns, and a review of a posted patch is a reply in its
// thread that git send-email accepts.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureFiles, loadFixtures } from '../../harness/fixtures/load.js';
import { corpusDir, projectRoot } from '../../harness/paths.js';
import { buildReport } from '../../harness/report/build.js';
import { renderEmail } from '../../harness/report/render/email.js';
import type { CaseResult, Report } from '../../harness/report/report-types.generated.js';
import { readVariantMetas, seriesOf } from '../../harness/variants/registry.js';
import { cli } from '../cli/cli.js';

interface Counts {
  fixed: number;
  regressed: number;
  mixed: number;
  errors: number;
  timeouts: number;
  steps: number | null;
}

interface Mail {
  headers: Map<string, string>;
  body: string;
}

/** Headers up to the first empty line, folded lines unfolded (RFC 5322); the rest is the body. */
function parseMail(text: string): Mail {
  const end = text.indexOf('\n\n');
  const headers = new Map<string, string>();
  for (const line of text.slice(0, end).replace(/\n[ \t]+/g, ' ').split('\n')) {
    const m = /^([A-Za-z-]+): (.*)$/.exec(line);
    expect(m, `a header line: ${line}`).not.toBeNull();
    headers.set(m![1]!.toLowerCase(), m![2]!);
  }
  return { headers, body: text.slice(end + 2) };
}

const COUNTS = /(\d+) fixed, (\d+) regressed, (\d+) mixed(?: in (\d+) steps?)?; (\d+) errors?, (\d+) timeouts?/;

function countsIn(text: string): Counts {
  const m = COUNTS.exec(text.replace(/\n\s+/g, ' '));
  expect(m, text).not.toBeNull();
  const [fixed, regressed, mixed, steps, errors, timeouts] = m!.slice(1).map((x) => (x === undefined ? null : Number(x)));
  return { fixed: fixed!, regressed: regressed!, mixed: mixed!, steps: steps!, errors: errors!, timeouts: timeouts! };
}

/** What the body's comparison blocks and its list of broken cells add up to. */
function bodyCounts(body: string): Counts & { blocks: number } {
  const blocks = [...body.matchAll(/noticed (?:no verdict change|\d+ verdict changes? \((\d+) fixed, (\d+) regressed, (\d+) mixed\)) on:/g)];
  const sum = (k: number): number => blocks.reduce((n, b) => n + Number(b[k] ?? 0), 0);
  return {
    fixed: sum(1),
    regressed: sum(2),
    mixed: sum(3),
    errors: (body.match(/^ {2}error in /gm) ?? []).length,
    timeouts: (body.match(/^ {2}timeout in /gm) ?? []).length,
    steps: blocks.length,
    blocks: blocks.length,
  };
}

function expectReadable(text: string): void {
  for (const line of text.split('\n')) {
    expect(line.length, line).toBeLessThanOrEqual(80);
    expect(line, 'ASCII only').toMatch(/^[\x20-\x7e]*$/);
  }
}

/** The subject, the first line and the body agree, and say what the report says. */
function expectAgreement(report: Report, text: string): Counts {
  expectReadable(text);
  const mail = parseMail(text);
  const subject = countsIn(mail.headers.get('subject')!);
  const summary = countsIn(mail.body.split('\n\n')[0]!);
  const body = bodyCounts(mail.body);
  expect(summary).toEqual(subject);
  const pick = (c: Counts): Omit<Counts, 'steps'> => ({ fixed: c.fixed, regressed: c.regressed, mixed: c.mixed, errors: c.errors, timeouts: c.timeouts });
  expect(pick(body)).toEqual(pick(subject));
  if (subject.steps !== null) expect(body.blocks).toBe(subject.steps);
  // And what the report holds: the steps that change a verdict, and every cell that did not run to the end.
  const steps = report.comparisons.filter((s) => s.counts.fixed + s.counts.regressed + s.counts.mixed > 0);
  expect(subject.fixed).toBe(steps.reduce((n, s) => n + s.counts.fixed, 0));
  expect(subject.regressed).toBe(steps.reduce((n, s) => n + s.counts.regressed, 0));
  expect(subject.mixed).toBe(steps.reduce((n, s) => n + s.counts.mixed, 0));
  expect(subject.errors).toBe(report.cases.filter((c) => c.status === 'error').length);
  expect(subject.timeouts).toBe(report.cases.filter((c) => c.status === 'timeout').length);
  return subject;
}

describe('the e-mail of a full run', () => {
  let report: Report;
  let mail: string;
  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'email-'));
    expect(cli(['run', '-q', '-o', out]).code).toBe(0);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    mail = await readFile(join(out, 'email.txt'), 'utf8');
  });

  it('sums up every step in its subject, with the counts its body gives', () => {
    const c = expectAgreement(report, mail);
    expect(c.steps).toBeGreaterThan(1);
    expect(c.regressed + c.mixed).toBeGreaterThan(0);
    expect(mail).not.toContain('…');
    expect(mail).toMatch(/ 00 00 00 00 00 00 00 00\.\.\. /);
  });

  it('counts error and timeout cells in the subject and lists each in the body', async () => {
    // The same results with some cells broken: v3 3/5 throws on four fixtures, the hch review hangs on two.
    const seen = new Map<string, number>();
    const broken = report.cases.map((c): CaseResult => {
      // The how-many-th case of its variant this is.
      const i = seen.get(c.variant) ?? 0;
      seen.set(c.variant, i + 1);
      if (c.variant === 'v3-3-skip-sync' && i % 8 === 0) return { id: c.id, fixture: c.fixture, variant: c.variant, status: 'error', origin: 'variant', message: 'TypeError: x is undefined (at variants/v3-3-skip-sync/dma-iommu.ts:1)' };
      if (c.variant === 'alt-hch-raw-sync' && i % 16 === 0) return { id: c.id, fixture: c.fixture, variant: c.variant, status: 'timeout', budget_ms: 2000 };
      return c;
    });
    const all = await readVariantMetas();
    const withErrors = await buildReport({
      command: report.command,
      tree: report.tree,
      scenarios: await loadFixtures(await fixtureFiles(corpusDir)),
      variants: all,
      series: seriesOf(all.map((v) => v.meta)),
      cases: broken,
    });
    expect(withErrors.totals.error).toBeGreaterThan(0);
    expect(withErrors.totals.timeout).toBeGreaterThan(0);
    const text = renderEmail(withErrors);
    const c = expectAgreement(withErrors, text);
    expect(c.errors).toBe(withErrors.totals.error);
    expect(mail.split('\n')[0]).not.toBe(text.split('\n')[0]);
  });
});

describe('the e-mail of a review', () => {
  it('replies in the thread of a posted patch: Re: its subject, In-Reply-To and References its Message-ID', async () => {
    const out = await mkdtemp(join(tmpdir(), 'email-'));
    const r = cli(['review', 'v3-2-arch-sync', '-q', '-o', out]);
    expect(r.code).toBe(0);
    const text = await readFile(join(out, 'email.txt'), 'utf8');
    expect(r.stdout).toBe(text);
    expectReadable(text);
    const mail = parseMail(text);
    expect(mail.headers.get('subject')).toBe('Re: [PATCH v3 2/5] dma-iommu: fix arch_sync_dma for map');
    expect(mail.headers.get('in-reply-to')).toBe('<20210811024247.1144246-3-stevensd@google.com>');
    expect(mail.headers.get('references')).toBe('<20210811024247.1144246-3-stevensd@google.com>');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    // One comparison, shown once (the series step it also is is not repeated).
    expect(report.comparisons.map((s) => `${s.before} ${s.after} ${s.series}`)).toEqual(['v3-1-sync-sg v3-2-arch-sync null']);
    const summary = countsIn(mail.body.split('\n\n')[0]!);
    expect(summary).toMatchObject({ fixed: report.comparisons[0]!.counts.fixed, regressed: 0, mixed: 0, errors: 0, timeouts: 0 });
    expect(bodyCounts(mail.body)).toMatchObject({ fixed: summary.fixed, regressed: 0, mixed: 0, blocks: 1 });
  });

  const sendEmail = spawnSync('git', ['send-email', '--help'], { encoding: 'utf8' }).status === 0;
  if (!sendEmail) console.warn('NOTICE: git send-email is missing (apt-get install git-email), so the reply is checked by the header parse only');
  it.skipIf(!sendEmail)('is accepted by git send-email --dry-run as a reply with In-Reply-To', async () => {
    const out = await mkdtemp(join(tmpdir(), 'email-'));
    expect(cli(['review', 'v3-2-arch-sync', '-q', '-o', out]).code).toBe(0);
    const file = join(out, 'email.txt');
    const r = spawnSync('git', ['send-email', '--dry-run', '--confirm=never', '--suppress-cc=all', '--to=iommu@lists.linux.dev', '--from=Reviewer <reviewer@example.invalid>', file], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Reviewer', GIT_AUTHOR_EMAIL: 'reviewer@example.invalid', GIT_COMMITTER_NAME: 'Reviewer', GIT_COMMITTER_EMAIL: 'reviewer@example.invalid' },
      timeout: 60_000,
    });
    expect(r.stdout + r.stderr).toContain('Dry-OK');
    expect(r.stdout).toMatch(/^Subject: Re: \[PATCH v3 2\/5\] dma-iommu: fix arch_sync_dma for map$/m);
    expect(r.stdout).toMatch(/^In-Reply-To: <20210811024247\.1144246-3-stevensd@google\.com>$/m);
    expect(r.stdout).toMatch(/^References: <20210811024247\.1144246-3-stevensd@google\.com>$/m);
    expect(r.status).toBe(0);
  });

  it('of a variant without a Message-ID gives its counts in the subject, as its body does', async () => {
    const out = await mkdtemp(join(tmpdir(), 'email-'));
    const r = cli(['review', 'alt-robin-else-if', '-q', '-o', out]);
    expect(r.code).toBe(1);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    const mail = parseMail(r.stdout);
    expect(mail.headers.get('subject')).toMatch(/^\[dma-iommu-harness\] alt-robin-else-if against v3-2-arch-sync: /);
    expect(mail.headers.has('in-reply-to')).toBe(false);
    const c = expectAgreement(report, r.stdout);
    expect(c.regressed).toBe(3);
  });
});
