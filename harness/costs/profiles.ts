// Cost profiles (profiles/*.json): what the operations a case counts cost
// on one kind of platform, each figure with its source. Read once per
// process, on first use, and checked against profiles/profile.schema.json;
// a profile that does not load is bad input like a bad fixture.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { schemaProblems } from '../fixtures/load.js';
import { InputError, type InputProblem } from '../input-error.js';
import { profilesDir, projectRoot } from '../paths.js';
import { validator } from '../schemas.js';
import type { CostProfile } from './profile-types.generated.js';

export type { CostProfile };

let loaded: Map<string, CostProfile> | undefined;

/** Every profile, by id; throws an InputError naming each file that is wrong. */
export function costProfiles(dir: string = profilesDir): ReadonlyMap<string, CostProfile> {
  if (loaded !== undefined && dir === profilesDir) return loaded;
  const validate = validator('profile');
  const problems: InputProblem[] = [];
  const out = new Map<string, CostProfile>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.endsWith('.schema.json')).sort()) {
    const path = join(dir, name);
    const file = relative(projectRoot, path);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      problems.push({ file, pointer: '', message: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    if (!validate(doc)) {
      problems.push(...schemaProblems(file, validate.errors ?? []));
      continue;
    }
    const profile = doc as CostProfile;
    if (profile.id !== basename(name, '.json')) problems.push({ file, pointer: '/id', message: `must equal the file name without .json ("${basename(name, '.json')}")` });
    out.set(profile.id, profile);
  }
  if (problems.length > 0) throw new InputError(problems);
  if (dir === profilesDir) loaded = out;
  return out;
}

const read = new Map<string, CostProfile>();

/**
 * The profile with this id, read without checking it: what a case runs
 * with, in a worker thread, after the fixture loader (costProfiles) has
 * checked every profile in the main thread. Compiling the schemas again in
 * each worker would cost its first case a few hundred milliseconds.
 */
export function costProfile(id: string): CostProfile | undefined {
  let p = read.get(id);
  if (p === undefined) {
    try {
      p = JSON.parse(readFileSync(join(profilesDir, `${id}.json`), 'utf8')) as CostProfile;
    } catch {
      return undefined;
    }
    read.set(id, p);
  }
  return p;
}
