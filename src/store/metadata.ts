/**
 * Telling metadata keys from chunk keys, and reading metadata where a
 * refusal means absence.
 *
 * @module
 */
import { StoreError } from "../model/errors.ts";

/**
 * Whether `key` names Zarr or N5 metadata (`.zarray`, `.zgroup`, `.zattrs`,
 * `.zmetadata`, `zarr.json`, `attributes.json`) rather than a chunk.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isMetadataKey } from "./metadata.ts";
 * assert(isMetadataKey("/a/b/.zarray") && isMetadataKey("zarr.json"));
 * assert(!isMetadataKey("/a/b/c/0/1"));
 * ```
 */
export function isMetadataKey(key: string): boolean {
  return /(^|\/)(\.z\w+|zarr\.json|attributes\.json)$/.test(key);
}

/**
 * Reads a metadata key, where a server that refuses it (HTTP 403, as web
 * servers and object stores do for keys that do not exist) means it is
 * absent. Chunk reads do not go through here: a refused chunk is an error,
 * never the fill value.
 */
export async function getMetadata(
  get: (key: string) => Promise<Uint8Array | undefined>,
  key: string,
): Promise<Uint8Array | undefined> {
  try {
    return await get(key);
  } catch (e) {
    if (e instanceof StoreError && e.status === 403 && isMetadataKey(key)) return undefined;
    throw e;
  }
}

const V2_WIDE = /^[<>|]?[iu]8$/;

/**
 * An array's metadata document with its fill value made exact for every
 * reader after it (zarrita and the fast chunk path), as zarr-python reads it:
 *
 * - a 64-bit integer fill value beyond 2^53 (int64 max, uint64 max: common
 *   "missing" sentinels), which JSON parsing would round and then wrap, is
 *   rewritten as its exact decimal string;
 * - a float fill value written as a hex string of its bits (`"0x7fc00000"`,
 *   as the v3 spec allows) becomes the number, or `"NaN"`/`"Infinity"`/
 *   `"-Infinity"`.
 *
 * Anything else, and every other key, is returned as it is. (Upstream, zarrita
 * would need to parse fill values from the JSON text and to decode hex
 * floats.)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalizeMetadata } from "./metadata.ts";
 * const text = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b)).fill_value;
 * const doc = (s: string) => new TextEncoder().encode(s);
 * assertEquals(
 *   text(normalizeMetadata("a/.zarray", doc('{"dtype": "<i8", "fill_value": 9223372036854775807}'))),
 *   "9223372036854775807",
 * );
 * assertEquals(
 *   text(normalizeMetadata("a/zarr.json", doc('{"data_type": "float32", "fill_value": "0x7fc00000"}'))),
 *   "NaN",
 * );
 * ```
 */
export function normalizeMetadata(
  key: string,
  bytes: Uint8Array | undefined,
): Uint8Array | undefined {
  if (!bytes || !/(^|\/)(\.zarray|zarr\.json)$/.test(key)) return bytes;
  const text = new TextDecoder().decode(bytes);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text);
  } catch {
    return bytes; // The reader reports invalid JSON itself.
  }
  if (typeof doc !== "object" || doc === null) return bytes;
  const dtype = String(doc.data_type ?? doc.dtype ?? "");
  let fill: unknown = doc.fill_value;
  if (
    (dtype === "int64" || dtype === "uint64" || V2_WIDE.test(dtype)) && typeof fill === "number"
  ) {
    const token = /"fill_value"\s*:\s*(-?\d+)\s*[,}]/.exec(text)?.[1];
    if (token !== undefined) fill = token;
  } else if (/^(float(16|32|64)|[<>]f[248])$/.test(dtype) && typeof fill === "string") {
    fill = hexFloat(fill, dtype) ?? fill;
  }
  if (fill === doc.fill_value) return bytes;
  return new TextEncoder().encode(JSON.stringify({ ...doc, fill_value: fill }));
}

