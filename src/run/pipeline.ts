/**
 * The pipeline runner: discovers arrays, plans each from the budget, streams
 * its chunks through the stages with a bounded number in flight, and collects
 * one report. It never knows what a stage computes; one bad array never
 * sinks the run.
 *
 * @module
 */
import * as zarr from "zarrita";
import {
  type ArrayPartial,
  type ArrayReport,
  type Report,
  type TimingReport,
  VERSION,
} from "../model/report.ts";

export type { ArrayPartial, ArrayReport, Report, TimingReport };
export { VERSION };
import { bytesPerElement, NUMERIC_DTYPES, type NumericDtype } from "../../kernels/mod.ts";
import {
  type Budget,
  budgetEnvironment,
  describeBudget,
  detectBudget,
  type EnvironmentProbe,
  probeEnvironment,
} from "../plan/budget.ts";
import { registerNativeCodecs } from "../store/codecs.ts";
import type { StageSpec } from "../stages/stage.ts";
import { discoverArrays, type FoundArray } from "../store/discovery.ts";
import { LamellaError, StoreError, UnsupportedError } from "../model/errors.ts";
import {
  DEFAULT_WORKSPACE_BYTES,
  type Plan,
  planArray,
  WORKER_ISOLATE_BYTES,
} from "../plan/planner.ts";
import {
  DEFAULT_REQUEST_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_S,
  type LimitSettings,
} from "../plan/settings_env.ts";
import { createStages, finalizeArray, importStageModules, statsStage } from "../stages/mod.ts";

export { finalizeArray };
import { causeMessage } from "../model/errors.ts";
import { chunkCount, countingStore, product } from "./chunk_reduce.ts";
import { WorkerPool } from "./_worker_pool.ts";
import { ChunkPass, type ChunkRange } from "./chunk_pass.ts";
import { shardRanges, type ShardSpec } from "../plan/shard_range.ts";
import type { Progress } from "./progress.ts";
import type { TraceRecorder } from "./trace.ts";
import type { ArrayInfo, Region, RegionReader, SiblingOpener, Stage } from "../stages/stage.ts";
import { FileStore, openStore, type Store } from "../store/store.ts";
import { bottleneck, type ChunkTiming } from "./chunk_engine.ts";
import { loadRawLayout, type RawLayoutResult } from "../store/raw_array.ts";
import { loadChunkNaming } from "../store/metadata.ts";

/** What one run needs. */
export interface RunRequest {
  /** Store to read: a path, file://, http(s):// or s3:// URL. */
  source: string;
  /** Globs over array paths; empty means every array. */
  arrays: string[];
  /** Stages to run, by name, with their options. */
  stages: StageSpec[];
  /** Where the stage list came from, for messages. */
  stagesSource: string;
  /**
   * URLs of modules that register stages of your own (`registerStage`), imported
   * by the runner and by every chunk worker before the stages are built.
   */
  stageModules?: string[];
  /** Memory, size and strategy limits (see `DEFAULT_LIMITS`). */
  limits: LimitSettings;
  /** S3 region and endpoint for `s3://` sources. */
  s3?: { region?: string; endpoint?: string };
  /** Progress and operator messages. */
  log?: (line: string) => void;
  /** Measured environment; probed when absent (tests pass fixtures). */
  probe?: EnvironmentProbe;
  /** Plan only: report strategies without reading chunks. */
  planOnly?: boolean;
  /** `false` keeps all work on the main thread (the default uses the budget's workers). */
  workers?: false;
  /** Results of an earlier, interrupted run to keep instead of recomputing (by array path). */
  completed?: Map<string, ArrayReport>;
  /** Live progress (the process task's TTY lines or JSON events). */
  progress?: Progress;
  /** Trace-event recorder for `--trace`. */
  trace?: TraceRecorder;
  /** Called as each array finishes (the process task saves it, for --resume). */
  onArrayDone?: (result: ArrayReport) => void | Promise<void>;
  /** Process only this shard's slice of every array's chunks (see src/plan/shard_range.ts). */
  shard?: { index: number; count: number };
  /** Return each array's raw stage states in `partial` instead of finalizing them. */
  partials?: boolean;
}

const NUMERIC: ReadonlySet<string> = new Set<string>(NUMERIC_DTYPES);

