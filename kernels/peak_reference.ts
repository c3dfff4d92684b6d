/**
 * Scalar TypeScript reference of the CWT peak detector (MassSpecWavelet's
 * `peakDetectionCWT`, Du, Kibbe and Lin 2006, plus a scipy `find_peaks_cwt` mode).
 * The WASM kernel (`kernels/src/peaks_api.rs`) is tested against this file.
 *
 * It is written for clarity, not speed: the CWT is a direct convolution at every
 * scale and the whole coefficient matrix is kept.
 *
 * @module
 */

import {
  DEFAULT_PEAK_PARAMS,
  integerScales,
  massSpecWaveletScales,
  type Peak,
  type PeakMode,
  type PeakParams,
  SCIPY_PRESET,
  validatePeakParams,
} from "./peak_params.ts";

export { DEFAULT_PEAK_PARAMS, integerScales, massSpecWaveletScales, SCIPY_PRESET };
export type { Peak, PeakMode, PeakParams };

const MEXH_NORM = 2 / Math.sqrt(3) * Math.pow(Math.PI, -0.25);

/**
 * Taps of MassSpecWavelet's Mexican-hat wavelet at `scale`: psi(t/scale) for
 * t = -h..h (h = floor(8 scale)), mean removed, times 1/sqrt(scale).
 *
 * @example
 * ```ts
 * import { mexicanHatTaps } from "./peak_reference.ts";
 * const taps = mexicanHatTaps(2);
 * if (taps.length !== 33) throw new Error("unexpected");
 * ```
 */
export function mexicanHatTaps(scale: number): Float64Array {
  const half = Math.floor(8 * scale);
  const taps = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let t = -half; t <= half; t++) {
    const x = t / scale;
    const v = MEXH_NORM * (1 - x * x) * Math.exp(-x * x / 2);
    taps[t + half] = v;
    sum += v;
  }
  const mean = sum / taps.length;
  const norm = 1 / Math.sqrt(scale);
  for (let i = 0; i < taps.length; i++) taps[i] = (taps[i] - mean) * norm;
  return taps;
}

/** Index into a signal of length n extended by symmetric (edge-repeating) reflection. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/**
 * Mexican-hat CWT at one scale: direct correlation with the signal extended by
 * symmetric reflection at both ends.
 *
 * @example
 * ```ts
 * import { cwtAtScale } from "./peak_reference.ts";
 * const flat = cwtAtScale(new Float64Array(64).fill(5), 2);
 * if (Math.abs(flat[32]) > 1e-12) throw new Error("a constant has no wavelet response");
 * ```
 */
export function cwtAtScale(signal: Float64Array, scale: number): Float64Array {
  const n = signal.length;
  const taps = mexicanHatTaps(scale);
  const half = (taps.length - 1) / 2;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let acc = 0;
    if (k - half >= 0 && k + half < n) {
      for (let t = 0; t < taps.length; t++) acc += taps[t] * signal[k - half + t];
    } else {
      for (let t = 0; t < taps.length; t++) acc += taps[t] * signal[reflectIndex(k - half + t, n)];
    }
    out[k] = acc;
  }
  return out;
}

/**
 * Copy of the signal with non-finite values replaced by linear interpolation between
 * the nearest finite neighbours (constant beyond the ends); `undefined` if none is finite.
 *
 * @example
 * ```ts
 * import { fillNonFinite } from "./peak_reference.ts";
 * const filled = fillNonFinite(new Float64Array([1, NaN, 3]));
 * if (filled?.[1] !== 2) throw new Error("unexpected");
 * ```
 */
export function fillNonFinite(signal: Float64Array): Float64Array | undefined {
  const n = signal.length;
  const out = new Float64Array(signal);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) continue;
    if (i - prev > 1) {
      for (let j = prev + 1; j < i; j++) {
        out[j] = prev < 0 ? out[i] : out[prev] + (out[i] - out[prev]) * (j - prev) / (i - prev);
      }
    }
    prev = i;
  }
  if (prev < 0) return undefined;
  for (let j = prev + 1; j < n; j++) out[j] = out[prev];
  return out;
}

/**
 * MassSpecWavelet's sliding-window local maxima (`localMaximum`, "faster" algorithm):
 * two passes of windows of `win` samples (the second shifted by win/2), then of two
 * maxima closer than `win` the smaller is dropped.
 *
 * @example
 * ```ts
 * import { localMaximaSlidingWindow } from "./peak_reference.ts";
 * const maxima = localMaximaSlidingWindow(new Float64Array([0, 1, 5, 1, 0, 0, 0, 0]), 5);
 * if (maxima.join() !== "2") throw new Error("unexpected");
 * ```
 */
