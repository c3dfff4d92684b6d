/**
 * The CWT peak search split over levels: parts from `peakLevelMaxima`, the two-step
 * `SplitPeakSearch` and `ScaleParallelPeaks` (a worker computes the larger scales)
 * against `detectPeaks` in one call: the same peaks, bit for bit, at every split, on
 * exampleMS, random spectra of odd lengths, NaN/Inf, empty and tiny inputs.
 */
import assert from "node:assert/strict";
import {
  detectPeaks,
  detectPeaksFromParts,
  peakLevelMaxima,
  peakSplitLevel,
  SplitPeakSearch,
} from "../kernels/mod.ts";
import { ScaleParallelPeaks } from "../kernels/peaks_parallel.ts";
import { DEFAULT_PEAK_PARAMS, integerScales, type PeakParams } from "../kernels/peak_reference.ts";
import { peakLevelCount } from "../kernels/peak_params.ts";
import { synthSpectrum } from "../bench/peaks_synth.ts";
import { exampleMS } from "./_example_ms.ts";

/** Parts for levels cut at `cuts`, concatenated. */
function partsAt(x: Float64Array, params: Readonly<PeakParams>, cuts: number[]): Float64Array {
  const bounds = [0, ...cuts, peakLevelCount(params)];
  const pieces = bounds.slice(1).map((to, i) => peakLevelMaxima(x, params, bounds[i], to));
  const all = new Float64Array(pieces.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function signals(): [string, Float64Array][] {
  const out: [string, Float64Array][] = [];
  for (const [length, seed] of [[4_001, 1], [12_345, 2], [777, 3]]) {
    out.push([
      `synthetic ${length}`,
      synthSpectrum({ length, peaks: Math.ceil(length / 400), seed }).signal,
    ]);
  }
  const holes = synthSpectrum({ length: 6_001, peaks: 15, seed: 4 }).signal;
  holes[10] = NaN;
  holes[3000] = Infinity;
  holes[3001] = -Infinity;
  holes[6000] = NaN;
  out.push(["NaN and Inf", holes]);
  return out;
}

const PARAMS: [string, PeakParams][] = [
  ["MassSpecWavelet defaults", { ...DEFAULT_PEAK_PARAMS }],
  ["scales 1..40, no raw level", {
    ...DEFAULT_PEAK_PARAMS,
    scales: integerScales(1, 40),
    includeRawLevel: false,
  }],
];

Deno.test("parts at every split give detectPeaks' peaks", () => {
  for (const [label, x] of signals()) {
    for (const [name, params] of PARAMS) {
      const whole = detectPeaks(x, params);
      const levels = peakLevelCount(params);
      for (let cut = 1; cut < levels; cut += 3) {
        assert.deepEqual(
          detectPeaksFromParts(x, params, partsAt(x, params, [cut])),
          whole,
          `${label}, ${name}: cut at ${cut}`,
        );
        const search = new SplitPeakSearch();
        try {
          search.begin(x, params, cut);
          // Other kernel calls in between do not disturb the begun search.
          detectPeaks(x.subarray(0, 500), params);
          assert.deepEqual(
            search.finish(peakLevelMaxima(x, params, cut, levels)),
            whole,
            `${label}, ${name}: begun to ${cut}`,
          );
        } finally {
          search.free();
        }
      }
      assert.deepEqual(detectPeaksFromParts(x, params, partsAt(x, params, [1, 5, 17])), whole);
    }
  }
});

Deno.test("exampleMS split over two threads equals one thread", async () => {
  const x = await exampleMS();
  const detector = await ScaleParallelPeaks.create();
  try {
    for (const [name, params] of PARAMS) {
      const split = peakSplitLevel(x.length, params);
      assert.ok(
        split > 1 && split < peakLevelCount(params),
        `${name}: split ${split} shares the levels`,
      );
      const whole = detectPeaks(x, params);
      assert.ok(whole.length > 20, `${name}: ${whole.length} peaks`);
      // Concurrent searches queue on the detector and each gets its own answer.
      const [a, b, c] = await Promise.all([
        detector.detect(x, params),
        detector.detect(x.subarray(0, 20_001), params),
        detector.detect(x, { ...params, snr: 6 }),
      ]);
      assert.deepEqual(a, whole, name);
      assert.deepEqual(b, detectPeaks(x.subarray(0, 20_001), params), `${name}: first 20,001`);
      assert.deepEqual(c, detectPeaks(x, { ...params, snr: 6 }), `${name}: snr 6`);
    }
  } finally {
    detector.close();
  }
});

Deno.test("many peaks, empty, tiny and all-NaN signals through the split paths", async () => {
  const detector = await ScaleParallelPeaks.create();
  try {
    // More peaks than the output first holds: the split search retries in one go.
    const dense = synthSpectrum({ length: 200_001, peaks: 1_500, seed: 9, height: [50, 400] })
      .signal;
    const params = { ...DEFAULT_PEAK_PARAMS, snr: 1 };
    const split = await detector.detect(dense, params); // before the output grows
    const whole = detectPeaks(dense, params);
    assert.ok(whole.length > 256, `${whole.length} peaks`);
    assert.deepEqual(split, whole);
    for (
      const x of [
        new Float64Array(0),
        new Float64Array([1]),
        new Float64Array([1, 2]),
        new Float64Array(5000).fill(NaN),
      ]
    ) {
      assert.deepEqual(await detector.detect(x, DEFAULT_PEAK_PARAMS), []);
      assert.deepEqual(
        detectPeaksFromParts(x, DEFAULT_PEAK_PARAMS, partsAt(x, DEFAULT_PEAK_PARAMS, [9])),
        [],
      );
    }
  } finally {
    detector.close();
  }
});

Deno.test("parts that do not fit the search are refused, naming the slot", () => {
  const x = synthSpectrum({ length: 3_000, peaks: 8, seed: 5 }).signal;
  const p = DEFAULT_PEAK_PARAMS;
  const good = partsAt(x, p, [10]);
  const wrongOrder = new Float64Array([
    ...peakLevelMaxima(x, p, 10, 26),
    ...peakLevelMaxima(x, p, 0, 10),
  ]);
  assert.throws(() => detectPeaksFromParts(x, p, wrongOrder), /slot 0 of the level parts/);
  assert.throws(() => detectPeaksFromParts(x, p, good.subarray(0, good.length - 1)), /slot/);
  assert.throws(() => peakLevelMaxima(x, p, 5, 5), /expected 0 <= from < to <= 26/);
  assert.throws(() => peakLevelMaxima(x, p, 0, 27), /expected 0 <= from < to <= 26/);
  const search = new SplitPeakSearch();
  try {
    assert.throws(() => search.finish(), /no search was begun/);
    search.begin(x, p, 10);
    assert.throws(() => search.finish(peakLevelMaxima(x, p, 11, 26)), /slot 0 of the level parts/);
  } finally {
    search.free();
  }
});