/**
 * Runs the pipeline and returns the report (writing files is the caller's).
 *
 * @example
 * ```ts ignore
 * import { runPipeline } from "./pipeline.ts";
 * import { DEFAULT_LIMITS } from "../plan/settings_env.ts";
 * const report = await runPipeline({
 *   source: "data/sample.zarr", arrays: [], stages: [{ name: "stats", options: {} }],
 *   stagesSource: "flags", limits: DEFAULT_LIMITS,
 * });
 * console.log(report.arrays.length);
 * ```
 */
export async function runPipeline(request: RunRequest): Promise<Report> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const log = request.log ?? (() => {});
  registerNativeCodecs();
  await importStageModules(request.stageModules ?? []);
  const stages = createStages(request.stages, request.stagesSource);
  const probe = request.probe ?? probeEnvironment();
  const budget = detectBudget(request.limits, probe);
  for (const line of describeBudget(budget, request.limits).split("\n")) log(line);
  for (const w of budget.warnings) log(`warning: ${w}`);

  // Workers are started now, so their start-up overlaps discovery, and shared by every array;
  // not when their own isolates would take most of a small budget.
  const affordable = budget.budgetBytes >= 2 * WORKER_ISOLATE_BYTES * budget.workers;
  const pool = budget.workers > 1 && request.workers !== false && !request.planOnly && affordable
    ? new WorkerPool(budget.workers)
    : undefined;
  pool?.warm();
  const arrays: ArrayReport[] = [];
  const applied = new Set<string>();
  try {
    const store = await openStore(request.source, {
      s3Region: request.s3?.region,
      s3Endpoint: request.s3?.endpoint,
      retry: retryOf(request.limits),
    });
    const found = await discoverArrays(store, request.arrays);
    if (found.length === 0) {
      throw new StoreError(
        request.source,
        request.arrays.length
          ? `no array matches ${request.arrays.join(", ")}`
          : "no Zarr arrays found (no .zarray or zarr.json below it); is this a Zarr store?",
      );
    }
    log(`Found ${found.length} array${found.length === 1 ? "" : "s"} in ${store.location}`);
    const ranges = request.shard ? await shardAssignment(store, found, request.shard) : undefined;
    const runDeadline = started + 1000 * (request.limits.runDeadlineS ?? Infinity);
    for (const item of found) {
      if (performance.now() > runDeadline) {
        arrays.push(pastRunDeadline(item, request.limits.runDeadlineS!));
        continue;
      }
      arrays.push(
        await arrayOf({ store, stages, budget, request, log, pool, applied, ranges }, item),
      );
    }
  } finally {
    pool?.close();
  }
  for (const w of unappliedStages(request, stages, applied, arrays)) {
    budget.warnings.push(w);
    log(`warning: ${w}`);
  }
  return {
    version: VERSION,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    source: request.source,
    environment: environmentOf(budget, probe, request.limits),
    arrays,
  };
}

/** The report's `environment`: the budget, the runtime and the limits planned with. */
function environmentOf(
  budget: Budget,
  probe: EnvironmentProbe,
  limits: LimitSettings,
): Report["environment"] {
  return {
    ...budgetEnvironment(budget),
    runtime: `deno ${Deno.version.deno}`,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    cores: probe.cores,
    limits: limitsForReport(limits),
    warnings: budget.warnings,
  };
}

/** One array's entry: kept from an earlier run (`--resume`), or processed and traced. */
async function arrayOf(run: RunContext, item: FoundArray): Promise<ArrayReport> {
  const { request } = run;
  const name = item.path || "(root array)";
  const done = request.completed?.get(item.path);
  if (done) {
    run.log(`${name}: complete in an earlier run; kept (--resume)`);
    return done;
  }
  const t0 = performance.now();
  const result = await processArray(run, item);
  const error = result.error ? { error: result.error } : {};
  request.trace?.complete(name, "array", t0, performance.now() - t0, {
    strategy: result.strategy,
    bytes: result.bytes,
    ...error,
  });
  request.progress?.arrayEnd(name, {
    seconds: result.seconds,
    strategy: result.strategy,
    ...error,
  });
  await request.onArrayDone?.(result);
  return result;
}

