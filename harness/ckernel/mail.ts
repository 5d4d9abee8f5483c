// A posted patch as a reviewer has it: an mbox (one or more mails, as git
// format-patch or a mail client saves them) or a bare diff. Each mail is
// one step of the series, with the headers a reply needs.

export interface PatchMail {
  /** The mail's subject (for a bare diff, the file's name). */
  subject: string;
  author: string | undefined;
  date: string | undefined;
  /** <...>, what a reply's In-Reply-To names. */
  messageId: string | undefined;
  /** The whole mail (or diff): git apply skips what comes before the diff. */
  text: string;
}

/** A header's value, folded lines joined. */
function header(head: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, 'im').exec(head);
  return m === null ? undefined : m[1]!.replace(/\n[ \t]+/g, ' ').trim();
}

/** YYYY-MM-DD of a mail's Date header, if it parses. */
export function isoDate(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const t = Date.parse(date);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 10);
}

/** The mails of an mbox, or the one diff a file holds. */
export function splitPatches(text: string, name: string): PatchMail[] {
  // mbox: each mail starts with a "From " line at the start of a line.
  const starts = [...text.matchAll(/^From \S+ .*$/gm)].map((m) => m.index!);
  const chunks = starts.length === 0 ? [text] : starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length));
  return chunks.map((chunk) => {
    const end = chunk.search(/\n\n/);
    const head = end < 0 ? '' : chunk.slice(0, end);
    const isMail = /^(Subject|From|Message-I[Dd]):/im.test(head);
    const messageId = isMail ? header(head, 'Message-I[Dd]') : undefined;
    return {
      subject: (isMail ? header(head, 'Subject') : undefined) ?? name,
      author: isMail ? header(head, 'From')?.replace(/\s*<[^>]*>\s*$/, '') : undefined,
      date: isMail ? header(head, 'Date') : undefined,
      messageId: messageId !== undefined && /^<[^<>]+>$/.test(messageId) ? messageId : undefined,
      text: chunk,
    };
  });
}
