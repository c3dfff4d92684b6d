/**
 * Window streaming of the peak detector: a long signal processed in overlapping
 * windows gives exactly the peaks of one pass of the reference over the whole signal.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_PEAK_PARAMS,
  detectPeaksReference,
  type PeakParams,
} from "../kernels/peak_reference.ts";
import {
  detectPeaksWindowed,
  type SignalSource,
  windowBytes,
  windowCoreForBudget,
  windowMargin,
} from "../src/stages/_peaks_windowed.ts";
import { rng } from "./_random.ts";

function source(x: Float64Array, reads?: number[][]): SignalSource {
  return {
    length: x.length,
    read(from, to) {
      reads?.push([from, to]);
      return Promise.resolve(x.slice(from, to));
    },
  };
}

/** Gaussian peaks of random height and width on a sloping baseline with noise. */
function spectrum(n: number, peaks: number, seed: number, noise = 2): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 50 + 20 * i / n + noise * (r() + r() + r() - 1.5);
  for (let k = 0; k < peaks; k++) {
    const c = r() * n;
    const sigma = 1.5 + 12 * r();
    const h = 10 + 300 * r() ** 2;
    const from = Math.max(0, Math.floor(c - 8 * sigma));
    const to = Math.min(n, Math.ceil(c + 8 * sigma));
    for (let i = from; i < to; i++) x[i] += h * Math.exp(-0.5 * ((i - c) / sigma) ** 2);
  }
  return x;
}

const SMALL: PeakParams = {
  ...DEFAULT_PEAK_PARAMS,
  scales: [1, 2, 3, 4, 6, 8, 10, 12, 16],
  ridgeLength: 6,
  noiseWinSize: 120,
  nearbyWinSize: 40,
  excludeBoundariesSize: 10,
};

async function assertSameAsOnePass(x: Float64Array, params: PeakParams, core: number) {
  const whole = detectPeaksReference(x, params);
  const windowed = await detectPeaksWindowed(source(x), params, { core });
  assert.ok(whole.length > 0 || x.every((v) => !Number.isFinite(v)) || x.length < 3);
  // deepEqual on numbers is Object.is: bit-for-bit equal positions, SNRs and widths.
  assert.deepEqual(windowed, whole);
}

Deno.test("a long signal in small windows gives exactly the one-pass peaks (small scales)", async () => {
  const x = spectrum(60_000, 220, 7);
  const margin = windowMargin(SMALL);
  assert.ok(margin < 2000, `margin ${margin}`);
  for (const core of [1_000, 4_999, 60_000]) await assertSameAsOnePass(x, SMALL, core);
});

Deno.test("MassSpecWavelet defaults and tuneIn: windows give exactly the one-pass peaks", async () => {
  const x = spectrum(30_000, 60, 11);
  await assertSameAsOnePass(x, DEFAULT_PEAK_PARAMS, 7_000);
  await assertSameAsOnePass(x, {
    ...DEFAULT_PEAK_PARAMS,
    tuneIn: true,
    scales: [1, 2, 4, 8, 16, 32],
  }, 3_001);
});

Deno.test("NaN runs across window boundaries are interpolated as in one pass", async () => {
  const x = spectrum(20_000, 80, 3);
  for (let i = 0; i < 700; i++) x[i] = NaN; // leading run
  for (let i = 4_500; i < 7_300; i++) x[i] = NaN; // longer than a window core
  for (let i = 12_000; i < 12_010; i++) x[i] = Infinity;
  for (let i = 19_000; i < 20_000; i++) x[i] = NaN; // trailing run
  await assertSameAsOnePass(x, SMALL, 1_500);
});

Deno.test("peaks at both ends and overlapping pairs across window cuts match one pass", async () => {
  const n = 12_000;
  const x = new Float64Array(n);
  const bump = (c: number, s: number, h: number) => {
    for (let i = 0; i < n; i++) x[i] += h * Math.exp(-0.5 * ((i - c) / s) ** 2);
  };
  bump(15, 3, 100);
  bump(n - 15, 3, 90);
  for (let c = 1_000; c < n - 500; c += 997) {
    bump(c, 4, 80);
    bump(c + 9, 3, 60);
  }
  const r = rng(5);
  for (let i = 0; i < n; i++) x[i] += r();
  // Cuts right at the pairs: the core length divides their spacing.
  await assertSameAsOnePass(x, SMALL, 997);
  await assertSameAsOnePass(x, { ...SMALL, excludeBoundariesSize: 0 }, 1_000);
});

Deno.test("flat, all-NaN and tiny signals have no peaks in windowed mode", async () => {
  assert.deepEqual(
    await detectPeaksWindowed(source(new Float64Array(9_000).fill(3)), SMALL, { core: 1000 }),
    [],
  );
  assert.deepEqual(
    await detectPeaksWindowed(source(new Float64Array(9_000).fill(NaN)), SMALL, { core: 1000 }),
    [],
  );
  assert.deepEqual(
    await detectPeaksWindowed(source(new Float64Array(2)), SMALL, { core: 1000 }),
    [],
  );
  assert.deepEqual(
    await detectPeaksWindowed(source(new Float64Array(0)), SMALL, { core: 1000 }),
    [],
  );
});

Deno.test("windows read bounded ranges and the core follows the budget", async () => {
  const x = spectrum(20_000, 40, 9);
  const reads: number[][] = [];
  await detectPeaksWindowed(source(x, reads), SMALL, { core: 2_000 });
  const longest = Math.max(...reads.map(([a, b]) => b - a));
  assert.ok(longest <= 2_000 + 2 * (windowMargin(SMALL) + 8 * 16), `read ${longest} samples`);
  const core = windowCoreForBudget(32e6, DEFAULT_PEAK_PARAMS);
  assert.ok(windowBytes(core, DEFAULT_PEAK_PARAMS) <= 32e6);
  assert.ok(windowBytes(core + 1000, DEFAULT_PEAK_PARAMS) > 32e6);
});

Deno.test("the scipy mode and bad window sizes are rejected", async () => {
  await assert.rejects(
    detectPeaksWindowed(source(new Float64Array(10)), { ...SMALL, mode: "scipy" }, { core: 5 }),
    RangeError,
  );
  await assert.rejects(
    detectPeaksWindowed(source(new Float64Array(10)), SMALL, { core: 0 }),
    RangeError,
  );
});
