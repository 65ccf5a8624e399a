/**
 * The streamed reduction's chunks (./stream.ts), computed while the next ones are read: the reading side of
 * the ring of core/chunk-ring.ts. Each chunk is read into a slot of the ring and published; a worker thread
 * computes published chunks, and this thread computes those the worker has not reached when it needs their
 * slot back (or, when the worker is busy with that slot, the newest one waiting), then collects the partial
 * sums in chunk order. On one thread (BCE_THREADS=1, inputs of fewer than STREAM_THREADS_MIN_ELEMENTS, no
 * idle core, no worker that can start: parallel.ts startRingWorker) the ring has one slot and each chunk is
 * computed as soon as it is read.
 * Either way the partial sums are chunkPartial's on the same chunks, merged in the same order: the same bits.
 *
 * Memory is bounded by the ring: SLOTS chunks of logits and targets (and of weight and pos_weight when they
 * are not uniform), reused.
 */
import { ChunkSums } from '../core/kernel-edge.js';
import { closeRing, computeSlot, DONE, makeRing, publish, READY, setOperands, slotOf, stateIndex, stateOf, TAKEN, takePartial } from '../core/chunk-ring.js';
import type { BroadcastPlan } from '../core/tensor.js';
import { sharedArray, startRingWorker } from '../parallel.js';
import type { ParallelOptions, Running } from '../parallel.js';

/**
 * Streamed inputs of at least this many elements compute on a second thread: below, a worker's start-up
 * (~25 ms, on the other core) does not pay (README, Performance: Threads).
 */
export const STREAM_THREADS_MIN_ELEMENTS = 4_000_000;

/** Chunks in flight with a worker: read ahead of the one being computed. */
export const SLOTS = 8;

/** The arrays to fill with one chunk: logits, targets, and weight and pos_weight when given per element. */
export interface ChunkSlot {
  x: Float64Array;
  y: Float64Array;
  w?: Float64Array;
  p?: Float64Array;
}

/** Atomics.waitAsync (the project's TypeScript libraries do not declare it). */
type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };

export class ChunkPipeline {
  /** the partial sums collected so far, in chunk order */
  readonly total = new ChunkSums();
  private ring = makeRing(1, (n) => new Float64Array(n));
  /** whether weight and pos_weight are laid out per element in the slots */
  private perElement: [boolean, boolean] = [false, false];
  /** chunks added, and collected */
  private published = 0;
  private collected = 0;
  /** the chunks added before the worker's ring was made (they were computed on this thread) */
  private base = 0;
  private started = false;
  private worker?: Running;
  /** set when the worker failed: a chunk it had claimed is this thread's to compute */
  private lost = false;

  /** `parallel` is as for bceWithLogitsParallel (threads, the worker's source, stats). */
  constructor(private readonly parallel: ParallelOptions = {}) {}

  /**
   * Starts a worker now, when a second thread can be used: for inputs known to be big (the logits' size, the
   * files' bytes), so that its start-up overlaps the first reads. Chunks added before are not moved.
   */
  start(): void {
    if (this.started || this.parallel.threads === 1) return;
    this.started = true;
    const ring = makeRing(SLOTS, sharedArray);
    const worker = startRingWorker(ring, this.parallel);
    if (worker === undefined) return;
    ring.operands.set(this.ring.operands);
    this.ring = ring;
    this.worker = worker;
    this.base = this.published;
    if (this.parallel.stats) Object.assign(this.parallel.stats, { threads: 2, chunks: 0, workerChunks: 0 });
    worker.done.catch(() => {
      this.lost = true;
    });
  }

  /** Starts a worker once `read` elements have been read, or `known` are to be, if that makes the input big. */
  engage(read: number, known: number | undefined): void {
    if (Math.max(read, known ?? 0) >= (this.parallel.minElements ?? STREAM_THREADS_MIN_ELEMENTS)) this.start();
  }

  /** Sets weight and pos_weight (their plans at the flat index), before the first chunk: see ChunkSlot. */
  operands(w: BroadcastPlan | undefined, p: BroadcastPlan | undefined): void {
    this.perElement = setOperands(this.ring, w, p);
  }

  /** The slot to fill with the next chunk (its previous chunk collected first). */
  async next(): Promise<ChunkSlot> {
    const s = this.slotFor(this.published);
    if (this.published - this.collected === this.ring.slots) await this.collect();
    const { x, y, w, p } = this.ring;
    const [wLaid, pLaid] = this.perElement;
    return { x: slotOf(x, s), y: slotOf(y, s), w: wLaid ? slotOf(w, s) : undefined, p: pLaid ? slotOf(p, s) : undefined };
  }

  /** The slot given by next() holds a chunk of m elements: computed now on one thread, else published. */
  add(m: number): void {
    const s = this.slotFor(this.published);
    publish(this.ring, s, m);
    this.published++;
    if (this.worker !== undefined) return;
    computeSlot(this.ring, s);
    this.total.add(...takePartial(this.ring, s));
    this.collected++;
  }

  /** Collects every chunk added, and ends the worker's part; the total is then complete. */
  async finish(): Promise<ChunkSums> {
    try {
      while (this.collected < this.published) await this.collect();
    } finally {
      await this.close();
    }
    return this.total;
  }

  /** Ends the worker's part (it finishes the chunk it is on, if any); chunks not collected are dropped. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    closeRing(this.ring);
    if (this.parallel.stats === undefined) return worker.stop();
    const computed = await worker.done.catch(() => 0);
    this.parallel.stats.workerChunks = computed;
    this.parallel.stats.chunks = this.published - this.base;
  }

  /** The slot of chunk k (in the order added): the ring's k-th since it was made. */
  private slotFor(k: number): number {
    return (k - this.base) % this.ring.slots;
  }

  /** Collects the oldest chunk not collected: computed here if the worker has not claimed it, or waited for. */
  private async collect(): Promise<void> {
    const { ring } = this;
    const s = this.slotFor(this.collected);
    for (;;) {
      const state = stateOf(ring, s);
      if (state === DONE) break;
      if (state === READY) computeSlot(ring, s);
      else if (state === TAKEN && !this.stealNewest()) await this.waitFor(s);
    }
    this.total.add(...takePartial(ring, s));
    this.collected++;
  }

  /** Computes the newest published chunk that no thread has claimed; false when there is none. */
  private stealNewest(): boolean {
    for (let k = this.published - 1; k > this.collected; k--) if (computeSlot(this.ring, this.slotFor(k))) return true;
    return false;
  }

  /** Waits until slot s is no longer TAKEN; a slot the failed worker had claimed is published again. */
  private async waitFor(s: number): Promise<void> {
    if (this.lost) {
      Atomics.compareExchange(this.ring.ctrl, stateIndex(s), TAKEN, READY);
      return;
    }
    const r = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(this.ring.ctrl, stateIndex(s), TAKEN);
    if (!r.async || this.worker === undefined) return;
    await Promise.race([r.value, this.worker.done.catch(() => undefined)]);
  }
}
