/**
 * The fast chunk engine (src/run/chunk_engine.ts) against zarrita's generic
 * path on the same stores: every dtype it takes, every compression, Zarr v2
 * and v3 keys, edge chunks, absent chunks, NaN/Inf; both decoders. Also: the
 * bytes it holds stay within the plan, and a corrupt chunk is an error that
 * names it.
 */
import assert from "node:assert/strict";
import * as zarr from "zarrita";
import { createDecoder, type Decoder } from "../src/store/decoders.ts";
import { loadRawLayout, type RawLayout } from "../src/store/raw_array.ts";
import { reduceChunks } from "../src/run/chunk_engine.ts";
import { reduceRange } from "../src/run/chunk_reduce.ts";
import { registerNativeCodecs } from "../src/store/codecs.ts";
import { createStages } from "../src/stages/mod.ts";
import { finalizeArray } from "../src/stages/stage.ts";
import { FileStore, type Store } from "../src/store/store.ts";
import { DEFAULT_WORKSPACE_BYTES, encodedBound } from "../src/plan/planner.ts";
import { ChunkError } from "../src/model/errors.ts";
import type { ArrayInfo } from "../src/stages/stage.ts";
import {
  type Compressor,
  createArrayV2,
  createArrayV3,
  type NumericTypedArray,
  type V2Dtype,
} from "../tools/sample/zarr_write.ts";
import { make, rng } from "./_random.ts";
import type { NumericDtype } from "../kernels/mod.ts";

const V2: Record<string, V2Dtype> = {
  int8: "|i1",
  uint8: "|u1",
  int16: "<i2",
  uint16: "<u2",
  int32: "<i4",
  uint32: "<u4",
  int64: "<i8",
  uint64: "<u8",
  float32: "<f4",
  float64: "<f8",
};
const STAGES = [
  { name: "stats", options: {} },
  { name: "histogram", options: { bins: 64, range: [-100, 100] } },
  { name: "checksum", options: {} },
];
const SHAPE = [13, 9, 10];
const CHUNKS = [4, 4, 6];
const CI = Deno.env.get("CI") === "true";

function decoders(): Array<[string, Decoder]> {
  const out: Array<[string, Decoder]> = [["node", createDecoder("node")]];
  try {
    out.push(["native", createDecoder("native")]);
  } catch (e) {
    // Native decoding needs FFI and libzstd; on CI it must be there.
    if (CI) throw new Error(`native decoder unavailable under CI=true: ${(e as Error).message}`);
  }
  return out;
}

/** Writes an array with random data (a chunk left absent) and returns its directory. */
async function writeArray(
  dir: string,
  dtype: NumericDtype,
  format: 2 | 3,
  compressor: Compressor,
  seed: number,
): Promise<string> {
  const path = `${dir}/${dtype}-${format}-${compressor?.id ?? "raw"}`;
  const writer = format === 2
    ? await createArrayV2(path, {
      shape: SHAPE,
      chunks: CHUNKS,
      dtype: V2[dtype],
      compressor,
      dimensionSeparator: seed % 2 ? "/" : ".",
    })
    : await createArrayV3(path, {
      shape: SHAPE,
      chunks: CHUNKS,
      dataType: dtype as "int8",
      compressor,
      separator: seed % 2 ? "/" : ".",
    });
  const r = rng(seed);
  const grid = SHAPE.map((n, d) => Math.ceil(n / CHUNKS[d]));
  for (let i = 0; i < grid[0] * grid[1] * grid[2]; i++) {
    if (i === 3) continue; // absent: read as the fill value
    const coords = [
      Math.floor(i / (grid[1] * grid[2])),
      Math.floor(i / grid[2]) % grid[1],
      i % grid[2],
    ];
    const n = writer.regionShape(coords).reduce((a, b) => a * b, 1);
    await writer.writeChunk(coords, make(dtype, n, 0, r) as NumericTypedArray);
  }
  return path;
}

