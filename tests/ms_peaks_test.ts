/**
 * Peaks in m/z (`peaks: {on: spectra}`) on ms-run stores:
 *
 * - OpenMS's raw MALDI-TOF tutorial spectrum (Debian's openms-doc, fetched by
 *   tests/data/manifest.json), ingested and processed: the report validates,
 *   the spectrum's peaks equal the detector run on that spectrum alone, and
 *   at least 90% of them lie within 0.1% m/z of an OpenMS PeakPickerHiRes
 *   (signal-to-noise 1) centroid (pyopenms in the `openms` venv);
 * - a synthetic run of TOF-like profile spectra (Gaussians at known m/z on a
 *   baseline, sigma 0.4) and one centroided spectrum, written by the ms-run writer: every
 *   spectrum's peaks equal the detector on that spectrum alone, each true peak
 *   is found within 0.05 m/z with its FWHM in m/z within 10%, the centroided spectrum is
 *   passed through with a note, and smoothing + SNIP + TIC normalisation keep
 *   the peaks where they are.
 */
import assert from "node:assert/strict";
import { testData } from "./_data.ts";
import { testWith } from "./_prereq.ts";
import { runJson, venvPython } from "./_python.ts";
import { assertValidReport } from "./_schema.ts";
import { readMzml } from "../src/ms/mzml.ts";
import { MsRunWriter } from "../src/ms/run_store.ts";
import { preprocess, type SpectraPeaks, spectrumPeaks } from "../src/stages/_spectrum_peaks.ts";
import { DEFAULT_PEAK_PARAMS } from "../kernels/peak_params.ts";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import type { StageSpec } from "../src/stages/stage.ts";
import { renderReportHtml } from "../src/report/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const maldi = await testData("peakpicker_tutorial_1.mzML");
const openms = await venvPython("openms");

let lastHtml = "";

async function peaksOf(source: string, options: Record<string, unknown> = {}) {
  const stages: StageSpec[] = [{ name: "peaks", options: { on: "spectra", snr: 3, ...options } }];
  const report = await runPipeline({
    source,
    arrays: [],
    stages,
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS },
    workers: false,
  });
  assertValidReport(report, source);
  lastHtml = renderReportHtml(report);
  const intensity = report.arrays.find((a) => a.path === "intensity");
  assert.ok(intensity && !intensity.error, intensity?.error);
  // Only the intensity array of the run carries spectrum peaks.
  assert.equal(report.arrays.filter((a) => a.peaks !== undefined).length, 1);
  return intensity.peaks as SpectraPeaks;
}

