/**
 * JSON reader: a tensor (a number or nested arrays of any rank) or a bundle (an object of tensors and
 * scalars), parsed in one iterative pass straight into Float64Arrays, with exact error places.
 *
 * Beyond RFC 8259 it accepts what Python's json.dump writes by default (bare NaN, Infinity, -Infinity)
 * and numeric strings in the strict grammar of ./number.ts ("NaN", "-inf", "1.5"). The parser keeps
 * its own stack, so nesting depth costs no call stack; a tensor may have at most MAX_RANK dimensions.
 */
import type { Tensor } from '../core/tensor.js';
import { InputError, quote, showValue } from '../errors.js';
import { MAX_NUMBER_CHARS, parseNumber, tooLongToken } from './number.js';

export const MAX_RANK = 64;

export type JsonScalar = number | string | boolean | null;
/** A bundle entry: a tensor (from an array) or a scalar (number, string, boolean, null). */
export type BundleValue = Tensor | JsonScalar;

export interface JsonBundle {
  kind: 'bundle';
  /** insertion-ordered; keys are plain data, so '__proto__' is an ordinary key here */
  entries: Map<string, BundleValue>;
}
export interface JsonTensor {
  kind: 'tensor';
  tensor: Tensor;
}
export type JsonDocument = JsonBundle | JsonTensor;

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
// characters that may appear in a bare number token: + - . 0-9 e E
const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
const isWordChar = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Growable Float64Array. */
class Float64Builder {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Float64Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  fail(offset: number, what: string): never {
    const { line, column } = lineColumn(this.text, offset);
    throw new InputError(`${this.source}:${line}:${column}`, what);
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length && isSpace(t.charCodeAt(this.pos))) this.pos++;
  }

  /** A short description of what stands at `offset`, for "expected X, found Y". */
  private found(offset: number): string {
    if (offset >= this.text.length) return 'the end of the input';
    const c = this.text[offset];
    if (c === '{') return 'an object';
    if (c === '[') return 'an array';
    if (c === '"') return 'a string';
    const m = /^[^\s,\]}]{1,40}/.exec(this.text.slice(offset, offset + 40));
    return m ? quote(m[0]) : quote(c);
  }

  parseDocument(): JsonDocument {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail(this.pos, 'empty input, expected a JSON tensor or bundle');
    let doc: JsonDocument;
    if (this.text.charCodeAt(this.pos) === 0x7b /* { */) doc = { kind: 'bundle', entries: this.parseObject() };
    else {
      const v = this.parseValue('');
      if (typeof v === 'object' && v !== null) doc = { kind: 'tensor', tensor: v };
      else doc = { kind: 'tensor', tensor: this.scalarTensor(v, '', this.pos) };
    }
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(this.pos, `expected the end of the input after the JSON value, found ${this.found(this.pos)}`);
    return doc;
  }

  private scalarTensor(v: JsonScalar, path: string, offset: number): Tensor {
    const x = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : undefined;
    if (x === undefined) this.fail(offset, `${path ? `${path}: ` : ''}expected a number, found ${showValue(v)}`);
    return { data: new Float64Array([x]), shape: [] };
  }

  private parseObject(): Map<string, BundleValue> {
    const entries = new Map<string, BundleValue>();
    this.pos++; // {
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++;
      return entries;
    }
    for (;;) {
      this.skipSpace();
      const keyAt = this.pos;
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail(this.pos, `expected a key in double quotes, found ${this.found(this.pos)}`);
      const key = this.parseString();
      if (entries.has(key)) this.fail(keyAt, `duplicate key ${quote(key)}`);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) this.fail(this.pos, `expected ':' after the key ${quote(key)}, found ${this.found(this.pos)}`);
      this.pos++;
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === 0x7b) this.fail(this.pos, `${key}: expected a tensor or a value, found an object`);
      entries.set(key, this.parseValue(key));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c /* , */) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return entries;
      }
      this.fail(this.pos, `expected ',' or '}' in the object, found ${this.found(this.pos)}`);
    }
  }

  /** A JSON string at pos; escapes are decoded by JSON.parse on the exact token. `path` names it in messages. */
  private parseString(path = ''): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    // a string is a number or a name: one past the bound is refused before the rest is read
    const last = Math.min(t.length, start + 2 + MAX_NUMBER_CHARS);
    for (; i < t.length; i++) {
      if (i >= last) this.fail(start, `${path ? `${path}: ` : ''}${tooLongToken('string')}`);
      const c = t.charCodeAt(i);
      if (c === 0x5c /* \ */) {
        escaped = true;
        i++;
      } else if (c === 0x22) break;
      else if (c < 0x20) this.fail(i, 'a control character inside a string (unterminated string?)');
    }
    if (i >= t.length) this.fail(start, 'unterminated string');
    this.pos = i + 1;
    if (!escaped) return t.slice(start + 1, i);
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch {
      return this.fail(start, 'invalid escape in string');
    }
  }

  /** A scalar token at pos: number, bare NaN/Infinity/-Infinity, true, false, null, or a string. */
  private parseScalar(path: string): JsonScalar {
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    if (c === 0x22) return this.parseString(path);
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
    if (isNumberChar(c) && i - start > MAX_NUMBER_CHARS) this.fail(start, `${path ? `${path}: ` : ''}${tooLongToken('number')}`);
    const token = t.slice(start, i);
    if (i < t.length && !isSpace(t.charCodeAt(i)) && !',]}:'.includes(t[i])) {
      this.fail(start, `${path ? `${path}: ` : ''}${this.found(start)} is not a number or JSON value`);
    }
    this.pos = i;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    const x = token === '' ? undefined : parseNumber(token);
    if (x === undefined) this.fail(start, `${path ? `${path}: ` : ''}${token === '' ? `unexpected ${this.found(start)}` : `${quote(token)} is not a number`}`);
    return x;
  }

  /** A value: an array becomes a tensor, anything else a scalar. `key` names it in messages. */
  private parseValue(key: string): BundleValue {
    if (this.text.charCodeAt(this.pos) === 0x5b /* [ */) return this.parseTensor(key);
    return this.parseScalar(key);
  }

  /**
   * Nested arrays at pos -> Tensor. counts[d] is the index of the next element at depth d; the shape is
   * fixed by the first array that closes at each depth, and every later one must match it.
   */
  private parseTensor(key: string): Tensor {
    const t = this.text;
    const values = new Float64Builder();
    const shape: (number | undefined)[] = [];
    const counts: number[] = [];
    let leafDepth = -1; // depth at which numbers stand, once seen
    const path = (upTo = counts.length) => {
      const shown = counts.slice(0, Math.min(upTo, 8)).map((n) => `[${n}]`).join('');
      return key + shown + (upTo > 8 ? `...(depth ${upTo})` : '');
    };
    const at = (offset: number, what: string): never => this.fail(offset, `${path()}: ${what}`);
    let depth = 0;
    let emptyOpen = false; // the array just opened has no element
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      const c = t.charCodeAt(start);
      if (c === 0x5b /* [ */) {
        if (leafDepth >= 0 && depth >= leafDepth) at(start, `expected a number, found an array (ragged nesting)`);
        if (depth >= MAX_RANK) at(start, `nested deeper than ${MAX_RANK} levels (a tensor has at most ${MAX_RANK} dimensions)`);
        this.pos++;
        counts.push(0);
        depth++;
        this.skipSpace();
        if (t.charCodeAt(this.pos) !== 0x5d /* ] */) continue;
        // an empty array: its ']' is handled below
        emptyOpen = true;
      } else if (c === 0x5d /* ] */) {
        at(start, `expected a value, found ']'`);
      } else {
        if (start >= t.length) this.fail(start, `${path()}: unexpected end of the input inside an array`);
        if (c === 0x7b) at(start, `expected a number, found an object`);
        const v = this.parseScalar(path());
        let x: number | undefined;
        if (typeof v === 'number') x = v;
        else if (typeof v === 'string') x = parseNumber(v);
        if (x === undefined) at(start, `expected a number, found ${typeof v === 'string' ? quote(v) : String(v)}`);
        if (leafDepth < 0) leafDepth = depth;
        else if (depth !== leafDepth) at(start, `expected an array, found a number (ragged nesting)`);
        values.push(x as number);
      }
      // after a value or an empty array's '[': ',' or ']' (possibly several ']')
      for (;;) {
        this.skipSpace();
        const d = t.charCodeAt(this.pos);
        if (d === 0x2c /* , */ && !emptyOpen) {
          counts[depth - 1]++;
          this.pos++;
          break;
        }
        if (d === 0x5d /* ] */) {
          const n = emptyOpen ? 0 : counts[depth - 1] + 1;
          emptyOpen = false;
          const level = depth - 1;
          if (shape[level] === undefined) shape[level] = n;
          else if (shape[level] !== n) {
            const plural = (k: number) => `${k} element${k === 1 ? '' : 's'}`;
            const here = level === 0 && key === '' ? 'the array' : path(level);
            this.fail(this.pos, `${here}: ragged array: it has ${plural(n)} where the arrays before it have ${shape[level]}`);
          }
          counts.pop();
          depth--;
          this.pos++;
          if (depth === 0) {
            const rank = leafDepth >= 0 ? leafDepth : shape.length;
            return { data: values.finish(), shape: shape.slice(0, rank) as number[] };
          }
          continue;
        }
        if (this.pos >= t.length) this.fail(this.pos, `${path()}: unexpected end of the input inside an array`);
        this.fail(this.pos, `${path()}: expected ',' or ']', found ${this.found(this.pos)}`);
      }
    }
  }
}
/** Parses a JSON document (tensor or bundle). `source` names the input in messages. */
export function parseJson(text: string, source: string): JsonDocument {
  return new Parser(text, source).parseDocument();
}
