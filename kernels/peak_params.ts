/**
 * Parameters of the CWT peak detector and their flat `Float64Array` encoding,
 * shared by the TypeScript reference (`reference.ts`) and the Rust kernel
 * (`kernels/src/peaks_api.rs`, which documents the same layout).
 *
 * Flat layout (f64 slots):
 *
 * | slot | field                  |
 * |------|------------------------|
 * | 0    | layout version (= 1)   |
 * | 1    | mode: 0 MassSpecWavelet, 1 scipy `find_peaks_cwt` |
 * | 2    | snr                    |
 * | 3    | ridgeLength            |
 * | 4    | gapTh                  |
 * | 5    | scaleRange[0]          |
 * | 6    | scaleRange[1] (may be Infinity) |
 * | 7    | ampTh                  |
 * | 8    | minNoiseLevel          |
 * | 9    | minNoiseRelative (0/1) |
 * | 10   | nearbyPeak (0/1)       |
 * | 11   | nearbyWinSize          |
 * | 12   | noiseWinSize           |
 * | 13   | noiseQuantile          |
 * | 14   | excludeBoundariesSize  |
 * | 15   | minWinSize             |
 * | 16   | skipSmallestScale (0/1)|
 * | 17   | includeRawLevel (0/1)  |
 * | 18   | tuneIn (0/1)           |
 * | 19   | number of scales S     |
 * | 20.. | the S scales, strictly increasing |
 *
 * @module
 */

/** Which published detector the parameters reproduce. */
export type PeakMode = "massspecwavelet" | "scipy";

/**
 * Settings of the CWT peak detector. Field names follow MassSpecWavelet's
 * `peakDetectionCWT` / `identifyMajorPeaks` / `getRidge` arguments.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, type PeakParams } from "./peak_params.ts";
 * const wide: PeakParams = { ...DEFAULT_PEAK_PARAMS, snr: 5 };
 * if (wide.snr !== 5) throw new Error("unexpected");
 * ```
 */
export interface PeakParams {
  /** Which algorithm variant to run. */
  mode: PeakMode;
  /** CWT scales (Ricker sigma in samples), positive and strictly increasing. */
  scales: number[];
  /** SNR threshold: peaks need SNR > snr (MassSpecWavelet `SNR.Th`; scipy `min_snr`, >=). */
  snr: number;
  /**
   * MassSpecWavelet: the ridge's top scale must be >= ridgeLength (a scale value, capped at
   * the largest scale). scipy: minimum number of rows of the ridge (`min_length`); 0 = ceil(S/4).
   */
  ridgeLength: number;
  /** Gap threshold (`gapTh` / `gap_thresh`); scipy: <= 0 means ceil(scales[0]). */
  gapTh: number;
  /** Scales considered for the peak's value/scale: [min, max] (`peakScaleRange`). */
  scaleRange: [number, number];
  /** Local maxima below ampTh * max(coefficients) are ignored (`amp.Th`). */
  ampTh: number;
  /** Lower bound of the noise level (`minNoiseLevel`). */
  minNoiseLevel: number;
  /** If true, minNoiseLevel is a fraction of max(coefficients); else an absolute level. */
  minNoiseRelative: boolean;
  /** Also accept short ridges within nearbyWinSize of an accepted long ridge (`nearbyPeak`). */
  nearbyPeak: boolean;
  /** Neighbourhood for nearbyPeak, in samples (`nearbyWinSize`). */
  nearbyWinSize: number;
  /** Half-width of the noise window in samples (`winSize.noise`); scipy: full window, 0 = ceil(n/20). */
  noiseWinSize: number;
  /** Quantile (0..1) of |smallest-scale coefficients| taken as the noise level. */
  noiseQuantile: number;
  /** Peaks whose index is within this many samples of either end are dropped. */
  excludeBoundariesSize: number;
  /** Smallest local-maximum and tracking window (`minWinSize`). */
  minWinSize: number;
  /** Skip the smallest scale while tracing ridges (MassSpecWavelet `skip = 2`). */
  skipSmallestScale: boolean;
  /** Trace ridges down to the raw signal (MassSpecWavelet's scale-0 column). */
  includeRawLevel: boolean;
  /** Refine the position (sub-sample) by parabolic interpolation at the peak's scale. */
  tuneIn: boolean;
}

/** Number of fixed slots before the scales in the flat encoding. */
export const PEAK_PARAMS_HEADER_LEN = 20;

/** Version stored in slot 0 of the flat encoding. */
export const PEAK_PARAMS_LAYOUT_VERSION = 1;

/**
 * MassSpecWavelet's default scale list: 1, 2, 4, ..., 30, 32, 36, ..., 64 (25 scales).
 *
 * @example
 * ```ts
 * import { massSpecWaveletScales } from "./peak_params.ts";
 * if (massSpecWaveletScales().length !== 25) throw new Error("unexpected");
 * ```
 */
