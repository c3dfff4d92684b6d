/**
 * lamella: statistics, histograms, profiles, labels and wavelet peaks of
 * large Zarr (v2/v3) arrays, streamed chunk by chunk through WebAssembly
 * SIMD kernels in a memory budget taken from the container's cgroup limits.
 *
 * This module runs the pipeline: {@linkcode runPipeline} discovers the
 * arrays of a store, plans each one and returns the report. The parts have
 * their own entry points:
 *
 * | import | what |
 * |---|---|
 * | `@lamella/lamella/stages` | the {@linkcode Stage} contract, the built-in stages, `registerStage` |
 * | `@lamella/lamella/kernels` | the WASM kernels and their scalar references |
 * | `@lamella/lamella/store` | file, http(s) and S3 stores; array discovery |
 * | `@lamella/lamella/plan` | pipeline files, settings, cgroup limits, budget, planner |
 * | `@lamella/lamella/report` | report.json, report.html, report sinks |
 * | `@lamella/lamella/distributed` | shard runs, merge, the Deno KV fan-out |
 * | `@lamella/lamella/model` | the report, plan and array types; errors |
 *
 * @example Statistics and a histogram of every array of a store
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_LIMITS, runPipeline } from "./mod.ts";
 * import { createArrayV2, writeArray } from "./tools/sample/zarr_write.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = await createArrayV2(`${dir}/a.zarr`, {
 *   shape: [6], chunks: [4], dtype: "<u2", compressor: { id: "zstd", level: 1 },
 * });
 * await writeArray(writer, ([c]) => new Uint16Array(c === 0 ? [1, 2, 3, 4] : [5, 6]));
 * const report = await runPipeline({
 *   source: `${dir}/a.zarr`,
 *   arrays: [],
 *   stages: [{ name: "stats", options: {} }, { name: "histogram", options: { bins: 3 } }],
 *   stagesSource: "example",
 *   limits: DEFAULT_LIMITS,
 * });
 * const [a] = report.arrays;
 * assertEquals([a.shape, a.strategy], [[6], "direct"]);
 * assertEquals((a.stats as { mean: number }).mean, 3.5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { runPipeline, type RunRequest } from "./src/run/pipeline.ts";
export {
  type ArrayOutcome,
  createProgress,
  type Progress,
  type ProgressOptions,
} from "./src/run/progress.ts";
export {
  NULL_TRACE,
  Trace,
  type TraceArgs,
  type TraceEvent,
  type TraceJson,
  type TraceOptions,
  type TraceRecorder,
} from "./src/run/trace.ts";
export {
  CHECKPOINT_DIR,
  clearCheckpoints,
  readCheckpoints,
  saveCheckpoint,
} from "./src/run/checkpoint.ts";
export {
  type ArrayInfo,
  type ArrayPartial,
  type ArrayReport,
  type BudgetEnvironment,
  causeMessage,
  ChunkError,
  ConfigError,
  LamellaError,
  type MemorySource,
  type Multiscale,
  type Plan,
  type Report,
  StoreError,
  type Strategy,
  type TimingReport,
  UnsupportedError,
  VERSION,
} from "./src/model/mod.ts";
export {
  type Chunk,
  createStages,
  finalizeArray,
  registerStage,
  type Stage,
  STAGE_NAMES,
  type StageFactory,
  type StageSpec,
} from "./src/stages/mod.ts";
export {
  DEFAULT_LIMITS,
  type LimitOverrides,
  type LimitSettings,
  loadPipelineConfig,
  mergeLimits,
  parseLimitEnv,
  parsePipelineConfig,
  type PipelineConfig,
} from "./src/plan/mod.ts";
export { openStore, type Store } from "./src/store/mod.ts";
export { formatTable, renderReportHtml, reportJson, writeReport } from "./src/report/mod.ts";
