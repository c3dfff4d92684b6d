/**
 * The CWT peak detector over a signal too long to hold: overlapping windows whose
 * results are identical to one pass of {@linkcode detectPeaksReference} over the whole
 * signal (same indices, and bit-for-bit the same positions, scales, SNRs, heights and
 * widths).
 *
 * Every decision of MassSpecWavelet's algorithm depends on a bounded neighbourhood,
 * except three global quantities, which are handled explicitly:
 *
 * - the largest coefficient (`amp.Th` and a relative `minNoiseLevel` scale with it):
 *   a first pass over the signal computes it;
 * - the phase of the local-maximum scans (`localMaximum` scans windows starting at
 *   sample 0): windows scan in global coordinates;
 * - whether any ridge is alive at a level (`getRidge` restarts from a level's maxima
 *   when none is): each window reports the levels at which its core holds ridges,
 *   and the second pass is repeated in the rare case the assumption was wrong.
 *
 * Linear interpolation of non-finite samples looks outwards to the nearest finite
 * samples, however far. The bounded neighbourhood ({@linkcode windowMargin}) is
 * the wavelet support at the largest scale (`floor(8 s)`, reflecting at the true
 * ends only), the local-maximum scans (3 windows), the ridge tracing cone (each
 * level moves a ridge by at most its tracking window), `nearbyWinSize` and the noise
 * window `winSize.noise`.
 *
 * The CWT is a direct convolution in the reference's summation order, so this runs
 * at the reference's speed (tens of microseconds per sample with the default scales),
 * not the WASM kernel's: it is for signals longer than the memory budget.
 *
 * @module
 */
import { type PeakParams, validatePeakParams } from "../../kernels/peak_params.ts";
import {
  type FinishedRidge,
  halfMaxWidth,
  mexicanHatTaps,
  type Peak,
  rankRidges,
  type Ridge,
  traceLevel,
  tunedPosition,
} from "../../kernels/peak_reference.ts";
import { collectGarbage } from "./_collect.ts";

/** A 1-D signal read piecewise: raw samples `[from, to)` as float64 (NaN kept). */
export interface SignalSource {
  readonly length: number;
  read(from: number, to: number): Promise<Float64Array>;
}

/** Options of {@linkcode detectPeaksWindowed}. */
export interface WindowOptions {
  /** Samples per window core (each window also holds 2 margins of `windowMargin`). */
  core: number;
}

interface Levels {
  scales: number[];
  /** Scale of each level, 0 for the raw signal. */
  levelScales: number[];
  rawOffset: number;
  /** Local-maximum window per level. */
  maximaWin: number[];
  /** Ridge tracking window per level. */
  traceWin: number[];
  /** Half-width of the wavelet at the largest scale. */
  halfMax: number;
  taps: Float64Array[];
}

function levelsOf(params: Readonly<PeakParams>): Levels {
  const scales = params.scales;
  const rawOffset = params.includeRawLevel ? 1 : 0;
  const levelScales = params.includeRawLevel ? [0, ...scales] : scales.slice();
  return {
    scales,
    levelScales,
    rawOffset,
    maximaWin: levelScales.map((s) => Math.max(params.minWinSize, Math.floor(2 * s + 1))),
    traceWin: levelScales.map((s) => Math.max(params.minWinSize, 2 * s + 1)),
    halfMax: Math.floor(8 * scales[scales.length - 1]),
    taps: scales.map((s) => mexicanHatTaps(s)),
  };
}

/**
 * Samples on each side of a window's core that the detector's decisions in the core
 * can depend on (besides the wavelet support, which is added separately when reading).
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * import { windowMargin } from "./_peaks_windowed.ts";
 * if (!(windowMargin(DEFAULT_PEAK_PARAMS) > 500)) throw new Error("unexpected");
 * ```
 */
export function windowMargin(params: Readonly<PeakParams>): number {
  const lv = levelsOf(params);
  // A ridge moves by at most the tracking window per level; whether it reaches a
  // point depends on the maxima up to one more window away.
  const cone = 2 * lv.traceWin.reduce((a, w) => a + Math.ceil(w), 0);
  const scans = 3 * Math.max(...lv.maximaWin) + 2;
  const maxScale = lv.scales[lv.scales.length - 1];
  return Math.max(
    Math.ceil(params.nearbyWinSize) + cone + scans,
    Math.ceil(params.noiseWinSize) + 1,
    Math.ceil(3 * maxScale) + 1,
  ) + 2;
}

