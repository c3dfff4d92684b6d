/**
 * N5 (the format OpenOrganelle also publishes, and TensorStore's `n5` driver
 * writes) read as a Zarr v2 hierarchy, so discovery, the planner, zarrita and
 * every stage work on it unchanged:
 *
 * - a dataset's `attributes.json` (`dimensions`, `blockSize`, `dataType`,
 *   `compression`) becomes a `.zarray` with the axes reversed (N5 lists the
 *   fastest axis first), a big-endian dtype and no compressor; a group's
 *   becomes `.zgroup` and `.zattrs`;
 * - a chunk key `z/y/x` reads the block `x/y/z`, strips its big-endian
 *   header, decompresses it (raw, gzip, zlib, zstd, blosc, bzip2, xz) and pads
 *   an edge block (N5 stores them cropped) to the full chunk.
 *
 * Varlength blocks and N5's LZ4 framing are refused with an error naming the
 * block. OpenOrganelle's `multiscales` attributes (datasets `s0`, `s1`, ... with
 * `transform` scales) are turned into OME-NGFF `multiscales`, so discovery
 * follows them without listing.
 *
 * @module
 */
import * as zlib from "node:zlib";
import * as zarr from "zarrita";
import { StoreError } from "../model/errors.ts";
import { bz2Decompress, xzDecompress } from "./_ffi_codecs.ts";
import { getMetadata } from "./metadata.ts";
import type { RangeQuery, Store } from "./types.ts";

const DTYPES: Record<string, string> = {
  uint8: "|u1",
  int8: "|i1",
  uint16: ">u2",
  int16: ">i2",
  uint32: ">u4",
  int32: ">i4",
  uint64: ">u8",
  int64: ">i8",
  float32: ">f4",
  float64: ">f8",
};

interface Dataset {
  dimensions: number[];
  blockSize: number[];
  dataType: string;
  compression: Record<string, unknown>;
  itemSize: number;
}

const text = new TextDecoder();
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function parseDataset(attrs: Record<string, unknown>, where: string): Dataset | undefined {
  if (!Array.isArray(attrs.dimensions)) return undefined;
  const { dimensions, blockSize, dataType } = attrs as {
    dimensions: number[];
    blockSize?: number[];
    dataType?: string;
  };
  if (!DTYPES[String(dataType)] || !Array.isArray(blockSize)) {
    throw new StoreError(where, `N5 dataType ${JSON.stringify(dataType)} is not supported`);
  }
  // N5 before 1.0 wrote the compression as a bare `compressionType`.
  const compression = (attrs.compression as Record<string, unknown>) ??
    { type: attrs.compressionType ?? "raw" };
  return {
    dimensions,
    blockSize,
    dataType: String(dataType),
    compression,
    itemSize: Number(DTYPES[String(dataType)].slice(2)),
  };
}

/** OpenOrganelle's N5 `multiscales` (with `transform`) as OME-NGFF `multiscales`. */
function omeMultiscales(attrs: Record<string, unknown>): unknown {
  const list = attrs.multiscales;
  if (!Array.isArray(list)) return undefined;
  return list.map((ms) => ({
    ...ms,
    datasets: (Array.isArray(ms?.datasets) ? ms.datasets : []).map(
      (d: { path?: string; transform?: { scale?: number[]; translate?: number[] } }) => ({
        path: d?.path,
        coordinateTransformations: [
          ...(d?.transform?.scale ? [{ type: "scale", scale: d.transform.scale }] : []),
          ...(d?.transform?.translate
            ? [{ type: "translation", translation: d.transform.translate }]
            : []),
        ],
      }),
    ),
  }));
}

