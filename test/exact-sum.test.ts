/** ExactSum: sums whose exact values are known by hand, rounded once, to nearest with ties to even. */
import { describe, expect, it } from 'vitest';
import { ExactSum } from '../src/core/exact-sum.js';

const sum = (xs: number[], scale = 0) => {
  const s = new ExactSum();
  for (const x of xs) s.add(x, scale);
  return s;
};

describe('ExactSum', () => {
  it('cancellation that a plain sum loses', () => {
    expect(sum([1, 1e-30, -1]).value()).toBe(1e-30);
    expect(sum([1e308, 1e308, -1e308]).value()).toBe(1e308);
    expect(sum([0.1, 0.2, -0.3]).value()).toBe(2.7755575615628914e-17); // 0.1 + 0.2 - 0.3 in exact binary
  });

  it('ties go to even; anything past the tie rounds up', () => {
    expect(sum([2 ** 53, 1]).value()).toBe(2 ** 53);
    expect(sum([2 ** 53, 3]).value()).toBe(2 ** 53 + 4);
    expect(sum([2 ** 53, 1, 2 ** -1000]).value()).toBe(2 ** 53 + 2);
    expect(sum([-(2 ** 53), -1, -(2 ** -1000)]).value()).toBe(-(2 ** 53 + 2));
  });

  it('subnormals add exactly; beyond the largest double is infinite', () => {
    expect(sum([5e-324, 5e-324]).value()).toBe(1e-323);
    expect(sum([2 ** -1022, -5e-324]).value()).toBe(2 ** -1022 - 2 ** -1074);
    expect(sum([1.7976931348623157e308, 1.7976931348623157e308]).value()).toBe(Infinity);
    expect(sum([1.7976931348623157e308, 1.7976931348623157e308]).value(-64)).toBe(1.7976931348623157e308 * 2 ** -63);
  });

  it('scaled terms, the pair of the rounded sum and its rest, and non-finite terms', () => {
    expect(sum([3], 64).value()).toBe(3 * 2 ** 64);
    expect(sum([2 ** 53, 1, 2 ** -1000]).pair()).toEqual([2 ** 53 + 2, -1 + 2 ** -1000]);
    expect(sum([1, 2 ** -80]).pair()).toEqual([1, 2 ** -80]);
    expect(sum([1, NaN]).value()).toBeNaN();
    expect(sum([Infinity, 1]).value()).toBe(Infinity);
    expect(sum([Infinity, -Infinity]).value()).toBeNaN();
    expect(sum([]).value()).toBe(0);
  });
});
