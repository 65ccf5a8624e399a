/**
 * "Did you mean": the subcommand a mistyped word was probably meant to be (`bce explian`). A positional word
 * is a bundle file first, so this is asked only once no file of that name exists.
 */
import { InputError, quote, UsageError } from '../errors.js';
import { editDistance } from '../core/edit-distance.js';

/** bce's subcommands (program.ts declares them; a test keeps the two lists equal). */
export const COMMAND_NAMES = ['verify', 'explain', 'completion'] as const;

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
