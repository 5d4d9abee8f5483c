// Rewrites every fixture file in the house format (harness/fixtures/format.ts).

import { readFile, writeFile } from 'node:fs/promises';
import { fixtureFiles } from '../harness/fixtures/load.js';
import { formatFixture } from '../harness/fixtures/format.js';
import { corpusDir } from '../harness/paths.js';

for (const file of await fixtureFiles(corpusDir)) {
  const text = await readFile(file, 'utf8');
  const formatted = formatFixture(JSON.parse(text));
  if (formatted !== text) await writeFile(file, formatted);
}
