/**
 * Fanning a run out over Deno KV queues (Deno Deploy has no job arrays):
 * {@linkcode enqueueShards} stores the job and enqueues one message per
 * shard; {@linkcode handleShardMessage}, called from `kv.listenQueue`, runs
 * one shard and stores its shard file under `["partials", jobId, index]`, and
 * the shard whose commit completes the count merges all of them into the
 * report under `["reports", jobId]` ({@linkcode readFanoutReport}).
 *
 * Queue delivery is at least once, so a message may run twice: a shard's
 * partial is committed only if none is stored yet (an atomic check), in the
 * same atomic operation that adds 1 to the job's counter, so repeats never
 * count twice. The merge is deterministic and its result is stored only if
 * no report exists yet, so a merge that runs twice (two shards finishing at
 * once, or a retried message) changes nothing.
 *
 * KV values are at most 64 KiB: shard files and reports are stored as JSON
 * text in pieces under `["pieces", ...key, nonce, k]`, and the key itself
 * holds `{ nonce, pieces, bytes }`.
 *
 * @module
 */
import { causeMessage } from "../model/errors.ts";
import { LamellaError } from "../model/errors.ts";
import { type MergedReport, mergeShards } from "./merge.ts";
import { importStageModules } from "../stages/mod.ts";
import type { RunRequest } from "../run/pipeline.ts";
import { parseShardFile, runShard } from "./shard.ts";

/** What a fanned-out job runs: a run request without its callbacks. */
export type FanoutConfig = Omit<
  RunRequest,
  "log" | "progress" | "trace" | "onArrayDone" | "completed" | "shard" | "partials" | "planOnly"
>;

/** The queue message of one shard. */
export interface ShardMessage {
  /** Marks a lamella shard message among other messages on the queue. */
  kind: "lamella-shard";
  /** The fan-out job this shard belongs to. */
  jobId: string;
  /** This shard's number, 0-based. */
  index: number;
  /** Shards in the job. */
  count: number;
}

/** Where a stored text's pieces are. */
interface PiecesManifest {
  nonce: string;
  pieces: number;
  bytes: number;
}

/** Bytes per stored piece: under the 64 KiB value limit with room for the encoding. */
const PIECE_BYTES = 60_000;
/** Pieces per atomic write: under the 800 KiB mutation limit per operation. */
const PIECES_PER_COMMIT = 12;

const jobKey = (jobId: string): Deno.KvKey => ["fanout", jobId, "job"];
const doneKey = (jobId: string): Deno.KvKey => ["fanout", jobId, "done"];
/** Where a shard's partial is stored. */
export const partialKey = (jobId: string, index: number): Deno.KvKey => ["partials", jobId, index];
/** Where a job's merged report is stored. */
export const reportKey = (jobId: string): Deno.KvKey => ["reports", jobId];

/**
 * Tells lamella's shard messages from others on the same queue (a Deno
 * Deploy project has a single queue).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isShardMessage } from "./kv_fanout.ts";
 * assert(isShardMessage({ kind: "lamella-shard", jobId: "j", index: 0, count: 1 }));
 * assert(!isShardMessage({ kind: "email" }));
 * ```
 */
export function isShardMessage(message: unknown): message is ShardMessage {
  const m = message as Partial<ShardMessage> | null;
  return !!m && m.kind === "lamella-shard" && typeof m.jobId === "string" &&
    Number.isInteger(m.index) && Number.isInteger(m.count);
}

/**
 * Stores the job (its config and shard count) and enqueues one message per
 * shard, in one atomic operation. A job id can be used once.
 *
 * @example
 * ```ts ignore
 * import { enqueueShards } from "./kv_fanout.ts";
 * const kv = await Deno.openKv();
 * await enqueueShards(kv, crypto.randomUUID(), { source: "s3://bucket/x.zarr", arrays: [],
 *   stages: [{ name: "stats", options: {} }], stagesSource: "api", limits }, 16);
 * ```
 */
