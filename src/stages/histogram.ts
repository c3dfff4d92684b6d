/**
 * The `histogram` stage (and the quantiles derived from it). 8-bit data
 * gets exact 256-value bins; wider integers and floats get `bins` equal bins
 * over a range taken from the config, from a first statistics pass, or from
 * the dtype. Quantiles are read off the cumulative counts, with the bin width
 * as their worst-case error.
 *
 * @module
 */
import { HIST_EXTRA, histogram, type HistogramSpec, type NumericDtype } from "../../kernels/mod.ts";
import { ConfigError } from "../model/errors.ts";
import { type ArrayInfo, type Stage, validData } from "./stage.ts";

/** Options of the `histogram` stage. */
export interface HistogramOptions {
  /** Bins for non-8-bit data (default 1024). */
  bins: number;
  /** Fixed range `[lo, hi)`; without it the range comes from statistics or the dtype. */
  range?: [number, number];
  /** Quantiles to derive (the `quantiles` stage sets these). */
  quantiles: number[];
  /** Arrays up to this many bytes get a statistics pre-pass for their range (default 100 MB). */
  prepassMaxBytes: number;
  /**
   * Whether label arrays (integers under a `labels/` path) get a histogram too
   * (`labels: true`); by default they do not: their values are ids, not intensities.
   */
  labels: boolean;
}

/** The report's `histogram` object. */
export interface HistogramResult {
  /** Number of bins. */
  bins: number;
  /** Lower edge of the first bin. */
  min: number;
  /** Upper edge of the last bin. */
  max: number;
  /** Width of every bin. */
  binWidth: number;
  /** Values per bin. */
  counts: number[];
  /** Where `[min, max)` came from: the dtype's range, the pipeline, or a statistics pre-pass. */
  rangeSource: "dtype" | "config" | "stats";
  /** Values below `min`, at or above `max` (outside the bins). */
  below: number;
  /** Values at or above `max`. */
  above: number;
}

/** The histogram stage's state: what `merge` combines and shard files carry. */
export interface HistogramState {
  /** Bins and range, fixed when the state is made. */
  spec: HistogramSpec;
  /** Where the range came from. */
  rangeSource: HistogramResult["rangeSource"];
  /** Counts per bin, then values below and above the range. */
  counts: Float64Array;
}

const EIGHT_BIT: Partial<Record<NumericDtype, HistogramSpec>> = {
  uint8: { bins: 256, lo: 0, hi: 256 },
  int8: { bins: 256, lo: -128, hi: 128 },
  bool: { bins: 2, lo: 0, hi: 2 },
};

const DTYPE_RANGE: Partial<Record<NumericDtype, [number, number]>> = {
  int16: [-32768, 32768],
  uint16: [0, 65536],
  int32: [-(2 ** 31), 2 ** 31],
  uint32: [0, 2 ** 32],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
  float16: [-65504, 65504],
};

const isFloat = (d: NumericDtype) => d.startsWith("float");

/**
 * Chooses the bins for an array: exact for 8-bit, else the configured range,
 * the pre-pass range (integers: whole-number bin widths so bins align with
 * values), or the dtype's range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chooseBins } from "./histogram.ts";
 * const b = chooseBins({ path: "a", dtype: "int16", shape: [4], chunks: [4],
 *   prepass: { min: 0, max: 99, count: 4 } }, { bins: 10, quantiles: [], prepassMaxBytes: 1e8, labels: false });
 * assertEquals(b.spec.lo, 0);
 * assertEquals(b.spec.hi, 100);
 * assertEquals(b.spec.bins, 10);
 * assertEquals(b.rangeSource, "stats");
 * ```
 */
export function chooseBins(
  array: ArrayInfo,
  opts: HistogramOptions,
): { spec: HistogramSpec; rangeSource: HistogramResult["rangeSource"] } {
  const exact = EIGHT_BIT[array.dtype];
  if (exact && !opts.range) return { spec: exact, rangeSource: "dtype" };
  if (opts.range) {
    return {
      spec: { bins: opts.bins, lo: opts.range[0], hi: opts.range[1] },
      rangeSource: "config",
    };
  }
  const p = array.prepass;
  if (p && p.min !== null && p.max !== null && Number.isFinite(p.min) && Number.isFinite(p.max)) {
    if (isFloat(array.dtype)) {
      // hi is nudged past max so the maximum lands in the last bin.
      const span = p.max - p.min;
      const hi = span > 0 ? p.max + span * 1e-9 : p.min + 1;
      return { spec: { bins: opts.bins, lo: p.min, hi }, rangeSource: "stats" };
    }
    const values = p.max - p.min + 1;
    const width = Math.max(1, Math.ceil(values / opts.bins));
    const bins = Math.ceil(values / width);
    return { spec: { bins, lo: p.min, hi: p.min + bins * width }, rangeSource: "stats" };
  }
  const range = DTYPE_RANGE[array.dtype] ?? [0, 1];
  return { spec: { bins: opts.bins, lo: range[0], hi: range[1] }, rangeSource: "dtype" };
}