/**
 * An N5 container read through `base` as a Zarr v2 hierarchy.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FileStore } from "./store.ts";
 * import { N5Store } from "./n5.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/attributes.json`, '{"n5": "4.0.0"}');
 * Deno.mkdirSync(`${dir}/a`);
 * Deno.writeTextFileSync(
 *   `${dir}/a/attributes.json`,
 *   '{"dimensions": [3, 2], "blockSize": [2, 2], "dataType": "uint16", "compression": {"type": "raw"}}',
 * );
 * const store = new N5Store(new FileStore(dir));
 * const zarray = JSON.parse(new TextDecoder().decode(await store.get("/a/.zarray")));
 * assertEquals([zarray.shape, zarray.chunks, zarray.dtype], [[2, 3], [2, 2], ">u2"]);
 * ```
 */
export class N5Store implements Store {
  readonly location: string;
  readonly #base: Store;
  readonly #datasets = new Map<string, Promise<Dataset | undefined>>();

  /** An N5 container over `base`. */
  constructor(base: Store) {
    this.#base = base;
    this.location = base.location;
  }

  /** Child names, as the base store lists them (when it can). */
  get list(): Store["list"] {
    return this.#base.list?.bind(this.#base);
  }

  async #attributes(dir: string): Promise<Record<string, unknown> | undefined> {
    const bytes = await getMetadata((k) => this.#base.get(k), `${dir}/attributes.json`);
    if (!bytes) return undefined;
    try {
      return JSON.parse(text.decode(bytes));
    } catch (e) {
      throw new StoreError(`${this.location}${dir}/attributes.json`, (e as Error).message);
    }
  }

  #dataset(dir: string): Promise<Dataset | undefined> {
    let d = this.#datasets.get(dir);
    if (!d) {
      d = this.#attributes(dir).then((a) =>
        a ? parseDataset(a, `${this.location}${dir}/attributes.json`) : undefined
      );
      this.#datasets.set(dir, d);
    }
    return d;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    const k = key.startsWith("/") ? key : `/${key}`;
    const slash = k.lastIndexOf("/");
    const dir = k.slice(0, slash);
    const name = k.slice(slash + 1);
    if (name === "zarr.json" || name === ".zmetadata") return Promise.resolve(undefined);
    if (name === ".zarray" || name === ".zgroup" || name === ".zattrs") {
      return this.#metadata(dir, name);
    }
    return this.#chunk(k);
  }

  async #metadata(dir: string, name: string): Promise<Uint8Array | undefined> {
    const attrs = await this.#attributes(dir);
    if (!attrs) return undefined;
    const ds = parseDataset(attrs, `${this.location}${dir}/attributes.json`);
    if (name === ".zarray") {
      if (!ds) return undefined;
      return encode({
        zarr_format: 2,
        shape: [...ds.dimensions].reverse(),
        chunks: [...ds.blockSize].reverse(),
        dtype: DTYPES[ds.dataType],
        compressor: null,
        fill_value: 0,
        order: "C",
        filters: null,
        dimension_separator: "/",
      });
    }
    if (name === ".zgroup") return ds ? undefined : encode({ zarr_format: 2 });
    const { dimensions: _d, blockSize: _b, dataType: _t, compression: _c, ...rest } = attrs;
    const multiscales = omeMultiscales(rest);
    return encode(multiscales ? { ...rest, multiscales } : rest);
  }

  /** Finds the dataset a chunk key belongs to: the deepest directory with dataset attributes. */
  async #chunk(key: string): Promise<Uint8Array | undefined> {
    const parts = key.split("/");
    for (let n = parts.length - 1; n >= 1; n--) {
      const dir = parts.slice(0, n).join("/");
      const coords = parts.slice(n);
      if (coords.some((c) => !/^\d+$/.test(c))) break;
      const ds = await this.#dataset(dir);
      if (!ds) continue;
      if (coords.length !== ds.dimensions.length) return undefined;
      const blockKey = `${dir}/${[...coords].reverse().join("/")}`;
      const bytes = await this.#base.get(blockKey);
      return bytes ? this.#decodeBlock(ds, bytes, `${this.location}${blockKey}`) : undefined;
    }
    return undefined;
  }

  async #decodeBlock(ds: Dataset, bytes: Uint8Array, where: string): Promise<Uint8Array> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const mode = view.getUint16(0);
    const ndim = view.getUint16(2);
    if (mode === 1) throw new StoreError(where, "N5 varlength blocks are not supported");
    if (mode !== 0 || ndim !== ds.dimensions.length) {
      throw new StoreError(where, `not an N5 block (mode ${mode}, ${ndim} dimensions)`);
    }
    const size = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d));
    const body = bytes.subarray(4 + 4 * ndim);
    const expected = size.reduce((a, b) => a * b, 1) * ds.itemSize;
    let raw: Uint8Array;
    try {
      raw = await decompress(ds.compression, body, expected);
    } catch (e) {
      throw new StoreError(where, `N5 ${ds.compression.type}: ${(e as Error).message}`);
    }
    if (raw.length < expected) {
      throw new StoreError(where, `decoded ${raw.length} bytes, expected ${expected}: truncated`);
    }
    return pad(raw, size, ds.blockSize, ds.itemSize);
  }

  /** Byte ranges of a chunk are not meaningful after decoding: whole chunks only. */
  getRange(_key: string, _range: RangeQuery): Promise<Uint8Array | undefined> {
    return Promise.reject(new StoreError(this.location, "N5 has no Zarr sharding"));
  }
}

