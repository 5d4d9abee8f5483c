import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../harness/paths.js';
import { fillSections, readmeSections } from '../scripts/gen-readme.js';

describe('README.md', () => {
  it('has current generated tables (npm run gen:readme regenerates them)', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    expect(fillSections(readme, await readmeSections())).toBe(readme);
  });

  it('starts with the two set-up commands', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    const block = /```sh\n([^`]*)```/.exec(readme)![1]!;
    expect(block.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm start', 'npm test']);
  });
});
