/**
 * Peaks of one profile spectrum in m/z: the CWT detector (the WASM kernel,
 * MassSpecWavelet's algorithm) finds peaks along the spectrum's samples, and
 * each is then measured on the spectrum's own m/z axis, so non-uniform
 * spacing (TOF: spacing grows with m/z) is handled:
 *
 * - `mz`: the intensity-weighted centroid of the samples above half the apex;
 * - `intensity`: the apex (the highest sample within the peak's half width
 *   around the detector's index);
 * - `area`: the trapezoid integral of intensity over m/z between the first
 *   samples at or below half the apex on either side;
 * - `fwhm`: the width in m/z at half the apex, crossings interpolated
 *   linearly between samples;
 * - `snr`: the detector's ridge maximum over the local noise.
 *
 * Optional preprocessing a MALDI user expects, applied in this order:
 * Savitzky–Golay smoothing, SNIP baseline removal, TIC normalisation.
 *
 * @module
 */
import { detectPeaks } from "../../kernels/mod.ts";
import type { PeakParams } from "../../kernels/peak_params.ts";

/** The fields of each peak in a spectrum's list, in order. */
export const SPECTRUM_PEAK_COLUMNS = ["mz", "intensity", "area", "fwhm", "snr"] as const;

/** Preprocessing applied to a spectrum before peak detection. */
export interface Preprocess {
  /** Savitzky–Golay smoothing: odd window (samples) and polynomial order. */
  smooth?: { window: number; order: number };
  /** SNIP baseline removal with this many iterations (the clipping window's half width). */
  baseline?: { iterations: number };
  /** Divide intensities by their sum (after baseline removal). */
  normalize?: "tic";
}

/**
 * Savitzky–Golay smoothing (least-squares polynomial of `order` over
 * `window` samples, evaluated at the centre; the ends use the nearest full
 * window's fit evaluated at their position).
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { savitzkyGolay } from "./_spectrum_peaks.ts";
 * // A quadratic is left as it is by a quadratic fit.
 * const y = Float64Array.from({ length: 9 }, (_, i) => i * i);
 * const s = savitzkyGolay(y, 5, 2);
 * for (let i = 0; i < 9; i++) assertAlmostEquals(s[i], i * i, 1e-9);
 * ```
 */
export function savitzkyGolay(y: Float64Array, window: number, order: number): Float64Array {
  const n = y.length;
  const half = (window - 1) >> 1;
  if (window % 2 !== 1 || order >= window || n < window) return Float64Array.from(y);
  const out = new Float64Array(n);
  // Weights of the fit evaluated at offset t (-half..half) from the window's centre.
  const weightsAt = (t: number) => {
    const m = order + 1;
    // Normal equations A^T A c = A^T y with A[k][j] = x_k^j, x_k = k - half.
    const ata = Array.from({ length: m }, (_, i) =>
      Array.from({ length: m }, (_, j) => {
        let s = 0;
        for (let k = -half; k <= half; k++) s += k ** (i + j);
        return s;
      }));
    const inv = invert(ata);
    const w = new Float64Array(window);
    for (let k = -half; k <= half; k++) {
      let v = 0;
      for (let i = 0; i < m; i++) {
        let ci = 0;
        for (let j = 0; j < m; j++) ci += inv[i][j] * k ** j;
        v += ci * t ** i;
      }
      w[k + half] = v;
    }
    return w;
  };
  const centre = weightsAt(0);
  for (let i = half; i < n - half; i++) {
    let v = 0;
    for (let k = 0; k < window; k++) v += centre[k] * y[i - half + k];
    out[i] = v;
  }
  for (let i = 0; i < half; i++) {
    const left = weightsAt(i - half);
    const right = weightsAt(half - i);
    let a = 0;
    let b = 0;
    for (let k = 0; k < window; k++) {
      a += left[k] * y[k];
      b += right[k] * y[n - window + k];
    }
    out[i] = a;
    out[n - 1 - i] = b;
  }
  return out;
}

function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/**
 * SNIP baseline (Ryan et al. 1988, with the LLS transform of the
 * intensities as in MALDIquant): the clipping window grows from 1 to
 * `iterations` samples.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { snipBaseline } from "./_spectrum_peaks.ts";
 * // A flat line is its own baseline.
 * assertEquals([...snipBaseline(new Float64Array(20).fill(5), 4)].every((v) => Math.abs(v - 5) < 1e-9), true);
 * ```
 */
