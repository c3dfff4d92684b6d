/**
 * A stage written outside lamella (tests/fixtures/stages/max_abs.ts) runs in
 * the pipeline like a built-in one: on the main thread, on chunk workers
 * (which import its module themselves), and across shards merged into one
 * report; its answer equals a direct computation over the array.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { mergeShards, readShardFiles, runShard, writeShardFile } from "../src/distributed/mod.ts";
import { importStageModules } from "../src/stages/mod.ts";
import { createArrayV2, writeArray } from "../tools/sample/zarr_write.ts";
import { rng } from "./_random.ts";
import { assertValidReport } from "./_schema.ts";

const MODULE = new URL("./fixtures/stages/max_abs.ts", import.meta.url).href;
const SHAPE = [64, 128, 128];
const SLAB = 8 * 128 * 128;

async function volume(dir: string): Promise<Int32Array> {
  const rand = rng(7);
  const data = new Int32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
  for (let i = 0; i < data.length; i++) data[i] = Math.round((rand() - 0.5) * 2e6);
  data[12345] = -3_000_000;
  data[54321] = 3_000_000;
  const writer = await createArrayV2(`${dir}/v.zarr`, {
    shape: SHAPE,
    chunks: [8, 128, 128],
    dtype: "<i4",
    compressor: { id: "zstd", level: 1 },
  });
  // Chunks are whole z-slabs, so each is a contiguous part of `data`.
  await writeArray(writer, ([z]) => data.slice(z * SLAB, (z + 1) * SLAB));
  return data;
}

function direct(data: Int32Array): { value: number; count: number } {
  let value = 0;
  let count = 0;
  for (const raw of data) {
    const v = Math.abs(raw);
    if (v > value) [value, count] = [v, 1];
    else if (v === value) count++;
  }
  return { value, count };
}

const request = (dir: string) => ({
  source: `${dir}/v.zarr`,
  arrays: [],
  stages: [{ name: "stats", options: {} }, { name: "maxAbs", options: {} }],
  stagesSource: "test",
  stageModules: [MODULE],
  limits: { ...DEFAULT_LIMITS, workers: 2 },
});

Deno.test("a user-written stage gives the direct answer on workers, the main thread and shards", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-user-stage-" });
  try {
    const data = await volume(dir);
    const expected = direct(data);
    assert.deepEqual(expected, { value: 3_000_000, count: 2 });

    const pooled = await runPipeline(request(dir));
    const single = await runPipeline({ ...request(dir), workers: false });
    assert.equal(pooled.arrays[0].error, undefined, String(pooled.arrays[0].error));
    assert.equal(pooled.arrays[0].workers, 2, "the chunk pass ran on two workers");
    assert.deepEqual(pooled.arrays[0].maxAbs, expected);
    assertValidReport(pooled);
    assert.deepEqual(single.arrays[0].maxAbs, expected);

    for (let i = 0; i < 3; i++) {
      await writeShardFile(
        `${dir}/shards`,
        await runShard({ ...request(dir), shard: { index: i, count: 3 } }),
      );
    }
    const files = await readShardFiles([`${dir}/shards`]);
    assert.deepEqual(files[0].stageModules, [MODULE]);
    await importStageModules(files.flatMap((f) => f.stageModules ?? []));
    assert.deepEqual(mergeShards(files).arrays[0].maxAbs, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unknown stage names the stages it knows; a bad stage module names the module", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-user-stage-" });
  try {
    await volume(dir);
    await assert.rejects(
      runPipeline({ ...request(dir), stages: [{ name: "maxAbz", options: {} }] }),
      /unknown stage "maxAbz"; known stages: .*maxAbs/,
    );
    await assert.rejects(
      runPipeline({ ...request(dir), stageModules: [`file://${dir}/missing_stage.ts`] }),
      /missing_stage\.ts.*cannot import the stage module/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
