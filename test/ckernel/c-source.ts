// For the tests of C variants: whether the kernel source they build from is
// on this machine. Without it they are skipped, except in CI (.ci/run
// installs Debian's linux-source-6.1), where its absence is a failure.

import { existsSync } from 'node:fs';
import { debianTarball } from '../../harness/ckernel/source.js';

export const TARBALL = debianTarball('linux-source-6.1');
export const haveSource = existsSync(TARBALL);

if (!haveSource && process.env['CI'] !== undefined) {
  throw new Error(`${TARBALL} is missing: CI must install linux-source-6.1 (.ci/run does)`);
}

/** A budget for a case of a C variant: the first run of a test may build the kernel's library first. */
export const C_TIMEOUT_MS = 5000;
