/**
 * One array's chunk pass as the plan decided it: on this thread or split
 * over the worker pool, through the fast chunk engine or zarrita, over this
 * shard's chunks. It counts absent chunks, sums the engine's timing, and
 * reports progress; it never knows what the stages compute.
 *
 * @module
 */
import type * as zarr from "zarrita";
import type { Plan } from "../model/plan.ts";
import type { RangeResult } from "./chunk_reduce.ts";
import { reduceRange } from "./chunk_reduce.ts";
import { addTiming, type ChunkTiming, reduceChunks } from "./chunk_engine.ts";
import type { WorkerPool } from "./_worker_pool.ts";
import type { ArrayInfo, Stage, StageSpec } from "../stages/stage.ts";
import type { RawLayout } from "../store/raw_array.ts";
import type { ChunkNaming } from "../store/metadata.ts";
import type { Store } from "../store/types.ts";
import type { TraceRecorder } from "./trace.ts";

/** A chunk index range `[from, to)`. */
export interface ChunkRange {
  from: number;
  to: number;
}

/** Everything a chunk pass over one array needs. */
export interface ChunkPassContext {
  /** Display name for messages. */
  name: string;
  store: Store;
  /** The array as zarrita opened it (the generic path), over a store that counts absent chunks. */
  arr: zarr.Array<zarr.DataType, Store>;
  /** Absent chunks the counting store has seen so far. */
  missingSeen: () => number;
  info: ArrayInfo;
  plan: Plan;
  /** The raw layout for the fast chunk engine, when the array has one. */
  fast?: RawLayout;
  /** Workers to split the pass over (1: this thread). */
  workers: number;
  pool?: WorkerPool;
  /** What a worker needs to open the store itself. */
  source: string;
  s3?: { region?: string; endpoint?: string };
  stagesSource: string;
  /** Modules registering custom stages, for the workers to import. */
  stageModules: string[];
  /** How the array names its chunk keys, for errors. */
  naming?: ChunkNaming;
  /** Timeouts and attempts of remote requests, for the workers' stores. */
  retry?: { timeoutMs: number; attempts: number };
  /** Decoded bytes between collections on the generic path. */
  gcEveryBytes: number;
  onProgress: (done: number) => void;
  trace?: TraceRecorder;
}

/** Runs a chunk pass; remembers the absent chunks and timing of the last pass. */
export class ChunkPass {
  readonly #c: ChunkPassContext;
  /** Workers the pass is split over (1: this thread). */
  readonly workers: number;
  /** Chunks of the last pass that were absent from the store (read as the fill value). */
  missing = 0;
  /** The fast engine's timing summed since the last {@linkcode ChunkPass.resetTiming}. */
  timing: ChunkTiming | undefined;

  constructor(context: ChunkPassContext) {
    this.#c = context;
    this.workers = context.workers;
  }

  /** Forgets the timing gathered so far (the pre-pass is not part of the chunk pass's). */
  resetTiming(): void {
    this.timing = undefined;
  }

  #addTiming(t: ChunkTiming | undefined): void {
    if (t) this.timing = this.timing ? addTiming(this.timing, t) : t;
  }

  /** Runs `stages` (built from `specs`, for the workers) over the chunks of `range`. */
  run(
    specs: StageSpec[],
    // deno-lint-ignore no-explicit-any
    stages: Stage<any, unknown>[],
    range: ChunkRange,
  ): Promise<RangeResult> {
    return this.#c.workers === 1
      ? this.#here(stages, range)
      : this.#onWorkers(specs, stages, range);
  }

  // deno-lint-ignore no-explicit-any
  async #here(stages: Stage<any, unknown>[], range: ChunkRange): Promise<RangeResult> {
    const c = this.#c;
    if (c.fast) {
      const r = await reduceChunks(c.store, c.info.path, c.fast, c.info, stages, {
        ...range,
        readAhead: c.plan.batchChunks,
        workspaceBytes: c.plan.workspaceBytes,
      }, c.onProgress);
      this.missing = r.missing;
      this.#addTiming(r.timing);
      return r;
    }
    const before = c.missingSeen();
    const r = await reduceRange(c.arr, c.name, c.info, stages, {
      ...range,
      inFlight: c.plan.batchChunks,
      gcEveryBytes: c.gcEveryBytes,
      naming: c.naming,
    }, c.onProgress);
    this.missing = c.missingSeen() - before;
    return r;
  }

  /** Contiguous ranges, merged in index order, so results do not depend on timing. */
  async #onWorkers(
    specs: StageSpec[],
    // deno-lint-ignore no-explicit-any
    stages: Stage<any, unknown>[],
    range: ChunkRange,
  ): Promise<RangeResult> {
    const { workers } = this.#c;
    const done = new Array<number>(workers).fill(0);
    const span = range.to - range.from;
    const parts = Array.from({ length: workers }, (_, w) => ({
      from: range.from + Math.floor(span * w / workers),
      to: range.from + Math.floor(span * (w + 1) / workers),
    }));
    const results = await Promise.all(
      parts.map((part, w) =>
        this.#job(specs, part, w, (d) => {
          done[w] = d;
          this.#c.onProgress(done.reduce((a, b) => a + b, 0));
        })
      ),
    );
    const states = results[0].states;
    for (const r of results.slice(1)) {
      for (let s = 0; s < stages.length; s++) states[s] = stages[s].merge(states[s], r.states[s]);
    }
    this.missing = results.reduce((a, r) => a + r.missing, 0);
    for (const r of results) this.#addTiming(r.timing);
    return { states, chunks: results.reduce((a, r) => a + r.chunks, 0) };
  }

  async #job(specs: StageSpec[], part: ChunkRange, w: number, onDone: (done: number) => void) {
    const c = this.#c;
    const started = performance.now();
    const r = await c.pool!.run({
      source: c.source,
      s3: c.s3,
      name: c.name,
      info: c.info,
      specs,
      stagesSource: c.stagesSource,
      stageModules: c.stageModules,
      ...part,
      inFlight: c.plan.batchChunks,
      gcEveryBytes: c.gcEveryBytes,
      naming: c.naming,
      retry: c.retry,
      ...(c.fast ? { raw: c.fast, workspaceBytes: c.plan.workspaceBytes } : {}),
    }, onDone);
    const label = `${c.name} chunks ${part.from}-${part.to}`;
    c.trace?.complete(label, "worker", started, performance.now() - started, {
      chunks: r.chunks,
    }, w + 1);
    return r;
  }
}
