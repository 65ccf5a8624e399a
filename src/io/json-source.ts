/**
 * A flat JSON array of numbers read in chunks, for the streaming computation (./stream.ts).
 */
import { InputError, quote } from '../errors.js';
import { MAX_NUMBER_CHARS, parseNumber, tooLongToken } from './number.js';
import { ChunkedFile, READ_BYTES } from './chunked-file.js';
import type { ElementSource } from './chunked-file.js';

const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** characters of a bare number token (as ./json.ts reads them): + - . 0-9 e E, and letters for NaN / Infinity */
const isTokenChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * A flat JSON array of numbers ([1.5, -2, NaN, "inf", ...], as json.dump writes a list), read in chunks.
 * Numbers are read as ./json.ts reads them: a bare token or a string, in the strict grammar of ./number.ts.
 * Anything else (nesting, objects, escapes in strings, a bad token) is an InputError naming the byte offset
 * and the element; the caller re-reads files that fit in memory, to word any error as the in-memory reader does.
 */
export class JsonSource extends ChunkedFile implements ElementSource {
  /** file offset of buf[0] */
  private base = 0;
  private n = 0;
  private closed = false;
  private trailingChecked = false;


  private fail(at: number, what: string): never {
    throw new InputError(`${this.where}: byte ${this.base + at}`, `[${this.n}]: ${what}`);
  }

  /** Reads up to the first element: false when the file is not a flat array (then it is read in memory). */
  async start(): Promise<boolean> {
    await this.readMore();
    let i = this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf ? 3 : 0;
    while (i < this.len && isJsonSpace(this.buf[i])) i++;
    if (this.buf[i] !== 0x5b) return false;
    i++;
    while (i < this.len && isJsonSpace(this.buf[i])) i++;
    if (i < this.len && (this.buf[i] === 0x5b || this.buf[i] === 0x7b)) return false;
    this.drop(i);
    return true;
  }

  /** Forgets buf[0..k). */
  private drop(k: number): void {
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
    this.base += k;
  }

  knownShape(): number[] {
    return this.closed ? [this.n] : [-1];
  }

  async read(dst: Float64Array): Promise<number> {
    let got = 0;
    while (got < dst.length && !this.closed) {
      // the complete elements in buf: up to its last ',' or ']' (all of it at the end of the file)
      let end = this.len;
      if (!this.eof) {
        end = this.len > 0 ? Math.max(this.buf.lastIndexOf(0x2c, this.len - 1), this.buf.lastIndexOf(0x5d, this.len - 1)) + 1 : 0;
        if (end === 0) {
          // no element ends in what is read: forget the blanks before it, and refuse one that never ends
          let i = 0;
          while (i < this.len && isJsonSpace(this.buf[i])) i++;
          this.drop(i);
          if (this.len > READ_BYTES) this.fail(0, `more than ${READ_BYTES} bytes without ',' or ']' (an element is a number, at most ${MAX_NUMBER_CHARS} characters)`);
          await this.readMore();
          continue;
        }
      }
      const s = this.buf.toString('latin1', 0, end);
      let i = 0;
      while (got < dst.length) {
        while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
        if (i >= s.length) break;
        const c = s.charCodeAt(i);
        if (c === 0x5d && this.n === 0 && got === 0) {
          // an empty array
          this.closed = true;
          i++;
          break;
        }
        let a = i;
        let b: number;
        let text = s;
        const at = i;
        if (c === 0x22) {
          // a string: to its closing quote, skipping escaped characters
          b = i + 1;
          let escaped = false;
          while (b < s.length && s.charCodeAt(b) !== 0x22) {
            if (b - i > MAX_NUMBER_CHARS) this.fail(i, tooLongToken('string'));
            if (s.charCodeAt(b) === 0x5c) {
              escaped = true;
              b++;
            }
            b++;
          }
          if (b >= s.length) {
            if (this.eof) this.fail(i, 'unexpected end of the input inside an array');
            this.fail(i, 'expected a number, found a string that is not one');
          }
          a = i + 1;
          if (escaped) {
            try {
              text = JSON.parse(s.slice(i, b + 1)) as string;
            } catch {
              this.fail(i, 'invalid escape in string');
            }
            a = 0;
          }
          i = b + 1;
          if (escaped) b = text.length;
        } else {
          while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
          b = i;
          if (b - a > MAX_NUMBER_CHARS) this.fail(a, tooLongToken('number'));
          if (a === b) {
            this.fail(a, c === 0x5b || c === 0x7b ? 'nested arrays and objects are read in memory, not streamed' : `expected a number, found ${quote(Buffer.from(s[a], 'latin1').toString('utf8'))}`);
          }
        }
        const v = parseNumber(text.slice(a, b));
        if (v === undefined) this.fail(at, `${quote(Buffer.from(text.slice(a, b), 'latin1').toString('utf8'))} is not a number`);
        dst[got++] = v;
        while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
        if (i >= s.length) {
          if (this.eof) this.fail(i, 'unexpected end of the input inside an array');
          break;
        }
        const d = s.charCodeAt(i);
        this.n++;
        i++;
        if (d === 0x5d) {
          this.closed = true;
          break;
        }
        if (d !== 0x2c) this.fail(i - 1, "expected ',' or ']'");
      }
      this.drop(i);
      if (this.closed) break;
      if (got < dst.length && !this.eof) await this.readMore();
      else if (got < dst.length && this.eof && this.len === 0) this.fail(0, 'unexpected end of the input inside an array');
    }
    if (this.closed && !this.trailingChecked) {
      this.trailingChecked = true;
      for (;;) {
        let i = 0;
        while (i < this.len && isJsonSpace(this.buf[i])) i++;
        if (i < this.len) this.fail(i, 'expected the end of the input after the array');
        this.drop(this.len);
        if (this.eof) break;
        await this.readMore();
      }
    }
    return got;
  }

  shape(): number[] {
    return [this.n];
  }
}
