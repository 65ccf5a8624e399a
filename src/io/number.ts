/**
 * The one numeric grammar bce accepts, for JSON strings and CSV cells alike.
 *
 * Accepted: optional sign, decimal digits with an optional point (`5`, `5.`, `.5`, `+1.25`), an optional
 * exponent (`1e-7`, `2E+3`), and the special values NaN / nan / inf / Infinity (any case, optional sign).
 * Rejected: hex (`0x10`), binary, underscores, empty text, surrounding junk (`1.5abc`), inner spaces.
 * Rounding is correct because the checked token is handed to Number(), which rounds correctly.
 */

// \d+(?:\.\d*)? rather than \d+\.?\d*: the latter backtracks quadratically on a long run of digits that fails
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * The longest number token read, in bytes (CSV cells) or characters (JSON tokens and strings): every double's
 * exact decimal value written out in full, without an exponent, fits (at most 1077 characters, for the
 * smallest subnormals), so a longer token is refused as soon as it is seen instead of being converted.
 */
export const MAX_NUMBER_CHARS = 1100;

/** What is wrong with a JSON token past MAX_NUMBER_CHARS: a string (a number or a name) or a bare number. */
export function tooLongToken(kind: 'string' | 'number'): string {
  const what = kind === 'string' ? 'a string here (a number or a name) has' : 'a number has';
  return `${kind} too long: ${MAX_NUMBER_CHARS + 1}+ characters, and ${what} at most ${MAX_NUMBER_CHARS}`;
}

/** Parses one token with the strict grammar; undefined when it is not a number. */
export function parseNumber(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const m = SPECIAL.exec(token);
  if (m === null) return undefined;
  if (m[2].toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}