export function massSpecWaveletScales(): number[] {
  const scales = [1];
  for (let s = 2; s <= 30; s += 2) scales.push(s);
  for (let s = 32; s <= 64; s += 4) scales.push(s);
  return scales;
}

/**
 * Integer scales `from..to` inclusive, e.g. 1..64.
 *
 * @example
 * ```ts
 * import { integerScales } from "./peak_params.ts";
 * if (integerScales(1, 64).length !== 64) throw new Error("unexpected");
 * ```
 */
export function integerScales(from: number, to: number): number[] {
  const scales: number[] = [];
  for (let s = from; s <= to; s++) scales.push(s);
  return scales;
}

/**
 * Levels of the CWT: one per scale, plus the raw signal first when `includeRawLevel`.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, peakLevelCount } from "./peak_params.ts";
 * if (peakLevelCount(DEFAULT_PEAK_PARAMS) !== 26) throw new Error("unexpected");
 * ```
 */
export function peakLevelCount(params: Readonly<PeakParams>): number {
  return params.scales.length + (params.includeRawLevel ? 1 : 0);
}

/**
 * MassSpecWavelet `peakDetectionCWT` defaults (SNR.Th 3, ridgeLength 24, gapTh 3,
 * peakScaleRange 5, amp.Th 0.01, minNoiseLevel amp.Th/SNR.Th, nearbyPeak, winSize.noise 500).
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * if (DEFAULT_PEAK_PARAMS.snr !== 3) throw new Error("unexpected");
 * ```
 */
export const DEFAULT_PEAK_PARAMS: Readonly<PeakParams> = Object.freeze({
  mode: "massspecwavelet",
  scales: massSpecWaveletScales(),
  snr: 3,
  ridgeLength: 24,
  gapTh: 3,
  scaleRange: [5, Infinity] as [number, number],
  ampTh: 0.01,
  minNoiseLevel: 0.01 / 3,
  minNoiseRelative: true,
  nearbyPeak: true,
  nearbyWinSize: 150,
  noiseWinSize: 500,
  noiseQuantile: 0.95,
  excludeBoundariesSize: 75,
  minWinSize: 5,
  skipSmallestScale: true,
  includeRawLevel: true,
  tuneIn: false,
});

/**
 * scipy.signal.find_peaks_cwt defaults for `widths = 1..64`: min_snr 1, noise_perc 10,
 * gap_thresh ceil(widths[0]), min_length ceil(S/4), window_size ceil(n/20),
 * max_distances widths/4. Only `mode`, `scales`, `snr`, `ridgeLength`, `gapTh`,
 * `noiseWinSize`, `noiseQuantile` and `tuneIn` are used in this mode.
 *
 * @example
 * ```ts
 * import { SCIPY_PRESET } from "./peak_params.ts";
 * if (SCIPY_PRESET.mode !== "scipy") throw new Error("unexpected");
 * ```
 */
export const SCIPY_PRESET: Readonly<PeakParams> = Object.freeze({
  ...DEFAULT_PEAK_PARAMS,
  mode: "scipy",
  scales: integerScales(1, 64),
  snr: 1,
  ridgeLength: 0,
  gapTh: 0,
  noiseWinSize: 0,
  noiseQuantile: 0.1,
  nearbyPeak: false,
  excludeBoundariesSize: 0,
  skipSmallestScale: false,
  includeRawLevel: false,
});

/**
 * Checks parameters; throws a RangeError naming the field, what was expected and what was found.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, validatePeakParams } from "./peak_params.ts";
 * validatePeakParams(DEFAULT_PEAK_PARAMS);
 * ```
 */
export function validatePeakParams(params: Readonly<PeakParams>): void {
  const { scales } = params;
  if (scales.length === 0) {
    throw new RangeError("PeakParams.scales: expected at least one scale, found none");
  }
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!Number.isFinite(s) || s <= 0 || (i > 0 && s <= scales[i - 1])) {
      throw new RangeError(
        `PeakParams.scales: expected positive, finite, strictly increasing scales, found ${s} at ${i}`,
      );
    }
  }
  const finite: [string, number][] = [
    ["snr", params.snr],
    ["ridgeLength", params.ridgeLength],
    ["gapTh", params.gapTh],
    ["ampTh", params.ampTh],
    ["minNoiseLevel", params.minNoiseLevel],
    ["nearbyWinSize", params.nearbyWinSize],
    ["noiseWinSize", params.noiseWinSize],
    ["excludeBoundariesSize", params.excludeBoundariesSize],
    ["minWinSize", params.minWinSize],
  ];
  for (const [name, value] of finite) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`PeakParams.${name}: expected a finite number >= 0, found ${value}`);
    }
  }
  if (!(params.noiseQuantile >= 0 && params.noiseQuantile <= 1)) {
    throw new RangeError(
      `PeakParams.noiseQuantile: expected a number in [0, 1], found ${params.noiseQuantile}`,
    );
  }
  const [lo, hi] = params.scaleRange;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new RangeError(
      `PeakParams.scaleRange: expected [min, max] with min <= max, found [${lo}, ${hi}]`,
    );
  }
}

