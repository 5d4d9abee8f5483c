// Where in the project an error was thrown: the frames of its stack that
// are the project's own files (not Node's, not node_modules'), as paths
// relative to the project. With source maps enabled (the command line and
// the workers enable them) they name the TypeScript files and lines;
// otherwise the compiled ones in dist/.

import { fileURLToPath } from 'node:url';
import { projectRoot } from './paths.js';

export interface Frame {
  /** Relative to the project root, e.g. variants/v5.14/dma-iommu.ts. */
  file: string;
  line: number;
}

const FRAME = /(?:\(|at )((?:file:\/\/)?\/[^()]*?):(\d+):\d+\)?$/;

export function projectFrames(e: unknown): Frame[] {
  if (!(e instanceof Error) || e.stack === undefined) return [];
  const out: Frame[] = [];
  for (const raw of e.stack.split('\n').slice(1)) {
    const m = FRAME.exec(raw.trim());
    if (m === null) continue;
    const path = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (!path.startsWith(projectRoot + '/') || path.includes('/node_modules/')) continue;
    out.push({ file: path.slice(projectRoot.length + 1), line: Number(m[2]) });
  }
  return out;
}

/** Whether a project file is the harness's own code (not a variant's kernel file or a test). */
export function isHarnessFile(file: string): boolean {
  return file.startsWith('harness/') || file.startsWith('dist/harness/');
}