/** An array not started because the run's deadline had passed. */
function pastRunDeadline(item: FoundArray, seconds: number): ArrayReport {
  return {
    ...UNOPENED,
    path: item.path,
    strategy: "skip",
    reason: `skip: not started, the run's deadline of ${seconds} s had passed ` +
      `(LAMELLA_RUN_DEADLINE_S, --run-deadline-s or limits.run_deadline_s)`,
  };
}

/**
 * `work`, or an error once `seconds` (the per-array deadline) have passed.
 * Remote reads still in flight end by their own request timeouts.
 */
function withDeadline<T>(work: Promise<T>, seconds: number | undefined, name: string): Promise<T> {
  if (!seconds || !Number.isFinite(seconds)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() =>
      reject(
        new LamellaError(
          `array ${name}: not finished within its deadline of ${seconds} s ` +
            `(LAMELLA_ARRAY_DEADLINE_S or limits.array_deadline_s); the run goes on`,
        ),
      ), 1000 * seconds);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The remote request policy the limits ask for. */
export function retryOf(limits: LimitSettings): { timeoutMs: number; attempts: number } {
  return {
    timeoutMs: 1000 * (limits.requestTimeoutS ?? DEFAULT_REQUEST_TIMEOUT_S),
    attempts: limits.requestAttempts ?? DEFAULT_REQUEST_ATTEMPTS,
  };
}

/**
 * Stages configured with options that ran on none of the arrays (profile
 * `axes: [7]` on 3-D data): said, not silently dropped.
 */
function unappliedStages(
  request: RunRequest,
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  applied: Set<string>,
  arrays: ArrayReport[],
): string[] {
  const opened = arrays.filter((a) => a.dtype !== "unknown" && !/^unsupported/.test(a.reason));
  if (opened.length === 0 || request.planOnly) return [];
  const configured = request.stages.filter((s) =>
    s.options !== null && typeof s.options === "object" && Object.keys(s.options).length > 0
  );
  return configured
    .filter((spec) => stages.some((s) => s.name === spec.name) && !applied.has(spec.name))
    .map((spec) =>
      `stage ${spec.name} ${
        JSON.stringify(spec.options)
      } applies to none of the ${opened.length} ` +
      `array(s) (check its options against the arrays' shapes and paths)`
    );
}

function limitsForReport(l: LimitSettings): Record<string, number | string | null> {
  return {
    maxArraySizeMb: Number.isFinite(l.maxArraySizeMb) ? l.maxArraySizeMb : null,
    zarrChunkSizeMb: l.zarrChunkSizeMb,
    streamingChunkMb: l.streamingChunkMb,
    largeArrayMode: l.largeArrayMode,
    memoryFraction: l.memoryFraction,
    directMaxMb: l.directMaxMb,
    chunkedMaxMb: l.chunkedMaxMb,
  };
}

/** What every array of a run shares. */
interface RunContext {
  store: Store;
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[];
  budget: Budget;
  request: RunRequest;
  log: (line: string) => void;
  pool?: WorkerPool;
  /** Names of the stages that ran on at least one array. */
  applied: Set<string>;
  /** In a shard run: each array's chunk range in this shard (`null`: another shard's). */
  ranges?: Map<string, ChunkRange | null>;
}

/**
 * Each array's chunk range in `shard`, balanced by decoded bytes over all the
 * arrays (src/plan/shard_range.ts). Every shard reads the same metadata and
 * so draws the same cuts; an array that cannot be opened weighs nothing (it
 * fails alike in every shard).
 */
async function shardAssignment(
  store: Store,
  found: FoundArray[],
  shard: ShardSpec,
): Promise<Map<string, ChunkRange | null>> {
  const sizes = await Promise.all(found.map(async (item) => {
    try {
      if (item.error) throw new Error(item.error);
      const arr = await zarr.open(zarr.root(store).resolve(item.path), { kind: "array" });
      const dtype = String(arr.dtype);
      const itemBytes = NUMERIC.has(dtype) ? bytesPerElement(dtype as NumericDtype) : 0;
      return {
        chunks: chunkCount(arr.shape, arr.chunks),
        chunkBytes: product(arr.chunks) * itemBytes,
      };
    } catch {
      return { chunks: 0, chunkBytes: 0 };
    }
  }));
  const ranges = shardRanges(sizes, shard);
  return new Map(found.map((item, i) => [item.path, ranges[i]]));
}

/**
 * One array, in named steps: open it, describe it, plan it, run the chunk
 * pass (and the pre-pass some stages ask for), finalize. Any failure becomes
 * the array's `error`; it never sinks the run.
 */
async function processArray(run: RunContext, item: FoundArray): Promise<ArrayReport> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  // The store itself may be the array: its path is "" but messages need a name.
  const name = item.path || "(root array)";
  if (item.error) {
    const error = `array ${name}: ${item.error}`;
    return { ...UNOPENED, path: item.path, reason: "not readable", seconds: seconds(), error };
  }
  const counting = countingStore(run.store);
  let arr: zarr.Array<zarr.DataType, Store>;
  try {
    arr = await zarr.open(zarr.root(counting.store).resolve(item.path), { kind: "array" });
  } catch (e) {
    const error = `cannot open array ${name}: ${causeMessage(e)}`;
    return { ...UNOPENED, path: item.path, seconds: seconds(), error };
  }
  const base = describeArray(item, arr);
  if (!NUMERIC.has(base.dtype)) {
    const err = new UnsupportedError(
      name,
      `dtype ${base.dtype} is not numeric; lamella reduces bool, (u)int8-64 and float16/32/64 arrays`,
    );
    return { ...base, reason: "unsupported dtype", seconds: seconds(), error: err.message };
  }
  const info: ArrayInfo = {
    path: item.path,
    dtype: base.dtype as NumericDtype,
    shape: arr.shape,
    chunks: arr.chunks,
    bytes: base.bytes,
    // Not in partial runs: shards must see the same info, and their budgets differ.
    ...(run.request.partials ? {} : {
      budgetBytes: run.budget.budgetBytes,
      ...(run.pool ? { workers: run.budget.workers } : {}),
    }),
  };
  const active = run.stages.filter((s) => !s.appliesTo || s.appliesTo(info));
  for (const s of active) run.applied.add(s.name);
  const plan = planFor(run, base, arr, active);
  const planned: ArrayReport = { ...base, strategy: plan.strategy, reason: plan.reason };
  run.log(`${name}: ${plan.reason}`);
  if (plan.strategy === "skip" || plan.strategy === "error" || run.request.planOnly) {
    const error = plan.strategy === "error" ? { error: plan.reason.replace(/^error: /, "") } : {};
    return { ...planned, seconds: seconds(), ...error };
  }
  const total = chunkCount(arr.shape, arr.chunks);
  // A shard run reduces only its slice of the chunks (the pre-pass still reads all of them).
  const mine = run.ranges ? run.ranges.get(item.path) ?? null : { from: 0, to: total };
  if (!mine) {
    run.log(`${name}: in other shards`);
    return { ...planned, seconds: seconds(), inOtherShards: true };
  }
  const raw = await fastLayout(run.store, item.path, arr);
  if ("generic" in raw) run.log(`${name}: read through zarrita (${raw.generic})`);
  const workers = workersFor(plan, run.pool, mine, base.bytes);
  const pass = await chunkPassFor(
    run,
    { name, arr, info, plan, raw, workers, counting, total },
    seconds,
  );
  run.request.progress?.arrayStart(name, total, base.bytes);
  try {
    const results = await withDeadline(
      runStages(run.request, pass, { arr, active, info, total, mine, plan }),
      run.request.limits.arrayDeadlineS,
      name,
    );
    return { ...planned, seconds: seconds(), workers, ...results };
  } catch (e) {
    const message = e instanceof LamellaError ? e.message : `array ${name}: ${causeMessage(e)}`;
    return { ...planned, seconds: seconds(), error: message };
  }
}

