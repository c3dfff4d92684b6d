/**
 * A fixed pool of chunk workers. Jobs queue until a worker is free; each
 * resolves with the worker's stage states or rejects with its error.
 *
 * @module
 */
import type { ChunkJob, ChunkReply } from "./_chunk_worker.ts";
import { LamellaError } from "../model/errors.ts";

type Result = Extract<ChunkReply, { kind: "result" }>;

interface Pending {
  job: ChunkJob;
  resolve: (r: Result) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number) => void;
}

/**
 * Runs chunk jobs on `size` Deno Workers.
 *
 * @example
 * ```ts ignore
 * import { WorkerPool } from "./_worker_pool.ts";
 * const pool = new WorkerPool(2);
 * // const result = await pool.run(job);
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly size: number;
  #workers: Worker[] = [];
  #idle: Worker[] = [];
  #queue: Pending[] = [];
  #running = new Map<Worker, Pending>();
  #nextId = 1;

  constructor(size: number) {
    this.size = size;
  }

  #spawn(): Worker {
    const worker = new Worker(new URL("./_chunk_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<ChunkReply>) => {
      const pending = this.#running.get(worker);
      if (!pending) return;
      const reply = event.data;
      if (reply.kind === "progress") {
        pending.onProgress?.(reply.done);
        return;
      }
      this.#running.delete(worker);
      this.#idle.push(worker);
      if (reply.kind === "result") pending.resolve(reply);
      else pending.reject(new LamellaError(reply.message));
      this.#pump();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const pending = this.#running.get(worker);
      this.#running.delete(worker);
      this.#workers = this.#workers.filter((w) => w !== worker);
      worker.terminate();
      pending?.reject(new LamellaError(`chunk worker crashed: ${event.message}`));
      this.#pump();
    };
    this.#workers.push(worker);
    return worker;
  }

  #pump(): void {
    while (this.#queue.length) {
      let worker = this.#idle.pop();
      if (!worker && this.#workers.length < this.size) worker = this.#spawn();
      if (!worker) return;
      const pending = this.#queue.shift()!;
      this.#running.set(worker, pending);
      worker.postMessage(pending.job);
    }
  }

  /**
   * Starts every worker now, so that loading their modules and compiling the
   * kernels overlaps with discovery and planning instead of delaying the
   * first array's chunks.
   */
  warm(): void {
    while (this.#workers.length < this.size) this.#idle.push(this.#spawn());
  }

  /** Queues a job (its `id` is assigned here). */
  run(job: Omit<ChunkJob, "id">, onProgress?: (done: number) => void): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { ...job, id: this.#nextId++ }, resolve, reject, onProgress });
      this.#pump();
    });
  }

  /** Stops every worker. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#idle = [];
    for (const p of this.#queue) p.reject(new LamellaError("worker pool closed"));
    this.#queue = [];
  }
}
