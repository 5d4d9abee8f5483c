// The two changes the build makes to a kernel file's text, in the build's
// own copy of it (never in a tree or the repository): rename a function's
// definition, so that the file's calls reach the shim's hook of that name
// (the hook calls __real_NAME), and take functions out of a file whose
// other parts the harness does not build. Both find a definition the way
// the kernel's coding style writes one: its head starts at the first
// column (the name itself, or the return type on the line above), and its
// body ends at the first column's closing brace.

export interface Definition {
  /** Where the definition's head starts (the return type), its name, the opening brace, and just past the closing brace. */
  head: number;
  name: number;
  open: number;
  end: number;
}

/** Skip a comment or a string or character literal starting at i; the index after it, or i. */
function skipLiteral(text: string, i: number): number {
  const c = text[i];
  if (c === '/' && text[i + 1] === '*') {
    const e = text.indexOf('*/', i + 2);
    return e < 0 ? text.length : e + 2;
  }
  if (c === '/' && text[i + 1] === '/') {
    const e = text.indexOf('\n', i);
    return e < 0 ? text.length : e;
  }
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  return i;
}

/** The index just past the bracket that closes the one at `i`. */
function matching(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < text.length; ) {
    const k = skipLiteral(text, j);
    if (k !== j) {
      j = k;
      continue;
    }
    if (text[j] === open) depth++;
    else if (text[j] === close && --depth === 0) return j + 1;
    j++;
  }
  return -1;
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

/** A declaration's head: a line at the first column, no statement or expression in it. */
function isHeadText(s: string): boolean {
  return /^[A-Za-z_]/.test(s) && !/[;={}()#]/.test(s);
}

/** Every definition of `name` in a C file's text (one, in a file that compiles). */
export function findDefinitions(text: string, name: string): Definition[] {
  const out: Definition[] = [];
  const re = new RegExp(`\\b${name}\\s*\\(`, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index;
    const ls = lineStart(text, at);
    let head: number;
    if (ls === at) {
      // The name at the first column: the return type is on the line above.
      const prev = lineStart(text, ls - 1);
      if (ls === 0 || !isHeadText(text.slice(prev, ls - 1).trimEnd())) continue;
      head = prev;
    } else {
      if (!isHeadText(text.slice(ls, at))) continue;
      head = ls;
    }
    const paren = text.indexOf('(', at);
    const closeParen = matching(text, paren, '(', ')');
    if (closeParen < 0) continue;
    // After the parameters: attributes, then a body (a definition) or a semicolon (a prototype).
    let j = closeParen;
    while (j < text.length && text[j] !== '{' && text[j] !== ';') {
      const k = skipLiteral(text, j);
      j = k !== j ? k : j + 1;
    }
    if (text[j] !== '{') continue;
    const end = matching(text, j, '{', '}');
    if (end < 0) continue;
    out.push({ head, name: at, open: j, end });
  }
  return out;
}

/** What the build could not do to a kernel file: the shim does not know this tree. */
export class UnknownTreeError extends Error {
  constructor(
    readonly file: string,
    readonly symbol: string,
    message: string,
  ) {
    super(`${file}: ${symbol}: ${message}`);
    this.name = 'UnknownTreeError';
  }
}

function onlyDefinition(text: string, name: string, file: string): Definition {
  const defs = findDefinitions(text, name);
  if (defs.length === 0) throw new UnknownTreeError(file, name, 'no definition of this function, which the shim hooks or builds');
  if (defs.length > 1) throw new UnknownTreeError(file, name, `${defs.length} definitions of this function; the shim expects one`);
  return defs[0]!;
}

/** The text with each named function's definition renamed to __real_NAME. */
export function renameDefinitions(text: string, names: readonly string[], file: string): string {
  const edits = names.map((name) => ({ name, at: onlyDefinition(text, name, file).name })).sort((a, b) => b.at - a.at);
  let out = text;
  for (const e of edits) out = `${out.slice(0, e.at)}__real_${out.slice(e.at)}`;
  return out;
}

/** The named functions' definitions, in the order the file has them, one after another. */
export function extractDefinitions(text: string, names: readonly string[], file: string): string {
  const defs = names.map((name) => onlyDefinition(text, name, file)).sort((a, b) => a.head - b.head);
  return defs.map((d) => `${text.slice(d.head, d.end)}\n`).join('\n');
}