/** What {@linkcode chunkPassFor} needs about one array. */
interface PassInputs {
  name: string;
  arr: zarr.Array<zarr.DataType, Store>;
  info: ArrayInfo;
  plan: Plan;
  raw: RawLayoutResult;
  workers: number;
  counting: ReturnType<typeof countingStore>;
  total: number;
}

/** The chunk pass of one array as its plan says: here or on the workers, fast or generic. */
async function chunkPassFor(
  run: RunContext,
  { name, arr, info, plan, raw, workers, counting, total }: PassInputs,
  seconds: () => number,
): Promise<ChunkPass> {
  return new ChunkPass({
    name,
    store: run.store,
    arr,
    missingSeen: counting.missing,
    info,
    plan,
    fast: "layout" in raw ? raw.layout : undefined,
    workers,
    pool: run.pool,
    source: run.request.source,
    s3: run.request.s3,
    stagesSource: run.request.stagesSource,
    stageModules: run.request.stageModules ?? [],
    // The generic path's collections (zarrita allocates per chunk); the fast path needs none.
    gcEveryBytes: Math.min(2e6, Math.max(5e5, run.budget.budgetBytes / 64)),
    naming: "generic" in raw ? await loadChunkNaming(run.store, info.path) : undefined,
    retry: retryOf(run.request.limits),
    onProgress: progressReporter(run, name, info.bytes ?? 0, total, seconds),
    trace: run.request.trace,
  });
}

