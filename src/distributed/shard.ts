/**
 * Shard runs of a distributed job: `deno task process --shard I/N` reduces
 * shard I's slice of every array's chunks (src/plan/shard_range.ts) and writes the
 * stages' unfinalized states to `shard-I-of-N.json`; `deno task merge`
 * (src/distributed/merge.ts) merges N such files into the report one run would write.
 *
 * Histogram ranges: a stage that wants a statistics pre-pass (histograms of
 * floats and of small integer arrays without a configured `range`) gets it
 * over all chunks of the array in every shard, not only the shard's slice.
 * The pre-pass keeps only min, max and count, which are exact whatever the
 * order, so every shard chooses the same bins and the counts add up. It costs
 * each shard one extra read of the whole array (statistics only); a
 * configured `range` avoids it.
 *
 * @module
 */
import type { StageSpec } from "../stages/stage.ts";
import { LamellaError } from "../model/errors.ts";
import { encodeState } from "./state_codec.ts";
import {
  type ArrayReport,
  type Report,
  runPipeline,
  type RunRequest,
  VERSION,
} from "../run/pipeline.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import type { ShardSpec } from "../plan/shard_range.ts";
import type { ArrayInfo } from "../stages/stage.ts";

/** Marks a shard file, so `merge` can tell one from a report. */
export const SHARD_FORMAT = "lamella-shard/1";

/**
 * One array in a shard file: its plan fields, and its states unless it failed
 * or was skipped. `chunksTotal` counts the chunks this shard read and
 * `chunksMissing` those of them absent from the store.
 */
export type ShardArray = ArrayReport & {
  /** The array as the stages saw it, with the pre-pass statistics. */
  info?: ArrayInfo;
  /** Names of the stages whose states follow, in order. */
  stages?: string[];
  /** Encoded states (src/distributed/state_codec.ts), one per stage. */
  states?: unknown[];
  /** This shard's chunk index range `[from, to)`. */
  from?: number;
  to?: number;
};

/** The content of `shard-I-of-N.json`. */
export interface ShardFile {
  /** Always {@linkcode SHARD_FORMAT}. */
  format: typeof SHARD_FORMAT;
  /** lamella version that wrote the file; merge refuses other versions. */
  version: string;
  /** The store the shard read. */
  source: string;
  /** Which shard of how many. */
  shard: ShardSpec;
  /** The stages as declared, so merge builds the same ones. */
  stages: StageSpec[];
  /** Where the stage list came from, for messages. */
  stagesSource: string;
  /** Modules registering custom stages (`RunRequest.stageModules`); merge imports them. */
  stageModules?: string[];
  /** When the shard started (ISO 8601). */
  startedAt: string;
  /** Seconds the shard ran. */
  seconds: number;
  /** The shard's machine, limits and budget. */
  environment: Report["environment"];
  /** Every array: plan fields, and the encoded states unless it failed or was skipped. */
  arrays: ShardArray[];
}

/**
 * The file name of shard `index` of `count`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shardFileName } from "./shard.ts";
 * assertEquals(shardFileName({ index: 2, count: 7 }), "shard-2-of-7.json");
 * ```
 */
export function shardFileName(shard: ShardSpec): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/**
 * Builds a shard file from a run made with `partials: true` and `shard`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toShardFile } from "./shard.ts";
 * const file = toShardFile({ version: "0.1.0", startedAt: "", seconds: 0, source: "s.zarr",
 *   environment: {} as never, arrays: [] }, {
 *   shard: { index: 0, count: 2 }, stages: [{ name: "stats", options: {} }], stagesSource: "t" });
 * assertEquals(file.shard.count, 2);
 * assertEquals(file.arrays.length, 0);
 * ```
 */
export function toShardFile(
  report: Report,
  run: { shard: ShardSpec; stages: StageSpec[]; stagesSource: string; stageModules?: string[] },
): ShardFile {
  return {
    format: SHARD_FORMAT,
    version: report.version,
    source: report.source,
    shard: { index: run.shard.index, count: run.shard.count },
    stages: run.stages,
    stagesSource: run.stagesSource,
    ...(run.stageModules?.length ? { stageModules: run.stageModules } : {}),
    startedAt: report.startedAt,
    seconds: report.seconds,
    environment: report.environment,
    arrays: report.arrays.map((a): ShardArray => {
      const { partial, ...entry } = a;
      return partial
        ? {
          ...entry,
          info: partial.info,
          stages: partial.stages,
          states: partial.states.map(encodeState),
          from: partial.from,
          to: partial.to,
        } as ShardArray
        : entry as ShardArray;
    }),
  };
}

