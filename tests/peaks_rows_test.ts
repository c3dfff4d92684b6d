/**
 * The peaks stage through the real pipeline: per-row peaks (`axis`) of N-D arrays,
 * windowed 1-D signals, and known-answer signals (single peak, overlapping pair, peaks
 * at the edges, flat, all-NaN, MassSpecWavelet's exampleMS).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectPeaks } from "../kernels/mod.ts";
import { type ArrayReport, runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_PEAK_PARAMS, detectPeaksReference, type Peak } from "../kernels/peak_reference.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import type { StageSpec } from "../src/stages/stage.ts";
import { createArrayV3, writeArray, writeGroupV3 } from "../tools/sample/zarr_write.ts";
import { rng } from "./_random.ts";
import { synthSpectrum } from "../bench/peaks_synth.ts";
import { exampleMS } from "./_example_ms.ts";

function gaussian(x: Float64Array, center: number, sigma: number, height: number) {
  for (let i = 0; i < x.length; i++) x[i] += height * Math.exp(-0.5 * ((i - center) / sigma) ** 2);
}

/** A synthetic spectrum of `n` points: a few Gaussian peaks on noise. */
function spectrum(n: number, seed: number, peaks = 6): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 20 + r();
  for (let k = 0; k < peaks; k++) gaussian(x, 100 + r() * (n - 200), 2 + 6 * r(), 30 + 200 * r());
  return x;
}

/** Writes `data` (C order, `shape`) as a Zarr v3 array at `<root>/<path>`. */
async function writeV3(
  root: string,
  path: string,
  dataType: "float32" | "float64",
  shape: number[],
  chunks: number[],
  data: Float64Array,
) {
  const writer = await createArrayV3(join(root, path), {
    shape,
    chunks,
    dataType,
    compressor: { id: "zstd", level: 1 },
    fillValue: 0,
  });
  const Ctor = dataType === "float32" ? Float32Array : Float64Array;
  await writeArray(writer, (coords, region) => {
    const out = new Ctor(region.reduce((a, b) => a * b, 1));
    const start = coords.map((c, d) => c * chunks[d]);
    const at = region.map(() => 0);
    for (let i = 0; i < out.length; i++) {
      let flat = 0;
      for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + start[d] + at[d];
      out[i] = data[flat];
      for (let d = region.length - 1; d >= 0; d--) {
        if (++at[d] < region[d]) break;
        at[d] = 0;
      }
    }
    return out;
  });
}

async function run(root: string, stages: StageSpec[], arrays: string[] = []) {
  const report = await runPipeline({
    source: root,
    arrays,
    stages,
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS },
  });
  const byPath = new Map<string, ArrayReport>(report.arrays.map((a) => [a.path, a]));
  for (const a of report.arrays) assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
  return byPath;
}

