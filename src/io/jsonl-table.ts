/**
 * JSON Lines (.jsonl, .ndjson) read as a table (./table.ts): one object per line, read forward a window of the
 * file at a time, so memory does not depend on the file's size. A column is a field, nested objects giving
 * dotted names (`meta.weight`); a field holds a number, or an array of numbers that is one row of classes (a
 * list column, of the first row's length on every row). Fields not asked for are skipped, not converted.
 *
 * Values and their errors are those of the JSON reader (the shared tokenizer, ./json-token.ts): Python's bare
 * NaN and Infinity and numeric strings are numbers. Errors name the line, the column in it and the field.
 */
import { isUtf8 } from 'node:buffer';
import { InputError, quote } from '../errors.js';
import type { OpenFile } from './source.js';
import { JsonTokenizer } from './json-token.js';
import type { JsonPath } from './json-token.js';
import { ChunkedFile } from './chunked-file.js';
import { NOT_UTF8 } from './read-tensor.js';
import type { TableBatch, TableColumn, TableReader } from './table.js';

/** The longest line read (its bytes are held whole). */
export const MAX_LINE_BYTES = 64 * 2 ** 20;
/** How deep objects and arrays may nest in a line. */
const MAX_DEPTH = 64;

const OPEN_CLOSE: Record<number, number> = { 0x5b: 0x5d, 0x7b: 0x7d };

/** A growable Float64Array. */
class Values {
  data = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.data.length) {
      const more = new Float64Array(2 * this.n);
      more.set(this.data);
      this.data = more;
    }
    this.data[this.n++] = x;
  }
  take(): Float64Array {
    const out = this.data.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

/** A selected field: its column, and where its values go. */
interface Slot {
  readonly name: string;
  readonly width: number;
  readonly list: boolean;
  readonly values: Values;
  seen: boolean;
}

/** The tokenizer over one line, walking its object. */
class JsonLine extends JsonTokenizer {
  /** Calls `leaf(path)` at each field's value that is not an object (this.pos at the value). */
  object(prefix: string, leaf: (path: string) => void, depth = 1): void {
    const t = this.text;
    this.pos++; // {
    this.skipSpace();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== 0x22) this.fail(this.pos, `expected a field name in double quotes, found ${this.found(this.pos)}`);
      const key = this.string();
      const path = prefix === '' ? key : `${prefix}.${key}`;
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== 0x3a) this.fail(this.pos, `expected ':' after the field ${quote(path, 80, '"')}, found ${this.found(this.pos)}`);
      this.pos++;
      this.skipSpace();
      if (t.charCodeAt(this.pos) === 0x7b) {
        if (depth >= MAX_DEPTH) this.fail(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
        this.object(path, leaf, depth + 1);
      } else leaf(path);
      this.skipSpace();
      const c = t.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x2c) continue;
      if (c === 0x7d) return;
      this.fail(this.pos - 1, `expected ',' or '}' after the field ${quote(path, 80, '"')}, found ${this.found(this.pos - 1)}`);
    }
  }

  /** Skips a value, checking its brackets; returns an array's length, or -1 for anything else. */
  skip(): number {
    const t = this.text;
    const isArray = t.charCodeAt(this.pos) === 0x5b;
    const closers: number[] = [];
    let commas = 0;
    let items = false;
    do {
      this.skipSpace();
      if (this.pos >= t.length) this.fail(this.pos, 'unexpected end of the line inside a value');
      const c = t.charCodeAt(this.pos);
      if (c === 0x5b || c === 0x7b) {
        if (closers.length === 1) items = true;
        if (closers.length >= MAX_DEPTH) this.fail(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
        closers.push(OPEN_CLOSE[c]);
        this.pos++;
      } else if (c === 0x5d || c === 0x7d || c === 0x2c || c === 0x3a) {
        if (closers.length === 0 || ((c === 0x5d || c === 0x7d) && closers[closers.length - 1] !== c)) {
          this.fail(this.pos, `unexpected ${this.found(this.pos)}`);
        }
        if (c === 0x2c && closers.length === 1) commas++;
        if (c === 0x5d || c === 0x7d) closers.pop();
        this.pos++;
      } else {
        if (closers.length === 1) items = true;
        if (c === 0x22) this.string(() => '', Infinity);
        else this.scalar(() => '');
      }
    } while (closers.length > 0);
    return isArray ? (items ? commas + 1 : 0) : -1;
  }

  /** A selected field's value: a number, or an array of slot.width numbers for a list column. */
  capture(slot: Slot): void {
    const t = this.text;
    const { name, values } = slot;
    if (slot.seen) this.fail(this.pos, `the field ${quote(name, 80, '"')} appears twice`);
    slot.seen = true;
    const c = t.charCodeAt(this.pos);
    if (!slot.list) {
      if (c === 0x5b) this.fail(this.pos, `${name}: expected a number, found an array (the first row holds a number)`);
      values.push(this.element(() => name));
      return;
    }
    if (c !== 0x5b) this.fail(this.pos, `${name}: expected an array of ${slot.width} numbers (as in the first row), found ${this.found(this.pos)}`);
    this.pos++;
    this.skipSpace();
    let n = 0;
    const path: JsonPath = () => `${name}[${n}]`;
    if (t.charCodeAt(this.pos) === 0x5d) this.pos++;
    else {
      for (;;) {
        this.skipSpace();
        const d = t.charCodeAt(this.pos);
        if (d === 0x5b || d === 0x7b) this.fail(this.pos, `${path()}: expected a number, found ${this.found(this.pos)}`);
        if (n < slot.width) values.push(this.element(path));
        else this.element(path);
        n++;
        const s = this.separator(path);
        this.pos++;
        if (s === 0x5d) break;
      }
    }
    if (n !== slot.width) this.fail(this.pos - 1, `${name}: ${n} ${n === 1 ? 'value' : 'values'} where the first row has ${slot.width}`);
  }

  /** After the object: nothing but blanks on the line. */
  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(this.pos, `expected the end of the line after the object, found ${this.found(this.pos)}`);
  }
}

