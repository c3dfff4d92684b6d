/**
 * lamella: statistics, histograms and wavelet peaks of large Zarr arrays in
 * bounded memory, with WebAssembly SIMD kernels.
 *
 * @example
 * ```ts ignore
 * import { DEFAULT_LIMITS, runPipeline } from "./mod.ts";
 * const report = await runPipeline({
 *   source: "data/sample.zarr",
 *   arrays: [],
 *   stages: [{ name: "stats", options: {} }],
 *   stagesSource: "example",
 *   limits: DEFAULT_LIMITS,
 * });
 * console.log(report.arrays.map((a) => a.path));
 * ```
 *
 * @module
 */
export {
  type ArrayPartial,
  type ArrayReport,
  finalizeArray,
  type Report,
  runPipeline,
  type RunRequest,
  VERSION,
} from "./src/run/pipeline.ts";
export {
  loadPipelineConfig,
  parsePipelineConfig,
  type PipelineConfig,
  type StageSpec,
} from "./src/plan/config.ts";
export {
  ChunkError,
  ConfigError,
  LamellaError,
  StoreError,
  UnsupportedError,
} from "./src/model/errors.ts";
export {
  DEFAULT_LIMITS,
  type LimitSettings,
  mergeLimits,
  parseLimitEnv,
} from "./src/plan/settings_env.ts";
export { type Budget, detectBudget, probeEnvironment } from "./src/plan/budget.ts";
export { type Plan, planArray } from "./src/plan/planner.ts";
export { readCgroupLimits } from "./src/plan/cgroup.ts";
export { FileStore, HttpStore, openStore, type Store } from "./src/store/store.ts";
export { discoverArrays } from "./src/store/discovery.ts";
export { formatTable, writeReport } from "./src/report/json.ts";
export { createStages, STAGE_NAMES, statsStage } from "./src/stages/mod.ts";
export { finalizeStats, mergeStats } from "./src/stages/stats.ts";
export { stats } from "./kernels/mod.ts";
export { decodeState, encodeState } from "./src/distributed/state_codec.ts";
export { parseShardSpec, shardRange, type ShardSpec } from "./src/plan/shard_range.ts";
export {
  readShardFiles,
  runShard,
  type ShardFile,
  shardFileName,
  toShardFile,
  writeShardFile,
} from "./src/distributed/shard.ts";
export { type MergedReport, mergeShards } from "./src/distributed/merge.ts";
export {
  enqueueShards,
  type FanoutConfig,
  fanoutProgress,
  handleShardMessage,
  isShardMessage,
  listenForShards,
  readFanoutReport,
  type ShardMessage,
} from "./src/distributed/kv_fanout.ts";
