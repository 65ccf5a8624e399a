/** Compensated summation, shared by the kernel and its edge cases. */

/**
 * One step of Neumaier's sum: the compensation c after adding v to a plain sum s, where t = s + v was
 * already computed (the next plain sum). Small enough for V8 to inline into the kernel's loops, which keep
 * s and c in locals.
 */
export function compensate(c: number, s: number, v: number, t: number): number {
  if (Math.abs(s) >= Math.abs(v)) return c + (s - t + v);
  return c + (v - t + s);
}

/** Neumaier's compensated sum: its error stays near 1 ulp of the result whatever the count. */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  add(v: number): void {
    const t = this.s + v;
    this.c = compensate(this.c, this.s, v, t);
    this.s = t;
  }
  /** the plain sum and its compensation, to continue the sum elsewhere (a loop's locals, another thread) */
  state(): [number, number] {
    return [this.s, this.c];
  }
  setState(s: number, c: number): void {
    this.s = s;
    this.c = c;
  }
  get value(): number {
    // Once the plain sum is non-finite the compensation is meaningless (inf - inf).
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }
}
