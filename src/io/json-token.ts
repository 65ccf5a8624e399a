/**
 * The JSON tokenizer that both JSON readers use: the in-memory parser (./json.ts, a whole text) and the
 * streaming source (./json-source.ts, a window of a file at a time). Whitespace, strings, scalars, array
 * elements and separators are read here, with the same words for the same mistakes; each reader says where
 * (line:column of the whole text, or of the window's place in the file) through the `fail` it passes in.
 *
 * A window that is not the end of its input is `partial`: a token that reaches its end may go on past it, so
 * the tokenizer throws NEED_MORE instead of judging it, and the caller reads more and tries the token again.
 */
import { quote } from '../errors.js';
import { MAX_NUMBER_CHARS, parseNumber, tooLongToken } from './number.js';

export type JsonScalar = number | string | boolean | null;

/** Throws the reader's error for `what` at character offset `offset` of the text. */
export type JsonFail = (offset: number, what: string) => never;

/** The characters that "found X" shows at most. */
export const FOUND_CHARS = 40;

/** Thrown by a partial window's tokenizer when a token reaches the window's end. */
export const NEED_MORE = Symbol('need more input');

export const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
// characters that may appear in a bare number token: + - . 0-9 e E
const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
const isWordChar = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Names the value being read in messages ("logits[1][2]"), or '' at the top; called only for a message. */
export type JsonPath = () => string;

/** `path: ` before a message, or nothing at the top. */
const prefix = (path: JsonPath) => {
  const name = path();
  return name ? `${name}: ` : '';
};
const TOP: JsonPath = () => '';

export class JsonTokenizer {
  pos = 0;
  constructor(
    protected readonly text: string,
    readonly fail: JsonFail,
    private readonly partial = false,
  ) {}

  /** At the end of a partial window: the token may go on. */
  private more(): void {
    if (this.partial) throw NEED_MORE;
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length && isJsonSpace(t.charCodeAt(this.pos))) this.pos++;
    if (this.pos >= t.length) this.more();
  }

  /** A short description of what stands at `offset`, for "expected X, found Y". */
  found(offset: number): string {
    // a partial window shows what it found as the whole text does: FOUND_CHARS, and a character cut at its end
    if (offset + FOUND_CHARS + 4 > this.text.length) this.more();
    if (offset >= this.text.length) return 'the end of the input';
    const c = this.text[offset];
    if (c === '{') return 'an object';
    if (c === '[') return 'an array';
    if (c === '"') return 'a string';
    const m = /^[^\s,\]}]{1,40}/.exec(this.text.slice(offset, offset + FOUND_CHARS));
    return m ? quote(m[0]) : quote(c);
  }

  /**
   * A JSON string at pos; escapes are decoded by JSON.parse on the exact token. `path` names it in messages;
   * a string longer than `max` characters is refused (a number or a name; a text field skipped may be longer).
   */
  string(path = TOP, max = MAX_NUMBER_CHARS): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    // a string is a number or a name: one past the bound is refused before the rest is read
    const cap = start + 2 + max;
    for (; i < t.length; i++) {
      if (i >= cap) this.fail(start, `${prefix(path)}${tooLongToken('string')}`);
      const c = t.charCodeAt(i);
      if (c === 0x5c /* \ */) {
        escaped = true;
        i++;
      } else if (c === 0x22) break;
      else if (c < 0x20) this.fail(i, 'a control character inside a string (unterminated string?)');
    }
    if (i >= t.length) {
      this.more();
      this.fail(start, 'unterminated string');
    }
    this.pos = i + 1;
    if (!escaped) return t.slice(start + 1, i);
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch {
      return this.fail(start, 'invalid escape in string');
    }
  }

  /** A scalar token at pos: number, bare NaN/Infinity/-Infinity, true, false, null, or a string. */
  scalar(path: JsonPath): JsonScalar {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    if (c === 0x22) return this.string(path);
    let i = start;
    if (isNumberChar(c)) {
      while (i < t.length && isNumberChar(t.charCodeAt(i))) i++;
      // -Infinity / -NaN: a sign followed by a word
      if (i === start + 1 && (c === 0x2d || c === 0x2b) && i < t.length && isWordChar(t.charCodeAt(i))) {
        while (i < t.length && isWordChar(t.charCodeAt(i))) i++;
      }
    } else {
      while (i < t.length && isWordChar(t.charCodeAt(i))) i++;
    }
    if (isNumberChar(c) && i - start > MAX_NUMBER_CHARS) this.fail(start, `${prefix(path)}${tooLongToken('number')}`);
    if (i >= t.length) this.more();
    const token = t.slice(start, i);
    if (i < t.length && !isJsonSpace(t.charCodeAt(i)) && !',]}:'.includes(t[i])) {
      this.fail(start, `${prefix(path)}${this.found(start)} is not a number or JSON value`);
    }
    this.pos = i;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    const x = token === '' ? undefined : parseNumber(token);
    if (x === undefined) this.fail(start, `${prefix(path)}${token === '' ? `unexpected ${this.found(start)}` : `${quote(token)} is not a number`}`);
    return x;
  }

  /** An array element at pos (not an array) that must be a number: a bare number or a numeric string. */
  element(path: JsonPath): number {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    if (c === 0x5d /* ] */) this.fail(start, `${path()}: expected a value, found ']'`);
    if (start >= t.length) {
      this.more();
      this.fail(start, `${path()}: unexpected end of the input inside an array`);
    }
    if (c === 0x7b) this.fail(start, `${path()}: expected a number, found an object`);
    const v = this.scalar(path);
    let x: number | undefined;
    if (typeof v === 'number') x = v;
    else if (typeof v === 'string') x = parseNumber(v);
    if (x === undefined) this.fail(start, `${path()}: expected a number, found ${typeof v === 'string' ? quote(v) : String(v)}`);
    return x as number;
  }

  /** After an element: ',' or ']' (not consumed), returned as its character code. */
  separator(path: JsonPath): number {
    this.skipSpace();
    const d = this.text.charCodeAt(this.pos);
    if (d === 0x2c /* , */ || d === 0x5d /* ] */) return d;
    if (this.pos >= this.text.length) this.fail(this.pos, `${path()}: unexpected end of the input inside an array`);
    return this.fail(this.pos, `${path()}: expected ',' or ']', found ${this.found(this.pos)}`);
  }
}
