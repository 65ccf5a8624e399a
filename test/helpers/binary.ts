/** Shared checks for the binary readers' tests (NPY, NPZ, safetensors) against fixtures/npy and fixtures/bad/binary. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Tensor } from '../../src/core/tensor.js';

export const GOOD = new URL('../../fixtures/npy/', import.meta.url);
export const BAD = new URL('../../fixtures/bad/binary/', import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expected = JSON.parse(readFileSync(new URL('expected.json', GOOD), 'utf8')) as Record<string, any>;

export type Want = { shape: number[]; values: (number | string)[] };

/** A number spelled so that equal spellings mean equal bits (but for NaN payloads): -0 and NaN included. */
export const bits = (v: number | string): string => (typeof v === 'string' ? v : Object.is(v, -0) ? '-0' : String(v));

/** Checks a tensor against an expected.json entry: shape, and every element with Object.is. */
export function expectTensor(t: Tensor, want: Want, name = ''): void {
  expect(t.data).toBeInstanceOf(Float64Array);
  expect(t.shape, name).toEqual(want.shape);
  expect(Array.from(t.data, bits), name).toEqual(want.values.map(bits));
  want.values.forEach((v, i) => expect(Object.is(t.data[i], typeof v === 'string' ? Number(v) : v)).toBe(true));
}

/** Checks a map of tensors against an expected.json entry (names, shapes, and values bit for bit). */
export function expectTensors(got: Map<string, Tensor>, want: Record<string, Want>): void {
  expect([...got.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [name, t] of got) expectTensor(t, want[name], name);
}

/** The InputError message a malformed file in fixtures/bad/binary gives; also checks it is one line and names the file first. */
export function failure(read: (bytes: Uint8Array, source: string) => unknown, name: string, dir = BAD): string {
  try {
    read(readFileSync(new URL(name, dir)), name);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message.startsWith(`${name}:`)).toBe(true);
    expect(message).not.toMatch(/[\r\n]/);
    return message;
  }
  throw new Error(`${name} was read without an error`);
}

/** Either consistent Tensors or an InputError: nothing else may come out of a reader. */
export function readsOrRefuses(read: () => Tensor | Map<string, Tensor>): void {
  let got: Tensor | Map<string, Tensor>;
  try {
    got = read();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    expect(err.message).not.toMatch(/[\r\n]/);
    return;
  }
  for (const t of got instanceof Map ? got.values() : [got]) {
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  }
}
