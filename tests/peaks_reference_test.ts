import assert from "node:assert/strict";
import {
  DEFAULT_PEAK_PARAMS,
  detectPeaksReference,
  integerScales,
  type PeakParams,
  SCIPY_PRESET,
} from "../kernels/peak_reference.ts";
import { decodePeakParams, encodePeakParams } from "../kernels/peak_params.ts";
import { exampleMS } from "./_example_ms.ts";

function gaussian(n: number, center: number, sigma: number, height: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = height * Math.exp(-((i - center) ** 2) / (2 * sigma * sigma));
  return x;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

function indices(signal: Float64Array, params: Readonly<PeakParams>): number[] {
  return detectPeaksReference(signal, params).map((p) => p.index);
}

const NO_EDGE: PeakParams = { ...DEFAULT_PEAK_PARAMS, excludeBoundariesSize: 0 };

// From MassSpecWavelet's inst/tests/runit.peakDetectionCWT.R (expected: one peak; 30 is 1-based).
const SKINNY_PEAK = new Float64Array([
  9107,
  3326,
  9523,
  3245,
  3429,
  9394,
  1123,
  935,
  5128,
  8576,
  2711,
  3427,
  7294,
  8109,
  9288,
  6997,
  9756,
  8034,
  1317,
  8866,
  13877,
  14854,
  28296,
  57101,
  92209,
  151797,
  222386,
  299402,
  365045,
  394255,
  402680,
  363996,
  293985,
  222989,
  147007,
  94947,
  52924,
  32438,
  11511,
  10836,
  8046,
  601,
  889,
  5917,
  2690,
  5381,
  9901,
  8494,
  3349,
  8283,
  3410,
  5935,
  3332,
  7041,
  3284,
  7478,
  76,
  3739,
  2158,
  5507,
]);
const WIDER_PEAK = new Float64Array([
  5000,
  12043,
  15344,
  12748,
  20730,
  20781,
  24673,
  36956,
  44600,
  48596,
  57698,
  76937,
  89422,
  106482,
  122977,
  143989,
  157769,
  181563,
  206296,
  226309,
  251067,
  283592,
  307523,
  324212,
  341520,
  368568,
  375716,
  388428,
  401694,
  408352,
  399415,
  403964,
  394144,
  382952,
  368333,
  341668,
  330255,
  301146,
  276234,
  254643,
  231601,
  211038,
  184239,
  155817,
  140996,
  123284,
  100121,
  90280,
  77303,
  58708,
  52817,
  44003,
  36068,
  24637,
  20688,
  14162,
  14836,
  16603,
  8341,
  8307,
]);

function padZeros(x: Float64Array, each: number): Float64Array {
  const out = new Float64Array(x.length + 2 * each);
  out.set(x, each);
  return out;
}

Deno.test("a single Gaussian peak is found at its centre with its FWHM", () => {
  const peaks = detectPeaksReference(gaussian(1000, 500, 5, 100), DEFAULT_PEAK_PARAMS);
  assert.equal(peaks.length, 1);
  assert.equal(peaks[0].index, 500);
  assert.equal(peaks[0].position, 500);
  assert.equal(peaks[0].height, 100);
  assert.ok(Math.abs(peaks[0].fwhm - 2.3548 * 5) < 0.3, `fwhm ${peaks[0].fwhm}`);
  assert.ok(peaks[0].snr > 3);
});

Deno.test("tuneIn refines an off-grid peak to a sub-sample position", () => {
  const peaks = detectPeaksReference(gaussian(1000, 500.3, 6, 100), {
    ...DEFAULT_PEAK_PARAMS,
    tuneIn: true,
  });
  assert.equal(peaks.length, 1);
  assert.ok(Math.abs(peaks[0].position - 500.3) < 0.1, `position ${peaks[0].position}`);
});

Deno.test("an overlapping pair of peaks is resolved into two", () => {
  const x = add(gaussian(2000, 980, 6, 100), gaussian(2000, 1020, 6, 60));
  assert.deepEqual(indices(x, DEFAULT_PEAK_PARAMS), [980, 1020]);
});

Deno.test("peaks near both edges are found without ghost peaks from the extension", () => {
  const x = add(gaussian(1500, 40, 4, 100), gaussian(1500, 1460, 4, 100));
  assert.deepEqual(indices(x, NO_EDGE), [40, 1460]);
  // The default excludeBoundariesSize (75) drops them, as MassSpecWavelet does.
  assert.deepEqual(indices(x, DEFAULT_PEAK_PARAMS), []);
});

Deno.test("flat, empty, tiny and all-NaN signals have no peaks and do not throw", () => {
  assert.deepEqual(indices(new Float64Array(2000).fill(7), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(indices(new Float64Array(2000).fill(NaN), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(indices(new Float64Array(0), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(indices(new Float64Array([1, 2]), DEFAULT_PEAK_PARAMS), []);
  assert.deepEqual(indices(new Float64Array(500).fill(NaN), SCIPY_PRESET), []);
});

Deno.test("isolated non-finite samples are interpolated", () => {
  const x = gaussian(1000, 500, 5, 100);
  x[100] = NaN;
  x[501] = Infinity;
  assert.deepEqual(indices(x, DEFAULT_PEAK_PARAMS), [500]);
});

Deno.test("MassSpecWavelet's skinny_peak test: one peak, shifted by zero padding", () => {
  const params = { ...NO_EDGE, scales: DEFAULT_PEAK_PARAMS.scales };
  const alone = indices(SKINNY_PEAK, params);
  assert.equal(alone.length, 1);
  assert.deepEqual(indices(padZeros(SKINNY_PEAK, 256), params), [alone[0] + 256]);
});

Deno.test("MassSpecWavelet's wider_peak test: the peak is at index 30 (1-based)", () => {
  assert.deepEqual(indices(WIDER_PEAK, NO_EDGE), [29]);
  assert.deepEqual(indices(padZeros(WIDER_PEAK, 256), NO_EDGE), [29 + 256]);
});

Deno.test("scipy mode reproduces find_peaks_cwt's docstring example", () => {
  const xs: number[] = [];
  for (let i = 0; i * 0.05 < Math.PI; i++) xs.push(Math.sin(i * 0.05));
  const params = { ...SCIPY_PRESET, scales: integerScales(1, 9) };
  assert.deepEqual(indices(new Float64Array(xs), params), [32]);
});

Deno.test("parameters survive the flat encoding", () => {
  const params: PeakParams = { ...DEFAULT_PEAK_PARAMS, tuneIn: true, scaleRange: [2, 40] };
  assert.deepEqual(decodePeakParams(encodePeakParams(params)), params);
  assert.deepEqual(decodePeakParams(encodePeakParams(SCIPY_PRESET)), { ...SCIPY_PRESET });
  assert.throws(() => encodePeakParams({ ...params, scales: [2, 1] }), RangeError);
  assert.throws(() => decodePeakParams(new Float64Array(5)), RangeError);
});

const exampleMs = await exampleMS();

// 0-based indices found with the MassSpecWavelet defaults; the Rust kernel test pins the same list.
const EXAMPLE_MS_PEAKS = [
  105,
  142,
  174,
  230,
  264,
  325,
  497,
  562,
  693,
  1306,
  1343,
  1449,
  1505,
  2035,
  2081,
  2505,
  2544,
  2580,
  2994,
  3442,
  5335,
  5400,
  6949,
  7247,
  7546,
  7946,
  8012,
  8085,
  8873,
  8919,
  10652,
  10742,
  11599,
  12527,
  12603,
  12674,
  14364,
  14708,
  16370,
  17528,
  20728,
  24726,
];

Deno.test({
  name: "exampleMS with MassSpecWavelet defaults gives 42 plausible peaks",
  fn() {
    const x = exampleMs;
    assert.equal(x.length, 37656);
    const peaks = detectPeaksReference(x, DEFAULT_PEAK_PARAMS);
    assert.deepEqual(peaks.map((p) => p.index), EXAMPLE_MS_PEAKS);
    let rawMaxima = 0;
    for (const p of peaks) {
      assert.ok(p.snr > 3 && p.scale >= 5 && p.fwhm > 0, JSON.stringify(p));
      let isMax = true;
      for (let d = -2; d <= 2; d++) isMax &&= x[p.index] >= x[p.index + d];
      if (isMax) rawMaxima++;
    }
    // Ridges end on raw-spectrum maxima unless they crossed level 0 in a gap.
    assert.ok(rawMaxima >= 0.9 * peaks.length, `${rawMaxima} of ${peaks.length}`);
    // The strongest peak of the spectrum is among them.
    let top = 0;
    for (let i = 0; i < x.length; i++) if (x[i] > x[top]) top = i;
    assert.ok(peaks.some((p) => Math.abs(p.index - top) <= 2), `top ${top}`);
  },
});
