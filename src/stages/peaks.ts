/**
 * The `peaks` stage: MassSpecWavelet-style CWT peak detection (WASM kernel)
 * on a 1-D array itself (`on: signal`), or on another stage's output
 * (`on: histogram`, `on: profile`, run after the other stages finish).
 *
 * @module
 */
import { type ChunkData, detectPeaks } from "../../kernels/mod.ts";
import { ConfigError, UnsupportedError } from "../model/errors.ts";
import {
  DEFAULT_PEAK_PARAMS,
  integerScales,
  peakLevelCount,
  type PeakParams,
  SCIPY_PRESET,
} from "../../kernels/peak_params.ts";
import { detectPeaksReference } from "../../kernels/peak_reference.ts";
import { ScaleParallelPeaks } from "../../kernels/peaks_parallel.ts";
import type { Peak } from "../../kernels/peak_params.ts";
import {
  detectPeaksWindowed,
  type SignalSource,
  windowBytes,
  windowCoreForBudget,
} from "./_peaks_windowed.ts";
import {
  type ArrayInfo,
  type RegionReader,
  type SiblingOpener,
  type Stage,
  validData,
} from "./stage.ts";
import { peaksOfSpectra, type Preprocess, type SpectraPeaks } from "./_spectrum_peaks.ts";
import { SpectraPool } from "./_spectra_pool.ts";

/** One detected peak in report.json. */
export interface PeakResult extends Peak {
  /** For histogram peaks: the data value at the peak's position (bin centre). */
  value?: number;
}

/** Longest 1-D signal held in memory for `on: signal` (float64 samples). */
const MAX_SIGNAL = 1 << 26;

/**
 * Bytes per sample a signal held in memory costs: the float64 signal, the WASM
 * kernel's work space (about 46 bytes per level: rows, maxima and ridges; measured
 * 1.2 kB per sample with the 25 default scales) and slack.
 */
function inMemoryBytesPerSample(params: PeakParams): number {
  return 16 + 48 * (peakLevelCount(params) + 4);
}

/** Per-row peaks of an N-D array in report.json (see docs/report.md, "Peaks"). */
export interface RowPeaks {
  /** The axis the signals run along. */
  axis: number;
  /** Shape of the other axes; a row's number is its C-order index in this shape. */
  rowShape: number[];
  /** Signals searched: the product of `rowShape`. */
  rows: number;
  /** Rows with at least one peak (the entries of `byRow`). */
  rowsWithPeaks: number;
  /** Peaks over all rows. */
  count: number;
  /** Names of the fields of each peak in `byRow`. */
  columns: typeof ROW_COLUMNS;
  /** `[row, [[index, position, scale, snr, height, fwhm], ...]]` for rows with peaks, by row. */
  byRow: [number, number[][]][];
}

/** Why a stage that reads the array itself gave no result. */
export interface Skipped {
  /** The reason, e.g. that the signal does not fit the budget. */
  skipped: string;
}

/** The fields of each peak in {@linkcode RowPeaks.byRow}, in order. */
export const ROW_COLUMNS = ["index", "position", "scale", "snr", "height", "fwhm"] as const;

/** What the peaks stage reports: a list of peaks, peaks per row or spectrum, or why none. */
export type PeaksResult = PeakResult[] | RowPeaks | SpectraPeaks | Skipped | null;

/**
 * State of the stage: a 1-D signal assembled from the chunk pass, nothing (derived
 * modes), or a result produced by `readArray` (per-row and windowed modes).
 */
export type PeaksState =
  | { kind: "signal"; signal: Float64Array }
  | { kind: "derived" }
  | { kind: "read"; result?: PeakResult[] | RowPeaks | SpectraPeaks };

function toFloat64(data: ChunkData): Float64Array {
  return gather(data, 0, 1, data.length);
}

