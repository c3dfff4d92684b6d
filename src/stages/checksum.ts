/**
 * The `checksum` stage: a SHA-256 of an array's decoded values for data
 * catalogs. Each chunk's valid (unpadded) values are hashed as little-endian
 * bytes in C order (whatever order the chunk is stored in); the array's checksum is the SHA-256 of the chunk digests in chunk
 * index order. This is mergeable (workers and shards hash their own chunks)
 * and changes whenever any value, or the chunking, changes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { bytesPerElement } from "../../kernels/mod.ts";
import { type Stage, validDataC } from "./stage.ts";

/** The report's `checksum` object. */
export interface ChecksumResult {
  /** How the digest is made: SHA-256 over the SHA-256 of every chunk's decoded bytes, in chunk order. */
  algorithm: "sha256-of-chunk-sha256";
  /** Hex digest. */
  sha256: string;
  /** Chunks hashed. */
  chunks: number;
}

function chunkIndex(coords: number[], grid: number[]): number {
  let i = 0;
  for (let d = 0; d < coords.length; d++) i = i * grid[d] + coords[d];
  return i;
}

/**
 * The checksum stage.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { checksumStage } from "./checksum.ts";
 * const info = { path: "a", dtype: "uint8" as const, shape: [2], chunks: [2] };
 * let s = checksumStage.init(info);
 * s = checksumStage.consume(s, { data: new Uint8Array([1, 2]), shape: [2], stride: [1], coords: [0], missing: false }, info);
 * assertEquals(checksumStage.finalize(s, info).sha256.length, 64);
 * ```
 */
export const checksumStage: Stage<Map<number, Uint8Array>, ChecksumResult> = {
  name: "checksum",
  init: () => new Map(),
  consume(state, chunk, array) {
    const grid = array.shape.map((n, d) => Math.ceil(n / array.chunks[d]));
    const data = validDataC(chunk, array);
    const bytes = new Uint8Array(
      data.buffer,
      data.byteOffset,
      data.length * bytesPerElement(array.dtype),
    );
    state.set(
      chunkIndex(chunk.coords, grid),
      new Uint8Array(createHash("sha256").update(bytes).digest()),
    );
    return state;
  },
  merge(a, b) {
    for (const [k, v] of b) a.set(k, v);
    return a;
  },
  finalize(state) {
    const hash = createHash("sha256");
    for (const k of [...state.keys()].sort((x, y) => x - y)) hash.update(state.get(k)!);
    return { algorithm: "sha256-of-chunk-sha256", sha256: hash.digest("hex"), chunks: state.size };
  },
};