testWith({
  name:
    "MALDI-TOF: peaks in m/z equal the detector on the spectrum alone and sit on OpenMS PeakPickerHiRes centroids",
  async fn() {
    if (typeof maldi !== "string" || !("python" in openms)) throw new Error("prerequisite");
    const dir = await Deno.makeTempDir();
    try {
      const ingest = await new Deno.Command(Deno.execPath(), {
        args: ["task", "--quiet", "ingest", maldi, "--out", `${dir}/maldi.zarr`, "--quiet"],
        cwd: ROOT,
        stderr: "piped",
      }).output();
      assert.ok(ingest.success, new TextDecoder().decode(ingest.stderr));
      const got = await peaksOf(`${dir}/maldi.zarr`);
      assert.equal(got.spectra, 1);
      assert.equal(got.profile, 1);
      const [s] = await Array.fromAsync(readMzml(maldi));
      // The store keeps intensities as float32; this file's are 32-bit already.
      const alone = spectrumPeaks(
        s.mz,
        Float64Array.from(Float32Array.from(s.intensity)),
        DEFAULT_PEAK_PARAMS,
      );
      assert.ok(alone.length > 50, `${alone.length} peaks`);
      assert.deepEqual(got.bySpectrum, [[0, alone]]);
      const ref = await runJson<{ spectra: { mz: number[] }[] }>(
        openms.python,
        "openms_peakpicker.py",
        [maldi, "1"],
      );
      const centroids = ref.spectra[0].mz;
      const nearest = (x: number) => {
        let lo = 0;
        let hi = centroids.length - 1;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (centroids[m] < x) lo = m + 1;
          else hi = m;
        }
        return Math.min(
          Math.abs(centroids[lo] - x),
          lo > 0 ? Math.abs(centroids[lo - 1] - x) : Infinity,
        );
      };
      const within = (rel: number) => alone.filter((p) => nearest(p[0]) <= rel * p[0]).length;
      const loose = within(1e-3);
      const tight = within(1e-4);
      console.log(
        `${alone.length} peaks; ${loose} within 0.1% m/z and ${tight} within 0.01% of one of ` +
          `OpenMS's ${centroids.length} SNR-1 centroids`,
      );
      assert.ok(loose >= 0.9 * alone.length, `${loose}/${alone.length} within 0.1%`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}, typeof maldi !== "string" ? maldi.missing : "missing" in openms ? openms.missing : null);

const SIGMA = 0.4;

/** A TOF-like m/z axis (spacing grows with m/z) and Gaussians at `centres` on a sloped baseline. */
function synthetic(centres: number[], baseline: number, seed: number) {
  const n = 20000;
  const mz = Float64Array.from({ length: n }, (_, i) => 1000 + 2.5e-6 * (i + 2000) ** 2);
  let x = seed;
  const noise = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2;
  const intensity = Float64Array.from(mz, (m, i) => {
    let v = baseline * (1 + i / n) + noise();
    centres.forEach((c, k) => v += (400 + 200 * k) * Math.exp(-((m - c) ** 2) / (2 * SIGMA ** 2)));
    return v;
  });
  return { mz, intensity };
}

Deno.test("synthetic run: each spectrum's peaks are its own, true peaks found in m/z, centroided passed through", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.zarr`;
    const w = await MsRunWriter.create(path, { source: "synthetic", format: "test" });
    const truth = [[1100, 1400], [1250.5], [1600, 1800.25, 2000], []];
    const spectra = truth.map((c, k) => synthetic(c, 20, k + 1));
    for (const [k, s] of spectra.entries()) {
      await w.add({
        rt: k,
        msLevel: 1,
        precursorMz: NaN,
        tic: NaN,
        basePeakIntensity: NaN,
        centroided: false,
        mz: s.mz,
        intensity: s.intensity,
      });
    }
    await w.add({
      rt: 9,
      msLevel: 2,
      precursorMz: 500,
      tic: NaN,
      basePeakIntensity: NaN,
      centroided: true,
      mz: [100, 200],
      intensity: [1, 2],
    });
    await w.finish();
    const got = await peaksOf(path);
    assert.deepEqual([got.spectra, got.profile, got.centroided], [5, 4, 1]);
    assert.match(got.note ?? "", /1 centroided spectra passed through/);
    // The page draws the chromatogram of the profile spectra (MS1) and the highest-TIC spectrum.
    assert.equal(got.chromatogram?.of, 4);
    assert.equal(
      got.example?.spectrum,
      got.chromatogram!.tic.indexOf(Math.max(...got.chromatogram!.tic)),
    );
    assert.match(lastHtml, /<svg class="chart chromatogram"/);
    assert.match(lastHtml, /<svg class="chart spectrum"[^]*peak at m\/z/);
    const bySpectrum = new Map(got.bySpectrum);
    spectra.forEach((s, k) => {
      const alone = spectrumPeaks(s.mz, Float64Array.from(Float32Array.from(s.intensity)), {
        ...DEFAULT_PEAK_PARAMS,
        snr: 3,
      });
      assert.deepEqual(bySpectrum.get(k) ?? [], alone, `spectrum ${k}`);
      for (const c of truth[k]) {
        const p = alone.find((row) => Math.abs(row[0] - c) <= 0.05);
        assert.ok(
          p,
          `spectrum ${k}: no peak within 0.05 of ${c}: ${alone.map((r) => r[0].toFixed(3))}`,
        );
        const fwhm = 2.3548 * SIGMA;
        assert.ok(Math.abs(p[3] - fwhm) <= 0.1 * fwhm, `spectrum ${k} at ${c}: FWHM ${p[3]}`);
        assert.ok(p[2] > 0 && p[4] >= 3);
      }
    });
    // Preprocessing keeps the peaks in place; TIC-normalised intensities sum to 1.
    const pre = await peaksOf(path, {
      smooth: { window: 7, order: 2 },
      baseline: { method: "snip", iterations: 50 },
      normalize: "tic",
    });
    assert.deepEqual(pre.preprocess, {
      smooth: { window: 7, order: 2 },
      baseline: { iterations: 50 },
      normalize: "tic",
    });
    const normalised = preprocess(
      Float64Array.from(Float32Array.from(spectra[2].intensity)),
      pre.preprocess!,
    );
    assert.ok(Math.abs(normalised.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    for (const c of truth[2]) {
      const rows = new Map(pre.bySpectrum).get(2)!;
      assert.ok(rows.some((row) => Math.abs(row[0] - c) <= 0.05), `preprocessed: ${c}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peaks: preprocessing options are refused outside on: spectra and when malformed", async () => {
  const { peaksStage } = await import("../src/stages/peaks.ts");
  assert.throws(
    () => peaksStage({ on: "signal", smooth: { window: 5 } }, "p.yaml"),
    /smooth: only with on: spectra/,
  );
  assert.throws(
    () => peaksStage({ on: "spectra", smooth: { window: 4 } }, "p.yaml"),
    /smooth.window: expected an odd/,
  );
  assert.throws(
    () => peaksStage({ on: "spectra", baseline: { method: "tophat" } }, "p.yaml"),
    /baseline.method: expected snip/,
  );
  assert.throws(
    () => peaksStage({ on: "spectra", normalize: "max" }, "p.yaml"),
    /normalize: expected tic/,
  );
});

Deno.test("spectra searched on 2 workers give the rows of one thread, in spectrum order", async () => {
  const spectra = Array.from(
    { length: 9 },
    (_, k) => synthetic([1100 + 50 * k, 1700 - 20 * k], 20, k + 3),
  );
  const offsets = new Float64Array(spectra.length + 1);
  spectra.forEach((s, k) => offsets[k + 1] = offsets[k] + s.mz.length);
  const mz = new Float64Array(offsets[spectra.length]);
  const intensity = new Float64Array(offsets[spectra.length]);
  spectra.forEach((s, k) => {
    mz.set(s.mz, offsets[k]);
    intensity.set(s.intensity, offsets[k]);
  });
  const run = {
    spectra: spectra.length,
    offsets,
    centroided: new Uint8Array(spectra.length),
    peaks: (from: number, to: number) =>
      Promise.resolve({ mz: mz.slice(from, to), intensity: intensity.slice(from, to) }),
  };
  const { peaksOfSpectra } = await import("../src/stages/_spectrum_peaks.ts");
  const { SpectraPool } = await import("../src/stages/_spectra_pool.ts");
  const params = { ...DEFAULT_PEAK_PARAMS, snr: 3 };
  const one = await peaksOfSpectra(run, params, {});
  const pool = new SpectraPool(2, params, {});
  const two = await peaksOfSpectra(run, params, {}, pool.search).finally(() => pool.close());
  assert.ok(one.count > 9);
  assert.deepEqual(two, one);
});
