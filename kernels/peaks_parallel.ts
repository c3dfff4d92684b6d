/**
 * The CWT peak detector with its scales split between this thread and a worker:
 * the kernel's {@linkcode peakSplitLevel} decides which levels the worker computes
 * (balancing their cost against this thread's share plus tracing and selection), both
 * compute their levels at once, and this thread finishes from the two parts. The
 * peaks are those of {@linkcode detectPeaks}; a signal too small to pay for the
 * hand-off is searched here alone.
 *
 * @module
 */
import { detectPeaks, kernelModule, peakSplitLevel, SplitPeakSearch } from "./mod.ts";
import { type Peak, peakLevelCount, type PeakParams } from "./peak_params.ts";

/** A worker's reply: the part, or why it failed. */
interface LevelsReply {
  id: number;
  part?: Float64Array;
  error?: string;
}

/**
 * One worker that computes the larger scales of each search while the caller's
 * thread computes the smaller ones (see the module doc). Concurrent searches queue
 * on the worker. `close()` ends the worker.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectPeaks } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * import { ScaleParallelPeaks } from "./peaks_parallel.ts";
 * const x = new Float64Array(30_000);
 * for (let i = 0; i < x.length; i++) x[i] = 100 * Math.exp(-((i - 12_000) ** 2) / 80);
 * const detector = await ScaleParallelPeaks.create();
 * try {
 *   assertEquals(await detector.detect(x, DEFAULT_PEAK_PARAMS), detectPeaks(x, DEFAULT_PEAK_PARAMS));
 * } finally {
 *   detector.close();
 * }
 * ```
 */
export class ScaleParallelPeaks {
  private readonly pending = new Map<
    number,
    { resolve: (part: Float64Array) => void; reject: (e: Error) => void }
  >();
  private next = 0;
  private broken: Error | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly split = new SplitPeakSearch();

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<LevelsReply>) => {
      const waiter = this.pending.get(e.data.id);
      if (!waiter) return;
      this.pending.delete(e.data.id);
      if (e.data.error !== undefined) waiter.reject(new Error(e.data.error));
      else waiter.resolve(e.data.part!);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.broken = new Error(`scale-parallel peaks worker failed: ${e.message}`);
      for (const waiter of this.pending.values()) waiter.reject(this.broken);
      this.pending.clear();
    };
  }

  /**
   * Starts the worker and waits until its kernels are instantiated.
   *
   * @throws {Error} if the worker cannot start (it is then ended).
   */
  static async create(): Promise<ScaleParallelPeaks> {
    const worker = new Worker(new URL("./_levels_worker.ts", import.meta.url), {
      type: "module",
    });
    const detector = new ScaleParallelPeaks(worker);
    try {
      await new Promise<void>((resolve, reject) => {
        detector.pending.set(-1, { resolve: () => resolve(), reject });
        worker.postMessage({ warm: kernelModule() });
      });
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return detector;
  }

  /**
   * The peaks of `signal`, equal to `detectPeaks(signal, params)`. Searches on one
   * detector run one after another.
   *
   * @throws {RangeError} on invalid parameters (as {@linkcode detectPeaks}).
   * @throws {Error} if the worker failed.
   */
  detect(signal: Float64Array, params: Readonly<PeakParams>): Promise<Peak[]> {
    const run = this.queue.then(() => this.search(signal, params));
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }

  private async search(signal: Float64Array, params: Readonly<PeakParams>): Promise<Peak[]> {
    if (this.broken) throw this.broken;
    const n = signal.length;
    const levels = peakLevelCount(params);
    const split = params.mode === "massspecwavelet" && signal instanceof Float64Array
      ? peakSplitLevel(n, params)
      : levels;
    if (split >= levels) return detectPeaks(signal, params);
    const id = this.next++;
    const theirs = new Promise<Float64Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.worker.postMessage({ id, signal, params: { ...params }, from: split, to: levels });
    try {
      this.split.begin(signal, params, split);
    } catch (e) {
      await theirs.catch(() => undefined);
      throw e;
    }
    const part = await theirs;
    // An empty part: the signal is too short or has no finite sample (no peaks).
    return part.length === 0 ? detectPeaks(signal, params) : this.split.finish(part);
  }

  /** Ends the worker; searches still waiting on it are rejected. */
  close(): void {
    this.worker.terminate();
    this.split.free();
    const closed = new Error("scale-parallel peaks: closed");
    for (const waiter of this.pending.values()) waiter.reject(closed);
    this.pending.clear();
  }
}