/** Parses the stage's options into detector parameters. */
function parseParams(o: Record<string, unknown>, fail: (m: string) => never): PeakParams {
  const base: PeakParams = o.preset === "scipy" ? { ...SCIPY_PRESET } : { ...DEFAULT_PEAK_PARAMS };
  if (o.preset !== undefined && o.preset !== "scipy" && o.preset !== "massspecwavelet") {
    fail(`preset: expected massspecwavelet or scipy; found ${o.preset}`);
  }
  if (o.scales !== undefined) {
    const s = o.scales as number[];
    if (!Array.isArray(s) || s.some((x) => typeof x !== "number" || !(x > 0))) {
      fail(`scales: expected [from, to] or a list of positive numbers; found ${JSON.stringify(s)}`);
    }
    base.scales =
      s.length === 2 && Number.isInteger(s[0]) && Number.isInteger(s[1]) && s[1] - s[0] > 1
        ? integerScales(s[0], s[1])
        : [...s];
  }
  for (const key of ["snr", "ridgeLength", "gapTh", "nearbyWinSize", "noiseWinSize"] as const) {
    if (o[key] !== undefined) {
      if (typeof o[key] !== "number") fail(`${key}: expected a number`);
      base[key] = o[key] as number;
    }
  }
  if (o.tuneIn !== undefined) base.tuneIn = o.tuneIn === true;
  return base;
}

function detect(signal: Float64Array, params: PeakParams): Peak[] {
  return params.mode === "scipy"
    ? detectPeaksReference(signal, params)
    : detectPeaks(signal, params);
}

/** Rank-normalized axis, or undefined when it is out of range. */
function normalAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? rank + axis : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** Values `data[base + j * step]`, j < length, as float64. */
function gather(data: ChunkData, base: number, step: number, length: number): Float64Array {
  const out = new Float64Array(length);
  const src = data as unknown as ArrayLike<number | bigint>;
  for (let j = 0; j < length; j++) out[j] = Number(src[base + j * step]);
  return out;
}

/** How a signal of `length` samples is searched within `budget` bytes. */
function signalPlan(
  length: number,
  params: PeakParams,
  budget: number,
  window: number | undefined,
): { windowed: false } | { windowed: true; core: number } {
  if (window !== undefined) return { windowed: true, core: window };
  const fits = length <= MAX_SIGNAL && length * inMemoryBytesPerSample(params) <= budget;
  if (fits || params.mode === "scipy") return { windowed: false };
  // Without a budget (shard runs), windows of a few hundred MB.
  const bytes = Number.isFinite(budget) ? budget : 512e6;
  return { windowed: true, core: windowCoreForBudget(bytes / WINDOW_WORKING_SET, params) };
}

/**
 * What a window's search holds at once, against its rows ({@linkcode windowBytes}):
 * the rows, their local maxima and ridges, and the chunks read for the window
 * (measured about 2x on a 100,000-sample spectrum with scales 1..64).
 */
const WINDOW_WORKING_SET = 2;

/**
 * Refuses, with what to do, a signal whose smallest window (one margin wide:
 * the largest scale's support and the ridge cone) needs more than the budget:
 * running it anyway would be killed by the container's OOM killer.
 */
function assertWindowFits(
  array: ArrayInfo,
  plan: ReturnType<typeof signalPlan>,
  params: PeakParams,
) {
  const budget = array.budgetBytes;
  if (!plan.windowed || budget === undefined) return;
  const need = WINDOW_WORKING_SET * windowBytes(plan.core, params);
  if (need <= budget) return;
  const scales = params.scales;
  throw new UnsupportedError(
    array.path,
    `peaks: a ${plan.core}-sample window with scales ${scales[0]}..${scales[scales.length - 1]} ` +
      `needs about ${(need / 1e6).toFixed(1)} MB, more than the ${(budget / 1e6).toFixed(1)} MB ` +
      `budget; raise the memory limit, or use fewer or smaller scales`,
  );
}

/**
 * Samples from which a whole signal's scales are split with a worker when the run has
 * more than one (`ScaleParallelPeaks`): starting the worker costs ~20 ms, the split
 * saves ~30% of a search (~140 ms per million samples with the default scales).
 */