export async function enqueueShards(
  kv: Deno.Kv,
  jobId: string,
  config: FanoutConfig,
  count: number,
): Promise<void> {
  if (!Number.isInteger(count) || count < 1 || count > 500) {
    throw new RangeError(`shard count: expected a whole number from 1 to 500; found ${count}`);
  }
  const op = kv.atomic()
    .check({ key: jobKey(jobId), versionstamp: null })
    .set(jobKey(jobId), { config, count, enqueuedAt: new Date().toISOString() });
  for (let index = 0; index < count; index++) {
    const message: ShardMessage = { kind: "lamella-shard", jobId, index, count };
    op.enqueue(message, { keysIfUndelivered: [["fanout", jobId, "undelivered", index]] });
  }
  const result = await op.commit();
  if (!result.ok) throw new LamellaError(`fan-out job ${jobId} exists already`);
}

/** What handling one message did. */
export type ShardOutcome =
  | { stored: boolean; merged: false }
  | { stored: boolean; merged: true; report: MergedReport };

/**
 * Runs one shard of a fanned-out job and stores its partial; if that
 * completes the job, merges every partial and stores the report. Throws
 * (so the queue retries the message) when the shard cannot run.
 *
 * @example
 * ```ts ignore
 * import { handleShardMessage, isShardMessage } from "./kv_fanout.ts";
 * const kv = await Deno.openKv();
 * kv.listenQueue(async (m) => {
 *   if (isShardMessage(m)) await handleShardMessage(kv, m);
 * });
 * ```
 */
export async function handleShardMessage(
  kv: Deno.Kv,
  message: ShardMessage,
  options: { log?: (line: string) => void } = {},
): Promise<ShardOutcome> {
  const { jobId, index, count } = message;
  const log = options.log ?? (() => {});
  const key = partialKey(jobId, index);
  let stored = false;
  if ((await kv.get(key)).versionstamp === null) {
    const job = await kv.get<{ config: FanoutConfig; count: number }>(jobKey(jobId));
    if (!job.value) throw new LamellaError(`fan-out job ${jobId}: no such job in KV`);
    if (job.value.count !== count) {
      throw new LamellaError(
        `fan-out job ${jobId} has ${job.value.count} shards, message ${count}`,
      );
    }
    const file = await runShard({
      ...job.value.config,
      shard: { index, count },
      log: (line) => log(`[${jobId} ${index}/${count}] ${line}`),
    });
    const manifest = await putPieces(kv, key, JSON.stringify(file));
    const commit = await kv.atomic()
      .check({ key, versionstamp: null })
      .set(key, manifest)
      .sum(doneKey(jobId), 1n)
      .commit();
    stored = commit.ok;
    // Another delivery of this message stored it first: this copy is not needed.
    if (!commit.ok) await deletePieces(kv, key, manifest);
  }
  const done = (await kv.get<Deno.KvU64>(doneKey(jobId))).value?.value ?? 0n;
  if (done < BigInt(count) || (await kv.get(reportKey(jobId))).versionstamp !== null) {
    return { stored, merged: false };
  }
  const files = [];
  for (let i = 0; i < count; i++) {
    const text = await getPieces(kv, partialKey(jobId, i));
    if (text === undefined) throw new LamellaError(`fan-out job ${jobId}: partial ${i} vanished`);
    files.push(parseShardFile(JSON.parse(text), `KV ${JSON.stringify(partialKey(jobId, i))}`));
  }
  await importStageModules(files.flatMap((f) => f.stageModules ?? []));
  const report = mergeShards(files);
  const text = JSON.stringify(report, (_k, v) => typeof v === "bigint" ? v.toString() : v);
  const manifest = await putPieces(kv, reportKey(jobId), text);
  const commit = await kv.atomic()
    .check({ key: reportKey(jobId), versionstamp: null })
    .set(reportKey(jobId), manifest)
    .commit();
  if (!commit.ok) {
    await deletePieces(kv, reportKey(jobId), manifest);
    return { stored, merged: false };
  }
  log(
    `[${jobId}] all ${count} shards done: report stored under ${JSON.stringify(reportKey(jobId))}`,
  );
  return { stored, merged: true, report };
}

