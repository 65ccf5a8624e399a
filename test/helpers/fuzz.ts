/**
 * How many runs a fuzz property gets: `base` inside `npm test`, times BCE_FUZZ_SCALE when set
 * (`npm run fuzz` sets 100, for a long run of the same properties).
 */
export function fuzzRuns(base: number): number {
  const scale = Number(process.env.BCE_FUZZ_SCALE ?? '1');
  return Number.isFinite(scale) && scale > 0 ? Math.round(base * scale) : base;
}