const SCALE_SPLIT_MIN = 500_000;

/**
 * Whether a whole 1-D signal is long enough, and the run has the workers, for its
 * scales to be split with a worker (it is then read whole after the chunk pass).
 */
function splitsScales(array: ArrayInfo, params: PeakParams): boolean {
  return (array.workers ?? 1) > 1 && array.shape[0] >= SCALE_SPLIT_MIN &&
    params.mode === "massspecwavelet";
}

/**
 * Peaks of one signal read piecewise (`read(from, to)`), windowed or whole; a whole
 * long signal has its scales split with a worker when `threads > 1`.
 */
async function detectSource(
  source: SignalSource,
  params: PeakParams,
  plan: ReturnType<typeof signalPlan>,
  threads = 1,
): Promise<Peak[]> {
  if (!plan.windowed) {
    const signal = await source.read(0, source.length);
    if (threads < 2 || signal.length < SCALE_SPLIT_MIN || params.mode !== "massspecwavelet") {
      return detect(signal, params);
    }
    // Without a working worker (none allowed, or it failed), one thread gives the same peaks.
    const detector = await ScaleParallelPeaks.create().catch(() => undefined);
    if (!detector) return detect(signal, params);
    try {
      return await detector.detect(signal, params);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      return detect(signal, params);
    } finally {
      detector.close();
    }
  }
  return await detectPeaksWindowed(source, params, { core: plan.core });
}

/**
 * Per-row peaks along `axis`: the rows of one chunk-row (all chunks along the axis for
 * one chunk range of the other axes) are read, searched and dropped before the next.
 */
async function rowPeaks(
  read: RegionReader,
  array: ArrayInfo,
  axis: number,
  params: PeakParams,
  window: number | undefined,
): Promise<RowPeaks> {
  const { shape, chunks } = array;
  const budget = (array.budgetBytes ?? Infinity) / 2;
  const length = shape[axis];
  const others = shape.map((_, d) => d).filter((d) => d !== axis);
  const rowShape = others.map((d) => shape[d]);
  const rows = rowShape.reduce((a, b) => a * b, 1);
  const plan = signalPlan(length, params, budget, window);
  assertWindowFits(array, plan, params);
  const byRow: [number, number[][]][] = [];
  let count = 0;
  const record = (row: number, peaks: Peak[]) => {
    if (peaks.length === 0) return;
    count += peaks.length;
    byRow.push([row, peaks.map((p) => ROW_COLUMNS.map((c) => p[c]))]);
  };
  // Row number of a position (over the other axes) in C order.
  const rowOf = (at: number[]) => at.reduce((a, v, k) => a * rowShape[k] + v, 0);
  const grid = others.map((d) => Math.ceil(shape[d] / chunks[d]));
  const cells = grid.reduce((a, b) => a * b, 1);
  const cell = others.map(() => 0);
  for (let c = 0; c < cells && length > 0; c++) {
    const lo = others.map((d, k) => cell[k] * chunks[d]);
    const hi = others.map((d, k) => Math.min(shape[d], lo[k] + chunks[d]));
    // Split the band along its first other axis when its float64 copy exceeds the budget.
    const perSlab = hi.slice(1).reduce((a, h, k) => a * (h - lo[k + 1]), 1) * length * 16;
    const slab = plan.windowed ? 1 : Math.max(1, Math.floor(budget / Math.max(1, perSlab)));
    for (let s0 = lo[0] ?? 0; s0 < (hi[0] ?? 1); s0 += slab) {
      const subLo = lo.slice();
      const subHi = hi.slice();
      if (others.length > 0) {
        subLo[0] = s0;
        subHi[0] = Math.min(hi[0], s0 + slab);
      }
      const extent = subHi.map((h, k) => h - subLo[k]);
      const inBand = extent.reduce((a, b) => a * b, 1);
      const at = subLo.slice();
      const region = plan.windowed ? undefined : await read(
        insertAxis(subLo, axis, 0),
        insertAxis(subHi, axis, length),
      );
      for (let r = 0; r < inBand; r++) {
        if (region) {
          let base = 0;
          for (let k = 0; k < others.length; k++) {
            base += (at[k] - subLo[k]) * region.stride[others[k]];
          }
          const signal = gather(region.data, base, region.stride[axis], length);
          record(rowOf(at), detect(signal, params));
        } else {
          const fixed = at.slice();
          const source: SignalSource = {
            length,
            read: async (from, to) => {
              const part = await read(
                insertAxis(fixed, axis, from),
                insertAxis(fixed.map((v) => v + 1), axis, to),
              );
              return gather(part.data, 0, part.stride[axis], to - from);
            },
          };
          record(rowOf(at), await detectSource(source, params, plan));
        }
        for (let k = others.length - 1; k >= 0; k--) {
          if (++at[k] < subHi[k]) break;
          at[k] = subLo[k];
        }
      }
    }
    for (let k = others.length - 1; k >= 0; k--) {
      if (++cell[k] < grid[k]) break;
      cell[k] = 0;
    }
  }
  byRow.sort((a, b) => a[0] - b[0]);
  return { axis, rowShape, rows, rowsWithPeaks: byRow.length, count, columns: ROW_COLUMNS, byRow };
}

