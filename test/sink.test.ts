import { describe, expect, it } from 'vitest';
import { CHUNK, chunkRows } from '../src/format/sink.js';

describe('chunkRows: the writers\' one sink', () => {
  it('yields the head and every row, in order', () => {
    expect([...chunkRows(3, (i) => `${i}\n`, 'n\n')].join('')).toBe('n\n0\n1\n2\n');
    expect([...chunkRows(0, () => 'never')]).toEqual(['']);
  });

  it('hands on a chunk as soon as it holds CHUNK characters, and the rest last', () => {
    const row = 'x'.repeat(1000);
    const count = 3 * Math.ceil(CHUNK / row.length) + 7;
    const chunks = [...chunkRows(count, () => row)];
    expect(chunks.join('')).toBe(row.repeat(count));
    const full = Math.ceil(CHUNK / row.length) * row.length;
    expect(chunks.map((c) => c.length)).toEqual([full, full, full, 7 * row.length]);
  });

  it('asks for each row once, in order', () => {
    const asked: number[] = [];
    [...chunkRows(5, (i) => (asked.push(i), ''))];
    expect(asked).toEqual([0, 1, 2, 3, 4]);
  });
});
