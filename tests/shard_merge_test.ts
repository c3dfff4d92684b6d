/**
 * Sharded runs: shards 0..N-1 of a run, merged, give the report of a single
 * run (N = 1, 2, 3, 7) on the sample store (int16, uint8, uint64 labels,
 * float32 with NaNs, float64 spectrum; every stage) and on zarr-python's fixture stores
 * when present; shard files go through JSON on disk. Bad shard sets are
 * refused with messages that say what is wrong.
 */
import assert from "node:assert/strict";
import type { EnvironmentProbe } from "../src/plan/budget.ts";
import type { StageSpec } from "../src/stages/stage.ts";
import { LamellaError } from "../src/model/errors.ts";
import { mergeShards } from "../src/distributed/merge.ts";
import { runPipeline, type RunRequest } from "../src/run/pipeline.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { createArrayV2, writeGroupV2 } from "../tools/sample/zarr_write.ts";
import {
  readShardFiles,
  runShard,
  type ShardFile,
  writeShardFile,
} from "../src/distributed/shard.ts";
import { parseShardSpec, shardRanges } from "../src/plan/shard_range.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { assertSameReport } from "./_compare_reports.ts";
import { testWith } from "./_prereq.ts";
import { rng } from "./_random.ts";
import { fixtures } from "./_fixtures.ts";

const PROBE: EnvironmentProbe = {
  cgroup: null,
  systemMemoryBytes: 4 * 2 ** 30,
  cores: 2,
  rssBytes: 64e6,
};

const STAGES: StageSpec[] = [
  { name: "stats", options: {} },
  // Label arrays too, so that states of every stage kind meet on one array.
  { name: "histogram", options: { bins: 1024, labels: true } },
  { name: "quantiles", options: [0.001, 0.01, 0.5, 0.99, 0.999] },
  { name: "peaks", options: { on: "histogram", snr: 3 } },
  { name: "labels", options: {} },
  { name: "profile", options: { axes: [1, 2], reduce: "mean" } },
  { name: "peaks", options: { on: "signal", snr: 3, scales: [1, 32] } },
  { name: "checksum", options: {} },
];

function request(source: string, stages = STAGES): RunRequest {
  return {
    source,
    arrays: [],
    stages,
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS },
    probe: PROBE,
    workers: false,
  };
}

