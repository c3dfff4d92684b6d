/**
 * The WASM CWT peak detector (kernels/mod.ts `detectPeaks`) against the scalar
 * reference (kernels/peak_reference.ts `detectPeaksReference`): indices, positions and
 * scales equal, SNR, height and FWHM within a relative tolerance.
 */
import assert from "node:assert/strict";
import { detectPeaks } from "../kernels/mod.ts";
import {
  DEFAULT_PEAK_PARAMS,
  detectPeaksReference,
  integerScales,
  massSpecWaveletScales,
  type Peak,
  type PeakParams,
  SCIPY_PRESET,
} from "../kernels/peak_reference.ts";
import { seededRandom, synthSpectrum } from "../bench/peaks_synth.ts";
import { exampleMS } from "./_example_ms.ts";

const NO_EDGE: PeakParams = { ...DEFAULT_PEAK_PARAMS, excludeBoundariesSize: 0 };
/** Relative tolerance of SNR/height/FWHM: the kernel's FFT rows differ by ~1e-13. */
const REL_TOL = 1e-6;

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= REL_TOL * Math.max(1, Math.abs(a), Math.abs(b));
}

function assertSamePeaks(signal: Float64Array, params: Readonly<PeakParams>, label: string) {
  const expected = detectPeaksReference(signal, params);
  const actual = detectPeaks(signal, params);
  const show = (p: Peak[]) => p.map((q) => `${q.index}@${q.scale}`).join(" ");
  assert.deepEqual(
    actual.map((p) => p.index),
    expected.map((p) => p.index),
    `${label}: indices\n  kernel    ${show(actual)}\n  reference ${show(expected)}`,
  );
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    assert.equal(a.scale, e.scale, `${label}: scale of peak ${e.index}`);
    assert.ok(close(a.position, e.position), `${label}: position ${a.position} vs ${e.position}`);
    assert.ok(close(a.snr, e.snr), `${label}: snr of ${e.index}: ${a.snr} vs ${e.snr}`);
    assert.ok(close(a.height, e.height), `${label}: height of ${e.index}`);
    assert.ok(close(a.fwhm, e.fwhm), `${label}: fwhm of ${e.index}: ${a.fwhm} vs ${e.fwhm}`);
  }
  return actual;
}

function gaussian(n: number, center: number, sigma: number, height: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = height * Math.exp(-((i - center) ** 2) / (2 * sigma * sigma));
  return x;
}

/** Seeded white noise plus a few Gaussian peaks. */
function noisyPeaks(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 10 * random();
  for (let p = 0; p < Math.max(1, Math.floor(n / 400)); p++) {
    const center = random() * n;
    const sigma = 2 + 10 * random();
    const height = 50 + 500 * random();
    const from = Math.max(0, Math.floor(center - 6 * sigma));
    const to = Math.min(n, Math.ceil(center + 6 * sigma));
    for (let i = from; i < to; i++) {
      x[i] += height * Math.exp(-((i - center) ** 2) / (2 * sigma ** 2));
    }
  }
  return x;
}

const SCALE_LISTS: [string, number[]][] = [
  ["MassSpecWavelet default", massSpecWaveletScales()],
  ["1..64", integerScales(1, 64)],
  ["1..16", integerScales(1, 16)],
  ["fractional", [1.5, 2.5, 3.7, 5, 8.25, 13, 21.5, 34]],
  ["one scale", [6]],
];

Deno.test("random seeded signals: the kernel finds the reference's peaks for every scale list", () => {
  for (const [name, scales] of SCALE_LISTS) {
    for (const [n, seed] of [[2000, 1], [4999, 2], [777, 3]]) {
      const x = noisyPeaks(n, seed);
      assertSamePeaks(x, { ...NO_EDGE, scales }, `${name} n=${n} seed=${seed}`);
      assertSamePeaks(x, { ...DEFAULT_PEAK_PARAMS, scales }, `${name} defaults n=${n}`);
    }
  }
});

Deno.test("synthetic spectra with other options (tuneIn, no raw level, no skip, scale range)", () => {
  const variants: [string, Partial<PeakParams>][] = [
    ["tuneIn", { tuneIn: true }],
    ["no raw level", { includeRawLevel: false, skipSmallestScale: false }],
    ["scale range", { scaleRange: [2, 30] }],
    ["absolute noise", { minNoiseRelative: false, minNoiseLevel: 5, nearbyPeak: false }],
    ["quantile", { noiseQuantile: 0.5, noiseWinSize: 100, snr: 2 }],
  ];
  for (const [label, change] of variants) {
    for (const seed of [11, 12]) {
      const { signal } = synthSpectrum({ length: 6001, peaks: 25, seed });
      assertSamePeaks(signal, { ...DEFAULT_PEAK_PARAMS, ...change }, `${label} seed=${seed}`);
    }
  }
});