async function withStore(fn: (root: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "lamella-peaks-rows-" });
  try {
    const root = join(dir, "t.zarr");
    await writeGroupV3(root);
    await fn(root);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const asRows = (peaks: Peak[]) =>
  peaks.map((p) => [p.index, p.position, p.scale, p.snr, p.height, p.fwhm]);

interface RowReport {
  axis: number;
  rowShape: number[];
  rows: number;
  rowsWithPeaks: number;
  count: number;
  columns: string[];
  byRow: [number, number[][]][];
}

Deno.test("axis 1 on a [scan, mz] array: every spectrum's peaks, by row, as one pass per row", async () => {
  await withStore(async (root) => {
    const scans = 11;
    const mz = 2_000;
    const data = new Float64Array(scans * mz);
    for (let s = 0; s < scans; s++) data.set(spectrum(mz, 100 + s), s * mz);
    data.fill(7, 3 * mz, 4 * mz); // a flat spectrum: no peaks
    data.fill(NaN, 5 * mz, 6 * mz); // an all-NaN spectrum: no peaks
    // Chunks that cut rows and the m/z axis, with partial edge chunks on both.
    await writeV3(root, "scans", "float32", [scans, mz], [4, 700], data);
    const arrays = await run(root, [
      { name: "stats", options: {} },
      { name: "peaks", options: { on: "signal", axis: 1 } },
    ]);
    const peaks = arrays.get("scans")!.peaks as RowReport;
    assert.equal(peaks.axis, 1);
    assert.deepEqual(peaks.rowShape, [scans]);
    assert.equal(peaks.rows, scans);
    assert.deepEqual(peaks.columns, ["index", "position", "scale", "snr", "height", "fwhm"]);
    const f32 = Float32Array.from(data);
    const want: [number, number[][]][] = [];
    for (let s = 0; s < scans; s++) {
      const row = Float64Array.from(f32.subarray(s * mz, (s + 1) * mz));
      const found = detectPeaks(row, DEFAULT_PEAK_PARAMS);
      if (found.length) want.push([s, asRows(found)]);
    }
    assert.deepEqual(peaks.byRow, want);
    assert.equal(peaks.rowsWithPeaks, scans - 2);
    assert.ok(!peaks.byRow.some(([r]) => r === 3 || r === 5), "flat and all-NaN rows have none");
    assert.equal(peaks.count, want.reduce((a, [, p]) => a + p.length, 0));
    assert.ok(peaks.count >= 4 * (scans - 2), `${peaks.count} peaks`);
    // JSON round trip: the report stays plain JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(peaks)), peaks);
  });
});

Deno.test("axis 0 and axis -1: columns of a 2-D array, and rows of a 3-D cube by C-order number", async () => {
  await withStore(async (root) => {
    const n = 600;
    const cols = 3;
    // [n, cols]: each column is a signal along axis 0.
    const columns = Array.from({ length: cols }, (_, c) => spectrum(n, 7 + c, 3));
    const matrix = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) matrix[i * cols + c] = columns[c][i];
    await writeV3(root, "columns", "float64", [n, cols], [128, 2], matrix);
    // [y, x, mz] imaging cube: row number = y * X + x.
    const [Y, X] = [2, 3];
    const cube = new Float64Array(Y * X * n);
    for (let r = 0; r < Y * X; r++) cube.set(spectrum(n, 40 + r, 3), r * n);
    await writeV3(root, "cube", "float64", [Y, X, n], [1, 2, 256], cube);
    const arrays = await run(root, [{ name: "peaks", options: { axis: 0 } }], ["columns"]);
    const c = arrays.get("columns")!.peaks as RowReport;
    assert.deepEqual([c.axis, c.rowShape, c.rows], [0, [cols], cols]);
    assert.deepEqual(
      c.byRow,
      columns.map((x, i) => [i, asRows(detectPeaks(x, DEFAULT_PEAK_PARAMS))]).filter(([, p]) =>
        (p as number[][]).length > 0
      ),
    );
    const cubeRun = await run(root, [{ name: "peaks", options: { axis: -1 } }], ["cube"]);
    const q = cubeRun.get("cube")!.peaks as RowReport;
    assert.deepEqual([q.axis, q.rowShape, q.rows], [2, [Y, X], Y * X]);
    for (const [row, found] of q.byRow) {
      const want = detectPeaks(cube.slice(row * n, (row + 1) * n), DEFAULT_PEAK_PARAMS);
      assert.deepEqual(found, asRows(want), `row ${row}`);
    }
    assert.equal(q.rowsWithPeaks, Y * X);
  });
});

Deno.test("a 1-D signal in forced small windows gives the one-pass reference peaks exactly", async () => {
  await withStore(async (root) => {
    const x = spectrum(40_000, 3, 40);
    await writeV3(root, "long", "float64", [x.length], [4096], x);
    const params = { scales: [1, 16], snr: 3 };
    const [windowed, whole] = [
      await run(root, [{ name: "peaks", options: { ...params, window: 3_000 } }]),
      await run(root, [{ name: "peaks", options: params }]),
    ];
    const w = windowed.get("long")!.peaks as Peak[];
    const one = whole.get("long")!.peaks as Peak[];
    const reference = detectPeaksReference(x, {
      ...DEFAULT_PEAK_PARAMS,
      scales: Array.from({ length: 16 }, (_, i) => i + 1),
    });
    assert.ok(w.length >= 20, `${w.length} peaks`);
    assert.deepEqual(w, reference, "windows equal one pass of the reference, bit for bit");
    // The in-memory path runs the WASM kernel: same peaks, SNRs equal to rounding.
    assert.deepEqual(
      w.map((p) => [p.index, p.scale, p.height]),
      one.map((p) => [p.index, p.scale, p.height]),
    );
    for (let i = 0; i < w.length; i++) {
      assert.ok(Math.abs(w[i].snr - one[i].snr) <= 1e-9 * w[i].snr);
    }
  });
});

