/**
 * The streamed reduction on two threads, pure: a ring of chunk slots in shared memory. The thread that reads
 * the files fills a slot with one chunk (SUM_CHUNK logits, targets, and weight and pos_weight laid out per
 * element when they are not uniform), publishes it, and goes on reading into the next slot; a worker computes
 * published chunks (chunkPartial) in the order they were published, and the reading thread computes a chunk
 * the worker has not reached when it needs that slot back (or, while the worker is on that slot, the newest
 * chunk waiting). Any thread may compute any chunk: a slot is claimed by one atomic exchange. The reading thread collects the chunks'
 * partial sums in chunk order, so the result does not depend on who computed what (./kernel.ts).
 *
 * io/chunk-pipeline.ts drives the reading side; kernel-worker.ts runs the worker's share (runRingShare).
 */
import { chunkPartial, SUM_CHUNK } from './kernel.js';
import { allowWasm, wasmKernel } from './kernel-wasm.js';
import type { BroadcastPlan } from './tensor.js';

/** A slot's states: free to fill, published, claimed by a thread, computed. */
const FREE = 0;
export const READY = 1;
export const TAKEN = 2;
export const DONE = 3;

/** The control block: [chunks published, closed, the worker waits for a chunk, the slots' states]. */
const PUBLISHED = 0;
const CLOSED = 1;
const WAITING = 2;
const STATES = 3;

/** Numbers per slot in `out`: the element count (written with the chunk), then chunkPartial's three. */
const OUT = 4;

/** How weight and pos_weight are given (Ring.operands): none, one value, or per element in the slot. */
const NONE = 0;
const UNIFORM = 1;
const PER_ELEMENT = 2;

/** The ring as shared between the threads (a worker receives it as structured-cloned data). */
export interface Ring {
  slots: number;
  ctrl: Int32Array;
  /** slot s holds [s * SUM_CHUNK, (s + 1) * SUM_CHUNK) of each array: logits, targets, weight, pos_weight */
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  p: Float64Array;
  /** [how weight is given, its value when uniform, the same for pos_weight]: set before the first chunk */
  operands: Float64Array;
  out: Float64Array;
}

/** What a worker receives as a ring task: the ring, and whether the main thread runs the WebAssembly loops. */
export interface RingTask {
  ring: Ring;
  wasm: boolean;
}

/**
 * A ring of `slots` slots, its arrays made by `alloc` (shared memory for a worker; the pages of the weight
 * arrays are touched only when weight or pos_weight is given per element).
 */
export function makeRing(slots: number, alloc: (n: number) => Float64Array): Ring {
  const n = slots * SUM_CHUNK;
  const ctrl = new Int32Array(new SharedArrayBuffer((STATES + slots) * Int32Array.BYTES_PER_ELEMENT));
  return { slots, ctrl, x: alloc(n), y: alloc(n), w: alloc(n), p: alloc(n), operands: alloc(4), out: alloc(OUT * slots) };
}

/**
 * Sets how weight and pos_weight are given, before the first chunk is published: a plan of one value is
 * uniform; any other is laid out per element in each slot by the reading thread. Returns whether each is.
 */
export function setOperands(ring: Ring, weight: BroadcastPlan | undefined, posWeight: BroadcastPlan | undefined): [boolean, boolean] {
  const mode = (o: BroadcastPlan | undefined) => (o === undefined ? NONE : o.block === 1 ? UNIFORM : PER_ELEMENT);
  ring.operands.set([mode(weight), weight?.data[0] ?? 0, mode(posWeight), posWeight?.data[0] ?? 0]);
  return [mode(weight) === PER_ELEMENT, mode(posWeight) === PER_ELEMENT];
}

