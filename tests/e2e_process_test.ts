/**
 * End to end: `deno task process` with no arguments, in a fresh directory,
 * generates the sample, processes every array and writes report.json whose
 * statistics match values computed independently here (zarrita's own codecs,
 * whole arrays, plain float64).
 */
import assert from "node:assert/strict";
import { allValues, assertClose, numpyQuantile, plainStats } from "./_independent.ts";
import { assertValidReport } from "./_schema.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function runProcess(cwd: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}tasks/process.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("process with no arguments generates the sample and reports correct statistics for every array", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-e2e-" });
  try {
    const run = await runProcess(cwd, []);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /generating the sample/);
    assert.match(run.stdout, /recon-2\/em\/fibsem-int16\/s0/);
    const report = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`));
    assertValidReport(report);
    for (const key of ["version", "startedAt", "seconds", "source", "environment", "arrays"]) {
      assert.ok(key in report, `report lacks ${key}`);
    }
    const paths = report.arrays.map((a: { path: string }) => a.path).sort();
    assert.deepEqual(paths, [
      "ms/scans",
      "ms/spectrum",
      "recon-1/em/fibsem-uint8/s0",
      "recon-1/em/fibsem-uint8/s1",
      "recon-1/labels/groundtruth/crop1/mito/s0",
      "recon-1/labels/inference/segmentations/mito/s0",
      "recon-2/em/fibsem-int16/s0",
      "recon-2/em/fibsem-int16/s1",
      "recon-2/em/fibsem-int16/s2",
      "recon-2/em/fibsem-int16/s3",
      "recon-3/em/fibsem-float32/s0",
    ]);
    const store = `${cwd}/data/sample.zarr`;
    for (const a of report.arrays) {
      assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
      for (
        const key of ["dtype", "shape", "chunks", "bytes", "strategy", "reason", "seconds", "stats"]
      ) {
        assert.ok(key in a, `${a.path} lacks ${key}`);
      }
      const want = await plainStats(store, `/${a.path}`);
      const got = a.stats;
      assert.equal(got.count, want.count, `${a.path} count`);
      assert.equal(got.nanCount, want.nanCount, `${a.path} nanCount`);
      assertClose(got.min, want.min, 0, `${a.path} min`);
      assertClose(got.max, want.max, 0, `${a.path} max`);
      // The uint64 label sums exceed 2^53: the plain float64 sum is the inexact one.
      assertClose(got.sum, want.sum, 1e-12, `${a.path} sum`);
      assertClose(got.mean, want.mean, 1e-12, `${a.path} mean`);
      assertClose(got.std, want.std, 1e-9, `${a.path} std`);
    }
    const float = report.arrays.find((a: { path: string }) =>
      a.path === "recon-3/em/fibsem-float32/s0"
    );
    assert.ok(float.stats.nanCount > 0, "the float32 volume has NaNs");
    const s0 = report.arrays.find((a: { path: string }) => a.path.endsWith("fibsem-int16/s0"));
    assert.ok(s0.chunksMissing > 0, "all-zero chunks are absent from the store and counted");
    assert.deepEqual(s0.multiscale.scale.length, 3);

    // Histograms count every non-NaN value (label arrays have none: their values are ids);
    // quantiles are within maxError of NumPy's.
    for (const a of report.arrays) {
      const h = a.histogram;
      if (/(^|\/)labels\//.test(a.path)) {
        assert.equal(h, undefined, `${a.path}: a label array gets no value histogram`);
        continue;
      }
      const inBins = h.counts.reduce((x: number, y: number) => x + y, 0);
      assert.equal(inBins + h.below + h.above, a.stats.count, `${a.path} histogram total`);
      assert.equal(h.counts.length, h.bins);
    }
    for (
      const path of ["recon-1/em/fibsem-uint8/s0", "recon-2/em/fibsem-int16/s0", "ms/spectrum"]
    ) {
      const a = report.arrays.find((x: { path: string }) => x.path === path);
      const sorted = (await allValues(store, `/${path}`)).sort();
      for (const [q, v] of Object.entries(a.quantiles)) {
        if (q === "maxError") continue;
        const want = numpyQuantile(sorted, Number(q));
        assert.ok(
          Math.abs((v as number) - want) <= a.quantiles.maxError + 1e-9,
          `${path} q${q}: ${v} vs ${want} (maxError ${a.quantiles.maxError})`,
        );
      }
    }
    const uint8 = report.arrays.find((a: { path: string }) =>
      a.path === "recon-1/em/fibsem-uint8/s0"
    );
    assert.equal(uint8.histogram.rangeSource, "dtype");
    assert.equal(uint8.quantiles.maxError, 0);

    // Labels: distinct non-zero ids and voxel counts match a direct count.
    const seg = report.arrays.find((a: { path: string }) =>
      a.path.endsWith("segmentations/mito/s0")
    );
    const ids = new Map<number, number>();
    for (const v of await allValues(store, `/${seg.path}`)) {
      if (v !== 0) ids.set(v, (ids.get(v) ?? 0) + 1);
    }
    assert.equal(seg.labels.distinct, ids.size);
    for (const [id, n] of Object.entries(seg.labels.voxels)) {
      assert.equal(n, ids.get(Number(id)), `label ${id}`);
    }
    assert.equal(
      report.arrays.filter((a: { labels?: unknown }) => a.labels).length,
      2,
      "labels only under labels/",
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("a missing source exits 1 with a message naming it and writes no report", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-e2e-" });
  try {
    const run = await runProcess(cwd, ["--source", "nowhere.zarr", "--out", "o"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nowhere\.zarr: no such file or directory/);
    await assert.rejects(() => Deno.stat(`${cwd}/o/report.json`));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("an unknown stage is a configuration error naming the stage", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-e2e-" });
  try {
    await Deno.mkdir(`${cwd}/empty.zarr`);
    const run = await runProcess(cwd, ["--source", "empty.zarr", "--stages", "stats,nope"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown stage "nope"/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
