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
import { parseNumber } from './number.js';
import { JsonTokenizer } from './json-token.js';
import type { JsonScalar } from './json-token.js';

export const MAX_RANK = 64;

export type { JsonScalar } from './json-token.js';
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

/** The whole-text parser: documents, bundles and nested tensors over the shared tokenizer (./json-token.ts). */
class Parser extends JsonTokenizer {
  constructor(text: string, source: string) {
    super(text, (offset, what) => {
      const { line, column } = lineColumn(text, offset);
      throw new InputError(`${source}:${line}:${column}`, what);
    });
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
      const key = this.string();
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

  /** A value: an array becomes a tensor, anything else a scalar. `key` names it in messages. */
  private parseValue(key: string): BundleValue {
    if (this.text.charCodeAt(this.pos) === 0x5b /* [ */) return this.parseTensor(key);
    return this.scalar(() => key);
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
      } else {
        const x = this.element(path);
        if (leafDepth < 0) leafDepth = depth;
        else if (depth !== leafDepth) at(start, `expected an array, found a number (ragged nesting)`);
        values.push(x);
      }
      // after a value or an empty array's '[': ',' or ']' (possibly several ']')
      for (;;) {
        const d = this.separator(path);
        if (d === 0x2c /* , */) {
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
      }
    }
  }
}
/** Parses a JSON document (tensor or bundle). `source` names the input in messages. */
export function parseJson(text: string, source: string): JsonDocument {
  return new Parser(text, source).parseDocument();
}
