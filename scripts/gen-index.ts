// Writes fixtures/INDEX.md: one line per fixture, its id and its question.
// `--check` only reports whether the file is current (the tests use it).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureFiles } from '../harness/fixtures/load.js';
import { corpusDir, fixturesDir } from '../harness/paths.js';

export async function fixtureIndex(): Promise<string> {
  const lines = ['# Fixtures', '', 'One line per fixture in `corpus/`: its id and the question it asks. Regenerate with `npm run gen:index`.', ''];
  for (const file of await fixtureFiles(corpusDir)) {
    const f = JSON.parse(await readFile(file, 'utf8')) as { id: string; question: string };
    lines.push(`- \`${f.id}\`: ${f.question}`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const path = join(fixturesDir, 'INDEX.md');
  const text = await fixtureIndex();
  if (process.argv.includes('--check')) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('fixtures/INDEX.md is stale; run npm run gen:index');
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(path, text);
  console.log('wrote fixtures/INDEX.md');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