/** `values` with `value` inserted at position `axis`. */
function insertAxis(values: number[], axis: number, value: number): number[] {
  return [...values.slice(0, axis), value, ...values.slice(axis)];
}

/** The preprocessing options of `on: spectra` (`smooth`, `baseline`, `normalize`). */
function preprocessOptions(
  o: Record<string, unknown>,
  on: string,
  fail: (m: string) => never,
): Preprocess {
  const pre: Preprocess = {};
  for (const k of ["smooth", "baseline", "normalize"]) {
    if (o[k] !== undefined && on !== "spectra") fail(`${k}: only with on: spectra`);
  }
  if (o.smooth !== undefined) {
    const sm = o.smooth as { window?: unknown; order?: unknown };
    const window = Number(sm?.window ?? NaN);
    const order = Number(sm?.order ?? 2);
    if (!(Number.isInteger(window) && window >= 3 && window % 2 === 1)) {
      fail(`smooth.window: expected an odd whole number >= 3; found ${sm?.window}`);
    }
    if (!(Number.isInteger(order) && order >= 0 && order < window)) {
      fail(`smooth.order: expected a whole number below the window; found ${sm?.order}`);
    }
    pre.smooth = { window, order };
  }
  if (o.baseline !== undefined) {
    const b = o.baseline as { method?: unknown; iterations?: unknown };
    if ((b?.method ?? "snip") !== "snip") fail(`baseline.method: expected snip; found ${b.method}`);
    const iterations = Number(b?.iterations ?? 100);
    if (!(Number.isInteger(iterations) && iterations >= 1)) {
      fail(`baseline.iterations: expected a whole number >= 1; found ${b?.iterations}`);
    }
    pre.baseline = { iterations };
  }
  if (o.normalize !== undefined) {
    if (o.normalize !== "tic") fail(`normalize: expected tic; found ${o.normalize}`);
    pre.normalize = "tic";
  }
  return pre;
}

