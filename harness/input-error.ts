// Bad input: a fixture, a variant's metadata or a command-line argument the
// harness cannot use. Such errors are collected, printed with the file and
// the JSON pointer of the offending value, and end the run with exit code 2
// before anything executes or is written.

export interface InputProblem {
  /** The file, or "command line". */
  file: string;
  /** JSON pointer to the offending value ("" for the whole document). */
  pointer: string;
  /** For a code file: the line (then the pointer is ""). */
  line?: number;
  message: string;
}

export class InputError extends Error {
  constructor(readonly problems: InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

export function formatProblem(p: InputProblem): string {
  if (p.line !== undefined) return `${p.file}:${p.line}: ${p.message}`;
  return `${p.file}: ${p.pointer === '' ? '(document)' : p.pointer}: ${p.message}`;
}

/** Escape one JSON pointer reference token. */
export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}
