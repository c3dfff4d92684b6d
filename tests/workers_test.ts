/**
 * The worker pool gives the same results as the main thread: contiguous
 * chunk ranges merged in index order.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { assertValidReport } from "./_schema.ts";

Deno.test("two workers and the main thread report the same statistics, histograms and labels", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-workers-" });
  try {
    await generateSample(dir, { scale: 0.5 });
    const run = (workers: 2 | false) =>
      runPipeline({
        source: `${dir}/sample.zarr`,
        arrays: [],
        stages: [
          { name: "stats", options: {} },
          { name: "histogram", options: { bins: 256 } },
          { name: "quantiles", options: [0.01, 0.5, 0.99] },
          { name: "profile", options: { axes: [1, 2], reduce: "mean" } },
          { name: "labels", options: {} },
        ],
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS, workers: 2 },
        ...(workers === false ? { workers: false as const } : {}),
      });
    const [pooled, single] = [await run(2), await run(false)];
    assertValidReport(pooled, "pooled run");
    assertValidReport(single, "single-thread run");
    assert.ok(pooled.arrays.some((a) => a.workers === 2), "some array used two workers");
    assert.ok(single.arrays.every((a) => a.workers === 1 || a.workers === undefined));
    for (let i = 0; i < single.arrays.length; i++) {
      const a = pooled.arrays[i];
      const b = single.arrays[i];
      assert.equal(a.path, b.path);
      assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
      assert.deepEqual(a.histogram, b.histogram, `${a.path} histogram`);
      assert.deepEqual(a.labels, b.labels, `${a.path} labels`);
      assert.equal(a.chunksMissing, b.chunksMissing, `${a.path} missing chunks`);
      const sa = a.stats as Record<string, number>;
      const sb = b.stats as Record<string, number>;
      for (const k of ["count", "nanCount", "min", "max"]) {
        assert.equal(sa[k], sb[k], `${a.path} ${k}`);
      }
      for (const k of ["mean", "std"]) {
        assert.ok(
          Math.abs(sa[k] - sb[k]) <= 1e-12 * Math.max(1, Math.abs(sb[k])),
          `${a.path} ${k}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the checksum stage is the same with workers, on the main thread, and against a direct hash", async () => {
  const { createHash } = await import("node:crypto");
  const dir = await Deno.makeTempDir({ prefix: "lamella-checksum-" });
  try {
    await generateSample(dir, { scale: 0.25 });
    const run = (workers: 2 | false) =>
      runPipeline({
        source: `${dir}/sample.zarr`,
        arrays: ["recon-2/em/fibsem-int16/s0", "ms/spectrum"],
        stages: [{ name: "checksum", options: {} }],
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS, workers: 2 },
        ...(workers === false ? { workers: false as const } : {}),
      });
    const [a, b] = [await run(2), await run(false)];
    assert.deepEqual(a.arrays.map((x) => x.checksum), b.arrays.map((x) => x.checksum));
    // The 1-D spectrum's chunks are contiguous runs: recompute the digest by hand.
    const { dirStore } = await import("./_independent.ts");
    const zarr = await import("zarrita");
    const arr = await zarr.open(zarr.root(dirStore(`${dir}/sample.zarr`)).resolve("/ms/spectrum"), {
      kind: "array",
    });
    const all = (await zarr.get(arr)).data as Float64Array;
    const outer = createHash("sha256");
    for (let i = 0; i < all.length; i += arr.chunks[0]) {
      const part = all.slice(i, Math.min(all.length, i + arr.chunks[0]));
      outer.update(createHash("sha256").update(new Uint8Array(part.buffer)).digest());
    }
    const spectrum = b.arrays.find((x) => x.path === "ms/spectrum")!;
    assert.equal((spectrum.checksum as { sha256: string }).sha256, outer.digest("hex"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