/** A float from the hex string of its bits, as JSON can hold it: NaN and infinities as names. */
function hexFloat(text: string, dtype: string): number | string | undefined {
  if (!/^0x[0-9a-fA-F]+$/.test(text)) return undefined;
  const bits = BigInt(text);
  const width = /^(float16|[<>]f2)$/.test(dtype) ? 2 : /^(float32|[<>]f4)$/.test(dtype) ? 4 : 8;
  const view = new DataView(new ArrayBuffer(8));
  let value: number;
  if (width === 8) {
    view.setBigUint64(0, bits);
    value = view.getFloat64(0);
  } else if (width === 4) {
    view.setUint32(0, Number(bits));
    value = view.getFloat32(0);
  } else {
    const h = Number(bits);
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    const sign = h >> 15 ? -1 : 1;
    value = exp === 0x1f
      ? (frac ? NaN : sign * Infinity)
      : sign * (exp ? (1 + frac / 1024) * 2 ** (exp - 15) : (frac / 1024) * 2 ** -14);
  }
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

/**
 * Shard key prefixes of arrays whose shard index is at the start of each
 * shard (`index_location: "start"`), from their metadata documents. zarrita
 * reads the index from the end; a store that answers its suffix reads from
 * the start instead (see {@linkcode indexAtStartStore}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { indexAtStartPrefix } from "./metadata.ts";
 * const doc = { codecs: [{ name: "sharding_indexed", configuration: { index_location: "start" } }] };
 * assertEquals(indexAtStartPrefix("/a/b/zarr.json", doc), "/a/b/");
 * ```
 */
export function indexAtStartPrefix(key: string, doc: unknown): string | undefined {
  if (!key.endsWith("zarr.json")) return undefined;
  const codecs = (doc as { codecs?: { name?: string; configuration?: Record<string, unknown> }[] })
    ?.codecs;
  const sharding = Array.isArray(codecs)
    ? codecs.find((c) => c?.name === "sharding_indexed")
    : undefined;
  if (sharding?.configuration?.index_location !== "start") return undefined;
  return key.slice(0, key.length - "zarr.json".length);
}

/** How an array names its chunk keys (serialisable, for chunk workers). */
export interface ChunkNaming {
  /** v3 `default` (`c/1/2`) or v2 style (`1.2`). */
  encoding: "default" | "v2";
  separator: string;
  /** Inner chunks per shard along each axis, for sharded arrays. */
  shardChunks?: number[];
}

/**
 * The chunk key naming of an array's metadata document.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chunkName, chunkNaming } from "./metadata.ts";
 * const v3 = chunkNaming({
 *   zarr_format: 3, chunk_grid: { configuration: { chunk_shape: [8, 8] } },
 *   codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [4, 4] } }],
 * });
 * assertEquals(chunkName(v3, [3, 1]), "c/1/0 (inner chunk 1,1)");
 * assertEquals(chunkName(chunkNaming({ zarr_format: 2, dimension_separator: "/" }), [3, 1]), "3/1");
 * ```
 */
export function chunkNaming(doc: Record<string, unknown>): ChunkNaming {
  if (doc.zarr_format !== 3) {
    return { encoding: "v2", separator: doc.dimension_separator === "/" ? "/" : "." };
  }
  const enc = doc.chunk_key_encoding as
    | { name?: string; configuration?: { separator?: string } }
    | undefined;
  const v2 = enc?.name === "v2";
  const naming: ChunkNaming = {
    encoding: v2 ? "v2" : "default",
    separator: enc?.configuration?.separator ?? (v2 ? "." : "/"),
  };
  const codecs = Array.isArray(doc.codecs) ? doc.codecs : [];
  const sharding = codecs.find((c: { name?: string }) => c?.name === "sharding_indexed");
  const outer = (doc.chunk_grid as { configuration?: { chunk_shape?: number[] } })?.configuration
    ?.chunk_shape;
  const inner = sharding?.configuration?.chunk_shape as number[] | undefined;
  if (Array.isArray(outer) && Array.isArray(inner)) {
    naming.shardChunks = outer.map((n, d) => Math.max(1, Math.round(n / inner[d])));
  }
  return naming;
}

/** The key of the chunk at `coords` (with the shard's inner coordinates, for sharded arrays). */
export function chunkName(naming: ChunkNaming, coords: number[]): string {
  const encode = (c: number[]) =>
    naming.encoding === "default"
      ? ["c", ...c].join(naming.separator)
      : c.join(naming.separator) || "0";
  const per = naming.shardChunks;
  if (!per) return encode(coords);
  const shard = coords.map((c, d) => Math.floor(c / per[d]));
  return `${encode(shard)} (inner chunk ${coords.map((c, d) => c % per[d]).join(",")})`;
}

/** Reads an array's metadata document and returns its chunk naming (v2 style when unreadable). */
export async function loadChunkNaming(
  store: { get(key: string): Promise<Uint8Array | undefined> },
  path: string,
): Promise<ChunkNaming> {
  const prefix = path ? `/${path}` : "";
  for (const name of ["zarr.json", ".zarray"]) {
    const bytes = await getMetadata((k) => store.get(k), `${prefix}/${name}`);
    if (!bytes) continue;
    try {
      return chunkNaming(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      break;
    }
  }
  return { encoding: "v2", separator: "." };
}
