// `promote VARIANT...`: write today's verdicts into the fixtures' `expect`
// for the variants named (as herd's promote makes the current results the
// expected ones). Run it when a new variant lands, or after a model fix whose
// effect has been checked; the diff of the fixtures is then what changed.
// A case that errors or times out is not promoted: the command says so and
// exits 1, and writes the rest.

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatFixture } from '../fixtures/format.js';
import { projectRoot } from '../paths.js';
import type { CaseResult } from '../run/result.js';
import { checkFolders, planOptions, prepare, runPlan, type CommonOptions } from './session.js';

export interface PromoteOptions extends CommonOptions {
  /** Say what would change, write nothing. */
  dryRun?: boolean;
}

export async function promoteCommand(variants: string[], opts: PromoteOptions): Promise<void> {
  await checkFolders(opts, null);
  const prepared = await prepare(planOptions({ ...opts, variant: variants }));
  const results = await runPlan(prepared.plan, { ...opts, quiet: true });
  const order = prepared.allVariants.map((v) => v.meta.id);
  const byFixture = new Map<string, CaseResult[]>();
  for (const r of results) byFixture.set(r.fixture, [...(byFixture.get(r.fixture) ?? []), r]);

  let changedCells = 0;
  const changedFiles: string[] = [];
  const refused: string[] = [];
  for (const s of prepared.plan.scenarios) {
    if (s.file === undefined) continue;
    const path = resolve(projectRoot, s.file);
    const doc = JSON.parse(await readFile(path, 'utf8')) as { expect: Record<string, string[]> };
    const next: Record<string, string[]> = { ...doc.expect };
    for (const r of byFixture.get(s.id) ?? []) {
      if (r.status !== 'ok') {
        refused.push(`${r.id}: ${r.status}`);
        continue;
      }
      if (JSON.stringify(next[r.variant]) !== JSON.stringify(r.verdict)) changedCells++;
      next[r.variant] = r.verdict;
    }
    // Variants in the order the registry lists them, as every fixture keeps them.
    const ordered = Object.fromEntries(
      Object.keys(next)
        .sort((a, b) => order.indexOf(a) - order.indexOf(b))
        .map((k) => [k, next[k]!]),
    );
    if (JSON.stringify(ordered) === JSON.stringify(doc.expect)) continue;
    changedFiles.push(s.file);
    if (opts.dryRun !== true) await writeFile(path, formatFixture({ ...doc, expect: ordered }));
  }
  const verb = opts.dryRun === true ? 'would change' : 'changed';
  process.stdout.write(`promoted ${variants.join(', ')} on ${prepared.plan.scenarios.length} fixtures: ${verb} ${changedCells} expectations in ${changedFiles.length} files\n`);
  for (const f of changedFiles) process.stdout.write(`  ${f}\n`);
  if (refused.length > 0) {
    process.stdout.write(`not promoted (the case did not run to the end):\n${refused.map((r) => `  ${r}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}
