/**
 * A flat JSON array of numbers ([1.5, -2, NaN, "inf", ...], as json.dump writes a list) read in chunks, for
 * the streaming computation (./stream.ts). Its elements and separators are read by the tokenizer of the
 * in-memory reader (./json-token.ts), over a window of the file at a time, with the same words for the same
 * mistakes. Every error names the byte offset and the element (also where the in-memory reader names the
 * line and column only: a bad escape, a control character, text after the array). Nesting is left to the
 * in-memory reader.
 */
import { isAscii } from 'node:buffer';
import { InputError } from '../errors.js';
import { MAX_NUMBER_CHARS } from './number.js';
import { JsonTokenizer, NEED_MORE, isJsonSpace } from './json-token.js';
import { ChunkedFile, READ_BYTES } from './chunked-file.js';
import type { ElementSource } from './chunked-file.js';

export class JsonSource extends ChunkedFile implements ElementSource {
  /** file offset of buf[0] */
  private base = 0;
  private n = 0;
  private closed = false;
  private trailingChecked = false;

  private fail(at: number, what: string): never {
    throw new InputError(`${this.where}: byte ${this.base + at}`, what);
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
      // the elements in the window buf[0..len), up to the first that may go on past it
      // ASCII (the common case) is decoded as latin1, the fastest way, and is then the same text as UTF-8
      const text = this.buf.toString(isAscii(this.buf.subarray(0, this.len)) ? 'latin1' : 'utf8', 0, this.len);
      // an error's place in bytes (the characters before it, in UTF-8), and the element it is in
      const fail = (at: number, what: string): never =>
        this.fail(Buffer.byteLength(text.slice(0, at)), what.startsWith('[') ? what : `[${this.n}]: ${what}`);
      const tokens = new JsonTokenizer(text, fail, !this.eof);
      const path = () => `[${this.n}]`;
      let done = 0;
      try {
        while (got < dst.length) {
          tokens.skipSpace();
          const c = text.charCodeAt(tokens.pos);
          if (c === 0x5d && this.n === 0) {
            // an empty array
            this.closed = true;
            done = tokens.pos + 1;
            break;
          }
          if (c === 0x5b) {
            // after a number, an array is ragged; nested arrays from the start are read in memory
            const what = this.n > 0 ? 'expected a number, found an array (ragged nesting)' : 'nested arrays and objects are read in memory, not streamed';
            tokens.fail(tokens.pos, `${path()}: ${what}`);
          }
          const v = tokens.element(path);
          const d = tokens.separator(path);
          dst[got++] = v;
          this.n++;
          done = ++tokens.pos;
          if (d === 0x5d) {
            this.closed = true;
            break;
          }
        }
      } catch (e) {
        if (e !== NEED_MORE) throw e;
      }
      // the window holds only ASCII up to `done` (numbers, numeric strings, blanks): characters are bytes
      this.drop(done);
      if (this.closed || got === dst.length) break;
      // an element goes on past the window: forget the blanks before it, refuse one that never ends, read on
      let i = 0;
      while (i < this.len && isJsonSpace(this.buf[i])) i++;
      this.drop(i);
      if (this.len > READ_BYTES) {
        this.fail(0, `[${this.n}]: more than ${READ_BYTES} bytes without ',' or ']' (an element is a number, at most ${MAX_NUMBER_CHARS} characters)`);
      }
      await this.readMore();
    }
    if (this.closed && !this.trailingChecked) {
      this.trailingChecked = true;
      for (;;) {
        let i = 0;
        while (i < this.len && isJsonSpace(this.buf[i])) i++;
        if (i < this.len) this.fail(i, `[${this.n}]: expected the end of the input after the array`);
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