export function localMaximaSlidingWindow(x: Float64Array, win: number): number[] {
  const n = x.length;
  const marked = new Uint8Array(n);
  const scan = (start: number) => {
    const end = start + win;
    let best = -Infinity;
    let bestAt = -1;
    for (let k = start; k < end; k++) {
      const k2 = Math.min(Math.max(k, 0), n - 1);
      if (x[k2] > best) {
        best = x[k2];
        bestAt = k2;
      }
    }
    const first = Math.max(start, 0);
    if (first >= n) return;
    const last = Math.min(end, n) - 1;
    if (best > x[first] && best > x[last]) marked[bestAt] = 1;
  };
  for (let i = 0; i < n; i += win) scan(i);
  const shift = Math.floor(win / 2);
  for (let i = -shift; i < n + shift; i += win) scan(i);
  const found: number[] = [];
  for (let i = 0; i < n; i++) if (marked[i]) found.push(i);
  for (let p = 0; p + 1 < found.length; p++) {
    const a = found[p];
    const b = found[p + 1];
    if (b - a < win) {
      if (x[a] - x[b] <= 0) marked[a] = 0;
      else marked[b] = 0;
    }
  }
  return found.filter((i) => marked[i] === 1);
}

/** R's default (type 7) quantile of the values. */
function quantileType7(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** A ridge being traced. */
export interface Ridge {
  /** Positions from the top level down. */
  points: number[];
  /** Consecutive levels without a connected maximum. */
  gaps: number;
}

/** A ridge that ended (gaps) or reached the lowest level. */
export interface FinishedRidge {
  /** Positions from the lowest level up. */
  points: number[];
  lowLevel: number;
}

/**
 * MassSpecWavelet `getRidge`: ridges traced from the top level down to level 0.
 * `maxima[level]` are sorted local-maximum positions, `levelScales[level]` the scale
 * of each level (0 for the raw signal).
 */
function traceRidges(
  maxima: number[][],
  levelScales: number[],
  skipLevel: number,
  gapTh: number,
  minWinSize: number,
): FinishedRidge[] {
  const finished: FinishedRidge[] = [];
  let active: Ridge[] = [];
  const top = maxima.length - 1;
  for (let level = top; level >= 0; level--) {
    const scale = levelScales[level];
    const here = maxima[level];
    if (level === skipLevel && level !== top) {
      for (const r of active) r.points.push(r.points[r.points.length - 1]);
      continue;
    }
    if (active.length === 0) {
      active = here.map((p) => ({ points: [p], gaps: 0 }));
      continue;
    }
    const win = Math.max(minWinSize, 2 * scale + 1);
    active = traceLevel(active, here, scale, level, win, gapTh, finished);
  }
  const survivors = active.map((r) => ({ points: r.points.slice().reverse(), lowLevel: 0 }));
  return survivors.concat(finished);
}

/**
 * One level of ridge tracing: each active ridge moves to the nearest maximum of
 * `here` (sorted) within `win` of its end, or takes a gap (and ends after more
 * than `gapTh` in a row, into `finished`); of ridges reaching the same maximum
 * the longest stays (first on ties); unclaimed maxima start ridges from scale 2.
 * Returns the ridges still active.
 */
export function traceLevel(
  active: Ridge[],
  here: number[],
  scale: number,
  level: number,
  win: number,
  gapTh: number,
  finished: FinishedRidge[],
): Ridge[] {
  const kept: Ridge[] = [];
  for (const r of active) {
    const at = r.points[r.points.length - 1];
    // The nearest maximum within the window, the lower one on ties.
    let lo = 0;
    let hi = here.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (here[mid] < at - win) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    for (let q = lo; q < here.length; q++) {
      const p = here[q];
      if (p > at + win) break;
      if (best < 0 || Math.abs(p - at) < Math.abs(best - at)) best = p;
    }
    if (best < 0) {
      if (r.gaps > gapTh && scale >= 2) {
        finished.push({
          points: r.points.slice(0, r.points.length - r.gaps).reverse(),
          lowLevel: level + r.gaps + 1,
        });
        continue;
      }
      r.points.push(at);
      r.gaps++;
    } else {
      r.points.push(best);
      r.gaps = 0;
    }
    kept.push(r);
  }
  const winner = new Map<number, Ridge>();
  for (const r of kept) {
    const at = r.points[r.points.length - 1];
    const other = winner.get(at);
    if (other === undefined || r.points.length > other.points.length) winner.set(at, r);
  }
  const next = kept.filter((r) => winner.get(r.points[r.points.length - 1]) === r);
  if (scale >= 2) {
    for (const p of here) {
      if (!winner.has(p)) next.push({ points: [p], gaps: 0 });
    }
  }
  return next;
}

/**
 * Full width at half height above the local minimum within +-3 scale samples;
 * `x` holds samples from `x0` of a signal of `n` samples (indices are global).
 */
export function halfMaxWidth(
  x: Float64Array,
  index: number,
  scale: number,
  x0 = 0,
  n: number = x.length,
): number {
  const at = (i: number) => x[i - x0];
  const radius = Math.max(2, Math.ceil(3 * scale));
  const from = Math.max(0, index - radius);
  const to = Math.min(n - 1, index + radius);
  let base = Infinity;
  for (let i = from; i <= to; i++) base = Math.min(base, at(i));
  const top = at(index);
  if (!(top > base)) return 0;
  const half = base + (top - base) / 2;
  let left = from;
  for (let i = index; i > from; i--) {
    if (at(i - 1) <= half) {
      left = i - 1 + (half - at(i - 1)) / (at(i) - at(i - 1));
      break;
    }
  }
  let right = to;
  for (let i = index; i < to; i++) {
    if (at(i + 1) <= half) {
      right = i + (at(i) - half) / (at(i) - at(i + 1));
      break;
    }
  }
  return right - left;
}

/** Vertex offset of the parabola through (-1, a), (0, b), (1, c), clamped to [-0.5, 0.5]. */
function parabolicOffset(a: number, b: number, c: number): number {
  const curvature = a - 2 * b + c;
  if (!(curvature < 0)) return 0;
  const offset = 0.5 * (a - c) / curvature;
  return Math.max(-0.5, Math.min(0.5, offset));
}

/**
 * Sub-sample position from the CWT row at the peak's scale around `center`;
 * `row` holds samples from `r0` of a signal of `n` samples.
 */
export function tunedPosition(
  row: Float64Array,
  center: number,
  r0 = 0,
  n: number = row.length,
): number {
  if (center < 1 || center > n - 2) return center;
  return center + parabolicOffset(row[center - 1 - r0], row[center - r0], row[center + 1 - r0]);
}

function detectMassSpecWavelet(x: Float64Array, params: Readonly<PeakParams>): Peak[] {
  const n = x.length;
  const scales = params.scales;
  const rows = scales.map((s) => cwtAtScale(x, s));
  const rawOffset = params.includeRawLevel ? 1 : 0;
  const levelRows = params.includeRawLevel ? [x, ...rows] : rows;
  const levelScales = params.includeRawLevel ? [0, ...scales] : scales.slice();

  let maxCoef = -Infinity;
  for (const row of levelRows) for (let i = 0; i < n; i++) maxCoef = Math.max(maxCoef, row[i]);
  const ampThreshold = params.ampTh * maxCoef;

  const maxima = levelRows.map((row, level) => {
    const win = Math.max(params.minWinSize, Math.floor(2 * levelScales[level] + 1));
    return localMaximaSlidingWindow(row, win).filter((i) => !(row[i] < ampThreshold));
  });
  const skipLevel = params.skipSmallestScale ? rawOffset : -1;
  const ridges = traceRidges(maxima, levelScales, skipLevel, params.gapTh, params.minWinSize);

  const { info, order, accepted } = rankRidges(
    ridges,
    levelScales,
    rawOffset,
    scales[scales.length - 1],
    params,
    (level, at) => levelRows[level][at],
  );

  const noiseRow = rows[0].map(Math.abs);
  const minNoise = params.minNoiseRelative ? params.minNoiseLevel * maxCoef : params.minNoiseLevel;
  const edge = Math.floor(params.excludeBoundariesSize);
  const peaks: Peak[] = [];
  for (let a = 0; a < order.length; a++) {
    if (!accepted[a]) continue;
    const r = info[order[a]];
    if (edge > 0 && (r.index < edge || r.index >= n - edge)) continue;
    const from = Math.max(0, r.index - params.noiseWinSize);
    const to = Math.min(n - 1, r.index + params.noiseWinSize);
    const noise = Math.max(
      quantileType7(noiseRow.subarray(from, to + 1), params.noiseQuantile),
      minNoise,
    );
    const snr = r.value / noise;
    if (!(snr > params.snr)) continue;
    const position = params.tuneIn && r.level >= rawOffset && r.scale > 0
      ? tunedPosition(levelRows[r.level], r.center) + (r.index - r.center)
      : r.index;
    peaks.push({
      index: r.index,
      position,
      scale: r.scale,
      snr,
      height: x[r.index],
      fwhm: halfMaxWidth(x, r.index, r.scale > 0 ? r.scale : 1),
    });
  }
  return peaks;
}

/** A ridge's summary: where it starts and its largest coefficient in the scale range. */
export interface RidgeInfo {
  index: number;
  value: number;
  scale: number;
  center: number;
  level: number;
  long: boolean;
}

/**
 * Summarizes each ridge (largest coefficient within `scaleRange`, at levels from
 * `rawOffset`; `valueAt(level, position)` reads a coefficient), orders them by
 * index (stably, as R's `order(mzInd)`) and marks the accepted ones: long
 * enough, or (`nearbyPeak`) near one that is.
 */
export function rankRidges(
  ridges: FinishedRidge[],
  levelScales: number[],
  rawOffset: number,
  maxScale: number,
  params: Readonly<PeakParams>,
  valueAt: (level: number, at: number) => number,
): { info: RidgeInfo[]; order: number[]; accepted: boolean[] } {
  const ridgeLength = Math.min(params.ridgeLength, maxScale);
  const [scaleLo, scaleHi] = params.scaleRange;
  const info = ridges.map((ridge) => {
    const index = ridge.points[0];
    const topLevel = ridge.lowLevel + ridge.points.length - 1;
    let value = -Infinity;
    let scale = levelScales[ridge.lowLevel];
    let center = index;
    let level = -1;
    for (let i = 0; i < ridge.points.length; i++) {
      const lv = ridge.lowLevel + i;
      const s = levelScales[lv];
      if (lv < rawOffset || s < scaleLo || s > scaleHi) continue;
      const v = valueAt(lv, ridge.points[i]);
      if (v > value) {
        value = v;
        scale = s;
        center = ridge.points[i];
        level = lv;
      }
    }
    if (level < 0) value = 0;
    return { index, value, scale, center, level, long: levelScales[topLevel] >= ridgeLength };
  });
  const order = info.map((_, i) => i).sort((a, b) => info[a].index - info[b].index || a - b);
  let accepted = order.map((i) => info[i].long);
  if (params.nearbyPeak) {
    accepted = withNearby(order.map((i) => info[i].index), accepted, params.nearbyWinSize);
  }
  return { info, order, accepted };
}

/** scipy's ricker/cwt: 'same'-mode zero-padded convolution, wavelet length min(10 a, n). */
function scipyCwtRow(x: Float64Array, a: number): Float64Array {
  const n = x.length;
  const points = Math.min(10 * a, n);
  const count = Math.ceil(points);
  const amp = 2 / (Math.sqrt(3 * a) * Math.pow(Math.PI, 0.25));
  const w = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t = i - (points - 1) / 2;
    w[i] = amp * (1 - t * t / (a * a)) * Math.exp(-t * t / (2 * a * a));
  }
  const lead = Math.floor((count - 1) / 2);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let acc = 0;
    for (let i = 0; i < count; i++) {
      const j = k + lead - i;
      if (j >= 0 && j < n) acc += w[i] * x[j];
    }
    out[k] = acc;
  }
  return out;
}

