// Writing report files all or nothing: each file goes to a temporary name
// first (a few at a time, p-limit), and only when every one is written are
// they renamed into place. Temporary files a killed run left behind (its
// process is gone) are removed at the next write into the same folder.

import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';

/** ".report.json.1234.tmp": a report file being written by process 1234. */
const TEMPORARY = /^\..+\.(\d+)\.tmp$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists, it is someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the temporary files of writers that are no longer running; those of a live one are its own business. */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const stale = (await readdir(dir)).filter((name) => {
    const pid = TEMPORARY.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !isRunning(Number(pid));
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale;
}

export async function writeReportFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  await removeStaleTemporaries(dir);
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