/**
 * Listens on `kv`'s queue and handles lamella's shard messages (others are
 * ignored; on Deno Deploy, where there is one listener per isolate, call
 * {@linkcode handleShardMessage} from your own listener instead). Errors are
 * logged and rethrown, so the queue retries the message.
 *
 * @example
 * ```ts ignore
 * import { listenForShards } from "./kv_fanout.ts";
 * const kv = await Deno.openKv();
 * await listenForShards(kv, { log: console.log });
 * ```
 */
export function listenForShards(
  kv: Deno.Kv,
  options: { log?: (line: string) => void; onOutcome?: (o: ShardOutcome) => void } = {},
): Promise<void> {
  return kv.listenQueue(async (message: unknown) => {
    if (!isShardMessage(message)) return;
    try {
      options.onOutcome?.(await handleShardMessage(kv, message, options));
    } catch (e) {
      options.log?.(`[${message.jobId} ${message.index}/${message.count}] ${causeMessage(e)}`);
      throw e;
    }
  });
}

/**
 * The merged report of a fanned-out job, once its last shard has finished.
 *
 * @example
 * ```ts ignore
 * import { readFanoutReport } from "./kv_fanout.ts";
 * const report = await readFanoutReport(await Deno.openKv(), jobId);
 * ```
 */
export async function readFanoutReport(
  kv: Deno.Kv,
  jobId: string,
): Promise<MergedReport | undefined> {
  const text = await getPieces(kv, reportKey(jobId));
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * How far a job has come: shards stored, and shards whose messages the queue
 * gave up on (after its retries).
 *
 * @example
 * ```ts ignore
 * import { fanoutProgress } from "./kv_fanout.ts";
 * const { done, count, undelivered } = await fanoutProgress(kv, jobId);
 * ```
 */
export async function fanoutProgress(
  kv: Deno.Kv,
  jobId: string,
): Promise<{ done: number; count: number; undelivered: number[] }> {
  const job = await kv.get<{ count: number }>(jobKey(jobId));
  const done = (await kv.get<Deno.KvU64>(doneKey(jobId))).value?.value ?? 0n;
  const undelivered: number[] = [];
  for await (const e of kv.list({ prefix: ["fanout", jobId, "undelivered"] })) {
    undelivered.push(e.key[3] as number);
  }
  return { done: Number(done), count: job.value?.count ?? 0, undelivered };
}

async function putPieces(kv: Deno.Kv, key: Deno.KvKey, text: string): Promise<PiecesManifest> {
  const bytes = new TextEncoder().encode(text);
  const nonce = crypto.randomUUID();
  const pieces = Math.max(1, Math.ceil(bytes.length / PIECE_BYTES));
  for (let first = 0; first < pieces; first += PIECES_PER_COMMIT) {
    const op = kv.atomic();
    for (let k = first; k < Math.min(pieces, first + PIECES_PER_COMMIT); k++) {
      op.set(["pieces", ...key, nonce, k], bytes.subarray(k * PIECE_BYTES, (k + 1) * PIECE_BYTES));
    }
    const result = await op.commit();
    if (!result.ok) throw new LamellaError(`KV: could not store ${JSON.stringify(key)}`);
  }
  return { nonce, pieces, bytes: bytes.length };
}

async function getPieces(kv: Deno.Kv, key: Deno.KvKey): Promise<string | undefined> {
  const manifest = (await kv.get<PiecesManifest>(key)).value;
  if (!manifest) return undefined;
  const bytes = new Uint8Array(manifest.bytes);
  let at = 0;
  for (let k = 0; k < manifest.pieces; k++) {
    const piece = (await kv.get<Uint8Array>(["pieces", ...key, manifest.nonce, k])).value;
    if (!piece) throw new LamellaError(`KV: piece ${k} of ${JSON.stringify(key)} is missing`);
    bytes.set(piece, at);
    at += piece.length;
  }
  return new TextDecoder().decode(bytes);
}

async function deletePieces(kv: Deno.Kv, key: Deno.KvKey, m: PiecesManifest): Promise<void> {
  for (let k = 0; k < m.pieces; k++) await kv.delete(["pieces", ...key, m.nonce, k]);
}
