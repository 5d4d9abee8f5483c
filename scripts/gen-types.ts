// Regenerates the TypeScript types from the JSON Schemas, which are the
// single source of truth. `npm run gen:types` writes them; `--check` only
// reports whether the files on disk are current (the tests use it).

import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

export const GENERATED = [
  { schema: 'fixtures/fixture.schema.json', out: 'harness/fixtures/fixture-types.generated.ts', name: 'Fixture' },
  { schema: 'variants/variant.schema.json', out: 'harness/variants/variant-types.generated.ts', name: 'VariantMeta' },
  { schema: 'harness/report/report.schema.json', out: 'harness/report/report-types.generated.ts', name: 'Report' },
  { schema: 'profiles/profile.schema.json', out: 'harness/costs/profile-types.generated.ts', name: 'CostProfile' },
] as const;

export async function generate(schemaPath: string, name: string): Promise<string> {
  const schema = JSON.parse(await readFile(root + schemaPath, 'utf8')) as JSONSchema;
  const body = await compile(schema, name, {
    cwd: dirname(root + schemaPath),
    bannerComment: `// Generated from ${schemaPath} by scripts/gen-types.ts. Do not edit; run npm run gen:types.`,
    additionalProperties: false,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  return body;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const g of GENERATED) {
    const text = await generate(g.schema, g.name);
    if (check) {
      const current = await readFile(root + g.out, 'utf8').catch(() => '');
      if (current !== text) {
        console.error(`${g.out} is stale; run npm run gen:types`);
        stale++;
      }
    } else {
      await writeFile(root + g.out, text);
      console.log(`wrote ${g.out}`);
    }
  }
  process.exitCode = stale === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
