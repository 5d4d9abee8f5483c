// The HTML report in a real browser: Debian's Chromium, driven by
// playwright-core. .ci/run installs Chromium when it is missing; elsewhere
// this test is skipped with a notice when there is no Chromium.

import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`NOTICE: ${CHROMIUM} is missing, so the HTML report is not tested in a browser (apt-get install chromium)`);

describe.skipIf(!available)('the HTML report in Chromium', () => {
  it('shows the fixture x variant matrix and a side-by-side trace diff, with nothing loaded from the network', async () => {
    const out = await mkdtemp(join(tmpdir(), 'reports-'));
    expect(cli(['run', '--series', 'v3', '--quiet', '-o', out]).code).toBe(0);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      expect(await page.title()).toBe('dma-iommu harness: run');
      const rows = page.locator('table.matrix tbody tr');
      expect(await rows.count()).toBeGreaterThan(20);
      const headers = await page.locator('table.matrix thead th.variant').allTextContents();
      expect(headers).toEqual(['v5.14', 'v3-1-sync-sg', 'v3-2-arch-sync', 'v3-3-skip-sync', 'v3-4-config-swiotlb', 'v3-5-min-align']);
      const cell = page.locator('td[title="map_page+untrusted+noncoherent+to_device+unaligned@v5.14: device-read-stale"]');
      expect(await cell.getAttribute('class')).toBe('cell violating');
      // Open the first trace diff and check the two sides are rendered next to each other.
      const details = page.locator('details.trace-diff').first();
      await details.locator('summary').click();
      const sides = details.locator('.d2h-file-side-diff');
      expect(await sides.count()).toBe(2);
      expect(await sides.first().isVisible()).toBe(true);
      expect(await details.locator('.d2h-del').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(out, 'report.png'), fullPage: false });
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