/**
 * Quantiles from histogram counts: the value at rank q*(n-1) (NumPy's
 * default linear rule), placed uniformly within its bin. With whole-number
 * bins of width 1 this is exact up to the interpolation between the two
 * neighbouring values; otherwise within one bin width.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { quantilesFromCounts } from "./histogram.ts";
 * const q = quantilesFromCounts([1, 1, 1], 0, 1, [0.5], true);
 * assertEquals(q["0.5"], 1);
 * ```
 */
export function quantilesFromCounts(
  counts: ArrayLike<number>,
  lo: number,
  width: number,
  qs: number[],
  integerBins: boolean,
): Record<string, number | null> {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const out: Record<string, number | null> = {};
  const valueAtRank = (rank: number): number => {
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b];
      if (c > 0 && rank < seen + c) {
        if (integerBins && width === 1) return lo + b;
        return lo + (b + (rank - seen + 0.5) / c) * width;
      }
      seen += c;
    }
    return lo + counts.length * width;
  };
  for (const q of qs) {
    if (total === 0) {
      out[String(q)] = null;
      continue;
    }
    const pos = q * (total - 1);
    const below = Math.floor(pos);
    const frac = pos - below;
    const a = valueAtRank(below);
    const b = frac > 0 ? valueAtRank(below + 1) : a;
    out[String(q)] = a + (b - a) * frac;
  }
  return out;
}

/** An integer array under a `labels/` path: a segmentation, whose values are ids. */
export function isLabelArray(array: ArrayInfo): boolean {
  return /int/.test(array.dtype) && /(^|\/)labels\//.test(array.path);
}

/**
 * Builds a histogram stage (not on label arrays unless `labels: true`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogramStage } from "./histogram.ts";
 * const stage = histogramStage({ bins: 256 }, "pipeline.yaml");
 * assertEquals(stage.name, "histogram");
 * ```
 */
export function histogramStage(
  options: unknown,
  source: string,
  quantiles: number[] = [],
): Stage<
  HistogramState,
  { histogram: HistogramResult; quantiles?: Record<string, number | null> }
> {
  const opts = parseOptions(options, source, quantiles);
  return {
    name: "histogram",
    appliesTo: (array) => opts.labels || !isLabelArray(array),
    wantsPrepass: (array) =>
      !opts.range && !EIGHT_BIT[array.dtype] &&
      (isFloat(array.dtype) || (array.bytes ?? Infinity) <= opts.prepassMaxBytes),
    init(array) {
      const { spec, rangeSource } = chooseBins(array, opts);
      return { spec, rangeSource, counts: new Float64Array(spec.bins + HIST_EXTRA) };
    },
    consume(state, chunk, array) {
      const h = histogram(validData(chunk, array), array.dtype, state.spec);
      for (let i = 0; i < h.length; i++) state.counts[i] += h[i];
      return state;
    },
    merge(a, b) {
      for (let i = 0; i < a.counts.length; i++) a.counts[i] += b.counts[i];
      return a;
    },
    finalize(state, array) {
      const { bins, lo, hi } = state.spec;
      const width = (hi - lo) / bins;
      const counts = Array.from(state.counts.subarray(0, bins));
      const result = {
        histogram: {
          bins,
          min: lo,
          max: hi,
          binWidth: width,
          counts,
          rangeSource: state.rangeSource,
          below: state.counts[bins],
          above: state.counts[bins + 1],
        },
      };
      if (opts.quantiles.length === 0) return result;
      const integer = !isFloat(array.dtype) && Number.isInteger(width) && Number.isInteger(lo);
      return {
        ...result,
        quantiles: {
          ...quantilesFromCounts(counts, lo, width, opts.quantiles, integer),
          maxError: integer && width === 1 ? 0 : width,
        },
      };
    },
    report: (r) => ({ ...r }),
  };
}

function parseOptions(options: unknown, source: string, quantiles: number[]): HistogramOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  const fail = (msg: string): never => {
    throw new ConfigError(msg, { source, key: "stages.histogram" });
  };
  for (const k of Object.keys(o)) {
    if (!["bins", "range", "prepass_max_mb", "labels"].includes(k)) {
      fail(`unknown option ${k}; expected bins, range, prepass_max_mb, labels`);
    }
  }
  const bins = o.bins ?? 1024;
  if (typeof bins !== "number" || !Number.isInteger(bins) || bins < 1 || bins > 1 << 20) {
    fail(`bins: expected a whole number from 1 to ${1 << 20}; found ${JSON.stringify(bins)}`);
  }
  let range: [number, number] | undefined;
  if (o.range !== undefined) {
    const r = o.range as unknown[];
    if (
      !Array.isArray(r) || r.length !== 2 || r.some((x) => typeof x !== "number") ||
      !(r[1] as number > (r[0] as number))
    ) {
      fail(`range: expected [lo, hi] with hi > lo; found ${JSON.stringify(o.range)}`);
    }
    range = r as [number, number];
  }
  const mb = o.prepass_max_mb ?? 100;
  if (typeof mb !== "number" || mb < 0) fail(`prepass_max_mb: expected a non-negative number`);
  if (o.labels !== undefined && typeof o.labels !== "boolean") {
    fail("labels: expected true or false");
  }
  return {
    bins: bins as number,
    range,
    quantiles,
    prepassMaxBytes: (mb as number) * 1e6,
    labels: o.labels === true,
  };
}
