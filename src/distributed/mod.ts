/**
 * One run over many machines: a shard processes its slice of every array's
 * chunks and writes its stage states (not results) to a shard file; `merge`
 * combines N shard files into the report one run would have written. On Deno
 * Deploy, the same shards fan out over a Deno KV queue.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeState, encodeState, shardFileName } from "./mod.ts";
 * assertEquals(shardFileName({ index: 0, count: 4 }), "shard-0-of-4.json");
 * const state = { n: 3n, seen: new Map([[1n, 2]]) };
 * assertEquals(decodeState(JSON.parse(JSON.stringify(encodeState(state)))), state);
 * ```
 *
 * @module
 */
export { decodeState, encodeState } from "./state_codec.ts";
export {
  parseShardFile,
  readShardFiles,
  runShard,
  SHARD_FORMAT,
  type ShardArray,
  type ShardFile,
  shardFileName,
  toShardFile,
  writeShardFile,
} from "./shard.ts";
export { type MergedReport, mergeShards } from "./merge.ts";
export {
  enqueueShards,
  type FanoutConfig,
  fanoutProgress,
  handleShardMessage,
  isShardMessage,
  listenForShards,
  partialKey,
  readFanoutReport,
  reportKey,
  type ShardMessage,
  type ShardOutcome,
} from "./kv_fanout.ts";
export {
  arraySpec,
  type QueuedJob,
  retryRun,
  SLURM_RUN_FORMAT,
  type SlurmRequest,
  type SlurmRun,
  type SlurmStatus,
  slurmStatus,
  type SlurmSubmission,
  submitRun,
  waitForRun,
} from "./slurm.ts";