Deno.test("odd and tiny lengths: 0, 1, 2, 3 and around the SIMD width give the reference's peaks", () => {
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 101, 255, 257, 1023, 1025]) {
    const x = noisyPeaks(n, 100 + n);
    const peaks = assertSamePeaks(x, NO_EDGE, `n=${n}`);
    if (n < 3) assert.deepEqual(peaks, []);
  }
});

Deno.test("NaN and infinite samples are interpolated as in the reference", () => {
  const x = gaussian(1000, 500, 5, 100);
  x[100] = NaN;
  x[501] = Infinity;
  x[700] = -Infinity;
  x[0] = NaN;
  x[999] = NaN;
  const peaks = assertSamePeaks(x, DEFAULT_PEAK_PARAMS, "non-finite");
  assert.deepEqual(peaks.map((p) => p.index), [500]);
});

Deno.test("all-NaN, constant, empty and single-sample signals have no peaks", () => {
  assert.deepEqual(detectPeaks(new Float64Array(2000).fill(NaN), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(detectPeaks(new Float64Array(2000).fill(7), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(detectPeaks(new Float64Array(0), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(detectPeaks(new Float64Array([3]), DEFAULT_PEAK_PARAMS), []);
  assertSamePeaks(new Float64Array(2000).fill(-4.5), NO_EDGE, "constant");
});

Deno.test("a large signal, then a small one, reuse the scratch region correctly", () => {
  const big = noisyPeaks(60_000, 7);
  const small = gaussian(1000, 500, 5, 100);
  assertSamePeaks(big, DEFAULT_PEAK_PARAMS, "big");
  assert.deepEqual(detectPeaks(small, DEFAULT_PEAK_PARAMS).map((p) => p.index), [500]);
  assertSamePeaks(big, DEFAULT_PEAK_PARAMS, "big again");
});

Deno.test("more peaks than the initial output capacity are all returned", () => {
  // 600 isolated narrow peaks: above the 256 records reserved at first.
  const x = new Float64Array(600 * 60);
  for (let p = 0; p < 600; p++) {
    for (let d = -8; d <= 8; d++) x[p * 60 + 30 + d] = 100 * Math.exp(-(d * d) / 8);
  }
  const params = { ...NO_EDGE, scales: [1, 2, 3, 4, 5, 6], ridgeLength: 4, nearbyPeak: false };
  const peaks = assertSamePeaks(x, params, "many peaks");
  assert.ok(peaks.length >= 500, `${peaks.length} peaks`);
});

Deno.test("bad parameters and signals throw specific errors", () => {
  const x = gaussian(100, 50, 3, 1);
  assert.throws(
    () => detectPeaks(x, { ...DEFAULT_PEAK_PARAMS, scales: [2, 1] }),
    (e: unknown) => e instanceof RangeError && /scales/.test(e.message),
  );
  assert.throws(
    () => detectPeaks(x, { ...DEFAULT_PEAK_PARAMS, noiseQuantile: 2 }),
    (e: unknown) => e instanceof RangeError && /noiseQuantile/.test(e.message),
  );
  assert.throws(
    () => detectPeaks(x, { ...DEFAULT_PEAK_PARAMS, snr: NaN }),
    (e: unknown) => e instanceof RangeError && /snr/.test(e.message),
  );
  assert.throws(
    () => detectPeaks(x, SCIPY_PRESET),
    (e: unknown) => e instanceof RangeError && /scipy/.test(e.message),
  );
  assert.throws(
    () => detectPeaks(x, { ...DEFAULT_PEAK_PARAMS, scales: integerScales(1, 513) }),
    (e: unknown) => e instanceof RangeError && /at most 512 scales/.test(e.message),
  );
  assert.throws(
    () => detectPeaks([1, 2, 3] as unknown as Float64Array, DEFAULT_PEAK_PARAMS),
    (e: unknown) => e instanceof TypeError && /Float64Array/.test(e.message),
  );
});

const exampleMs = await exampleMS();

Deno.test({
  name: "exampleMS: the kernel finds the reference's peaks with both scale lists",
  fn() {
    const x = exampleMs;
    const peaks = assertSamePeaks(x, DEFAULT_PEAK_PARAMS, "exampleMS defaults");
    assert.equal(peaks.length, 42);
    assertSamePeaks(x, { ...DEFAULT_PEAK_PARAMS, scales: integerScales(1, 64) }, "exampleMS 1..64");
    assertSamePeaks(x, { ...DEFAULT_PEAK_PARAMS, tuneIn: true }, "exampleMS tuneIn");
  },
});
