/** The progress bar: only on a terminal, only after ~2 s, never with --quiet, cleared at the end. */
import { describe, expect, it } from 'vitest';
import { Progress, progressLine } from '../src/format/progress.js';
import { readTensor } from '../src/io/read-tensor.js';
import type { Io } from '../src/io/source.js';

function fakeIo(tty: boolean): { io: Io; out: string[] } {
  const out: string[] = [];
  const io = { stderrIsTTY: tty, writeStderr: (t: string) => out.push(t) } as unknown as Io;
  return { io, out };
}

describe('progress bar', () => {
  it('shows bytes, percent and rate after 2 s, and clears itself', () => {
    let t = 0;
    const { io, out } = fakeIo(true);
    const p = new Progress(io, 1e9, true, () => t);
    p.add(1e8);
    expect(out).toEqual([]);
    t = 2500;
    p.add(4e8);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\r\[#+\.+\] 50% 500 MB \/ 1\.0 GB 200 MB\/s/);
    p.add(1); // redrawn at most every 100 ms
    expect(out).toHaveLength(1);
    p.finish();
    expect(out[1]).toMatch(/^\r +\r$/);
  });
  it('never in a pipe, never with --quiet, nothing to clear for short reads', () => {
    for (const [tty, wanted] of [[false, true], [true, false]]) {
      let t = 0;
      const { io, out } = fakeIo(tty);
      const p = new Progress(io, 100, wanted, () => t);
      t = 5000;
      p.add(50);
      p.finish();
      expect(out).toEqual([]);
    }
  });
  it('line', () => {
    expect(progressLine(0, 0, 0)).toContain('100%');
    expect(progressLine(25, 100, 1000)).toBe('[######..................] 25% 25 B / 100 B 25 B/s');
  });
});

describe('bars for reads in memory', () => {
  it('a reader reports to the callback in its ReadOptions: the total, every byte, then the end', async () => {
    const bytes = new TextEncoder().encode(`${'1,2,3\n'.repeat(300_000)}`);
    const calls: string[] = [];
    let added = 0;
    const progress = (total: number) => {
      calls.push(`start ${total}`);
      return { add: (n: number) => void (added += n), finish: () => void calls.push('finish') };
    };
    const t = await readTensor({ name: 'x.csv', bytes }, { progress });
    expect(t.shape).toEqual([300_000, 3]);
    expect(calls).toEqual([`start ${bytes.length}`, 'finish']);
    expect(added).toBe(bytes.length);
  });
  it('ends the bar when the read fails', async () => {
    const calls: string[] = [];
    const progress = () => ({ add: () => undefined, finish: () => void calls.push('finish') });
    await expect(readTensor({ name: 'x.csv', bytes: new TextEncoder().encode('1,2\n3,x\n') }, { progress })).rejects.toThrow('x.csv:2:3');
    expect(calls).toEqual(['finish']);
  });
});