/** The report of an array that could not be opened, before its path and error. */
const UNOPENED: ArrayReport = {
  path: "",
  dtype: "unknown",
  shape: [],
  chunks: [],
  bytes: 0,
  strategy: "error",
  reason: "could not open the array",
  seconds: 0,
};

/** An array's report fields known once it is open (its plan comes next). */
function describeArray(item: FoundArray, arr: zarr.Array<zarr.DataType, Store>): ArrayReport {
  const dtype = String(arr.dtype);
  const itemBytes = NUMERIC.has(dtype) ? bytesPerElement(dtype as NumericDtype) : 0;
  return {
    path: item.path,
    dtype,
    shape: arr.shape,
    chunks: arr.chunks,
    bytes: product(arr.shape) * itemBytes,
    strategy: "error",
    reason: "",
    seconds: 0,
    ...(item.multiscale ? { multiscale: item.multiscale } : {}),
  };
}

function planFor(
  run: RunContext,
  base: ArrayReport,
  arr: zarr.Array<zarr.DataType, Store>,
  // deno-lint-ignore no-explicit-any
  active: Stage<any, unknown>[],
): Plan {
  const chunkElements = product(arr.chunks);
  return planArray(
    {
      path: base.path || "(root array)",
      bytes: base.bytes,
      chunkBytes: chunkElements * bytesPerElement(base.dtype as NumericDtype),
      dtype: base.dtype,
      chunkCount: chunkCount(arr.shape, arr.chunks),
      store: run.store instanceof FileStore
        ? { kind: "local" }
        : { kind: "remote", latencyMs: run.request.limits.remoteLatencyMs },
      workspaceBytes: workspaceFor(active, chunkElements),
    },
    run.budget,
    run.request.limits,
  );
}

/** Workers pay off once an array has a few chunks per worker and some megabytes. */
function workersFor(plan: Plan, pool: WorkerPool | undefined, mine: ChunkRange, bytes: number) {
  const enough = mine.to - mine.from >= 2 * plan.workers && bytes >= 4e6;
  return pool && plan.workers > 1 && enough ? plan.workers : 1;
}

/** Chunk progress to the live display, or a log line every two seconds without one. */
function progressReporter(
  run: RunContext,
  name: string,
  bytes: number,
  total: number,
  seconds: () => number,
): (done: number) => void {
  let lastLog = performance.now();
  return (done) => {
    if (run.request.progress) {
      run.request.progress.chunkDone(name, done, bytes * done / total);
      return;
    }
    const now = performance.now();
    if (now - lastLog <= 2000) return;
    lastLog = now;
    const mb = (bytes * done / total) / 1e6;
    run.log(`${name}: ${done}/${total} chunks, ${(mb / seconds()).toFixed(1)} MB/s`);
  };
}

/** What {@linkcode runStages} works on. */
interface StageWork {
  arr: zarr.Array<zarr.DataType, Store>;
  // deno-lint-ignore no-explicit-any
  active: Stage<any, unknown>[];
  info: ArrayInfo;
  total: number;
  mine: ChunkRange;
  plan: Plan;
}

/**
 * The pre-pass (when a stage wants one), the chunk pass, then either the raw
 * states (a partial run) or the finalized results.
 */
