// The project's JSON Schemas, compiled once with one Ajv instance: fixtures,
// variant metadata, reports (which refers to the fixture schema) and cost
// profiles.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { projectRoot } from './paths.js';

export const SCHEMA_FILES = {
  fixture: 'fixtures/fixture.schema.json',
  variant: 'variants/variant.schema.json',
  report: 'harness/report/report.schema.json',
  profile: 'profiles/profile.schema.json',
} as const;

export type SchemaName = keyof typeof SCHEMA_FILES;

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

export function readSchema(name: SchemaName): { $id: string; $defs: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(projectRoot, SCHEMA_FILES[name]), 'utf8')) as { $id: string; $defs: Record<string, unknown> };
}

export function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (v === undefined) {
    if (ajv === undefined) {
      ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
      for (const n of Object.keys(SCHEMA_FILES) as SchemaName[]) ajv.addSchema(readSchema(n));
    }
    v = ajv.getSchema(readSchema(name).$id)!;
    compiled.set(name, v);
  }
  return v;
}