/** Operand k (0 weight, 1 pos_weight) of slot s as chunkPartial takes it. */
function operand(ring: Ring, k: number, s: number): BroadcastPlan | undefined {
  const mode = ring.operands[2 * k];
  if (mode === NONE) return undefined;
  if (mode === UNIFORM) return { data: ring.operands.subarray(2 * k + 1, 2 * k + 2), inner: 1, block: 1 };
  return { data: slotOf(k === 0 ? ring.w : ring.p, s), inner: 1, block: SUM_CHUNK };
}

/** Slot s's part of a ring array. */
export function slotOf(a: Float64Array, s: number): Float64Array {
  return a.subarray(s * SUM_CHUNK, (s + 1) * SUM_CHUNK);
}

/** The state of slot s. */
export function stateOf(ring: Ring, s: number): number {
  return Atomics.load(ring.ctrl, STATES + s);
}

/** Publishes slot s, filled with a chunk of m elements. */
export function publish(ring: Ring, s: number, m: number): void {
  ring.out[OUT * s] = m;
  Atomics.store(ring.ctrl, STATES + s, READY);
  Atomics.add(ring.ctrl, PUBLISHED, 1);
  // a wake-up costs a system call and often a switch of threads: only for a worker that waits
  if (Atomics.load(ring.ctrl, WAITING) === 1) Atomics.notify(ring.ctrl, PUBLISHED, 1);
}

/** Claims slot s for the calling thread and computes its chunk: false when it was not published or is claimed. */
export function computeSlot(ring: Ring, s: number): boolean {
  if (Atomics.compareExchange(ring.ctrl, STATES + s, READY, TAKEN) !== READY) return false;
  const m = ring.out[OUT * s];
  const partial = chunkPartial(slotOf(ring.x, s), slotOf(ring.y, s), operand(ring, 0, s), operand(ring, 1, s), 0, m);
  ring.out.set(partial, OUT * s + 1);
  Atomics.store(ring.ctrl, STATES + s, DONE);
  Atomics.notify(ring.ctrl, STATES + s);
  return true;
}

/** Slot s's partial sum, once DONE; the slot is free again. */
export function takePartial(ring: Ring, s: number): [number, number, number] {
  const o = OUT * s;
  const partial: [number, number, number] = [ring.out[o + 1], ring.out[o + 2], ring.out[o + 3]];
  Atomics.store(ring.ctrl, STATES + s, FREE);
  return partial;
}

/** The index in ctrl of slot s's state, to wait on. */
export function stateIndex(s: number): number {
  return STATES + s;
}

/** Ends the worker's share: it stops once it has finished the chunk it is computing, if any. */
export function closeRing(ring: Ring): void {
  Atomics.store(ring.ctrl, CLOSED, 1);
  // a changed count wakes a worker about to wait for it, as well as one waiting
  Atomics.add(ring.ctrl, PUBLISHED, 1);
  Atomics.notify(ring.ctrl, PUBLISHED);
}

/**
 * A worker's share: published chunks in order, each claimed unless the reading thread claimed it first, until
 * the ring is closed. Returns how many chunks it computed. Where the main thread runs the WebAssembly loops and
 * this thread cannot (its engine failed to reserve a module's memory), it computes none: every thread makes the
 * same choice of loops, or the bits could differ.
 */
export function runRingShare({ ring, wasm }: RingTask): number {
  allowWasm(wasm);
  if (wasm && wasmKernel() === null) return 0;
  const { ctrl, slots } = ring;
  let computed = 0;
  let next = 0;
  for (;;) {
    if (Atomics.load(ctrl, CLOSED) === 1) return computed;
    const published = Atomics.load(ctrl, PUBLISHED);
    if (next >= published) {
      // a chunk published since the count was read has changed it (the wait returns at once), or its
      // publisher sees WAITING and notifies
      Atomics.store(ctrl, WAITING, 1);
      Atomics.wait(ctrl, PUBLISHED, published);
      Atomics.store(ctrl, WAITING, 0);
      continue;
    }
    // the slots of chunks older than the last `slots` published hold newer ones by now
    next = Math.max(next, published - slots);
    if (computeSlot(ring, next % slots)) computed++;
    next++;
  }
}