/** scipy `find_peaks_cwt` (`_identify_ridge_lines` + `_filter_ridge_lines`). */
function detectScipy(x: Float64Array, params: Readonly<PeakParams>): Peak[] {
  const n = x.length;
  const widths = params.scales;
  const rows = widths.map((a) => scipyCwtRow(x, a));
  const gapThresh = params.gapTh > 0 ? params.gapTh : Math.ceil(widths[0]);
  const relMax = rows.map((row) => {
    const found: number[] = [];
    for (let i = 1; i + 1 < n; i++) if (row[i] > row[i - 1] && row[i] > row[i + 1]) found.push(i);
    return found;
  });
  let start = relMax.length - 1;
  while (start >= 0 && relMax[start].length === 0) start--;
  if (start < 0) return [];
  interface Line {
    rows: number[];
    cols: number[];
    gap: number;
  }
  const lines: Line[] = relMax[start].map((c) => ({ rows: [start], cols: [c], gap: 0 }));
  const done: Line[] = [];
  for (let row = start - 1; row >= 0; row--) {
    for (const line of lines) line.gap++;
    const prev = lines.map((l) => l.cols[l.cols.length - 1]);
    const maxDistance = widths[row] / 4;
    for (const col of relMax[row]) {
      let closest = -1;
      for (let i = 0; i < prev.length; i++) {
        if (closest < 0 || Math.abs(col - prev[i]) < Math.abs(col - prev[closest])) closest = i;
      }
      if (closest >= 0 && Math.abs(col - prev[closest]) <= maxDistance) {
        const line = lines[closest];
        line.rows.push(row);
        line.cols.push(col);
        line.gap = 0;
      } else {
        lines.push({ rows: [row], cols: [col], gap: 0 });
      }
    }
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].gap > gapThresh) {
        done.push(lines[i]);
        lines.splice(i, 1);
      }
    }
  }
  const minLength = params.ridgeLength > 0 ? params.ridgeLength : Math.ceil(widths.length / 4);
  const window = params.noiseWinSize > 0 ? Math.floor(params.noiseWinSize) : Math.ceil(n / 20);
  const hf = Math.floor(window / 2);
  const odd = window % 2;
  const rowOne = rows[0];
  const peaks: Peak[] = [];
  for (const line of done.concat(lines)) {
    if (line.rows.length < minLength) continue;
    // The lowest row; rows were appended in decreasing order, so it is the last entry.
    let low = 0;
    for (let i = 1; i < line.rows.length; i++) if (line.rows[i] < line.rows[low]) low = i;
    const col = line.cols[low];
    const from = Math.max(col - hf, 0);
    const to = Math.min(col + hf + odd, n);
    const noise = quantileType7(rowOne.subarray(from, to), params.noiseQuantile);
    const snr = Math.abs(rows[line.rows[low]][col] / noise);
    if (!(snr >= params.snr)) continue;
    let best = 0;
    for (let i = 1; i < line.rows.length; i++) {
      if (rows[line.rows[i]][line.cols[i]] > rows[line.rows[best]][line.cols[best]]) best = i;
    }
    const scale = widths[line.rows[best]];
    const position = params.tuneIn ? tunedPosition(rows[line.rows[low]], col) : col;
    peaks.push({
      index: col,
      position,
      scale,
      snr,
      height: x[col],
      fwhm: halfMaxWidth(x, col, scale),
    });
  }
  return peaks.sort((a, b) => a.index - b.index);
}

