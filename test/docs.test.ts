// The README and docs/: generated parts current, the README a user guide
// of at most 300 lines that starts with the two set-up commands, and every
// document it links to present.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../harness/paths.js';
import { fillSections, generatedSections } from '../scripts/gen-docs.js';

describe('the documents', () => {
  it('have current generated parts (npm run gen:docs regenerates them)', async () => {
    for (const [file, sections] of Object.entries(await generatedSections())) {
      const text = await readFile(join(projectRoot, file), 'utf8');
      expect(fillSections(file, text, sections), file).toBe(text);
    }
  });

  it('README starts with the two set-up commands and stays a short guide', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    const block = /```sh\n([^`]*)```/.exec(readme)![1]!;
    expect(block.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm start', 'npm test']);
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('links only to files that exist', async () => {
    for (const file of ['README.md', 'docs/model.md', 'docs/findings.md', 'docs/costs.md', 'docs/fuzz.md', 'docs/git.md', 'docs/reports.md', 'docs/benchmark.md']) {
      const text = await readFile(join(projectRoot, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
        expect(existsSync(join(projectRoot, file.includes('/') ? 'docs' : '', target!)), `${file} links to ${target}`).toBe(true);
      }
    }
  });
});
