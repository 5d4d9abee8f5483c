// Writing report files all or nothing: each file goes to a temporary name
// first (a few at a time, p-limit), and only when every one is written are
// they renamed into place.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';

export async function writeReportFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const limit = pLimit(WRITE_CONCURRENCY);
  const names = Object.keys(files);
  const temps: Array<[string, string]> = names.map((name) => [join(dir, `.${name}.${process.pid}.tmp`), join(dir, name)]);
  const written = await Promise.allSettled(temps.map(([tmp], i) => limit(() => writeFile(tmp, files[names[i]!]!))));
  const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(temps.map(([tmp]) => rm(tmp, { force: true })));
    throw failed.reason;
  }
  for (const [tmp, final] of temps) await rename(tmp, final);
  return temps.map(([, final]) => final);
}

/** Files written at once. */
const WRITE_CONCURRENCY = 4;
