/**
 * Which chunks a shard of a distributed run reduces: shard `index` of
 * `count` takes a contiguous run of chunk indices (C order) of every array,
 * the runs equal in length to within one chunk. On a regular chunk grid every
 * chunk has the same decoded size, so equal counts are equal bytes (edge
 * chunks and chunks absent from the store cannot be known without listing).
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  /** This shard's number, 0-based. */
  index: number;
  /** Shards in the run. */
  count: number;
}

/**
 * The chunk index range `[from, to)` of `shard` in an array of `total`
 * chunks; every chunk when `shard` is absent. The ranges of shards
 * `0 .. count-1` tile `[0, total)` in order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shardRange } from "./shard_range.ts";
 * const r = [0, 1, 2].map((index) => shardRange(10, { index, count: 3 }));
 * assertEquals(JSON.stringify(r), '[{"from":0,"to":3},{"from":3,"to":6},{"from":6,"to":10}]');
 * ```
 */
export function shardRange(total: number, shard?: ShardSpec): { from: number; to: number } {
  if (!shard) return { from: 0, to: total };
  return {
    from: Math.floor(total * shard.index / shard.count),
    to: Math.floor(total * (shard.index + 1) / shard.count),
  };
}

/**
 * Parses `I/N` (shard I of N, 0 <= I < N, whole numbers), as the `--shard`
 * flag and the `LAMELLA_SHARD` variable give it. `flag` names the source in
 * the error.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseShardSpec } from "./shard_range.ts";
 * const s = parseShardSpec("2/7", "--shard");
 * assertEquals(s.index, 2);
 * assertEquals(s.count, 7);
 * ```
 */
export function parseShardSpec(text: string, flag: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (
    !m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 ||
    index >= count
  ) {
    throw new LamellaError(
      `${flag}: expected I/N with whole numbers 0 <= I < N (e.g. 0/4); found "${text}"`,
    );
  }
  return { index, count };
}
