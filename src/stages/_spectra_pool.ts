/**
 * Workers for `peaks: {on: spectra}`: spectra are searched in parallel
 * (src/stages/_spectra_worker.ts), at most two in flight per worker.
 *
 * @module
 */
import type { PeakParams } from "../../kernels/peak_params.ts";
import type { Preprocess } from "./_spectrum_peaks.ts";

/**
 * Workers that search spectra in parallel, at most two in flight per worker
 * (each job holds one spectrum's arrays, transferred, not copied).
 */
export class SpectraPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, (rows: number[][]) => void>();
  private readonly failed = new Map<number, (e: Error) => void>();
  private next = 0;
  private inFlight = 0;
  private readonly slots: (() => void)[] = [];

  constructor(count: number, readonly params: Readonly<PeakParams>, readonly pre: Preprocess) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL("./_spectra_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<{ k: number; rows?: number[][]; error?: string }>) => {
        const { k, rows, error } = e.data;
        if (error !== undefined) this.failed.get(k)?.(new Error(`spectrum ${k}: ${error}`));
        else this.waiting.get(k)?.(rows!);
        this.waiting.delete(k);
        this.failed.delete(k);
        this.inFlight--;
        this.slots.shift()?.();
      };
      this.workers.push(w);
    }
  }

  /** The rows of spectrum `k`; waits for a free slot first. */
  search = async (k: number, mz: Float64Array, intensity: Float64Array): Promise<number[][]> => {
    while (this.inFlight >= 2 * this.workers.length) {
      await new Promise<void>((resolve) => this.slots.push(resolve));
    }
    this.inFlight++;
    const w = this.workers[this.next++ % this.workers.length];
    const result = new Promise<number[][]>((resolve, reject) => {
      this.waiting.set(k, resolve);
      this.failed.set(k, reject);
    });
    const m = mz.slice();
    const y = intensity.slice();
    w.postMessage({ k, mz: m, intensity: y, params: this.params, pre: this.pre }, [
      m.buffer,
      y.buffer,
    ]);
    return await result;
  };

  close(): void {
    for (const w of this.workers) w.terminate();
  }
}
