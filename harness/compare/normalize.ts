// The one place where results lose what may differ between two runs of the
// same case without meaning anything: where in a source file an error was
// thrown (line numbers move when code around it changes) and the time budget
// a timeout was given. Everything else in a result is deterministic.

import type { CaseResult } from '../run/result.js';

export function normalizeResult(c: CaseResult): CaseResult {
  if (c.status === 'error') return { ...c, message: c.message.replace(/ \(at [^)]*:\d+\)$/, '') };
  if (c.status === 'timeout') return { ...c, budget_ms: 0 };
  return c;
}
