/**
 * Which chunks a shard of a distributed run reduces.
 *
 * {@linkcode shardRanges} balances shards by decoded bytes across all the
 * arrays of a run: the arrays' chunks are laid end to end (arrays in
 * discovery order, chunks in C order) and cut into `count` runs of nearly
 * equal bytes at chunk boundaries. A small array therefore lies in one shard
 * (two when a cut falls inside it), a large one is split, and the shards'
 * share of the bytes is within one chunk of an equal share.
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

/** What {@linkcode shardRanges} needs of one array. */
export interface ShardSizing {
  /** Chunks in the array's grid. */
  chunks: number;
  /** Decoded bytes of one chunk (0 for an array that cannot be read). */
  chunkBytes: number;
}

/**
 * The chunk range `[from, to)` shard `shard` reduces in each of `arrays`, or
 * `null` where other shards hold all of that array. Every chunk (and every
 * array with no chunks or no bytes, which goes to the shard where it starts)
 * belongs to exactly one shard, and the ranges of one array over shards
 * `0 .. count-1` tile `[0, chunks)` in order. The cuts are the same in every
 * shard: they depend only on `arrays` and `count` ({@linkcode shardCuts}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shardRanges } from "./shard_range.ts";
 * // A large array of 6 chunks and two small ones, in 2 shards of 4 chunks' bytes each.
 * const arrays = [{ chunks: 6, chunkBytes: 100 }, { chunks: 1, chunkBytes: 100 },
 *   { chunks: 1, chunkBytes: 100 }];
 * assertEquals(shardRanges(arrays, { index: 0, count: 2 }), [{ from: 0, to: 4 }, null, null]);
 * assertEquals(shardRanges(arrays, { index: 1, count: 2 }),
 *   [{ from: 4, to: 6 }, { from: 0, to: 1 }, { from: 0, to: 1 }]);
 * ```
 */
export function shardRanges(
  arrays: ShardSizing[],
  shard: ShardSpec,
): ({ from: number; to: number } | null)[] {
  const cuts = shardCuts(arrays, shard.count);
  const lo = cuts[shard.index];
  const hi = cuts[shard.index + 1];
  const last = shard.index === shard.count - 1;
  let start = 0;
  return arrays.map(({ chunks, chunkBytes }) => {
    const begin = start;
    start += chunks * chunkBytes;
    if (chunks === 0 || chunkBytes === 0) {
      // The shard whose byte span holds the array's position (the last one at the very end).
      return begin >= lo && (begin < hi || last) && ownerOf(cuts, begin) === shard.index
        ? { from: 0, to: chunks }
        : null;
    }
    // Chunk j starts at begin + j * chunkBytes; this shard takes those starting in [lo, hi).
    const at = (cut: number) =>
      Math.min(chunks, Math.max(0, Math.ceil((cut - begin) / chunkBytes)));
    const from = at(lo);
    const to = last ? chunks : at(hi);
    return to > from ? { from, to } : null;
  });
}

/** The shard whose span `[cuts[k], cuts[k + 1])` holds byte position `pos` (the last at the end). */
function ownerOf(cuts: number[], pos: number): number {
  let k = 0;
  while (k + 2 < cuts.length && cuts[k + 1] <= pos) k++;
  return k;
}

/**
 * The `count + 1` byte positions that cut the arrays' chunks, laid end to
 * end, into `count` shards: each cut is the chunk boundary nearest to
 * `i/count` of the total, so every shard's share is within one chunk of an
 * equal share; a local search then moves cuts by one chunk at a time while
 * that narrows the spread between the largest and smallest shard (on stores
 * of one or two chunk sizes this ends at most one chunk apart).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shardCuts } from "./shard_range.ts";
 * assertEquals(shardCuts([{ chunks: 10, chunkBytes: 1 }], 4), [0, 2, 5, 7, 10]);
 * ```
 */
export function shardCuts(arrays: ShardSizing[], count: number): number[] {
  const layout = new ChunkLayout(arrays);
  const total = layout.total;
  const cuts = [0];
  for (let i = 1; i < count; i++) {
    const ideal = i * total / count;
    const below = layout.atOrBelow(ideal);
    const above = layout.after(below);
    cuts.push(Math.max(cuts[i - 1], ideal - below <= above - ideal ? below : above));
  }
  cuts.push(total);
  const spread = () => {
    let max = -Infinity;
    let min = Infinity;
    let squares = 0;
    for (let k = 0; k < count; k++) {
      const size = cuts[k + 1] - cuts[k];
      max = Math.max(max, size);
      min = Math.min(min, size);
      squares += (size - total / count) ** 2;
    }
    return { range: max - min, squares };
  };
  for (let round = 0, better = true; better && round < 64; round++) {
    better = false;
    for (let i = 1; i < count; i++) {
      for (const to of [layout.before(cuts[i]), layout.after(cuts[i])]) {
        if (to < cuts[i - 1] || to > cuts[i + 1] || to === cuts[i]) continue;
        const was = spread();
        const from = cuts[i];
        cuts[i] = to;
        const now = spread();
        if (now.range < was.range || (now.range === was.range && now.squares < was.squares)) {
          better = true;
        } else cuts[i] = from;
      }
    }
  }
  return cuts;
}

/** Chunk boundaries of arrays laid end to end, as byte positions. */
class ChunkLayout {
  /** The arrays that hold bytes, with where each starts. */
  private readonly runs: { start: number; chunks: number; bytes: number }[] = [];
  readonly total: number;
  constructor(arrays: ShardSizing[]) {
    let total = 0;
    for (const { chunks, chunkBytes } of arrays) {
      if (chunks * chunkBytes > 0) this.runs.push({ start: total, chunks, bytes: chunkBytes });
      total += chunks * chunkBytes;
    }
    this.total = total;
  }
  /** The run holding byte `pos`, 0 <= pos < total. */
  private runAt(pos: number) {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runs[mid].start <= pos) lo = mid;
      else hi = mid - 1;
    }
    return this.runs[lo];
  }
  /** The last chunk boundary at or below `pos`. */
  atOrBelow(pos: number): number {
    if (pos <= 0) return 0;
    if (pos >= this.total) return this.total;
    const r = this.runAt(pos);
    return r.start + Math.floor((pos - r.start) / r.bytes) * r.bytes;
  }
  /** The chunk boundary before `pos` (0 at the start). */
  before(pos: number): number {
    return pos <= 0 ? 0 : this.atOrBelow(pos - 1);
  }
  /** The chunk boundary after `pos` (the total at the end). */
  after(pos: number): number {
    if (pos >= this.total) return this.total;
    return this.atOrBelow(pos) + this.runAt(pos).bytes;
  }
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
