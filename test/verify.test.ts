/**
 * `bce verify`'s pure core against real PyTorch: every case of fixtures/verify/assert_close.json (verdict,
 * counts, maxima, indices and message lines), torch's dtype rounding bit for bit, Python's float repr, and
 * snapshots of both reports. The fixtures are made by fixtures/verify/generate.py (see its README).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import {
  assertCloseLines,
  formatVerifyJson,
  formatVerifyText,
  pyPercent,
  pyRepr,
  pyTuple,
} from '../src/format/verify-report.js';
import type { Tensor } from '../src/core/tensor.js';
import { tensor } from '../src/core/tensor.js';
import type { Comparison, Dtype } from '../src/core/verify.js';
import {
  DEFAULT_TOLERANCES,
  allPass,
  compareTensors,
  isClose,
  resolveTolerances,
  roundToDtype,
  toBFloat16,
  toFloat16,
} from '../src/core/verify.js';
import { unravelIndex } from '../src/core/tensor.js';

// ------------------------------------------------------------------------------------------------
// Fixture loading
// ------------------------------------------------------------------------------------------------

type Num = number | 'NaN' | 'Infinity' | '-Infinity';

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/verify/${name}`, import.meta.url), 'utf8')) as T;
}

/** The fixtures write non-finite numbers as strings. */
function num(x: Num): number {
  if (typeof x === 'number') return x;
  return x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : -Infinity;
}

interface StoredTensor {
  shape: number[];
  data?: Num[];
  /** The name of a shared tensor under "tensors", optionally patched with [flat index, value] pairs. */
  ref?: string;
  patch?: [number, Num][];
}

interface OracleCase {
  id: string;
  actual: StoredTensor;
  expected: StoredTensor;
  rtol: number;
  atol: number;
  equal_nan: boolean;
  pass: boolean;
  message: string | null;
  facts?: {
    kind: 'shape' | 'scalar' | 'tensor';
    mismatched?: number;
    total?: number;
    absolute?: { value: Num; index: number[] | null };
    relative?: { value: Num; index: number[] | null };
  };
  expected_line?: string;
}

const oracle = readFixture<{ torch: string; tensors: Record<string, StoredTensor>; cases: OracleCase[] }>(
  'assert_close.json',
);

function load(t: StoredTensor): Tensor {
  let data: Float64Array;
  if (t.ref !== undefined) {
    data = Float64Array.from(oracle.tensors[t.ref].data!, num);
    for (const [i, v] of t.patch ?? []) data[i] = num(v);
  } else {
    data = Float64Array.from(t.data!, num);
  }
  return tensor(data, t.shape);
}

function compareCase(k: OracleCase): Comparison {
  return compareTensors('x', load(k.actual), load(k.expected), { rtol: k.rtol, atol: k.atol, equalNan: k.equal_nan });
}

// ------------------------------------------------------------------------------------------------
// compareTensors against torch.testing.assert_close
// ------------------------------------------------------------------------------------------------