Deno.test("a long 1-D signal with two workers has its scales split, with one thread's peaks", async () => {
  await withStore(async (root) => {
    const x = synthSpectrum({ length: 600_001, peaks: 900, seed: 5 }).signal;
    await writeV3(root, "long", "float64", [x.length], [100_000], x);
    const stages: StageSpec[] = [{ name: "peaks", options: {} }];
    const runWith = async (workers: number) => {
      const report = await runPipeline({
        source: root,
        arrays: [],
        stages,
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS, workers },
      });
      const a = report.arrays.find((r) => r.path === "long")!;
      assert.equal(a.error, undefined, `${a.error}`);
      return a.peaks as Peak[];
    };
    const expected = detectPeaks(x, DEFAULT_PEAK_PARAMS);
    assert.ok(expected.length > 300, `${expected.length} peaks`);
    assert.deepEqual(await runWith(2), expected);
    assert.deepEqual(await runWith(1), expected);
  });
});

Deno.test("known answers through the pipeline: single peak, pair, edges, flat, all-NaN", async () => {
  await withStore(async (root) => {
    const n = 1_000;
    const single = new Float64Array(n);
    gaussian(single, 500, 5, 100);
    const pair = new Float64Array(n);
    gaussian(pair, 480, 6, 100);
    gaussian(pair, 520, 6, 80);
    const edges = new Float64Array(n);
    gaussian(edges, 20, 4, 100);
    gaussian(edges, n - 21, 4, 100);
    const flat = new Float64Array(n).fill(5);
    const nan = new Float64Array(n).fill(NaN);
    const signals = { single, pair, edges, flat, nan };
    for (const [name, x] of Object.entries(signals)) {
      await writeV3(root, name, "float64", [n], [256], x);
    }
    const stages = (extra: Record<string, unknown>) => [{
      name: "peaks",
      options: { on: "signal", ...extra },
    }];
    for (const extra of [{}, { window: 300 }]) {
      const a = await run(root, stages(extra));
      const at = (name: string) => (a.get(name)!.peaks as Peak[]).map((p) => p.index);
      assert.deepEqual(at("single"), [500], JSON.stringify(extra));
      const s = (a.get("single")!.peaks as Peak[])[0];
      assert.ok(Math.abs(s.fwhm - 2.3548 * 5) < 0.5, `fwhm ${s.fwhm}`);
      assert.deepEqual(at("pair"), [480, 520]);
      assert.deepEqual(at("flat"), []);
      assert.deepEqual(at("nan"), []);
      // MassSpecWavelet drops peaks within excludeBoundariesSize (75) of either end.
      assert.deepEqual(at("edges"), []);
    }
    const noEdge = await run(root, [{
      name: "peaks",
      options: { on: "signal", window: 300, nearbyWinSize: 50 },
    }], ["edges"]);
    assert.deepEqual(
      noEdge.get("edges")!.peaks,
      detectPeaksReference(edges, { ...DEFAULT_PEAK_PARAMS, nearbyWinSize: 50 }),
    );
  });
});

const exampleMs = await exampleMS();

Deno.test({
  name: "exampleMS through the pipeline: in memory and in windows, the reference's 42 peaks",
  async fn() {
    await withStore(async (root) => {
      const x = exampleMs;
      await writeV3(root, "exampleMS", "float64", [x.length], [5000], x);
      const reference = detectPeaksReference(x, DEFAULT_PEAK_PARAMS);
      assert.equal(reference.length, 42);
      const whole = await run(root, [{ name: "peaks", options: {} }]);
      const windowed = await run(root, [{ name: "peaks", options: { window: 8_000 } }]);
      const indices = (a: Map<string, ArrayReport>) =>
        (a.get("exampleMS")!.peaks as Peak[]).map((p) => p.index);
      assert.deepEqual(indices(whole), reference.map((p) => p.index));
      assert.deepEqual(windowed.get("exampleMS")!.peaks, reference);
    });
  },
});

Deno.test("bad axis and window options are configuration errors", async () => {
  const { peaksStage } = await import("../src/stages/peaks.ts");
  assert.throws(() => peaksStage({ axis: 1.5 }, "p.yaml"), /axis: expected an integer/);
  assert.throws(() => peaksStage({ on: "histogram", axis: 1 }, "p.yaml"), /only with on: signal/);
  assert.throws(() => peaksStage({ window: 0 }, "p.yaml"), /window: expected/);
  assert.throws(() => peaksStage({ window: 100, preset: "scipy" }, "p.yaml"), /scipy/);
  const s = peaksStage({ axis: 2 }, "p.yaml");
  const info = (shape: number[]) => ({
    path: "a",
    dtype: "float32" as const,
    shape,
    chunks: shape,
  });
  assert.equal(s.appliesTo!(info([4, 5])), false, "axis 2 of a 2-D array");
  assert.equal(s.appliesTo!(info([4, 5, 6])), true);
});