/** Peaks of every spectrum of the ms-run store `intensity` belongs to. */
async function runPeaks(
  intensity: RegionReader,
  sibling: SiblingOpener,
  params: PeakParams,
  pre: Preprocess,
  workers: number,
): Promise<SpectraPeaks> {
  const offsetsArray = await sibling("offsets");
  const mz = await sibling("mz");
  const centroidedArray = await sibling("centroided");
  const spectra = offsetsArray.shape[0] - 1;
  const offsets = Float64Array.from(
    (await offsetsArray.read([0], [spectra + 1])).data as unknown as ArrayLike<bigint>,
    Number,
  );
  // zarrita reads bool arrays as a BoolArray (with get), not as indexable bytes.
  const flags = (await centroidedArray.read([0], [spectra])).data as unknown as
    & ArrayLike<unknown>
    & { get?: (i: number) => boolean };
  const centroided = Uint8Array.from(
    { length: spectra },
    (_, i) => (flags.get ? flags.get(i) : flags[i]) ? 1 : 0,
  );
  const column = async (name: string) =>
    toFloat64((await (await sibling(name)).read([0], [spectra])).data);
  const pool = workers > 1 ? new SpectraPool(workers, params, pre) : undefined;
  try {
    return await peaksOfSpectra(
      {
        spectra,
        offsets,
        centroided,
        rt: await column("rt"),
        msLevel: await column("ms_level"),
        tic: await column("tic"),
        basePeak: await column("base_peak_intensity"),
        peaks: async (from, to) => ({
          mz: toFloat64((await mz.read([from], [to])).data),
          intensity: toFloat64((await intensity([from], [to])).data),
        }),
      },
      params,
      pre,
      pool?.search,
    );
  } finally {
    pool?.close();
  }
}

/** Whether `peak` is the highest count within half its width on either side. */
function isMode(counts: Float64Array, peak: Peak): boolean {
  const half = Math.max(1, Math.round((Number.isFinite(peak.fwhm) ? peak.fwhm : 2) / 2));
  const from = Math.max(0, peak.index - half);
  const to = Math.min(counts.length - 1, peak.index + half);
  for (let i = from; i <= to; i++) if (counts[i] > counts[peak.index]) return false;
  return true;
}

/**
 * Builds a peaks stage from `{ on: signal | histogram | profile, axis, snr, scales, ... }`.
 *
 * - `on: signal` on a 1-D array: the whole signal, or overlapping windows when it is
 *   longer than the memory budget allows (or `window` is set); same peaks either way.
 * - `on: signal` with `axis: N` on an N-D array: every row along axis N, one
 *   chunk-row at a time, reported compactly by row.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { peaksStage } from "./peaks.ts";
 * const s = peaksStage({ on: "histogram", snr: 3 }, "pipeline.yaml");
 * assertEquals(s.name, "peaks");
 * ```
 */