/**
 * Bytes a window of `core` samples holds (float64 rows of every level plus the raw
 * signal and the noise row); {@linkcode windowCoreForBudget} inverts it.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * import { windowBytes } from "./_peaks_windowed.ts";
 * if (!(windowBytes(1e5, DEFAULT_PEAK_PARAMS) > 8 * 26 * 1e5)) throw new Error("unexpected");
 * ```
 */
export function windowBytes(core: number, params: Readonly<PeakParams>): number {
  const lv = levelsOf(params);
  const span = core + 2 * (windowMargin(params) + lv.halfMax);
  return 8 * span * (lv.levelScales.length + 3);
}

/**
 * The largest window core whose window fits in `budgetBytes`; at least one margin.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * import { windowBytes, windowCoreForBudget } from "./_peaks_windowed.ts";
 * const core = windowCoreForBudget(64e6, DEFAULT_PEAK_PARAMS);
 * if (windowBytes(core, DEFAULT_PEAK_PARAMS) > 64e6) throw new Error("unexpected");
 * ```
 */
export function windowCoreForBudget(budgetBytes: number, params: Readonly<PeakParams>): number {
  const lv = levelsOf(params);
  const perSample = 8 * (lv.levelScales.length + 3);
  const fixed = 2 * (windowMargin(params) + lv.halfMax);
  return Math.max(windowMargin(params), Math.floor(budgetBytes / perSample) - fixed);
}

/** Index into a signal of length n extended by symmetric (edge-repeating) reflection. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/** Nearest finite samples outside a range, found by reading outwards in blocks. */
class FiniteNeighbours {
  #next = { from: -1, at: -1, value: NaN };
  constructor(private source: SignalSource, private block: number) {}

  /** The last finite sample before `i`, or undefined. */
  async before(i: number): Promise<{ at: number; value: number } | undefined> {
    for (let to = i; to > 0; to -= this.block) {
      const from = Math.max(0, to - this.block);
      const raw = await this.source.read(from, to);
      for (let j = raw.length - 1; j >= 0; j--) {
        if (Number.isFinite(raw[j])) return { at: from + j, value: raw[j] };
      }
    }
    return undefined;
  }

  /** The first finite sample at or after `i`, or undefined. */
  async after(i: number): Promise<{ at: number; value: number } | undefined> {
    const memo = this.#next;
    if (memo.from >= 0 && memo.from <= i && (memo.at < 0 || i <= memo.at)) {
      return memo.at < 0 ? undefined : { at: memo.at, value: memo.value };
    }
    const n = this.source.length;
    for (let from = i; from < n; from += this.block) {
      const raw = await this.source.read(from, Math.min(n, from + this.block));
      for (let j = 0; j < raw.length; j++) {
        if (Number.isFinite(raw[j])) {
          this.#next = { from: i, at: from + j, value: raw[j] };
          return { at: from + j, value: raw[j] };
        }
      }
    }
    this.#next = { from: i, at: -1, value: NaN };
    return undefined;
  }
}

/**
 * Samples `[from, to)` with non-finite values interpolated exactly as the reference's
 * `fillNonFinite` does over the whole signal.
 */
async function filledRange(
  source: SignalSource,
  finite: FiniteNeighbours,
  from: number,
  to: number,
): Promise<Float64Array> {
  const out = Float64Array.from(await source.read(from, to));
  const len = out.length;
  if (len === 0) return out;
  let prev = -1; // global index of the last finite sample
  let prevValue = NaN;
  if (!Number.isFinite(out[0])) {
    const b = await finite.before(from);
    if (b) [prev, prevValue] = [b.at, b.value];
  }
  const fillGap = (i: number, value: number) => {
    for (let j = Math.max(prev + 1, from); j < Math.min(i, to); j++) {
      out[j - from] = prev < 0 ? value : prevValue + (value - prevValue) * (j - prev) / (i - prev);
    }
  };
  for (let k = 0; k < len; k++) {
    if (!Number.isFinite(out[k])) continue;
    const i = from + k;
    if (i - prev > 1) fillGap(i, out[k]);
    prev = i;
    prevValue = out[k];
  }
  if (!Number.isFinite(out[len - 1])) {
    const a = await finite.after(to);
    if (a) {
      fillGap(a.at, a.value);
    } else {
      for (let j = Math.max(prev + 1, from); j < to; j++) out[j - from] = prevValue;
    }
  }
  return out;
}