export class JsonlTable extends ChunkedFile implements TableReader {
  columns: TableColumn[] = [];
  /** physical lines consumed */
  private line = 0;
  private firstRow = 0;
  private slots: Slot[] | undefined;
  private closed = false;
  /** bytes consumed before buf[0] */
  private dropped = 0;
  /** lines of the window not yet read as rows */
  private pending: string[] = [];
  /** the names of the list columns */
  private readonly lists = new Set<string>();

  constructor(file: OpenFile, where: string, onBytes: (n: number) => void = () => {}) {
    super(file, where, file.size, onBytes);
  }

  /** A line's tokenizer, its errors naming `where:line:column`. */
  private tokens(text: string, line: number): JsonLine {
    const t = new JsonLine(text, (offset, what) => {
      throw new InputError(`${this.where}:${line}:${offset + 1}`, what);
    });
    t.skipSpace();
    if (t.pos < text.length && text.charCodeAt(t.pos) !== 0x7b) t.fail(t.pos, `expected an object, found ${t.found(t.pos)} (JSON Lines hold one object per line)`);
    return t;
  }

  /** The complete lines of the window, decoded (up to the last line end, or all at the end of the file). */
  private async window(): Promise<string | undefined> {
    for (;;) {
      const cut = this.eof ? this.len : this.len > 0 ? this.buf.lastIndexOf(0x0a, this.len - 1) + 1 : 0;
      if (cut > 0 || this.eof) {
        if (cut === 0) return undefined;
        const bytes = this.buf.subarray(0, cut);
        if (!isUtf8(bytes)) throw new InputError(this.where, NOT_UTF8);
        let text = bytes.toString('utf8');
        if (this.dropped === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this.buf.copyWithin(0, cut, this.len);
        this.len -= cut;
        this.dropped += cut;
        return text;
      }
      if (this.len > MAX_LINE_BYTES) throw new InputError(`${this.where}:${this.line + 1}`, `a line longer than ${MAX_LINE_BYTES / 2 ** 20} MiB`);
      await this.readMore();
    }
  }

  /** The next window's lines into `pending`; false at the end of the file. */
  private async refill(): Promise<boolean> {
    const text = await this.window();
    if (text === undefined) return false;
    this.pending = text.split('\n');
    if (this.pending[this.pending.length - 1] === '') this.pending.pop();
    return true;
  }

  /** Reads up to the first row, whose fields name the columns (a list's length is its width). */
  async start(): Promise<this> {
    for (;;) {
      if (this.pending.length === 0 && !(await this.refill())) throw new InputError(this.where, 'no rows: the JSON Lines file is empty');
      const first = this.pending[0];
      if (first.trim() !== '') {
        const t = this.tokens(first, this.line + 1);
        t.object('', (name) => {
          const width = t.skip();
          this.columns.push({ name, width: width < 0 ? 1 : width });
          if (width >= 0) this.lists.add(name);
        });
        t.end();
        return this;
      }
      this.pending.shift();
      this.line++;
    }
  }

  async next(indices: readonly number[]): Promise<TableBatch | undefined> {
    if (this.slots === undefined) {
      this.slots = [];
      for (const c of new Set(indices)) {
        const { name, width = 1 } = this.columns[c];
        this.slots.push({ name, width, list: this.lists.has(name), values: new Values(), seen: false });
      }
    }
    const byName = new Map(this.slots.map((s) => [s.name, s]));
    let rows = 0;
    while (rows === 0) {
      if (this.pending.length === 0 && !(await this.refill())) return undefined;
      for (const text of this.pending) {
        this.line++;
        if (text.trim() === '') continue;
        this.row(text, byName);
        rows++;
      }
      this.pending = [];
    }
    const got = new Map(this.slots.map((s) => [s.name, s.values.take()]));
    const values = indices.map((c) => got.get(this.columns[c].name) as Float64Array);
    const firstRow = this.firstRow;
    this.firstRow += rows;
    return { rows, firstRow, values };
  }

  /** One line's values into the slots. */
  private row(text: string, byName: Map<string, Slot>): void {
    const t = this.tokens(text, this.line);
    for (const s of byName.values()) s.seen = false;
    t.object('', (name) => {
      const slot = byName.get(name);
      if (slot === undefined) t.skip();
      else t.capture(slot);
    });
    t.end();
    for (const s of byName.values()) {
      if (!s.seen) throw new InputError(`${this.where}:${this.line}`, `no field ${quote(s.name, 80, '"')} (the first row has it)`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}
