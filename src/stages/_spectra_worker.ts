/**
 * The worker of `peaks: {on: spectra}`: searches the spectra it is sent and
 * sends back their rows (src/stages/_spectrum_peaks.ts).
 *
 * @module
 */
import { type Preprocess, preprocess, spectrumPeaks } from "./_spectrum_peaks.ts";
import type { PeakParams } from "../../kernels/peak_params.ts";

/** A spectrum to search. */
export interface SpectrumJob {
  /** Its index in the run. */
  k: number;
  mz: Float64Array;
  intensity: Float64Array;
  params: PeakParams;
  pre: Preprocess;
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = (e: MessageEvent<SpectrumJob>) => {
  const { k, mz, intensity, params, pre } = e.data;
  try {
    const y = pre.smooth || pre.baseline || pre.normalize ? preprocess(intensity, pre) : intensity;
    scope.postMessage({ k, rows: spectrumPeaks(mz, y, params) });
  } catch (err) {
    scope.postMessage({ k, error: (err as Error).message });
  }
};
