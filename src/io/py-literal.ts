/**
 * A strict parser for the Python literals a .npy header holds (never eval): dicts, tuples, lists, strings,
 * integers, floats, True, False and None, and Python's repr of them for messages.
 *
 * Grammar (a subset of Python's literal syntax, as numpy's `ast.literal_eval` reads its headers):
 *
 *   value    := dict | tuple | list | string | number | True | False | None
 *   dict     := '{' [value ':' value (',' value ':' value)* [',']] '}'
 *   tuple    := '(' ')' | '(' value ',' ')' | '(' value (',' value)+ [','] ')'   ('(' value ')' is the value)
 *   list     := '[' [value (',' value)* [',']] ']'
 *   string   := quote chars quote, a backslash taking the next character literally
 *   number   := [+-] digits [. digits] [e [+-] digits] [L]   (the L of Python 2 longs, as numpy accepts)
 */
import { quote } from '../errors.js';

/** A parsed Python literal (only the kinds a .npy header can hold). */
export type PyValue =
  | { readonly type: 'str'; readonly value: string }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'float'; readonly text: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'none' }
  | { readonly type: 'tuple' | 'list'; readonly items: readonly PyValue[] }
  /** each entry: key, value, and the key's character offset */
  | { readonly type: 'dict'; readonly entries: readonly (readonly [PyValue, PyValue, number])[] };

export type PyDict = Extract<PyValue, { type: 'dict' }>;

/** Throws the caller's error for `what` at character offset `at`. */
export type PyFail = (what: string, at: number) => never;

/** Nesting deeper than this is not a numpy header; the limit keeps the recursion shallow. */
const MAX_DEPTH = 16;

/** Text taken from a file, made safe for a one-line message: printable, quoted as Python would, cut after `max`. */
export function show(text: string, max = 40): string {
  return quote(text, max);
}

class PyParser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly failAt: PyFail,
  ) {}

  fail(what: string, at = this.pos): never {
    return this.failAt(what, at);
  }

  found(): string {
    return this.pos >= this.text.length ? 'the end of the header' : show(this.text.slice(this.pos, this.pos + 10));
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length && /[ \t\r\n]/.test(t[this.pos])) this.pos++;
  }

  private expect(c: string, context: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) this.fail(`expected '${c}' ${context}, found ${this.found()}`);
    this.pos++;
  }

  value(depth: number): PyValue {
    this.skipSpace();
    if (depth > MAX_DEPTH) this.fail('values nested too deeply');
    const c = this.text[this.pos];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(depth);
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[0-9+-]/.test(c)) return this.number();
    if (c !== undefined && /[A-Za-z_]/.test(c)) return this.name();
    return this.fail(`expected a value, found ${this.found()}`);
  }

  dict(depth: number): PyDict {
    const t = this.text;
    this.pos++;
    const entries: [PyValue, PyValue, number][] = [];
    for (;;) {
      this.skipSpace();
      if (t[this.pos] === '}') break;
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      this.expect(':', 'after a dict key');
      entries.push([key, this.value(depth + 1), keyAt]);
      this.skipSpace();
      if (t[this.pos] === ',') {
        this.pos++;
        continue;
      }
      if (t[this.pos] !== '}') this.fail(`expected ',' or '}' in the dict, found ${this.found()}`);
    }
    this.pos++;
    return { type: 'dict', entries };
  }

  private sequence(depth: number): PyValue {
    const t = this.text;
    const open = t[this.pos];
    const close = open === '(' ? ')' : ']';
    this.pos++;
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      this.skipSpace();
      if (t[this.pos] === close) break;
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (t[this.pos] === ',') {
        this.pos++;
        comma = true;
        continue;
      }
      if (t[this.pos] !== close) this.fail(`expected ',' or '${close}', found ${this.found()}`);
    }
    this.pos++;
    if (open === '(' && items.length === 1 && !comma) return items[0];
    return { type: open === '(' ? 'tuple' : 'list', items };
  }

  private string(): PyValue {
    const t = this.text;
    const q = t[this.pos];
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = t[this.pos];
      if (c === undefined || c === '\n') this.fail('string never closed', start);
      this.pos++;
      if (c === q) break;
      if (c === '\\' && this.pos < t.length) {
        out += t[this.pos];
        this.pos++;
      } else {
        out += c;
      }
    }
    return { type: 'str', value: out };
  }

  private number(): PyValue {
    const m = /^[+-]?[ \t]*(\d+)(\.\d*)?([eE][+-]?\d+)?L?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null) return this.fail(`expected a number, found ${this.found()}`);
    this.pos += m[0].length;
    const literal = m[0].replace(/[ \tL]/g, '');
    if (m[2] !== undefined || m[3] !== undefined) return { type: 'float', text: literal };
    return { type: 'int', value: BigInt(literal.replace(/^\+/, '')) };
  }

  // name := True | False | None
  private name(): PyValue {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 100)) as RegExpExecArray;
    const word = m[0];
    if (word === 'True' || word === 'False') {
      this.pos += word.length;
      return { type: 'bool', value: word === 'True' };
    }
    if (word === 'None') {
      this.pos += word.length;
      return { type: 'none' };
    }
    return this.fail(`expected a value, found the name ${show(word)}`);
  }
}

/**
 * The text as one dict literal followed only by whitespace (numpy pads its header with spaces and ends it with
 * '\n'). `like` shows the dict expected, for the message when the text does not begin with one.
 */
export function parsePyDict(text: string, fail: PyFail, like: string): PyDict {
  const p = new PyParser(text, fail);
  p.skipSpace();
  if (text[p.pos] !== '{') p.fail(`expected a dict like ${like}, found ${p.found()}`);
  const top = p.dict(0);
  p.skipSpace();
  if (p.pos < text.length) p.fail(`unexpected text after the dict: ${p.found()}`);
  return top;
}

/** Python's repr of a parsed value, cut to about 60 characters for messages. */
export function repr(v: PyValue): string {
  const full = reprFull(v);
  return full.length > 60 ? `${full.slice(0, 60)}...` : full;
}

function reprFull(v: PyValue): string {
  switch (v.type) {
    case 'str':
      return show(v.value);
    case 'int':
      return String(v.value);
    case 'float':
      return v.text;
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return v.items.length === 1 ? `(${reprFull(v.items[0])},)` : `(${v.items.map(reprFull).join(', ')})`;
    case 'list':
      return `[${v.items.map(reprFull).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${reprFull(k)}: ${reprFull(x)}`).join(', ')}}`;
  }
}