/** Runs every shard, writes the files to a directory, reads them back and merges. */
async function shardedRun(req: RunRequest, count: number, workers = false) {
  const dir = await Deno.makeTempDir({ prefix: "lamella-shards-" });
  try {
    for (let index = 0; index < count; index++) {
      const file = await runShard({
        ...req,
        shard: { index, count },
        ...(workers ? { workers: undefined } : {}),
      });
      await writeShardFile(dir, file);
    }
    return mergeShards(await readShardFiles([dir]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const samples = new Map<number, Promise<string>>();
/** The sample store at `scale`, generated once per test process. */
function sample(scale: number): Promise<string> {
  if (!samples.has(scale)) {
    samples.set(
      scale,
      (async () => {
        const dir = await Deno.makeTempDir({ prefix: `lamella-sample-${scale}-` });
        await generateSample(dir, { scale });
        return `${dir}/sample.zarr`;
      })(),
    );
  }
  return samples.get(scale)!;
}

Deno.test("shard ranges tile every chunk once, each array once per shard at most, bytes within a chunk of an equal share", () => {
  const random = rng(7);
  for (let trial = 0; trial < 400; trial++) {
    const arrays = Array.from({ length: 1 + Math.floor(random() * 30) }, () => ({
      chunks: Math.floor(random() ** 3 * 300),
      chunkBytes: [0, 4096, 32768, 1000, 262144][Math.floor(random() * 5)],
    }));
    const count = 1 + Math.floor(random() * 12);
    const next = arrays.map(() => 0);
    const owners = arrays.map(() => 0);
    const bytes = Array(count).fill(0);
    for (let index = 0; index < count; index++) {
      shardRanges(arrays, { index, count }).forEach((r, a) => {
        if (!r) return;
        assert.equal(r.from, next[a], `trial ${trial}: array ${a} in shard ${index}`);
        assert.ok(r.to > r.from || arrays[a].chunks * arrays[a].chunkBytes === 0);
        next[a] = r.to;
        owners[a]++;
        bytes[index] += (r.to - r.from) * arrays[a].chunkBytes;
      });
    }
    assert.deepEqual(next, arrays.map((a) => a.chunks), `trial ${trial}: every chunk once`);
    assert.ok(owners.every((n) => n >= 1), `trial ${trial}: every array in some shard`);
    const total = bytes.reduce((t, b) => t + b, 0);
    const largest = Math.max(0, ...arrays.map((a) => a.chunks ? a.chunkBytes : 0));
    for (const b of bytes) {
      assert.ok(Math.abs(b - total / count) <= largest, `trial ${trial}: ${bytes} vs ${largest}`);
    }
  }
});

Deno.test("--shard values other than I/N with 0 <= I < N are refused, naming the flag", () => {
  assert.deepEqual(parseShardSpec("0/1", "--shard"), { index: 0, count: 1 });
  assert.deepEqual(parseShardSpec(" 6/7 ", "--shard"), { index: 6, count: 7 });
  for (const bad of ["3/3", "-1/2", "1/0", "0/0", "1.5/3", "a/b", "2", "", "1/2/3"]) {
    assert.throws(
      () => parseShardSpec(bad, "--shard"),
      (e: unknown) =>
        e instanceof LamellaError && e.message.startsWith("--shard: expected I/N") &&
        e.message.includes(`"${bad}"`),
      bad,
    );
  }
});

for (const scale of [0.25, 0.5]) {
  for (const count of [1, 2, 3, 7]) {
    Deno.test(`the sample at scale ${scale}: ${count} shard(s) merged equal a single run`, async () => {
      const req = request(await sample(scale));
      const single = await runPipeline(req);
      assert.ok(single.arrays.every((a) => a.error === undefined));
      const merged = await shardedRun(req, count);
      assert.equal(merged.shards, count);
      assertSameReport(single, merged, `scale ${scale}, ${count} shards`);
      // The arrays cover the dtypes and stages this is meant to exercise.
      const dtypes = new Set(merged.arrays.map((a) => a.dtype));
      for (const d of ["int16", "uint8", "uint64", "float32", "float64"]) assert.ok(dtypes.has(d));
      assert.ok(merged.arrays.some((a) => a.labels && a.profiles && a.histogram));
      assert.ok(merged.arrays.some((a) => Array.isArray(a.peaks) && a.peaks.length > 0));
      const float = merged.arrays.find((a) => a.dtype === "float32")!;
      assert.equal((float.histogram as { rangeSource: string }).rangeSource, "stats");
    });
  }
}

Deno.test("shards that use chunk workers merge to the same report", async () => {
  const req = request(await sample(0.5));
  const single = await runPipeline(req);
  const merged = await shardedRun(req, 2, true);
  assert.ok(merged.arrays.some((a) => Number(a.workers) > 1), "some shard used chunk workers");
  assertSameReport(single, merged, "2 shards with workers");
});

const fx = await fixtures();

for (const version of ["v2", "v3"]) {
  testWith({
    name: `zarr-python ${version} stores: 1, 2, 3 and 7 shards merged equal a single run`,
    fn: async () => {
      if (typeof fx === "string") throw new Error(fx);
      const req = request(`${fx.dir}/zarr-python/${version}.zarr`, [
        { name: "stats", options: {} },
        { name: "histogram", options: { bins: 64 } },
        { name: "quantiles", options: [0.1, 0.5, 0.9] },
        { name: "labels", options: { all: true } },
        { name: "checksum", options: {} },
      ]);
      const single = await runPipeline(req);
      assert.ok(single.arrays.filter((a) => !a.error).length >= 15);
      assert.ok(single.arrays.some((a) => (a.chunksTotal ?? 0) >= 7), "some arrays have 7+ chunks");
      for (const count of [1, 2, 3, 7]) {
        assertSameReport(single, await shardedRun(req, count), `${version}, ${count} shards`);
      }
    },
  }, typeof fx === "string" ? fx : null);
}

/** Shard files of a small run, kept in memory. */
async function files(count: number): Promise<ShardFile[]> {
  const req = request(await sample(0.25), [{ name: "stats", options: {} }]);
  const out = [];
  for (let index = 0; index < count; index++) {
    out.push(await runShard({ ...req, shard: { index, count } }));
  }
  return JSON.parse(JSON.stringify(out));
}

Deno.test("merge refuses a missing, repeated or foreign shard, saying which", async () => {
  const three = await files(3);
  assert.throws(() => mergeShards([three[0], three[2]]), /shard 1 of 3 missing/);
  assert.throws(
    () => mergeShards([three[0], three[1], three[1], three[2]]),
    /shard 1\/3 is given twice/,
  );
  const two = await files(2);
  assert.throws(
    () => mergeShards([three[0], two[1], three[2]]),
    /run of 2 shards, the others to 3/,
  );
  const other = { ...three[2], stages: [{ name: "histogram", options: {} }] };
  assert.throws(() => mergeShards([three[0], three[1], other]), /ran different stages/);
  assert.throws(() => mergeShards([]), /no shard files/);
});

Deno.test("an array whose shards saw different data is an array error; the others merge", async () => {
  // Shards hold whole arrays where they can: find one that two neighbouring shards share.
  const seven = await files(7);
  const i = seven.findIndex((f, k) =>
    k > 0 && f.arrays.some((x, a) => x.info && seven[k - 1].arrays[a].info)
  );
  const a = seven[i].arrays.findIndex((x, a) => x.info && seven[i - 1].arrays[a].info);
  seven[i].arrays[a].info = { ...seven[i].arrays[a].info!, shape: [1, 2, 3] };
  const merged = mergeShards(seven);
  assert.match(
    merged.arrays[a].error ?? "",
    new RegExp(`shards disagree: shard ${i} saw .*data change`),
  );
  assert.ok(merged.arrays.filter((x) => x.error).length === 1);
  assert.ok(merged.arrays.find((x) => !x.error)!.stats);
});

Deno.test("readShardFiles says which path has no shard files or is not one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readShardFiles([dir]), /no shard-I-of-N\.json files/);
    await Deno.writeTextFile(`${dir}/shard-0-of-1.json`, JSON.stringify({ version: "0.1.0" }));
    await assert.rejects(readShardFiles([dir]), /shard-0-of-1\.json: not a lamella shard file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * An OpenOrganelle-like dataset: a uint8 EM volume at 6 scale levels and
 * three uint64 label arrays at 4 levels each (27 arrays, chunk bytes 4 KiB and 32 KiB).
 */
async function manyArrayStore(): Promise<string> {
  const root = `${await Deno.makeTempDir({ prefix: "lamella-many-" })}/many.zarr`;
  await writeGroupV2(root);
  const random = rng(11);
  const write = async (path: string, size: number, dtype: "|u1" | "<u8") => {
    const w = await createArrayV2(`${root}/${path}`, {
      shape: [size, size, size],
      chunks: [16, 16, 16],
      dtype,
      compressor: { id: "zstd", level: 1 },
    });
    for (let z = 0; z < w.grid[0]; z++) {
      for (let y = 0; y < w.grid[1]; y++) {
        for (let x = 0; x < w.grid[2]; x++) {
          const n = w.regionShape([z, y, x]).reduce((a, b) => a * b, 1);
          const data = dtype === "|u1"
            ? Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
            : BigUint64Array.from({ length: n }, () => BigInt(Math.floor(random() * 5)));
          // deno-lint-ignore no-explicit-any
          await w.writeChunk([z, y, x], data as any);
        }
      }
    }
  };
  for (let level = 0; level < 6; level++) await write(`em/s${level}`, 96 >> level, "|u1");
  for (const name of ["mito", "er", "nucleus", "ld", "golgi"]) {
    for (let level = 0; level < 4; level++) {
      await write(`labels/${name}/s${level}`, 48 >> level, "<u8");
    }
  }
  return root;
}

Deno.test("shards of a many-array store are balanced by decoded bytes and merge to the single run", async () => {
  const source = await manyArrayStore();
  try {
    const stages: StageSpec[] = [
      { name: "stats", options: {} },
      { name: "histogram", options: { bins: 64 } },
      { name: "labels", options: {} },
      { name: "checksum", options: {} },
    ];
    const req = request(source, stages);
    const single = await runPipeline(req);
    assert.equal(single.arrays.length, 26);
    assert.ok(single.arrays.every((a) => a.error === undefined));
    for (const count of [3, 4, 7]) {
      const files: ShardFile[] = [];
      for (let index = 0; index < count; index++) {
        files.push(await runShard({ ...req, shard: { index, count } }));
      }
      const chunkBytes = (a: ShardFile["arrays"][number]) =>
        a.info!.chunks.reduce((p, c) => p * c, 1) * (a.dtype === "uint8" ? 1 : 8);
      const bytes = files.map((f) =>
        f.arrays.reduce((t, a) => t + (a.info ? (a.to! - a.from!) * chunkBytes(a) : 0), 0)
      );
      const largest = 16 ** 3 * 8;
      const spread = Math.max(...bytes) - Math.min(...bytes);
      assert.ok(spread <= largest, `${count} shards: decoded bytes ${bytes}, spread ${spread}`);
      // An array smaller than a shard's share is reduced by one shard, two where a cut falls in it.
      const share = bytes.reduce((t, b) => t + b, 0) / count;
      single.arrays.forEach((a, i) => {
        const holders = files.filter((f) => f.arrays[i].info).length;
        if (a.bytes < share) assert.ok(holders <= 2, `${a.path}: in ${holders} shards`);
      });
      console.log(`${count} shards: decoded bytes ${bytes.join(", ")} (spread ${spread} B)`);
      assertSameReport(single, mergeShards(JSON.parse(JSON.stringify(files))), `${count} shards`);
    }
  } finally {
    await Deno.remove(source.replace(/\/many\.zarr$/, ""), { recursive: true });
  }
});