export function snipBaseline(y: Float64Array, iterations: number): Float64Array {
  const n = y.length;
  let v = Float64Array.from(y, (x) => Math.log(Math.log(Math.sqrt(Math.max(0, x) + 1) + 1) + 1));
  let next = new Float64Array(n);
  for (let k = 1; k <= iterations; k++) {
    for (let i = 0; i < n; i++) {
      if (i < k || i >= n - k) {
        next[i] = v[i];
        continue;
      }
      next[i] = Math.min(v[i], (v[i - k] + v[i + k]) / 2);
    }
    [v, next] = [next, v];
  }
  return v.map((x) => (Math.exp(Math.exp(x) - 1) - 1) ** 2 - 1);
}

/** `intensity` after the requested preprocessing (a new array; the input is left alone). */
export function preprocess(intensity: Float64Array, p: Preprocess): Float64Array {
  let y: Float64Array = Float64Array.from(intensity);
  if (p.smooth) y = savitzkyGolay(y, p.smooth.window, p.smooth.order);
  if (p.baseline) {
    const base = snipBaseline(y, p.baseline.iterations);
    for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i] - base[i]);
  }
  if (p.normalize === "tic") {
    let tic = 0;
    for (const v of y) tic += v;
    if (tic > 0) { for (let i = 0; i < y.length; i++) y[i] /= tic; }
  }
  return y;
}

/**
 * The peaks of one profile spectrum, as rows `[mz, intensity, area, fwhm, snr]`
 * (see {@linkcode SPECTRUM_PEAK_COLUMNS}), in m/z order.
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { spectrumPeaks } from "./_spectrum_peaks.ts";
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * // A Gaussian of sigma 0.2 m/z at m/z 1500 on a TOF-like axis (spacing grows with m/z).
 * const mz = Float64Array.from({ length: 4000 }, (_, i) => 1450 + 4e-6 * (i + 1000) ** 2);
 * const intensity = mz.map((m) => 1000 * Math.exp(-((m - 1500) ** 2) / (2 * 0.2 ** 2)) + 1);
 * const [p] = spectrumPeaks(mz, intensity, DEFAULT_PEAK_PARAMS);
 * assertAlmostEquals(p[0], 1500, 0.01);
 * assertAlmostEquals(p[3], 2.3548 * 0.2, 0.01); // FWHM in m/z
 * assert(p[2] > 0 && p[4] > 3);
 * ```
 */
