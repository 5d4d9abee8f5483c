// The one place where results lose what may differ between two runs of the
// same case without meaning anything: where in a source file an error was
// thrown (line numbers move when code around it changes), the time budget
// a timeout was given and how far the case had got by then. Everything else
// in a result is deterministic.

import type { CaseResult } from '../run/result.js';

export function normalizeResult(c: CaseResult): CaseResult {
  if (c.status === 'error') return { ...c, message: c.message.replace(/ \(at [^)]*:\d+\)$/, '') };
  if (c.status === 'timeout') return { id: c.id, fixture: c.fixture, variant: c.variant, status: 'timeout', budget_ms: 0 };
  return c;
}
