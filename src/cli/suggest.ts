/**
 * "Did you mean": the subcommand a mistyped word was probably meant to be (`bce explian`). A positional word
 * is a bundle file first, so this is asked only once no file of that name exists.
 */
import { InputError, quote, UsageError } from '../errors.js';

/** bce's subcommands (program.ts declares them; a test keeps the two lists equal). */
export const COMMAND_NAMES = ['verify', 'explain', 'completion'] as const;

/** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The subcommand `word` is at most two edits from (and closer than 40% of its length, as commander judges
 * options), or undefined. Words with a dot or a slash are file names, never commands.
 */
export function suggestCommand(word: string): string | undefined {
  if (word.length > 32 || /[./\\]/.test(word)) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of COMMAND_NAMES) {
    const d = editDistance(word.toLowerCase(), name);
    if (d < bestDistance && d / Math.max(word.length, name.length) < 0.4) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * `bce WORD` where WORD is no file: a usage error suggesting the command it resembles, when one does;
 * otherwise `e` itself. `e` is what reading WORD as the bundle threw.
 */
export function commandTypo(e: unknown, bundle: string | undefined): unknown {
  if (bundle === undefined || !(e instanceof InputError) || e.where !== bundle || e.what !== 'no such file') return e;
  const command = suggestCommand(bundle);
  return command === undefined ? e : new UsageError(`${quote(bundle)} is neither a file nor a command (did you mean bce ${command}?)`);
}
