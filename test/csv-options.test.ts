/** The CSV dialect flags and the engine choice, from argv to what the readers receive. */
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/program.js';

const parsed = (...argv: string[]) => parseArgv(argv);
const read = (...argv: string[]) => {
  const inv = parsed(...argv);
  if (inv.kind !== 'compute' && inv.kind !== 'verify') throw new Error(JSON.stringify(inv));
  return inv.options.read;
};

describe('CSV flags', () => {
  it('--header, --no-header, --delimiter, --csv-engine reach ReadOptions.csv', () => {
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--header')).toEqual({ csv: { header: true } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--no-header')).toEqual({ csv: { header: false } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--delimiter', 'tab')).toEqual({ csv: { delimiter: '\t' } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--delimiter', '\\t')).toEqual({ csv: { delimiter: '\t' } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--delimiter', ';')).toEqual({ csv: { delimiter: ';' } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--delimiter', 'space')).toEqual({ csv: { delimiter: ' ' } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--delimiter', 'whitespace')).toEqual({ csv: { delimiter: 'whitespace' } });
    expect(read('-l', 'x.csv', '-t', 'y.csv', '--csv-engine', 'csv-parse')).toEqual({ csv: { engine: 'csv-parse' } });
    expect(read('verify', '-l', 'x.csv', '-t', 'y.csv', '--expected-loss', '1', '--no-header', '--delimiter', ',')).toEqual({
      csv: { header: false, delimiter: ',' },
    });
    expect(read('-l', 'x.csv', '-t', 'y.csv')).toEqual({});
  });
  it('refuses other values, exit 2 with one line', () => {
    for (const argv of [['--delimiter', '|'], ['--delimiter', ''], ['--csv-engine', 'pandas']]) {
      const inv = parsed('-l', 'x.csv', '-t', 'y.csv', ...argv);
      expect(inv.kind).toBe('exit');
      if (inv.kind === 'exit') {
        expect(inv.code).toBe(2);
        expect(inv.stderr).toMatch(argv[0] === '--delimiter' ? /^bce: --delimiter: expected one of/ : /csv-engine/);
      }
    }
  });
  it('-q, --quiet', () => {
    const inv = parsed('-l', 'x.csv', '-t', 'y.csv', '-q');
    expect(inv.kind === 'compute' && inv.options.quiet).toBe(true);
  });
});