/**
 * Finds peaks in a 1-D signal with a Mexican-hat continuous wavelet transform and ridge
 * lines, as MassSpecWavelet's `peakDetectionCWT` does (or scipy's `find_peaks_cwt` with
 * `mode: "scipy"`). Non-finite samples are interpolated; an all-NaN or empty signal has no
 * peaks. Peaks come sorted by index.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, detectPeaksReference } from "./peak_reference.ts";
 * const signal = new Float64Array(1000);
 * for (let i = 0; i < signal.length; i++) signal[i] = 100 * Math.exp(-((i - 500) ** 2) / 50);
 * const peaks = detectPeaksReference(signal, DEFAULT_PEAK_PARAMS);
 * if (peaks.length !== 1 || peaks[0].index !== 500) throw new Error("unexpected");
 * ```
 */
export function detectPeaksReference(signal: Float64Array, params: Readonly<PeakParams>): Peak[] {
  validatePeakParams(params);
  if (signal.length < 3) return [];
  const x = fillNonFinite(signal);
  if (x === undefined) return [];
  return params.mode === "scipy" ? detectScipy(x, params) : detectMassSpecWavelet(x, params);
}

/**
 * MassSpecWavelet's `nearbyPeak`: besides the `accepted` ridges, every ridge
 * within `win` samples of an accepted one. `indices` are sorted ascending.
 */
export function withNearby(indices: number[], accepted: boolean[], win: number): boolean[] {
  const near = accepted.slice();
  let from = 0;
  for (let a = 0; a < indices.length; a++) {
    if (!accepted[a]) continue;
    const center = indices[a];
    while (from < indices.length && indices[from] < center - win) from++;
    for (let b = from; b < indices.length && indices[b] - center <= win; b++) near[b] = true;
  }
  return near;
}