export function peaksStage(
  options: unknown,
  source: string,
): Stage<PeaksState, PeaksResult> {
  const o = (options ?? {}) as Record<string, unknown>;
  const fail = (message: string): never => {
    throw new ConfigError(message, { source, key: "stages.peaks" });
  };
  const known = [
    "on",
    "axis",
    "window",
    "preset",
    "scales",
    "snr",
    "ridgeLength",
    "gapTh",
    "nearbyWinSize",
    "noiseWinSize",
    "tuneIn",
    "smooth",
    "baseline",
    "normalize",
  ];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail(`unknown option ${k}; expected ${known.join(", ")}`);
  }
  const on = (o.on ?? "signal") as string;
  if (!["signal", "histogram", "profile", "spectra"].includes(on)) {
    fail(`on: expected signal, histogram, profile or spectra; found ${on}`);
  }
  const pre = preprocessOptions(o, on, fail);
  const axisOption = o.axis as number | undefined;
  if (axisOption !== undefined) {
    if (!Number.isInteger(axisOption)) fail(`axis: expected an integer; found ${o.axis}`);
    if (on !== "signal") fail(`axis: only with on: signal; found on: ${on}`);
  }
  const window = o.window as number | undefined;
  if (window !== undefined && !(Number.isInteger(window) && window >= 1)) {
    fail(`window: expected a whole number of samples >= 1; found ${o.window}`);
  }
  const params = parseParams(o, fail);
  if (window !== undefined && params.mode === "scipy") {
    fail("window: the scipy preset cannot run in windows (its noise window is n/20)");
  }
  const derived = on === "histogram" || on === "profile";
  const spectra = on === "spectra";
  /** The axis to search along, or undefined for a plain 1-D signal. */
  const rowAxis = (a: ArrayInfo) =>
    axisOption === undefined || a.shape.length < 2
      ? undefined
      : normalAxis(axisOption, a.shape.length);
  const budgetOf = (a: ArrayInfo) => a.budgetBytes ?? Infinity;
  return {
    name: "peaks",
    // With an axis: arrays of 2 or more dimensions (1-D ones are a stage without axis).
    // With on: spectra: the intensity array of an ms-run store (deno task ingest).
    appliesTo: (a: ArrayInfo) =>
      spectra
        ? a.shape.length === 1 && /(^|\/)intensity$/.test(a.path)
        : derived || (axisOption === undefined ? a.shape.length === 1 : rowAxis(a) !== undefined),
    init(array) {
      if (derived) return { kind: "derived" };
      if (spectra) return { kind: "read" };
      if (rowAxis(array) !== undefined) return { kind: "read" };
      const plan = signalPlan(array.shape[0], params, budgetOf(array), window);
      assertWindowFits(array, plan, params);
      if (plan.windowed || splitsScales(array, params)) return { kind: "read" };
      if (array.shape[0] > MAX_SIGNAL) {
        throw new UnsupportedError(
          array.path,
          `peaks (scipy preset) on a ${
            array.shape[0]
          }-sample signal: longer than ${MAX_SIGNAL} is not supported`,
        );
      }
      return { kind: "signal", signal: new Float64Array(array.shape[0]).fill(NaN) };
    },
    consume(state, chunk, array) {
      if (state.kind !== "signal") return state;
      state.signal.set(toFloat64(validData(chunk, array)), chunk.coords[0] * array.chunks[0]);
      return state;
    },
    merge(a, b) {
      if (a.kind !== "signal" || b.kind !== "signal") return a;
      for (let i = 0; i < a.signal.length; i++) {
        if (!Number.isNaN(b.signal[i])) a.signal[i] = b.signal[i];
      }
      return a;
    },
    async readArray(state, read, array, sibling) {
      if (state.kind !== "read") return state;
      if (spectra) {
        if (!sibling) throw new Error("peaks on spectra: the runner gave no sibling opener");
        return {
          kind: "read",
          result: await runPeaks(read, sibling, params, pre, array.workers ?? 1),
        };
      }
      const axis = rowAxis(array);
      if (axis !== undefined) {
        return { kind: "read", result: await rowPeaks(read, array, axis, params, window) };
      }
      const signal: SignalSource = {
        length: array.shape[0],
        read: async (from, to) => toFloat64((await read([from], [to])).data),
      };
      const plan = signalPlan(array.shape[0], params, budgetOf(array), window);
      return {
        kind: "read",
        result: await detectSource(signal, params, plan, array.workers ?? 1),
      };
    },
    finalize(state) {
      if (state.kind === "signal") return detect(state.signal, params);
      if (state.kind === "read") {
        return state.result ??
          {
            skipped:
              "per-row and windowed peaks read the array themselves, which sharded runs do not",
          };
      }
      return null;
    },
    report: (peaks) => (peaks ? { peaks } : {}),
    derive: derived
      ? (results) => { // "peaks" unless a signal peaks stage already filled it; then "histogramPeaks" etc.
        const key = results.peaks === undefined ? "peaks" : `${on}Peaks`;
        if (on === "histogram") {
          const h = results.histogram as
            | { counts: number[]; min: number; binWidth: number }
            | undefined;
          if (!h) return {};
          const counts = Float64Array.from(h.counts);
          // A histogram peak is a mode: the shoulder of another mode (a CWT ridge on its
          // flank) is not the highest count within its half width, and is dropped.
          const peaks = detect(counts, params).filter((p) => isMode(counts, p)).map((p) => ({
            ...p,
            value: h.min + (p.position + 0.5) * h.binWidth,
          }));
          return { [key]: peaks };
        }
        const profiles = results.profiles as
          | { shape: number[]; values: (number | null)[] }[]
          | undefined;
        const first = profiles?.find((p) => p.shape.length === 1);
        if (!first) return {};
        return { [key]: detect(Float64Array.from(first.values, (v) => v ?? NaN), params) };
      }
      : undefined,
  };
}
