/**
 * Typed errors that carry their exit code. main.ts is the one place that maps them to a process exit.
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

/** Python-style repr of a short string for messages: 'abc', cut when long. */
export function quote(text: string, max = 40): string {
  const shown = text.length > max ? `${text.slice(0, max)}...` : text;
  return `'${shown.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'))}'`;
}