describe('compareTensors mirrors torch.testing.assert_close', () => {
  it('has a good number of oracle cases, of every kind', () => {
    expect(oracle.cases.length).toBeGreaterThan(350);
    const kinds = new Set(oracle.cases.map((k) => k.facts?.kind ?? 'pass'));
    expect([...kinds].sort()).toEqual(['pass', 'scalar', 'shape', 'tensor']);
  });

  it.each(oracle.cases.map((k) => [k.id, k] as const))('%s', (_id, k) => {
    const c = compareCase(k);
    expect(c.pass).toBe(k.pass);
    if (k.pass) {
      expect(assertCloseLines(c)).toEqual([]);
      return;
    }
    const facts = k.facts!;
    expect(c.kind).toBe(facts.kind);
    if (c.kind !== 'shape') {
      if (c.kind === 'tensor') {
        expect(c.mismatched).toBe(facts.mismatched);
        expect(c.total).toBe(facts.total);
      }
      // Object.is semantics: NaN equals NaN here, as the facts need.
      expect(c.absolute!.value).toBe(num(facts.absolute!.value));
      expect(c.absolute!.index).toEqual(facts.absolute!.index);
      expect(c.relative!.value).toBe(num(facts.relative!.value));
      expect(c.relative!.index).toEqual(facts.relative!.index);
    }
    // The message, line for line. PyTorch 1.13 has no "Expected ... but got ..." line (2.x added it);
    // it is checked against Python's own formatting of the two values instead.
    const lines = assertCloseLines(c);
    const expectedLine = lines.findIndex((l) => l.startsWith('Expected '));
    if (c.kind === 'scalar') {
      expect(expectedLine).toBe(2);
      expect(lines[expectedLine]).toBe(k.expected_line);
      lines.splice(expectedLine, 1);
    } else {
      expect(expectedLine).toBe(-1);
    }
    expect(lines).toEqual(k.message!.split('\n'));
  });

  it('takes the maxima over mismatched elements only', () => {
    // Element 0 differs by 0.5 but is within rtol * 1000 = 1; element 1 differs by 0.01 and is the only mismatch.
    const c = compareTensors('x', tensor([1000.5, 0.01]), tensor([1000, 0]), { rtol: 1e-3, atol: 0, equalNan: false });
    expect(c.kind === 'tensor' && [c.mismatched, c.absolute!.value, c.absolute!.index]).toEqual([1, 0.01, [1]]);
  });

  it('compares the dumped value against the expected one, relative to the expected', () => {
    // |0.6 - 0.5| / 0.5, not / 0.6.
    const c = compareTensors('loss', tensor([0.6], []), tensor([0.5], []), { rtol: 0, atol: 0, equalNan: false });
    expect(c.kind === 'scalar' && c.relative!.value).toBe(Math.abs(0.6 - 0.5) / 0.5);
  });

  it('isClose follows torch.isclose', () => {
    const t = { rtol: 1e-3, atol: 0, equalNan: false };
    expect(isClose(Infinity, Infinity, t)).toBe(true);
    expect(isClose(-Infinity, Infinity, t)).toBe(false);
    expect(isClose(NaN, NaN, t)).toBe(false);
    expect(isClose(NaN, NaN, { ...t, equalNan: true })).toBe(true);
    expect(isClose(-0, 0, { rtol: 0, atol: 0, equalNan: false })).toBe(true);
    expect(isClose(1.001, 1, t)).toBe(true);
  });

  it('unravels flat indices row-major', () => {
    expect(unravelIndex(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(unravelIndex(5, [6])).toEqual([5]);
    expect(unravelIndex(0, [])).toEqual([]);
    expect(pyTuple([5])).toBe('(5,)');
    expect(pyTuple([1, 2])).toBe('(1, 2)');
  });

  it('allPass is the verdict', () => {
    const tol = { rtol: 0, atol: 0, equalNan: false };
    expect(allPass([compareTensors('a', tensor([1]), tensor([1]), tol)])).toBe(true);
    expect(allPass([compareTensors('a', tensor([1]), tensor([2]), tol)])).toBe(false);
    expect(allPass([])).toBe(true);
  });
});

describe('tolerances', () => {
  it('are assert_close defaults by dtype', () => {
    expect(DEFAULT_TOLERANCES).toEqual({
      float16: { rtol: 1e-3, atol: 1e-5 },
      bfloat16: { rtol: 1.6e-2, atol: 1e-5 },
      float32: { rtol: 1.3e-6, atol: 1e-5 },
      float64: { rtol: 1e-7, atol: 1e-7 },
    });
    expect(resolveTolerances('float32')).toEqual({ rtol: 1.3e-6, atol: 1e-5 });
    expect(resolveTolerances('float16', 0, 0)).toEqual({ rtol: 0, atol: 0 });
  });

  it('need both overrides or neither, and no negative value', () => {
    expect(() => resolveTolerances('float32', 1e-3)).toThrow(UsageError);
    expect(() => resolveTolerances('float32', 1e-3)).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --rtol needs --atol too: give both tolerances or neither, as torch.testing.assert_close requires]`,
    );
    expect(() => resolveTolerances('float32', undefined, 0)).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --atol needs --rtol too: give both tolerances or neither, as torch.testing.assert_close requires]`,
    );
    expect(() => resolveTolerances('float32', -1, 0)).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --rtol must be a number >= 0, got -1]`,
    );
    expect(() => resolveTolerances('float32', 0, NaN)).toThrow(UsageError);
  });
});

// ------------------------------------------------------------------------------------------------
// roundToDtype against torch's .to(dtype).to(float64)
// ------------------------------------------------------------------------------------------------

describe('roundToDtype matches torch bit for bit', () => {
  const r = readFixture<Record<'values' | Dtype, Num[]>>('rounding.json');
  const values = Float64Array.from(r.values, num);

  it.each(['float16', 'bfloat16', 'float32'] as const)('%s', (dtype) => {
    const want = r[dtype].map(num);
    const got = roundToDtype(values, dtype);
    const wrong: string[] = [];
    for (let i = 0; i < values.length; i++) {
      // Object.is: -0 differs from 0, NaN equals NaN.
      if (!Object.is(got[i], want[i])) wrong.push(`${values[i]} -> ${got[i]}, torch ${want[i]}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(values.length).toBeGreaterThan(3000);
  });

  it('rounds float64 -> float16 through float32, as torch does', () => {
    // 1 + 2^-11 + 2^-40 is just above the tie between 1 and 1 + 2^-10; float32 rounds it onto the tie.
    expect(toFloat16(1 + 2 ** -11 + 2 ** -40)).toBe(1);
    expect(toBFloat16(1 + 2 ** -8 + 2 ** -40)).toBe(1);
    expect(toFloat16(65519)).toBe(65504);
    expect(toFloat16(65520)).toBe(Infinity);
    expect(toFloat16(-(2 ** -25))).toBe(-0);
    expect(toFloat16(3 * 2 ** -25)).toBe(2 ** -23);
  });

  it('float64 is the identity', () => {
    expect(roundToDtype(values, 'float64')).toBe(values);
  });

  it('is idempotent and monotonic', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        for (const f of [toFloat16, toBFloat16]) {
          if (!Object.is(f(f(a)), f(a))) return false;
          if (f(lo) > f(hi)) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Python formatting
// ------------------------------------------------------------------------------------------------

describe('pyRepr and pyPercent match Python', () => {
  const p = readFixture<{ reprs: { value: Num; repr: string }[]; percents: { m: number; n: number; text: string }[] }>(
    'pyrepr.json',
  );

  it('repr of floats', () => {
    const wrong = p.reprs.filter((k) => pyRepr(num(k.value)) !== k.repr).map((k) => `${k.repr} -> ${pyRepr(num(k.value))}`);
    expect(wrong).toEqual([]);
    expect(p.reprs.length).toBeGreaterThan(400);
  });

  it('f"{m / n:.1%}"', () => {
    const wrong = p.percents.filter((k) => `${pyPercent(k.m, k.n)}%` !== k.text);
    expect(wrong).toEqual([]);
    expect(pyPercent(1, 16)).toBe('6.2'); // 6.25: ties go to even, not up as in toFixed
  });

  it('a few by hand', () => {
    expect([1e-5, 1.3e-6, 0.0123, 1e16, 1e15, 100, -0, 5e-324].map(pyRepr)).toEqual([
      '1e-05',
      '1.3e-06',
      '0.0123',
      '1e+16',
      '1000000000000000.0',
      '100.0',
      '-0.0',
      '5e-324',
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
// The reports
// ------------------------------------------------------------------------------------------------

describe('reports', () => {
  const f32 = { ...DEFAULT_TOLERANCES.float32, equalNan: false };
  const comparisons = [
    compareTensors('loss', tensor([0.5147275], []), tensor([0.5147275127162853], []), f32),
    compareTensors(
      'grad',
      tensor([0.5, -1.2, 3.0123, 1.5, 2.0, -0.4544], [2, 3]),
      tensor([0.5, -1.2, 3.0, 1.5, 2.0, -0.5], [2, 3]),
      f32,
    ),
    compareTensors('grad_targets', tensor([1, 2, 3], [3]), tensor([1, 2, 3], [1, 3]), f32),
  ];
  const meta = { dtype: 'float32' as const, ...DEFAULT_TOLERANCES.float32, equalNan: false, skipped: [] };

  it('text', () => {
    expect(formatVerifyText(comparisons, meta)).toMatchInlineSnapshot(`
      "bce verify: dtype float32 (inputs rounded to float32), rtol 1.3e-06, atol 1e-05 (defaults)
        loss          pass  scalar
        grad          FAIL  [2, 3]
            Tensor-likes are not close!

            Mismatched elements: 2 / 6 (33.3%)
            Greatest absolute difference: 0.045599999999999974 at index (1, 2) (up to 1e-05 allowed)
            Greatest relative difference: 0.09119999999999995 at index (1, 2) (up to 1.3e-06 allowed)
        grad_targets  FAIL  shape mismatch
            The values for attribute 'shape' do not match: torch.Size([3]) != torch.Size([1, 3]).
      2 of 3 are not within tolerance
      "
    `);
  });

  it('text for a failed scalar and skipped quantities, with colour', () => {
    const paint = { ok: (s: string) => `<ok>${s}</ok>`, bad: (s: string) => `<bad>${s}</bad>` };
    const tol = { rtol: 0, atol: 0, equalNan: true };
    const cs = [compareTensors('loss', tensor([0.6], []), tensor([0.5], []), tol)];
    const m = { dtype: 'float64' as const, rtol: 0, atol: 0, equalNan: true, customTolerances: true, skipped: ['grad', 'grad_targets'] };
    expect(formatVerifyText(cs, m, paint)).toMatchInlineSnapshot(`
      "bce verify: dtype float64, rtol 0.0, atol 0.0, NaN equals NaN
        loss          <bad>FAIL</bad>  scalar
            Scalars are not equal!

            Expected 0.5 but got 0.6.
            Absolute difference: 0.09999999999999998
            Relative difference: 0.19999999999999996
        grad          -     not given
        grad_targets  -     not given
      <bad>1 of 1 is not within tolerance</bad>
      "
    `);
  });

  it('text when everything passes', () => {
    const ok = compareTensors('loss', tensor([1], []), tensor([1], []), f32);
    expect(formatVerifyText([ok], meta)).toMatchInlineSnapshot(`
      "bce verify: dtype float32 (inputs rounded to float32), rtol 1.3e-06, atol 1e-05 (defaults)
        loss  pass  scalar
      all 1 within tolerance
      "
    `);
  });

  it('json', () => {
    const nanCase = compareTensors('grad', tensor([NaN, Infinity]), tensor([1, 1]), f32);
    expect(formatVerifyJson([...comparisons, nanCase], meta)).toMatchInlineSnapshot(`
      "{
        "pass": false,
        "dtype": "float32",
        "rtol": 0.0000013,
        "atol": 0.00001,
        "equal_nan": false,
        "custom_tolerances": false,
        "results": [
          {
            "name": "loss",
            "pass": true,
            "kind": "scalar",
            "shape": [],
            "expected": 0.5147275127162853,
            "got": 0.5147275,
            "mismatched": 0,
            "total": 1,
            "absolute_difference": null,
            "relative_difference": null,
            "message": null
          },
          {
            "name": "grad",
            "pass": false,
            "kind": "tensor",
            "shape": [2, 3],
            "mismatched": 2,
            "total": 6,
            "greatest_absolute_difference": {
              "value": 0.045599999999999974,
              "index": [1, 2],
              "allowed": 0.00001
            },
            "greatest_relative_difference": {
              "value": 0.09119999999999995,
              "index": [1, 2],
              "allowed": 0.0000013
            },
            "message": "Tensor-likes are not close!\\n\\nMismatched elements: 2 / 6 (33.3%)\\nGreatest absolute difference: 0.045599999999999974 at index (1, 2) (up to 1e-05 allowed)\\nGreatest relative difference: 0.09119999999999995 at index (1, 2) (up to 1.3e-06 allowed)"
          },
          {
            "name": "grad_targets",
            "pass": false,
            "kind": "shape",
            "got_shape": [3],
            "expected_shape": [1, 3],
            "message": "The values for attribute 'shape' do not match: torch.Size([3]) != torch.Size([1, 3])."
          },
          {
            "name": "grad",
            "pass": false,
            "kind": "tensor",
            "shape": [2],
            "mismatched": 2,
            "total": 2,
            "greatest_absolute_difference": {
              "value": "NaN",
              "index": [0],
              "allowed": 0.00001
            },
            "greatest_relative_difference": {
              "value": "NaN",
              "index": [0],
              "allowed": 0.0000013
            },
            "message": "Tensor-likes are not close!\\n\\nMismatched elements: 2 / 2 (100.0%)\\nGreatest absolute difference: nan at index (0,) (up to 1e-05 allowed)\\nGreatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)"
          }
        ],
        "skipped": []
      }
      "
    `);
    const doc = JSON.parse(formatVerifyJson(comparisons, meta)) as { pass: boolean; results: { message: string }[] };
    expect(doc.pass).toBe(false);
    expect(doc.results[1].message).toBe(assertCloseLines(comparisons[1]).join('\n'));
  });
});

// ------------------------------------------------------------------------------------------------
// The genuine dumps (run end to end by the CLI tests); here only what this module can check.
// ------------------------------------------------------------------------------------------------

describe('genuine dumps', () => {
  const manifest = readFixture<{ dumps: { file: string; dtype: Dtype }[] }>('dumps.json');

  it.each(manifest.dumps.map((d) => [d.file, d] as const))('%s holds values already in its dtype', (_f, d) => {
    const bundle = readFixture<Record<string, unknown>>(d.file);
    expect(bundle.dtype).toBe(d.dtype);
    for (const key of ['logits', 'targets', 'weight', 'pos_weight', 'loss', 'grad', 'grad_targets']) {
      if (bundle[key] === undefined) continue;
      const flat = Float64Array.from([bundle[key]].flat(Infinity) as number[]);
      expect(Array.from(roundToDtype(flat, d.dtype))).toEqual(Array.from(flat));
    }
  });
});
