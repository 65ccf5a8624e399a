/**
 * A flat JSON array of numbers ([1.5, -2, NaN, "inf", ...], as json.dump writes a list) read in chunks, for
 * the streaming computation (./stream.ts). Its elements and separators are read by the tokenizer of the
 * in-memory reader (./json-token.ts), over a window of the file at a time, and its errors are the in-memory
 * ones: the same words, at the same line and column (the window's place in the file is kept as it moves on),
 * after the same check that the file is UTF-8. Numbers and strings are bounded (MAX_NUMBER_CHARS), a bare
 * word is kept to the letters its error shows, and blanks are dropped as they are read, so the window stays
 * within READ_BYTES and a token. Nesting is left to the in-memory reader.
 */
import { isAscii } from 'node:buffer';
import { ECHO_MAX, InputError } from '../errors.js';
import { FOUND_CHARS, JsonTokenizer, NEED_MORE, isJsonSpace } from './json-token.js';
import { lineColumn } from './json.js';
import { ChunkedFile, READ_BYTES } from './chunked-file.js';
import type { ElementSource } from './chunked-file.js';

/** Bytes that hold the characters an error shows of what it found. */
const FOUND_BYTES = 4 * FOUND_CHARS;
/**
 * The letters kept of a bare word that goes on past the window: more than an error shows of it (ECHO_MAX in
 * quotes, FOUND_CHARS after "found"), and more than any word that is a value (NaN, Infinity, true...).
 */
const WORD_KEPT = ECHO_MAX + FOUND_CHARS + 8;

/** buf[0..len) are ASCII letters only. */
function isLetters(buf: Buffer, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const c = buf[i] | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

export class JsonSource extends ChunkedFile implements ElementSource {
  /** the line of buf[0], and the characters before it on that line */
  private line = 1;
  private column = 0;
  private n = 0;
  /** an element is read and its ',' or ']' is not */
  private afterElement = false;
  private closed = false;
  private trailingChecked = false;

  /** The in-memory reader's error for `what` at character `at` of `text`, a window from buf[0]. */
  private fail(text: string, at: number, what: string): never {
    const { line, column } = lineColumn(text, at);
    throw new InputError(`${this.where}:${this.line + line - 1}:${line === 1 ? this.column + column : column}`, what);
  }

  /** Reads up to the first element: false when the file is not a flat array (then it is read in memory). */
  async start(): Promise<boolean> {
    await this.readMore();
    if (this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) {
      // the in-memory reader's text starts after the BOM
      this.drop(3);
      this.column = 0;
    }
    let open = false;
    for (;;) {
      let i = 0;
      while (i < this.len && isJsonSpace(this.buf[i])) i++;
      this.drop(i);
      if (this.len > 0 && !open) {
        if (this.buf[0] !== 0x5b) return false;
        open = true;
        this.drop(1);
        continue;
      }
      if (this.len > 0) return this.buf[0] !== 0x5b && this.buf[0] !== 0x7b;
      if (this.eof) return open;
      await this.readMore();
    }
  }

  /** Forgets buf[0..k), keeping the place of buf[0]. */
  private drop(k: number): void {
    const gone = this.buf.subarray(0, k);
    let last = -1;
    for (let i = gone.indexOf(0x0a); i >= 0; i = gone.indexOf(0x0a, i + 1)) {
      this.line++;
      last = i;
    }
    // what is dropped is ASCII (numbers, numeric strings, blanks): bytes are characters
    this.column = last >= 0 ? k - last - 1 : this.column + k;
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
  }

  knownShape(): number[] {
    return this.closed ? [this.n] : [-1];
  }

  async read(dst: Float64Array): Promise<number> {
    try {
      const got = await this.readElements(dst);
      if (this.closed && !this.trailingChecked) await this.checkTrailing();
      return got;
    } catch (e) {
      if (e instanceof InputError) await this.utf8First(e);
      throw e;
    }
  }

  private async readElements(dst: Float64Array): Promise<number> {
    let got = 0;
    while (got < dst.length && !this.closed) {
      // the elements in the window buf[0..len), up to the first that may go on past it
      // ASCII (the common case) is decoded as latin1, the fastest way, and is then the same text as UTF-8
      const text = this.buf.toString(isAscii(this.buf.subarray(0, this.len)) ? 'latin1' : 'utf8', 0, this.len);
      const tokens = new JsonTokenizer(text, (at, what) => this.fail(text, at, what), !this.eof);
      const path = () => `[${this.n}]`;
      let done = 0;
      let afterElement = this.afterElement;
      try {
        while (!this.closed) {
          if (!afterElement) {
            if (got === dst.length) break;
            tokens.skipSpace();
            const c = text.charCodeAt(tokens.pos);
            if (c === 0x5d && this.n === 0) {
              // an empty array
              this.closed = true;
              done = tokens.pos + 1;
              break;
            }
            // after a number (start() leaves nested arrays to the in-memory reader)
            if (c === 0x5b) tokens.fail(tokens.pos, `${path()}: expected a number, found an array (ragged nesting)`);
            const v = tokens.element(path);
            dst[got++] = v;
            afterElement = true;
            done = tokens.pos;
          }
          const d = tokens.separator(path);
          afterElement = false;
          this.n++;
          done = ++tokens.pos;
          if (d === 0x5d) this.closed = true;
        }
      } catch (e) {
        if (e !== NEED_MORE) throw e;
      }
      this.afterElement = afterElement;
      this.drop(done);
      if (this.closed || got === dst.length) break;
      // a token goes on past the window: forget the blanks before it, read on
      let i = 0;
      while (i < this.len && isJsonSpace(this.buf[i])) i++;
      this.drop(i);
      // a word too long to be a value: its error depends on its first letters and on what ends it, so the
      // window keeps its first letters only while the rest is read
      if (!this.afterElement && this.len > WORD_KEPT && isLetters(this.buf, this.len)) this.len = WORD_KEPT;
      if (this.len > READ_BYTES) throw new Error(`json-source: a token of more than ${READ_BYTES} bytes at element ${this.n}`);
      await this.readMore();
    }
    return got;
  }

  /** After the array: blanks only, up to the end of the file. */
  private async checkTrailing(): Promise<void> {
    this.trailingChecked = true;
    for (;;) {
      let i = 0;
      while (i < this.len && isJsonSpace(this.buf[i])) i++;
      this.drop(i);
      if (this.len > 0 && (this.eof || this.len >= FOUND_BYTES)) {
        const text = this.buf.toString('utf8', 0, Math.min(this.len, FOUND_BYTES));
        const tokens = new JsonTokenizer(text, (at, what) => this.fail(text, at, what));
        tokens.fail(0, `expected the end of the input after the JSON value, found ${tokens.found(0)}`);
      }
      if (this.eof) return;
      await this.readMore();
    }
  }

  shape(): number[] {
    return [this.n];
  }
}
