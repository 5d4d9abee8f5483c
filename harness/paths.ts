// Where the project's folders are, whatever the working directory.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const fixturesDir = join(projectRoot, 'fixtures');
export const corpusDir = join(projectRoot, 'fixtures', 'corpus');
export const variantsDir = join(projectRoot, 'variants');
export const reportsDir = join(projectRoot, 'reports');
