// The HTML report in a real browser: Debian's Chromium, driven by
// playwright-core, at 1280 px. .ci/run installs Chromium when it is
// missing; elsewhere this test is skipped with a notice when there is no
// Chromium. A screenshot of each page checked is kept in reports/ (not
// committed) to look at when the test fails.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/paths.js';
import type { Report } from '../../harness/report/report-types.generated.js';
import { cli } from '../cli/cli.js';

// What the page functions below use of the browser: the project is typed
// for Node, without the DOM library.
declare const document: {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): Iterable<{ id: string }>;
  elementFromPoint(x: number, y: number): { closest(selector: string): { textContent: string | null } | null } | null;
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`NOTICE: ${CHROMIUM} is missing, so the HTML report is not tested in a browser (apt-get install chromium)`);

const ARTEFACTS = join(projectRoot, 'reports', 'html-browser-test');

/** A cost summed over the corpus for one variant, from the canonical report. */
function costSum(report: Report, variant: string, key: 'bounce_copies'): number {
  return report.cases.reduce((n, c) => n + (c.variant === variant && c.status === 'ok' ? c.costs[key] : 0), 0);
}

describe.skipIf(!available)('the HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let out: string;
  let report: Report;
  const requests: string[] = [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'reports-'));
    expect(cli(['run', '--quiet', '-o', out]).code).toBe(0);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    await mkdir(ARTEFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('leads with what changed, fits 1280 px without scrolling the page sideways, and loads nothing from the network', async () => {
    expect(await page.title()).toBe('dma-iommu harness: run');
    const order = await page.evaluate(() => [...document.querySelectorAll('body > section')].map((s) => s.id));
    expect(order.indexOf('changes')).toBeLessThan(order.indexOf('matrix'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    expect(await page.locator('body').innerText()).not.toContain('RENAMED');
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.screenshot({ path: join(ARTEFACTS, 'top.png') });
  });

  it("shows the costs of v3 3/5's step, base | head | %change, as the canonical report sums them", async () => {
    const step = page.locator('section.comparison[data-after="v3-3-skip-sync"]');
    await step.scrollIntoViewIfNeeded();
    const row = step.locator('table.costs tr', { has: page.locator('td code', { hasText: /^bounce_copies$/ }) });
    await expect.poll(() => row.isVisible()).toBe(true);
    const [base, head, change] = (await row.locator('td.num').allTextContents()).map((s) => s.trim());
    const before = costSum(report, 'v3-2-arch-sync', 'bounce_copies');
    const after = costSum(report, 'v3-3-skip-sync', 'bounce_copies');
    expect(after).toBeLessThan(before);
    expect([Number(base), Number(head)]).toEqual([before, after]);
    expect(change).toBe(`${(((after - before) / before) * 100).toFixed(1)}%`);
    // The row is on screen, not merely in the document.
    const box = (await row.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    await page.screenshot({ path: join(ARTEFACTS, 'v3-3-costs.png') });
  });

  it('colours the grades and marks the violation kinds a step makes new or removes', async () => {
    const colour = (grade: string): Promise<string> => page.locator(`span.grade-${grade}`).first().evaluate((e) => getComputedStyle(e).backgroundColor);
    const [fixed, regressed, same] = [await colour('fixed'), await colour('regressed'), await colour('same-verdict')];
    expect(new Set([fixed, regressed, same]).size).toBe(3);
    for (const c of [fixed, regressed, same]) expect(c).not.toBe('rgba(0, 0, 0, 0)');
    // v3 2/5 -> the "else if" review: device-read-stale comes back, marked new on the after side.
    const robin = page.locator('section.comparison[data-after="alt-robin-else-if"]');
    expect(await robin.locator('tr.grade-row-regressed ins.new', { hasText: 'device-read-stale' }).count()).toBeGreaterThan(0);
    // v3 1/5 -> 2/5 fixes it: gone on the before side.
    const arch = page.locator('section.comparison[data-after="v3-2-arch-sync"]');
    expect(await arch.locator('tr.grade-row-fixed del.gone', { hasText: 'device-read-stale' }).count()).toBeGreaterThan(0);
  });

  it('keeps the fixture column in view when the matrix is scrolled to its last variant', async () => {
    const matrixBox = page.locator('.matrix-box');
    await matrixBox.scrollIntoViewIfNeeded();
    const wide = await matrixBox.evaluate((e) => e.scrollWidth > e.clientWidth);
    expect(wide).toBe(true);
    const fixture = page.locator('table.matrix tbody tr').nth(3).locator('th.fixture');
    // The row in the middle of the window (the matrix is taller than it), then the matrix scrolled to its end.
    await fixture.evaluate((e) => e.scrollIntoView({ block: 'center', inline: 'nearest' }));
    await matrixBox.evaluate((e) => (e.scrollLeft = e.scrollWidth));
    const last = page.locator('table.matrix tbody tr').nth(3).locator('td').last();
    const container = (await matrixBox.boundingBox())!;
    const f = (await fixture.boundingBox())!;
    const l = (await last.boundingBox())!;
    expect(f.x).toBeGreaterThanOrEqual(container.x - 1);
    expect(f.x).toBeLessThan(container.x + 5);
    expect(l.x + l.width).toBeLessThanOrEqual(container.x + container.width + 1);
    // Nothing covers the fixture name: the element at its centre is that cell.
    const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('th')?.textContent ?? null, [f.x + f.width / 2, f.y + f.height / 2]);
    expect(hit).toBe(await fixture.textContent());
    await page.screenshot({ path: join(ARTEFACTS, 'matrix-scrolled.png') });
  });

  it('opens a trace diff with the two sides next to each other', async () => {
    const details = page.locator('details.trace-diff').first();
    await details.locator('summary').click();
    const sides = details.locator('.d2h-file-side-diff');
    expect(await sides.count()).toBe(2);
    expect(await sides.first().isVisible()).toBe(true);
    expect(await details.locator('.d2h-del').count()).toBeGreaterThan(0);
  });

  it('shows a review once: one comparison, then the model diff, without a RENAMED badge', async () => {
    const review = await mkdtemp(join(tmpdir(), 'reports-'));
    expect(cli(['review', 'v3-2-arch-sync', '--quiet', '-o', review]).code).toBe(0);
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await p.goto(pathToFileURL(join(review, 'report.html')).href);
    expect(await p.locator('section.comparison').count()).toBe(1);
    expect(await p.locator('#model .d2h-file-side-diff').count()).toBeGreaterThan(0);
    expect(await p.locator('body').innerText()).not.toContain('RENAMED');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await p.screenshot({ path: join(ARTEFACTS, 'review.png'), fullPage: true });
    await p.close();
  });
});
