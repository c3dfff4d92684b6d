/**
 * A chunk worker: a Deno Worker with its own WASM instance that reads,
 * decodes and reduces a contiguous range of one array's chunks and posts the
 * stage states back for the main thread to merge. Opened stores and arrays
 * are kept for the next job on the same array.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import * as zarr from "zarrita";
import { registerNativeCodecs } from "../store/codecs.ts";
import { causeMessage } from "../model/errors.ts";
import { countingStore, reduceRange } from "./chunk_reduce.ts";
import type { StageSpec } from "../stages/stage.ts";
import { LamellaError } from "../model/errors.ts";
import { createStages, importStageModules } from "../stages/mod.ts";
import type { ArrayInfo } from "../stages/stage.ts";
import { openStore, type Store } from "../store/store.ts";
import { type ChunkTiming, reduceChunks } from "./chunk_engine.ts";
import type { RawLayout } from "../store/raw_array.ts";
import type { ChunkNaming } from "../store/metadata.ts";
import { decoder } from "../store/decoders.ts";
import { residentInput } from "../../kernels/mod.ts";

/** A job for a chunk worker. */
export interface ChunkJob {
  id: number;
  source: string;
  s3?: { region?: string; endpoint?: string };
  /** Display name for messages. */
  name: string;
  info: ArrayInfo;
  specs: StageSpec[];
  stagesSource: string;
  /** Modules registering custom stages, imported before the stages are built. */
  stageModules?: string[];
  /** How the array names its chunk keys, for errors. */
  naming?: ChunkNaming;
  /** Timeouts and attempts of remote requests. */
  retry?: { timeoutMs: number; attempts: number };
  from: number;
  to: number;
  inFlight: number;
  gcEveryBytes: number;
  /** The array's raw layout: run the fast chunk engine instead of zarrita. */
  raw?: RawLayout;
  /** Kernel work space to reserve (fast engine). */
  workspaceBytes?: number;
}

/** What a worker posts back: progress, a result, or an error. */
export type ChunkReply =
  | { id: number; kind: "progress"; done: number }
  | {
    id: number;
    kind: "result";
    states: unknown[];
    chunks: number;
    missing: number;
    timing?: ChunkTiming;
  }
  | { id: number; kind: "error"; message: string };

// Compile the kernels and load the decoder while the pool is warming up (see WorkerPool.warm).
try {
  residentInput("uint8", 16);
  decoder();
} catch {
  // Reported with the first job that needs them.
}

let opened:
  | { key: string; arr: zarr.Array<zarr.DataType, Store>; missing: () => number }
  | undefined;
let openedStore: { source: string; store: Store } | undefined;

async function storeFor(job: ChunkJob): Promise<Store> {
  if (openedStore?.source === job.source) return openedStore.store;
  const store = await openStore(job.source, {
    s3Region: job.s3?.region,
    s3Endpoint: job.s3?.endpoint,
    retry: job.retry,
  });
  openedStore = { source: job.source, store };
  return store;
}

async function open(job: ChunkJob) {
  const key = `${job.source}\n${job.info.path}`;
  if (opened?.key === key) return opened;
  const counting = countingStore(await storeFor(job));
  const arr = await zarr.open(zarr.root(counting.store).resolve(job.info.path), { kind: "array" });
  opened = { key, arr, missing: counting.missing };
  return opened;
}

self.onmessage = async (event: MessageEvent<ChunkJob>) => {
  const job = event.data;
  try {
    await importStageModules(job.stageModules ?? []);
    const stages = createStages(job.specs, job.stagesSource)
      .filter((s) => !s.appliesTo || s.appliesTo(job.info));
    let last = 0;
    const progress = (done: number) => {
      if (done - last >= 16) {
        last = done;
        self.postMessage({ id: job.id, kind: "progress", done } satisfies ChunkReply);
      }
    };
    if (job.raw) {
      const store = await storeFor(job);
      const result = await reduceChunks(store, job.info.path, job.raw, job.info, stages, {
        from: job.from,
        to: job.to,
        readAhead: job.inFlight,
        workspaceBytes: job.workspaceBytes ?? 0,
      }, progress);
      self.postMessage({ id: job.id, kind: "result", ...result } satisfies ChunkReply);
      return;
    }
    registerNativeCodecs();
    const { arr, missing } = await open(job);
    const before = missing();
    const result = await reduceRange(arr, job.name, job.info, stages, job, progress);
    self.postMessage(
      {
        id: job.id,
        kind: "result",
        states: result.states,
        chunks: result.chunks,
        missing: missing() - before,
      } satisfies ChunkReply,
    );
  } catch (e) {
    const message = e instanceof LamellaError ? e.message : `array ${job.name}: ${causeMessage(e)}`;
    self.postMessage({ id: job.id, kind: "error", message } satisfies ChunkReply);
  }
};