/**
 * CWT rows at every scale for `[r0, r1)` from the filled signal `x` covering
 * `[x0, x0 + x.length)`, which holds `[r0 - halfMax, r1 + halfMax]` clipped to the
 * signal (the reference's reflection applies at the signal's true ends only).
 */
function cwtRows(
  x: Float64Array,
  x0: number,
  n: number,
  r0: number,
  r1: number,
  lv: Levels,
): Float64Array[] {
  return lv.taps.map((taps) => {
    const half = (taps.length - 1) / 2;
    const out = new Float64Array(r1 - r0);
    const tapCount = taps.length;
    for (let k = r0; k < r1; k++) {
      let acc = 0;
      if (k - half >= 0 && k + half < n) {
        const base = k - half - x0;
        for (let t = 0; t < tapCount; t++) acc += taps[t] * x[base + t];
      } else {
        for (let t = 0; t < tapCount; t++) acc += taps[t] * x[reflectIndex(k - half + t, n) - x0];
      }
      out[k - r0] = acc;
    }
    return out;
  });
}

/**
 * The reference's `localMaximaSlidingWindow` over row values `[r0, r0 + row.length)`
 * of a signal of length n, scanning in global coordinates. Only scans that lie
 * inside the row run, so maxima within 3 windows of a cut end may be missing.
 */
function localMaxima(row: Float64Array, r0: number, n: number, win: number): number[] {
  const r1 = r0 + row.length;
  const marked = new Uint8Array(row.length);
  const scan = (start: number) => {
    const end = start + win;
    const first = Math.max(start, 0);
    if (first >= n) return;
    const last = Math.min(end, n) - 1;
    if (first < r0 || last >= r1) return;
    let best = -Infinity;
    let bestAt = -1;
    for (let k = start; k < end; k++) {
      const k2 = Math.min(Math.max(k, 0), n - 1);
      if (row[k2 - r0] > best) {
        best = row[k2 - r0];
        bestAt = k2;
      }
    }
    if (best > row[first - r0] && best > row[last - r0]) marked[bestAt - r0] = 1;
  };
  // First scans start at multiples of win, the second ones win/2 earlier.
  for (let i = Math.max(0, Math.floor(r0 / win) - 1) * win; i < Math.min(n, r1); i += win) scan(i);
  const shift = Math.floor(win / 2);
  const m0 = Math.max(0, Math.floor((r0 + shift) / win) - 1);
  for (let i = -shift + m0 * win; i < Math.min(n + shift, r1 + shift); i += win) scan(i);
  const found: number[] = [];
  for (let i = 0; i < row.length; i++) if (marked[i]) found.push(i);
  for (let p = 0; p + 1 < found.length; p++) {
    const a = found[p];
    const b = found[p + 1];
    if (b - a < win) {
      if (row[a] - row[b] <= 0) marked[a] = 0;
      else marked[b] = 0;
    }
  }
  return found.filter((i) => marked[i] === 1).map((i) => i + r0);
}