export function spectrumPeaks(
  mz: Float64Array,
  intensity: Float64Array,
  params: Readonly<PeakParams>,
): number[][] {
  if (mz.length < 3) return [];
  const found = detectPeaks(intensity, params);
  const rows: number[][] = [];
  for (const p of found) {
    const w = Math.max(1, Math.ceil((Number.isFinite(p.fwhm) ? p.fwhm : p.scale) / 2));
    let apex = p.index;
    for (let i = Math.max(0, p.index - w); i <= Math.min(mz.length - 1, p.index + w); i++) {
      if (intensity[i] > intensity[apex]) apex = i;
    }
    const top = intensity[apex];
    const half = top / 2;
    let l = apex;
    while (l > 0 && intensity[l - 1] > half) l--;
    let r = apex;
    while (r < mz.length - 1 && intensity[r + 1] > half) r++;
    // Half-maximum crossings, interpolated between the last sample above and the first below.
    const cross = (inside: number, outside: number) => {
      const a = intensity[inside];
      const b = intensity[outside];
      return a === b ? mz[inside] : mz[inside] + (mz[outside] - mz[inside]) * (a - half) / (a - b);
    };
    const left = l > 0 ? cross(l, l - 1) : mz[0];
    const right = r < mz.length - 1 ? cross(r, r + 1) : mz[mz.length - 1];
    let sum = 0;
    let weighted = 0;
    for (let i = l; i <= r; i++) {
      sum += intensity[i];
      weighted += intensity[i] * mz[i];
    }
    let area = 0;
    for (let i = Math.max(0, l - 1); i < Math.min(mz.length - 1, r + 1); i++) {
      area += (mz[i + 1] - mz[i]) * (intensity[i] + intensity[i + 1]) / 2;
    }
    rows.push([sum > 0 ? weighted / sum : mz[apex], top, area, right - left, p.snr]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  return rows;
}

/** Peaks of every spectrum of an ms-run store in report.json (`peaks: {on: spectra}`). */
export interface SpectraPeaks {
  /** Always "spectra". */
  on: "spectra";
  /** Spectra in the run. */
  spectra: number;
  /** Profile spectra searched. */
  profile: number;
  /** Centroided spectra, passed through (their peaks are the store's `mz`/`intensity`). */
  centroided: number;
  /** Peaks over all profile spectra. */
  count: number;
  /** Names of the fields of each peak. */
  columns: typeof SPECTRUM_PEAK_COLUMNS;
  /** `[spectrum, [[mz, intensity, area, fwhm, snr], ...]]` for spectra with peaks. */
  bySpectrum: [number, number[][]][];
  /** Preprocessing applied before detection, when any. */
  preprocess?: Preprocess;
  /** What the reader should know, e.g. that centroided spectra were passed through. */
  note?: string;
  /** TIC and base peak of the MS1 spectra (all when none is MS1) over retention time. */
  chromatogram?: { rt: (number | null)[]; tic: number[]; basePeak: number[]; of: number };
  /** The spectrum with the highest TIC (a profile one when there is any), min/max per bucket. */
  example?: {
    spectrum: number;
    centroided: boolean;
    mz: number[];
    intensity: number[];
    of: number;
  };
}

/** What the spectra mode reads from the store, one block of spectra at a time. */
export interface RunArrays {
  /** Spectra in the run. */
  spectra: number;
  /** `offsets` (N+1) as numbers. */
  offsets: Float64Array;
  /** `centroided` per spectrum. */
  centroided: ArrayLike<unknown>;
  /** Reads `mz` and `intensity` of peaks `[from, to)`. */
  peaks(from: number, to: number): Promise<{ mz: Float64Array; intensity: Float64Array }>;
  /** Retention time per spectrum (seconds), for the chromatogram. */
  rt?: Float64Array;
  /** MS level per spectrum: the chromatogram is drawn from the MS1 spectra. */
  msLevel?: ArrayLike<number>;
  /** Total ion current per spectrum, for the chromatogram and the example spectrum. */
  tic?: Float64Array;
  /** Base peak intensity per spectrum, for the chromatogram. */
  basePeak?: Float64Array;
}

/**
 * At most 2,000 points of TIC and base peak over retention time (the highest
 * TIC per bucket), from the MS1 spectra when the run has any, in rt order.
 */
function chromatogramOf(
  rt: Float64Array,
  tic: Float64Array,
  basePeak: Float64Array,
  msLevel?: ArrayLike<number>,
) {
  let keep = Array.from({ length: tic.length }, (_, i) => i);
  const ms1 = msLevel ? keep.filter((i) => msLevel[i] === 1) : [];
  if (ms1.length) keep = ms1;
  if (keep.every((i) => Number.isFinite(rt[i]))) keep.sort((a, b) => rt[a] - rt[b] || a - b);
  const n = keep.length;
  const buckets = Math.min(n, 2000);
  const out = { rt: [] as (number | null)[], tic: [] as number[], basePeak: [] as number[], of: n };
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * n / buckets);
    const to = Math.floor((b + 1) * n / buckets);
    let best = keep[from];
    for (let k = from; k < to; k++) if (tic[keep[k]] > tic[best]) best = keep[k];
    out.rt.push(Number.isFinite(rt[best]) ? rt[best] : null);
    out.tic.push(tic[best]);
    out.basePeak.push(basePeak[best]);
  }
  return out;
}

/** A spectrum as at most 2,000 points: the min and max intensity of each of 1,000 buckets. */
function exampleOf(spectrum: number, centroided: boolean, mz: Float64Array, y: Float64Array) {
  const n = mz.length;
  if (n <= 2000) {
    return { spectrum, centroided, mz: Array.from(mz), intensity: Array.from(y), of: n };
  }
  const out = { spectrum, centroided, mz: [] as number[], intensity: [] as number[], of: n };
  for (let b = 0; b < 1000; b++) {
    const from = Math.floor(b * n / 1000);
    const to = Math.floor((b + 1) * n / 1000);
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) {
      out.mz.push(mz[i]);
      out.intensity.push(y[i]);
    }
  }
  return out;
}

