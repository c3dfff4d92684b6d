/**
 * Worker of {@linkcode ScaleParallelPeaks} (kernels/peaks_parallel.ts): computes the
 * CWT levels it is sent with its own instance of the kernels and sends back their
 * part (transferred).
 *
 * @module
 */
import { peakLevelMaxima, useKernelModule } from "./mod.ts";
import { DEFAULT_PEAK_PARAMS as WARM_PARAMS, type PeakParams } from "./peak_params.ts";

/** A request: levels `[from, to)` of `signal` (its own copy). */
interface LevelsRequest {
  id: number;
  signal: Float64Array;
  params: PeakParams;
  from: number;
  to: number;
}

const scope = self as unknown as {
  onmessage: (e: MessageEvent<LevelsRequest | { warm: WebAssembly.Module }>) => void;
  postMessage: (message: unknown, transfer?: Transferable[]) => void;
};

scope.onmessage = (e) => {
  if ("warm" in e.data) {
    // Instantiates the kernels (sharing the caller's compiled module) before the first
    // request.
    useKernelModule(e.data.warm);
    peakLevelMaxima(new Float64Array(3), WARM_PARAMS, 0, 1);
    scope.postMessage({ id: -1 });
    return;
  }
  const { id, signal, params, from, to } = e.data as LevelsRequest;
  try {
    const part = peakLevelMaxima(signal, params, from, to);
    scope.postMessage({ id, part }, [part.buffer as ArrayBuffer]);
  } catch (err) {
    scope.postMessage({ id, error: (err as Error).message });
  }
};
