/** Seeded numbers, and numeric CSV text for the tests of the CSV scanner. */

/** A seeded generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A numeric CSV of `lines` lines of `cols` cells (numbers of several spellings), as lines without their ends. */
export function table(lines: number, cols: number, seed: number): string[] {
  const r = rng(seed);
  const cell = () => {
    const k = r();
    if (k < 0.4) return String((r() - 0.5) * 30);
    if (k < 0.7) return (r() * 10).toFixed(6);
    if (k < 0.8) return r() < 0.5 ? '0' : '1';
    if (k < 0.9) return `${(r() * 9).toFixed(3)}e-${Math.floor(r() * 300)}`;
    return ` ${Math.floor(r() * 1000)} `;
  };
  return Array.from({ length: lines }, () => Array.from({ length: cols }, cell).join(','));
}
