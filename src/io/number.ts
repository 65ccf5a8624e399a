/**
 * The one numeric grammar bce accepts, for JSON strings and CSV cells alike.
 *
 * Accepted: optional sign, decimal digits with an optional point (`5`, `5.`, `.5`, `+1.25`), an optional
 * exponent (`1e-7`, `2E+3`), and the special values NaN / nan / inf / Infinity (any case, optional sign).
 * Rejected: hex (`0x10`), binary, underscores, empty text, surrounding junk (`1.5abc`), inner spaces.
 * Rounding is correct because the checked token is handed to Number(), which rounds correctly.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** Parses one token with the strict grammar; undefined when it is not a number. */
export function parseNumber(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const m = SPECIAL.exec(token);
  if (m === null) return undefined;
  if (m[2].toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}
