// Writing report files all or nothing: each file goes to a temporary name
// first, and only when every one is written are they renamed into place.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeReportFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const temps: Array<[string, string]> = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const tmp = join(dir, `.${name}.${process.pid}.tmp`);
      await writeFile(tmp, content);
      temps.push([tmp, join(dir, name)]);
    }
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => rm(tmp, { force: true })));
    throw e;
  }
  for (const [tmp, final] of temps) await rename(tmp, final);
  return temps.map(([, final]) => final);
}