/**
 * Runs {@linkcode spectrumPeaks} on every profile spectrum of a run, a block
 * of about a million peaks at a time, each through `search` when given (a
 * worker pool: the same rows as on this thread); centroided spectra are
 * counted and passed through.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { peaksOfSpectra } from "./_spectrum_peaks.ts";
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * const r = await peaksOfSpectra({ spectra: 1, offsets: Float64Array.of(0, 2),
 *   centroided: [1], peaks: () => Promise.resolve({ mz: Float64Array.of(1, 2),
 *   intensity: Float64Array.of(5, 6) }) }, DEFAULT_PEAK_PARAMS, {});
 * assertEquals([r.profile, r.centroided, r.count], [0, 1, 0]);
 * ```
 */
export async function peaksOfSpectra(
  run: RunArrays,
  params: Readonly<PeakParams>,
  pre: Preprocess,
  search?: SpectrumSearch,
): Promise<SpectraPeaks> {
  return await searchSpectra(run, params, pre, search);
}

/** Searches spectrum `k` elsewhere (on a worker: src/stages/_spectra_pool.ts). */
export type SpectrumSearch = (
  k: number,
  mz: Float64Array,
  intensity: Float64Array,
) => Promise<number[][]>;

async function searchSpectra(
  run: RunArrays,
  params: Readonly<PeakParams>,
  pre: Preprocess,
  search: SpectrumSearch | undefined,
): Promise<SpectraPeaks> {
  const { spectra, offsets } = run;
  const bySpectrum: [number, number[][]][] = [];
  let profile = 0;
  let centroided = 0;
  let count = 0;
  const preprocessing = pre.smooth || pre.baseline || pre.normalize;
  // The example spectrum: the highest TIC, among profile spectra when there are any.
  let chosen = -1;
  if (run.tic) {
    for (const profileOnly of [true, false]) {
      for (let k = 0; k < spectra; k++) {
        if (profileOnly && run.centroided[k]) continue;
        if (chosen < 0 || run.tic[k] > run.tic[chosen]) chosen = k;
      }
      if (chosen >= 0) break;
    }
  }
  let example: SpectraPeaks["example"];
  const pending: Promise<void>[] = [];
  const record = (k: number, rows: number[][]) => {
    if (rows.length) {
      bySpectrum.push([k, rows]);
      count += rows.length;
    }
  };
  for (let i = 0; i < spectra;) {
    let j = i + 1;
    while (j < spectra && offsets[j + 1] - offsets[i] <= 1 << 20) j++;
    const block = await run.peaks(offsets[i], offsets[j]);
    for (let k = i; k < j; k++) {
      if (k === chosen) {
        const a = offsets[k] - offsets[i];
        const b = offsets[k + 1] - offsets[i];
        example = exampleOf(
          k,
          Boolean(run.centroided[k]),
          block.mz.subarray(a, b),
          block.intensity.subarray(a, b),
        );
      }
      if (run.centroided[k]) {
        centroided++;
        continue;
      }
      profile++;
      const a = offsets[k] - offsets[i];
      const b = offsets[k + 1] - offsets[i];
      const mz = block.mz.subarray(a, b);
      const raw = block.intensity.subarray(a, b);
      if (search) {
        pending.push(search(k, mz, raw).then((rows) => record(k, rows)));
      } else {
        record(k, spectrumPeaks(mz, preprocessing ? preprocess(raw, pre) : raw, params));
      }
    }
    // A block's spectra are all searched before the next block is read.
    await Promise.all(pending.splice(0));
    i = j;
  }
  bySpectrum.sort((x, y) => x[0] - y[0]);
  return {
    on: "spectra",
    spectra,
    profile,
    centroided,
    count,
    columns: SPECTRUM_PEAK_COLUMNS,
    bySpectrum,
    ...(preprocessing ? { preprocess: pre } : {}),
    ...(run.rt && run.tic && run.basePeak
      ? { chromatogram: chromatogramOf(run.rt, run.tic, run.basePeak, run.msLevel) }
      : {}),
    ...(example ? { example } : {}),
    ...(centroided
      ? {
        note: `${centroided} centroided spectra passed through: their peaks are already ` +
          "centroids (the store's mz and intensity)",
      }
      : {}),
  };
}