/**
 * Runs one shard of `request` and returns its shard file (writing it is the
 * caller's: {@linkcode writeShardFile}, or Deno KV in src/distributed/kv_fanout.ts).
 *
 * @example
 * ```ts ignore
 * import { runShard } from "./shard.ts";
 * import { DEFAULT_LIMITS } from "../plan/settings_env.ts";
 * const file = await runShard({ source: "data/sample.zarr", arrays: [],
 *   stages: [{ name: "stats", options: {} }], stagesSource: "flags", limits: DEFAULT_LIMITS,
 *   shard: { index: 0, count: 4 } });
 * ```
 */
export async function runShard(request: RunRequest & { shard: ShardSpec }): Promise<ShardFile> {
  const report = await runPipeline({ ...request, partials: true, planOnly: false });
  return toShardFile(report, request);
}

/**
 * Writes `DIR/shard-I-of-N.json` atomically and returns its path.
 *
 * @example
 * ```ts ignore
 * import { writeShardFile } from "./shard.ts";
 * const path = await writeShardFile("out/shards", file);
 * ```
 */
export async function writeShardFile(dir: string, file: ShardFile): Promise<string> {
  const path = `${dir.replace(/\/+$/, "")}/${shardFileName(file.shard)}`;
  await writeFileAtomic(path, JSON.stringify(file) + "\n");
  return path;
}

/**
 * Checks that parsed JSON is a shard file of this version of lamella.
 * `where` names the file in errors.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseShardFile } from "./shard.ts";
 * try {
 *   parseShardFile({ version: "0.1.0" }, "x.json");
 * } catch (e) {
 *   assert((e as Error).message.includes("not a lamella shard file"));
 * }
 * ```
 */
export function parseShardFile(json: unknown, where: string): ShardFile {
  const f = json as Partial<ShardFile> | null;
  if (!f || typeof f !== "object" || f.format !== SHARD_FORMAT) {
    throw new LamellaError(`${where}: not a lamella shard file (no "format": "${SHARD_FORMAT}")`);
  }
  if (f.version !== VERSION) {
    throw new LamellaError(
      `${where}: written by lamella ${f.version}; this is ${VERSION} (rerun the shards)`,
    );
  }
  const s = f.shard;
  if (
    !s || !Number.isInteger(s.index) || !Number.isInteger(s.count) || s.index < 0 ||
    s.index >= s.count || !Array.isArray(f.arrays) || !Array.isArray(f.stages)
  ) {
    throw new LamellaError(`${where}: malformed shard file (shard, stages or arrays)`);
  }
  return f as ShardFile;
}

/**
 * Reads every `shard-I-of-N.json` in the given directories (or the given
 * files themselves).
 *
 * @example
 * ```ts ignore
 * import { readShardFiles } from "./shard.ts";
 * const files = await readShardFiles(["out/shard-0", "out/shard-1"]);
 * ```
 */
export async function readShardFiles(paths: string[]): Promise<ShardFile[]> {
  const files: string[] = [];
  for (const p of paths) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(p);
    } catch (e) {
      throw new LamellaError(`${p}: cannot read: ${(e as Error).message}`);
    }
    if (stat.isFile) {
      files.push(p);
      continue;
    }
    const found: string[] = [];
    for await (const entry of Deno.readDir(p)) {
      if (entry.isFile && /^shard-\d+-of-\d+\.json$/.test(entry.name)) {
        found.push(`${p.replace(/\/+$/, "")}/${entry.name}`);
      }
    }
    if (found.length === 0) throw new LamellaError(`${p}: no shard-I-of-N.json files in it`);
    files.push(...found.sort());
  }
  return await Promise.all(files.map(async (path) => {
    let json: unknown;
    try {
      json = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new LamellaError(`${path}: unreadable shard file: ${(e as Error).message}`);
    }
    return parseShardFile(json, path);
  }));
}