async function results(
  root: string,
  run: (store: Store, layout: RawLayout, info: ArrayInfo) => Promise<unknown[]>,
) {
  const store = new FileStore(root);
  const raw = await loadRawLayout(store, "");
  assert.ok("layout" in raw, `expected a raw layout: ${"generic" in raw ? raw.generic : ""}`);
  const layout = raw.layout;
  const info: ArrayInfo = {
    path: "",
    dtype: layout.dtype,
    shape: layout.shape,
    chunks: layout.chunks,
  };
  const stages = createStages(STAGES, "test");
  return finalizeArray(stages, await run(store, layout, info), info);
}

const total = SHAPE.reduce((a, n, d) => a * Math.ceil(n / CHUNKS[d]), 1);

Deno.test("the fast engine gives the generic path's results for every dtype, codec, format and decoder", async () => {
  registerNativeCodecs();
  const dir = await Deno.makeTempDir();
  try {
    let seed = 1;
    for (const dtype of Object.keys(V2) as NumericDtype[]) {
      for (const format of [2, 3] as const) {
        for (
          const compressor of [null, { id: "zstd", level: 1 }, { id: "gzip", level: 1 }] as const
        ) {
          const root = await writeArray(dir, dtype, format, compressor, seed++);
          const generic = await results(root, async (_store, _layout, info) => {
            const arr = await zarr.open(zarr.root(new FileStore(root)).resolve(""), {
              kind: "array",
            });
            const stages = createStages(STAGES, "test");
            return (await reduceRange(arr, "a", info, stages, {
              from: 0,
              to: total,
              inFlight: 2,
              gcEveryBytes: 1e9,
            })).states;
          });
          for (const [name, decoder] of decoders()) {
            const fast = await results(root, async (store, layout, info) => {
              const stages = createStages(STAGES, "test");
              const r = await reduceChunks(store, "", layout, info, stages, {
                from: 0,
                to: total,
                readAhead: 1,
                workspaceBytes: DEFAULT_WORKSPACE_BYTES,
                decoder,
              });
              assert.equal(r.missing, 1);
              assert.equal(r.timing.chunks, total);
              return r.states;
            });
            assert.deepEqual(
              fast,
              generic,
              `${dtype} v${format} ${compressor?.id ?? "raw"} ${name}`,
            );
          }
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a remote store keeps at most readAhead requests, and the plan's encoded bytes, in flight", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = await writeArray(dir, "int16", 2, { id: "zstd", level: 1 }, 7);
    const file = new FileStore(root);
    let outstanding = 0;
    let most = 0;
    const remote: Store = {
      location: "test://remote",
      async get(key) {
        most = Math.max(most, ++outstanding);
        await new Promise((r) => setTimeout(r, 1));
        const bytes = await file.get(key);
        outstanding--;
        return bytes;
      },
    };
    const raw = await loadRawLayout(file, "");
    assert.ok("layout" in raw);
    const info: ArrayInfo = { path: "", dtype: "int16", shape: SHAPE, chunks: CHUNKS };
    for (const readAhead of [1, 3, 8]) {
      most = 0;
      const r = await reduceChunks(remote, "", raw.layout, info, createStages(STAGES, "test"), {
        from: 0,
        to: total,
        readAhead,
        workspaceBytes: DEFAULT_WORKSPACE_BYTES,
      });
      assert.equal(most, readAhead, `requests in flight with readAhead ${readAhead}`);
      const chunkBytes = CHUNKS.reduce((a, b) => a * b, 2);
      assert.ok(r.timing.peakEncodedBytes <= readAhead * encodedBound(chunkBytes));
      assert.equal(r.timing.peakDecodedBytes, chunkBytes);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt or truncated chunk is a ChunkError naming the chunk key, with either decoder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = await writeArray(dir, "float32", 2, { id: "zstd", level: 1 }, 8);
    const key = (await Array.fromAsync(Deno.readDir(root))).map((e) => e.name)
      .find((n) => !n.startsWith(".") && n !== "0.0.3" && n !== "0")!;
    const bytes = await Deno.readFile(`${root}/${key}`);
    await Deno.writeFile(`${root}/${key}`, bytes.subarray(0, bytes.length >> 1));
    const store = new FileStore(root);
    const raw = await loadRawLayout(store, "");
    assert.ok("layout" in raw);
    const info: ArrayInfo = { path: "", dtype: "float32", shape: SHAPE, chunks: CHUNKS };
    for (const [name, decoder] of decoders()) {
      await assert.rejects(
        () =>
          reduceChunks(store, "", raw.layout, info, createStages(STAGES, "test"), {
            from: 0,
            to: total,
            readAhead: 1,
            workspaceBytes: DEFAULT_WORKSPACE_BYTES,
            decoder,
          }),
        (e: unknown) => {
          assert.ok(e instanceof ChunkError, `${name}: ${e}`);
          assert.match(
            e.message,
            new RegExp(`array \\(root array\\), chunk ${key.replaceAll(".", "\\.")}: `),
          );
          return true;
        },
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("layouts the fast path does not take say why", async () => {
  const { rawLayout } = await import("../src/store/raw_array.ts");
  const base = {
    zarr_format: 2,
    shape: [4],
    chunks: [2],
    dtype: "<i2",
    order: "C",
    filters: null,
    compressor: null,
    fill_value: 0,
  };
  assert.deepEqual(rawLayout({ ...base, dtype: ">i2" }), { generic: 'dtype ">i2"' });
  assert.deepEqual(rawLayout({ ...base, order: "F" }), { generic: 'order "F"' });
  assert.deepEqual(rawLayout({ ...base, filters: [{ id: "delta" }] }), { generic: "filters" });
  assert.deepEqual(rawLayout({ ...base, compressor: { id: "blosc" } }), {
    generic: "compressor blosc",
  });
  assert.deepEqual(rawLayout({ ...base, fill_value: 70000 }), { generic: "fill_value 70000" });
  assert.deepEqual(rawLayout({ ...base, dtype: "<i8", fill_value: 2 ** 63 }), {
    generic: `fill_value ${2 ** 63}`,
  });
  const v3 = {
    zarr_format: 3,
    node_type: "array",
    shape: [4],
    data_type: "float32",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
    chunk_key_encoding: { name: "default" },
    fill_value: "NaN",
  };
  const ok = rawLayout({ ...v3, codecs: [{ name: "bytes", configuration: { endian: "little" } }] });
  assert.ok("layout" in ok && Number.isNaN(ok.layout.fill as number));
  assert.deepEqual(
    rawLayout({
      ...v3,
      codecs: [{ name: "transpose", configuration: { order: [0] } }, { name: "bytes" }],
    }),
    { generic: 'codec transpose {"order":[0]}' },
  );
  assert.deepEqual(
    rawLayout({
      ...v3,
      fill_value: "0x7fc00000",
      codecs: [{ name: "bytes", configuration: { endian: "little" } }],
    }),
    { generic: 'fill_value "0x7fc00000"' },
  );
  assert.deepEqual(
    rawLayout({
      ...v3,
      codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
    }),
    { generic: "codec crc32c" },
  );
});

Deno.test("a whole run holds no more decoded or encoded bytes than each array's plan", async () => {
  const { runPipeline } = await import("../src/run/pipeline.ts");
  const { DEFAULT_LIMITS } = await import("../src/plan/settings_env.ts");
  const dir = await Deno.makeTempDir();
  try {
    const root = await writeArray(dir, "uint16", 3, { id: "zstd", level: 1 }, 11);
    for (const workers of [false, undefined] as const) {
      const report = await runPipeline({
        source: root,
        arrays: [],
        stages: STAGES,
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS, workers: 2 },
        ...(workers === false ? { workers } : {}),
      });
      for (const a of report.arrays) {
        const t = a.timing as {
          path: string;
          peakDecodedBytes: number;
          peakEncodedBytes: number;
          plannedDecodedBytes: number;
          plannedEncodedBytes: number;
        };
        assert.equal(t.path, "fast", a.path);
        assert.ok(t.peakDecodedBytes <= t.plannedDecodedBytes, JSON.stringify(t));
        assert.ok(t.peakEncodedBytes <= t.plannedEncodedBytes, JSON.stringify(t));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
