/** Compensated summation, shared by the kernel and its edge cases. */

/** Neumaier's compensated sum: its error stays near 1 ulp of the result whatever the count. */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  add(v: number): void {
    const t = this.s + v;
    if (Math.abs(this.s) >= Math.abs(v)) this.c += this.s - t + v;
    else this.c += v - t + this.s;
    this.s = t;
  }
  /** Adds another partial sum (e.g. from another chunk or thread). */
  merge(other: CompensatedSum): void {
    this.add(other.s);
    if (Number.isFinite(other.s)) this.add(other.c);
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