/** R's default (type 7) quantile of the values. */
function quantileType7(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The reference's `traceRidges`, except that "no ridge is alive" is the whole
 * signal's state (`restart[level]`), not the window's. Also reports, per level, whether
 * a ridge is alive in `[c0, c1)` after that level.
 */
function traceRidges(
  maxima: number[][],
  lv: Levels,
  skipLevel: number,
  gapTh: number,
  restart: boolean[],
  c0: number,
  c1: number,
): { ridges: FinishedRidge[]; aliveInCore: boolean[] } {
  const finished: FinishedRidge[] = [];
  let active: Ridge[] = [];
  const top = maxima.length - 1;
  const aliveInCore = new Array<boolean>(maxima.length).fill(false);
  const inCore = () =>
    active.some((r) => {
      const at = r.points[r.points.length - 1];
      return at >= c0 && at < c1;
    });
  for (let level = top; level >= 0; level--) {
    const scale = lv.levelScales[level];
    const here = maxima[level];
    if (level === skipLevel && level !== top) {
      for (const r of active) r.points.push(r.points[r.points.length - 1]);
      aliveInCore[level] = inCore();
      continue;
    }
    if (restart[level]) {
      active = here.map((p) => ({ points: [p], gaps: 0 }));
      aliveInCore[level] = inCore();
      continue;
    }
    active = traceLevel(active, here, scale, level, lv.traceWin[level], gapTh, finished);
    aliveInCore[level] = inCore();
  }
  const survivors = active.map((r) => ({ points: r.points.slice().reverse(), lowLevel: 0 }));
  return { ridges: survivors.concat(finished), aliveInCore };
}

/** Geometry of one window: core `[c0, c1)`, rows `[r0, r1)`, filled samples `[x0, x1)`. */
interface Window {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
  x0: number;
  x1: number;
}

function windows(n: number, core: number, margin: number, halfMax: number): Window[] {
  const out: Window[] = [];
  for (let c0 = 0; c0 < n; c0 += core) {
    const c1 = Math.min(n, c0 + core);
    const r0 = Math.max(0, c0 - margin);
    const r1 = Math.min(n, c1 + margin);
    out.push({ c0, c1, r0, r1, x0: Math.max(0, r0 - halfMax), x1: Math.min(n, r1 + halfMax) });
  }
  return out;
}

/** Pass 2 on one window: the peaks whose index lies in the core. */
function windowPeaks(
  w: Window,
  x: Float64Array,
  n: number,
  params: Readonly<PeakParams>,
  lv: Levels,
  maxCoef: number,
  restart: boolean[],
): { peaks: Peak[]; aliveInCore: boolean[] } {
  const rows = cwtRows(x, w.x0, n, w.r0, w.r1, lv);
  const rawRow = x.subarray(w.r0 - w.x0, w.r1 - w.x0);
  const levelRows = params.includeRawLevel ? [rawRow, ...rows] : rows;
  const ampThreshold = params.ampTh * maxCoef;
  const maxima = levelRows.map((row, level) =>
    localMaxima(row, w.r0, n, lv.maximaWin[level]).filter((i) => !(row[i - w.r0] < ampThreshold))
  );
  const skipLevel = params.skipSmallestScale ? lv.rawOffset : -1;
  const { ridges, aliveInCore } = traceRidges(
    maxima,
    lv,
    skipLevel,
    params.gapTh,
    restart,
    w.c0,
    w.c1,
  );

  const { info, order, accepted } = rankRidges(
    ridges,
    lv.levelScales,
    lv.rawOffset,
    lv.scales[lv.scales.length - 1],
    params,
    (level, at) => levelRows[level][at - w.r0],
  );

  const noiseRow = rows[0].map(Math.abs);
  const minNoise = params.minNoiseRelative ? params.minNoiseLevel * maxCoef : params.minNoiseLevel;
  const edge = Math.floor(params.excludeBoundariesSize);
  const peaks: Peak[] = [];
  for (let a = 0; a < order.length; a++) {
    if (!accepted[a]) continue;
    const r = info[order[a]];
    if (r.index < w.c0 || r.index >= w.c1) continue;
    if (edge > 0 && (r.index < edge || r.index >= n - edge)) continue;
    const from = Math.max(0, r.index - params.noiseWinSize);
    const to = Math.min(n - 1, r.index + params.noiseWinSize);
    // subarray truncates fractional bounds; truncate the global ones the same way.
    const noise = Math.max(
      quantileType7(
        noiseRow.subarray(Math.trunc(from) - w.r0, Math.trunc(to + 1) - w.r0),
        params.noiseQuantile,
      ),
      minNoise,
    );
    const snr = r.value / noise;
    if (!(snr > params.snr)) continue;
    const position = params.tuneIn && r.level >= lv.rawOffset && r.scale > 0
      ? tunedPosition(levelRows[r.level], r.center, w.r0, n) + (r.index - r.center)
      : r.index;
    peaks.push({
      index: r.index,
      position,
      scale: r.scale,
      snr,
      height: x[r.index - w.x0],
      fwhm: halfMaxWidth(x, r.index, r.scale > 0 ? r.scale : 1, w.x0, n),
    });
  }
  return { peaks, aliveInCore };
}

/**
 * Finds the peaks of a long signal window by window, reading at most one window
 * (`core` plus two margins, plus the wavelet's support) at a time. The result equals
 * `detectPeaksReference` on the whole signal for `mode: "massspecwavelet"`.
 *
 * @throws {RangeError} for the scipy mode (its default noise window is n/20) or bad params.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS } from "../../kernels/peak_params.ts";
 * import { detectPeaksWindowed } from "./_peaks_windowed.ts";
 * const x = new Float64Array(3000);
 * for (let i = 0; i < x.length; i++) x[i] = 100 * Math.exp(-((i - 1500) ** 2) / 50);
 * const source = { length: x.length, read: (a: number, b: number) => Promise.resolve(x.slice(a, b)) };
 * const peaks = await detectPeaksWindowed(source, DEFAULT_PEAK_PARAMS, { core: 1000 });
 * if (peaks.length !== 1 || peaks[0].index !== 1500) throw new Error("unexpected");
 * ```
 */
export async function detectPeaksWindowed(
  source: SignalSource,
  params: Readonly<PeakParams>,
  options: WindowOptions,
): Promise<Peak[]> {
  validatePeakParams(params);
  if (params.mode !== "massspecwavelet") {
    throw new RangeError(
      `detectPeaksWindowed: expected mode "massspecwavelet", found "${params.mode}"`,
    );
  }
  if (!(Number.isInteger(options.core) && options.core > 0)) {
    throw new RangeError(`detectPeaksWindowed: expected core >= 1, found ${options.core}`);
  }
  const n = source.length;
  if (n < 3) return [];
  const lv = levelsOf(params);
  const margin = windowMargin(params);
  const finite = new FiniteNeighbours(source, Math.max(4096, options.core));

  // Pass 1: the largest coefficient over the raw level (if used) and every CWT row.
  let maxCoef = -Infinity;
  for (const w of windows(n, options.core, 0, lv.halfMax)) {
    const x = await filledRange(source, finite, w.x0, w.x1);
    // Filling leaves a sample non-finite only when the whole signal is.
    if (!Number.isFinite(x[0])) return [];
    if (params.includeRawLevel) {
      for (let i = w.c0; i < w.c1; i++) maxCoef = Math.max(maxCoef, x[i - w.x0]);
    }
    for (const row of cwtRows(x, w.x0, n, w.c0, w.c1, lv)) {
      for (let i = 0; i < row.length; i++) maxCoef = Math.max(maxCoef, row[i]);
    }
    collectGarbage();
  }

  // Pass 2, repeated only if the assumed levels without live ridges were wrong.
  const levels = lv.levelScales.length;
  let restart = new Array<boolean>(levels).fill(false);
  restart[levels - 1] = true;
  for (let attempt = 0; attempt <= levels; attempt++) {
    const peaks: Peak[] = [];
    const alive = new Array<boolean>(levels).fill(false);
    for (const w of windows(n, options.core, margin, lv.halfMax)) {
      const x = await filledRange(source, finite, w.x0, w.x1);
      const found = windowPeaks(w, x, n, params, lv, maxCoef, restart);
      for (const p of found.peaks) peaks.push(p);
      found.aliveInCore.forEach((a, l) => alive[l] ||= a);
      collectGarbage();
    }
    const actual = restart.map((_, l) => l === levels - 1 || !alive[l + 1]);
    // The skipped level copies ridges; whether any are alive there does not matter.
    const skipLevel = params.skipSmallestScale ? lv.rawOffset : -1;
    if (skipLevel >= 0 && skipLevel < levels - 1) actual[skipLevel] = restart[skipLevel];
    if (actual.every((r, l) => r === restart[l])) return peaks;
    restart = actual;
  }
  throw new Error("detectPeaksWindowed: ridge restart levels did not settle (a bug)");
}