/**
 * Encodes parameters into the flat layout documented at the top of this module.
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, encodePeakParams } from "./peak_params.ts";
 * const flat = encodePeakParams(DEFAULT_PEAK_PARAMS);
 * if (flat.length !== 20 + 25) throw new Error("unexpected");
 * ```
 */
export function encodePeakParams(params: Readonly<PeakParams>): Float64Array {
  validatePeakParams(params);
  const flat = new Float64Array(PEAK_PARAMS_HEADER_LEN + params.scales.length);
  flat[0] = PEAK_PARAMS_LAYOUT_VERSION;
  flat[1] = params.mode === "scipy" ? 1 : 0;
  flat[2] = params.snr;
  flat[3] = params.ridgeLength;
  flat[4] = params.gapTh;
  flat[5] = params.scaleRange[0];
  flat[6] = params.scaleRange[1];
  flat[7] = params.ampTh;
  flat[8] = params.minNoiseLevel;
  flat[9] = params.minNoiseRelative ? 1 : 0;
  flat[10] = params.nearbyPeak ? 1 : 0;
  flat[11] = params.nearbyWinSize;
  flat[12] = params.noiseWinSize;
  flat[13] = params.noiseQuantile;
  flat[14] = params.excludeBoundariesSize;
  flat[15] = params.minWinSize;
  flat[16] = params.skipSmallestScale ? 1 : 0;
  flat[17] = params.includeRawLevel ? 1 : 0;
  flat[18] = params.tuneIn ? 1 : 0;
  flat[19] = params.scales.length;
  flat.set(params.scales, PEAK_PARAMS_HEADER_LEN);
  return flat;
}

/**
 * Decodes the flat layout back into parameters (inverse of {@linkcode encodePeakParams}).
 *
 * @example
 * ```ts
 * import { DEFAULT_PEAK_PARAMS, decodePeakParams, encodePeakParams } from "./peak_params.ts";
 * const back = decodePeakParams(encodePeakParams(DEFAULT_PEAK_PARAMS));
 * if (back.scales.length !== 25) throw new Error("unexpected");
 * ```
 */
export function decodePeakParams(flat: Float64Array): PeakParams {
  if (flat.length < PEAK_PARAMS_HEADER_LEN || flat[0] !== PEAK_PARAMS_LAYOUT_VERSION) {
    throw new RangeError(
      `peak params: expected layout version ${PEAK_PARAMS_LAYOUT_VERSION} and >= ${PEAK_PARAMS_HEADER_LEN} slots, found version ${
        flat[0]
      } and ${flat.length} slots`,
    );
  }
  const count = flat[19];
  if (!Number.isInteger(count) || flat.length !== PEAK_PARAMS_HEADER_LEN + count) {
    throw new RangeError(
      `peak params: expected ${PEAK_PARAMS_HEADER_LEN} + ${count} slots, found ${flat.length}`,
    );
  }
  const params: PeakParams = {
    mode: flat[1] === 1 ? "scipy" : "massspecwavelet",
    snr: flat[2],
    ridgeLength: flat[3],
    gapTh: flat[4],
    scaleRange: [flat[5], flat[6]],
    ampTh: flat[7],
    minNoiseLevel: flat[8],
    minNoiseRelative: flat[9] !== 0,
    nearbyPeak: flat[10] !== 0,
    nearbyWinSize: flat[11],
    noiseWinSize: flat[12],
    noiseQuantile: flat[13],
    excludeBoundariesSize: flat[14],
    minWinSize: flat[15],
    skipSmallestScale: flat[16] !== 0,
    includeRawLevel: flat[17] !== 0,
    tuneIn: flat[18] !== 0,
    scales: Array.from(flat.subarray(PEAK_PARAMS_HEADER_LEN)),
  };
  validatePeakParams(params);
  return params;
}

/**
 * One detected peak.
 *
 * @example
 * ```ts
 * import type { Peak } from "./peak_params.ts";
 * const p: Peak = { index: 10, position: 10.2, scale: 4, snr: 12, height: 3, fwhm: 9.4 };
 * if (p.index !== 10) throw new Error("unexpected");
 * ```
 */
export interface Peak {
  /** Sample index of the peak (MassSpecWavelet `peakIndex`: the ridge's lowest point). */
  index: number;
  /** Refined sub-sample position when `tuneIn` is set, otherwise equal to `index`. */
  position: number;
  /** Scale at which the ridge's coefficient is largest (`peakScale`). */
  scale: number;
  /** Ridge maximum over the local noise level. */
  snr: number;
  /** Signal value at `index`. */
  height: number;
  /** Full width at half of the peak's height above the local minimum (samples). */
  fwhm: number;
}