/** An N5 block's bytes (fastest axis first, cropped) as a full chunk in C order of the reversed axes. */
function pad(raw: Uint8Array, size: number[], block: number[], item: number): Uint8Array {
  if (size.every((s, d) => s === block[d])) return raw;
  const out = new Uint8Array(block.reduce((a, b) => a * b, 1) * item);
  const n = size.length;
  // Rows along N5's first (fastest) axis are contiguous in both layouts.
  const row = size[0] * item;
  const rows = size.slice(1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(n).fill(0);
  for (let r = 0; r < rows; r++) {
    let at = 0;
    let stride = block[0];
    for (let d = 1; d < n; d++) {
      at += index[d] * stride;
      stride *= block[d];
    }
    out.set(raw.subarray(r * row, (r + 1) * row), at * item);
    for (let d = 1; d < n; d++) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

let blosc: { decode(b: Uint8Array): Promise<Uint8Array> | Uint8Array } | undefined;

async function decompress(
  c: Record<string, unknown>,
  body: Uint8Array,
  expected: number,
): Promise<Uint8Array> {
  switch (c.type) {
    case "raw":
      return body;
    case "gzip":
      return c.useZlib ? zlib.inflateSync(body) : zlib.gunzipSync(body);
    case "zstd":
    case "zstandard":
      return new Uint8Array(zlib.zstdDecompressSync(body));
    case "bzip2":
      return bz2Decompress(body, expected);
    case "xz":
      return xzDecompress(body, expected);
    case "blosc": {
      if (!blosc) {
        const entry = await (zarr.registry as unknown as Map<string, () => Promise<unknown>>)
          .get("blosc")!();
        blosc = (entry as { fromConfig(c: unknown): typeof blosc }).fromConfig({
          cname: "lz4",
          clevel: 5,
          shuffle: 1,
          blocksize: 0,
        });
      }
      return await blosc!.decode(body);
    }
    default:
      throw new Error(`compression ${JSON.stringify(c.type)} is not supported`);
  }
}

/**
 * Whether the directory or URL `source` holds an N5 container: its name ends
 * in `.n5`, or (local directories only, so remote stores cost no extra
 * request) its root `attributes.json` declares an `n5` version.
 */
export async function isN5(source: string, base: Store): Promise<boolean> {
  if (/\.n5\/?$/i.test(source)) return true;
  if (/^(https?|s3):\/\//.test(source)) return false;
  const bytes = await getMetadata((k) => base.get(k), "/attributes.json");
  if (!bytes) return false;
  try {
    return typeof JSON.parse(text.decode(bytes)).n5 === "string";
  } catch {
    return false;
  }
}
