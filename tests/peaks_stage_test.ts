/**
 * The peaks stage in the pipeline: on a 1-D signal (the sample spectrum, whose
 * true peak positions are stored in its attributes) and on a histogram.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";

Deno.test("peaks on the sample spectrum find most true peaks and no false ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-peaks-" });
  try {
    await generateSample(dir, { scale: 0.25 });
    const report = await runPipeline({
      source: `${dir}/sample.zarr`,
      arrays: ["ms/**", "recon-1/em/fibsem-uint8/s0"],
      stages: [
        { name: "stats", options: {} },
        { name: "histogram", options: {} },
        { name: "peaks", options: { on: "signal", scales: [1, 64] } },
        { name: "peaks", options: { on: "histogram", snr: 3 } },
      ],
      stagesSource: "test",
      limits: { ...DEFAULT_LIMITS },
    });
    const spectrum = report.arrays.find((a) => a.path === "ms/spectrum")!;
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/sample.zarr/ms/spectrum/zarr.json`));
    const truth: number[] = meta.attributes["lamella:truePeaks"].map((p: { position: number }) =>
      p.position
    );
    const found = (spectrum.peaks as { position: number }[]).map((p) => p.position);
    assert.ok(
      Array.isArray(spectrum.histogramPeaks),
      "the second peaks stage reports under histogramPeaks",
    );
    const hits = truth.filter((t) => found.some((f) => Math.abs(f - t) <= 3)).length;
    const falsePositives = found.filter((f) => !truth.some((t) => Math.abs(f - t) <= 3)).length;
    assert.ok(hits / truth.length >= 0.8, `recall ${hits}/${truth.length}`);
    assert.equal(falsePositives, 0, `false peaks at ${found}`);
    // The volume is not 1-D: no signal peaks there, but histogram peaks with values.
    const volume = report.arrays.find((a) => a.path === "recon-1/em/fibsem-uint8/s0")!;
    assert.ok(Array.isArray(volume.peaks));
    for (const p of volume.peaks as { value: number; index: number }[]) {
      assert.equal(p.value, p.index + 0.5, "uint8 bins have width 1 from 0");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