async function runStages(
  request: RunRequest,
  pass: ChunkPass,
  { arr, active, info, total, mine, plan }: StageWork,
): Promise<Partial<ArrayReport>> {
  if (active.some((s) => s.wantsPrepass?.(info))) {
    // A first pass for ranges (histogram bins); stats are cheap next to decoding.
    // Over every chunk even in a shard run, so that all shards choose the same bins.
    const specs = [{ name: "stats", options: {} }];
    const pre = await pass.run(specs, [statsStage], { from: 0, to: total });
    const s = statsStage.finalize(
      pre.states[0] as Parameters<typeof statsStage.finalize>[0],
      info,
    );
    info.prepass = { min: s.min, max: s.max, count: s.count };
  }
  // The breakdown covers the chunk pass only, like its `seconds` (not the pre-pass).
  pass.resetTiming();
  const start = performance.now();
  const { states, chunks: chunksTotal } = await pass.run(request.stages, active, mine);
  const seconds = (performance.now() - start) / 1000;
  const counts = { chunksTotal, chunksMissing: pass.missing };
  const timing = timingReport(pass.timing, seconds, pass.workers, plan);
  if (request.partials) {
    // Stages that read the array themselves do so once, in the shard holding chunk 0;
    // their merge keeps that shard's state.
    if (mine.from === 0) await readArrays(arr, active, states, info);
    const partial = { info, stages: active.map((s) => s.name), states, ...mine };
    return { ...counts, timing, partial };
  }
  await readArrays(arr, active, states, info);
  return { ...counts, timing, ...finalizeArray(active, states, info) };
}

/**
 * The array's raw layout for the fast chunk path, checked against what
 * zarrita opened (a disagreement sends it down the generic path).
 */
async function fastLayout(
  store: Store,
  path: string,
  arr: zarr.Array<zarr.DataType, Store>,
): Promise<RawLayoutResult> {
  const raw = await loadRawLayout(store, path);
  if ("generic" in raw) return raw;
  const l = raw.layout;
  if (
    l.dtype !== String(arr.dtype) || l.shape.join() !== arr.shape.join() ||
    l.chunks.join() !== arr.chunks.join()
  ) {
    return { generic: "metadata read differently by zarrita" };
  }
  return raw;
}

/** Kernel work space a worker reserves: label lists need 16 bytes per element. */
function workspaceFor(
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  chunkElements: number,
): number {
  return DEFAULT_WORKSPACE_BYTES +
    (stages.some((s) => s.name === "labels") ? 16 * chunkElements : 0);
}

function timingReport(
  t: ChunkTiming | undefined,
  seconds: number,
  workers: number,
  plan: Plan,
): TimingReport {
  const planned = {
    plannedDecodedBytes: plan.inFlightBytes,
    plannedEncodedBytes: plan.encodedInFlightBytes,
  };
  const round = (ms: number) => Math.round(ms) / 1000;
  if (!t) {
    return {
      path: "generic",
      seconds,
      workers,
      ...planned,
      bottleneck: "unmeasured: the generic (zarrita) path is not broken down",
    };
  }
  return {
    path: "fast",
    seconds,
    workers,
    fetch: round(t.fetchMs),
    wait: round(t.waitMs),
    decode: round(t.decodeMs),
    reduce: round(t.reduceMs),
    encodedBytes: t.encodedBytes,
    decodedBytes: t.decodedBytes,
    peakDecodedBytes: t.peakDecodedBytes,
    peakEncodedBytes: t.peakEncodedBytes,
    ...planned,
    decoder: t.decoder,
    bottleneck: bottleneck(t),
  };
}

/** Lets the stages that read the array themselves (`Stage.readArray`) do so, one at a time. */
async function readArrays(
  arr: zarr.Array<zarr.DataType, Store>,
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  states: unknown[],
  info: ArrayInfo,
): Promise<void> {
  const read: RegionReader = async (start, stop, step) => {
    const region = await zarr.get(
      arr,
      start.map((a, d) => zarr.slice(a, stop[d], step?.[d] ?? 1)),
    );
    return region as unknown as Region;
  };
  const sibling: SiblingOpener = async (name) => {
    const parent = arr.path.replace(/\/[^/]*$/, "");
    const other = await zarr.open(zarr.root(arr.store).resolve(`${parent}/${name}`), {
      kind: "array",
    });
    return {
      shape: other.shape,
      read: async (start, stop, step) =>
        await zarr.get(
          other,
          start.map((a, d) => zarr.slice(a, stop[d], step?.[d] ?? 1)),
        ) as unknown as Region,
    };
  };
  for (let s = 0; s < stages.length; s++) {
    const stage = stages[s];
    if (stage.readArray) states[s] = await stage.readArray(states[s], read, info, sibling);
  }
}
