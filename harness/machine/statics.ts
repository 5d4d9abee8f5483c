// A kernel file's static variables: C keeps them for the life of the
// kernel, the model for the life of the machine. Modules are loaded once per
// worker thread and run many cases, so a file-scope `let` would carry one
// case's values into the next; the machine holds them instead.

import { machine } from './current.js';

/** The static variables of kernel file `file` on the running machine, made by `init` on first use. */
export function file_statics<T extends object>(file: string, init: () => T): T {
  const all = machine().statics;
  let s = all.get(file) as T | undefined;
  if (s === undefined) {
    s = init();
    all.set(file, s);
  }
  return s;
}
