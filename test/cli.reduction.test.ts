/**
 * The reduction rules run at most once per command: with the options when a reduction flag is given,
 * else on the bundle's fields; the streaming path and its fallback to the in-memory one share the result.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runBce } from './helpers/run.js';
import { resolveReduction } from '../src/core/reduction.js';

vi.mock('../src/core/reduction.js', async (original) => {
  const real = await original<typeof import('../src/core/reduction.js')>();
  return { ...real, resolveReduction: vi.fn(real.resolveReduction) };
});

const ex = 'fixtures/examples';
const calls = () => vi.mocked(resolveReduction).mock.calls.length;
beforeEach(() => vi.mocked(resolveReduction).mockClear());

describe('resolveReduction runs at most once per command', () => {
  it.each([
    ['streamed, a flag', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '-r', 'sum'], 1],
    ['streamed, a legacy flag', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '--size-average', 'false'], 1],
    ['streamed, no flag (the default)', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`], 0],
    ['not streamable after all (csv-parse), a flag', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '--csv-engine', 'csv-parse', '--reduce', 'false'], 1],
    ['not streamable after all (csv-parse), no flag', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '--csv-engine', 'csv-parse'], 1],
    ['in memory, gradients', ['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '-g', '-r', 'elementwise_mean'], 1],
    ['a bundle', [`${ex}/seed.json`], 1],
    ['a bundle and a flag', [`${ex}/seed.json`, '-r', 'none'], 1],
    ['explain', ['explain', `${ex}/seed.json`, '--reduce', 'false'], 1],
    ['verify', ['verify', `${ex}/seed.json`, '--expected-loss', '0.5', '-q'], 1],
  ])('%s', async (_, argv, expected) => {
    const r = await runBce(argv as string[]);
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    expect(calls()).toBe(expected);
  });

  it('a deprecation warning is given once', async () => {
    const r = await runBce(['-l', `${ex}/logits.csv`, '-t', `${ex}/targets.csv`, '--size-average', 'false']);
    expect(r.stderr).toBe(
      "bce: warning: size_average and reduce args will be deprecated, please use reduction='sum' instead.\n",
    );
  });
});
