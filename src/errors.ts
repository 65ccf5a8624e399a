/**
 * Typed errors that carry their exit code. run.ts is the one place that maps errors to exit codes.
 *
 * Exit codes:
 *   0  success
 *   1  `bce verify` found a mismatch
 *   2  usage error (bad flag or option value) or input error (unreadable or malformed input)
 *   70 internal error: a bug in bce (the stack is printed)
 *   74 output error: writing stdout or -o failed (a full disk, an I/O error, a closed stdout)
 *   129, 130, 143 SIGHUP, SIGINT, SIGTERM (128 + the signal's number), after removing an unfinished -o temp file
 */
export const ExitCode = {
  ok: 0,
  mismatch: 1,
  usage: 2,
  input: 2,
  internal: 70,
  output: 74,
  hangup: 129,
  interrupt: 130,
  terminated: 143,
} as const;

export class BceError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The command line itself is wrong: an unknown flag, a bad option value, a conflicting pair. */
export class UsageError extends BceError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/**
 * An input cannot be used: missing file, syntax error, bad number, wrong shape.
 * `where` is the source and place, e.g. `logits.csv:3:7` or `bundle.json: logits[1][2]`;
 * the message then reads `where: what`.
 */
export class InputError extends BceError {
  readonly where: string | undefined;
  readonly what: string;
  constructor(where: string | undefined, what: string) {
    super(where ? `${where}: ${what}` : what, ExitCode.input);
    this.where = where;
    this.what = what;
  }
}

/** Writing the result failed: the message names where (`stdout`, `-o out.json`) and why. */
export class OutputError extends BceError {
  constructor(message: string) {
    super(message, ExitCode.output);
  }
}

/**
 * Input echoed in a message (cell text, JSON strings and keys, file and member names) goes through the one
 * escaper below, so that nothing read from a file can drive the terminal or break the message's single line.
 * Control characters (C0 with NUL, BEL, ESC, CR, LF and tab; DEL; C1 0x80-0x9f), the Unicode line and
 * paragraph separators and bidirectional overrides, and lone surrogates become visible escapes (\n, \t, \x1b,
 * \x9b, \u2028, \ud800); the echo is cut to ECHO_MAX characters after escaping, ending in '...'.
 */
export const ECHO_MAX = 80;

const NAMED: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

/** The escape for UTF-16 code unit `c`, or undefined when it is shown as it is. */
function escapeOf(c: number, text: string, i: number): string | undefined {
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return NAMED[c] ?? `\\x${c.toString(16).padStart(2, '0')}`;
  if (c < 0x2028) return undefined;
  if (c <= 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return `\\u${c.toString(16)}`;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? undefined : `\\u${c.toString(16)}`;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const b = text.charCodeAt(i - 1);
    return b >= 0xd800 && b <= 0xdbff ? undefined : `\\u${c.toString(16)}`;
  }
  return undefined;
}

/**
 * `text` escaped, with `also` (a quote character, and the backslash with it) escaped by a backslash, cut so
 * that the result has at most `max` characters; `cut` tells whether something was left out. Reads at most
 * about `max` characters of `text`, so a 10 MB string costs no more than a short one.
 */
export function escapeText(text: string, max = ECHO_MAX, also = ''): { shown: string; cut: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let piece = escapeOf(c, text, i);
    if (piece === undefined) {
      if (also !== '' && (c === 0x5c || also.charCodeAt(0) === c)) piece = `\\${text[i]}`;
      // a surrogate pair stays whole
      else piece = c >= 0xd800 && c <= 0xdbff ? text.slice(i, i + 2) : text[i];
    }
    if (out.length + piece.length > max) return { shown: out, cut: true };
    out += piece;
    i += piece.length === 2 && piece.charCodeAt(0) !== 0x5c ? 1 : 0;
  }
  return { shown: out, cut: false };
}

/** Text from the input made safe for a message, without quotes: escaped, cut to `max` characters plus '...'. */
export function printable(text: string, max = ECHO_MAX): string {
  const { shown, cut } = escapeText(text, max);
  return cut ? `${shown}...` : shown;
}

/** The longest file or member name shown whole, in characters after escaping. */
export const NAME_MAX = 160;

/**
 * A file or member name for a message: escaped; a name longer than NAME_MAX keeps its start and its end
 * (where the file name is) around '...'.
 */
export function printableName(name: string): string {
  const whole = escapeText(name, NAME_MAX);
  if (!whole.cut) return whole.shown;
  const head = escapeText(name, 40).shown;
  let tail = '';
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name.charCodeAt(i);
    let piece = escapeOf(c, name, i) ?? name[i];
    if (piece.length === 1 && c >= 0xdc00 && c <= 0xdfff) {
      i--; // the low half of a pair: take the pair
      piece = name.slice(i, i + 2);
    }
    if (tail.length + piece.length > NAME_MAX - 43) break;
    tail = piece + tail;
  }
  return `${head}...${tail}`;
}

/**
 * Python-style repr of text from the input, for messages: 'abc' (double quotes when the text holds a single
 * quote and no double quote, as Python does, or always with q = '"'), escaped, cut after `max` characters
 * with '...' after the closing quote.
 */
export function quote(text: string, max = ECHO_MAX, q?: "'" | '"'): string {
  const head = text.length > max ? text.slice(0, max) : text;
  const mark = q ?? (head.includes("'") && !head.includes('"') ? '"' : "'");
  const { shown, cut } = escapeText(text, max, mark);
  return `${mark}${shown}${mark}${cut ? '...' : ''}`;
}

/** A value from a JSON input for a message: a string in double quotes, as JSON writes it, else its JSON text. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return quote(v, ECHO_MAX, '"');
  if (typeof v === 'object' && v !== null && 'shape' in v && Array.isArray(v.shape)) return `a tensor of shape [${v.shape.join(', ')}]`;
  return printable(String(JSON.stringify(v)));
}

/** The longest line of a diagnostic; what is longer is cut (a missed echo of a huge input). */
const LINE_MAX = 2000;

/**
 * The last guard before a diagnostic reaches stderr: any control character still in it is escaped, the line
 * end included (a diagnostic is one line; a multi-line text is warned a line at a time), and it is cut to
 * LINE_MAX characters.
 */
export function sanitizeDiagnostic(line: string): string {
  const short = line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}...` : line;
  return short.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => escapeOf(c.charCodeAt(0), c, 0) as string);
}

/** `io` with its warn() passing every line through sanitizeDiagnostic. */
export function withSafeWarn<T extends { warn(line: string): void }>(io: T): T {
  const warn = io.warn.bind(io);
  return Object.create(io, { warn: { value: (line: string) => warn(sanitizeDiagnostic(line)) } }) as T;
}
