/**
 * Stages: what lamella computes over an array's chunks. The built-in stages
 * (stats, histogram and quantiles, profile, labels, peaks, checksum), the
 * {@linkcode Stage} contract they all follow, and {@linkcode registerStage}
 * for stages of your own.
 *
 * A stage is a value with a name and four pure steps: `init(array)` makes a
 * state, `consume(state, chunk, array)` folds one decoded chunk into it,
 * `merge(a, b)` combines the states of two chunk ranges (associatively: the
 * same stage runs in one thread, in workers or across shards and gives the
 * same answer), and `finalize(state, array)` turns a state into the result
 * that goes into report.json under the stage's name.
 *
 * @example A stage of your own: the largest absolute value of each array
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type ArrayInfo, type Chunk, finalizeArray, type Stage, validData } from "./mod.ts";
 *
 * const maxAbs: Stage<number, number> = {
 *   name: "maxAbs",
 *   init: () => 0,
 *   consume(state: number, chunk: Chunk, array: ArrayInfo) {
 *     // Edge chunks are padded: validData keeps only the array's own values.
 *     for (const v of validData(chunk, array) as Iterable<number>) {
 *       if (Math.abs(v) > state) state = Math.abs(v);
 *     }
 *     return state;
 *   },
 *   merge: (a, b) => Math.max(a, b),
 *   finalize: (state) => state,
 * };
 *
 * // Two chunks of a 5-element array (the second is padded to the chunk shape).
 * const info: ArrayInfo = { path: "a", dtype: "int16", shape: [5], chunks: [3] };
 * const chunk = (data: number[], coords: number[]): Chunk => ({
 *   data: new Int16Array(data), shape: [3], stride: [1], coords, missing: false,
 * });
 * const left = maxAbs.consume(maxAbs.init(info), chunk([1, -7, 3], [0]), info);
 * const right = maxAbs.consume(maxAbs.init(info), chunk([4, 2, -99], [1]), info);
 * const report = finalizeArray([maxAbs], [maxAbs.merge(left, right)], info);
 * assertEquals(report, { maxAbs: 7 });
 * ```
 *
 * @module
 */
import { ConfigError } from "../model/errors.ts";
import type { StageSpec } from "./stage.ts";
import type { Stage } from "./stage.ts";
import { statsStage } from "./stats.ts";
import { histogramStage } from "./histogram.ts";
import { labelsStage } from "./labels.ts";
import { profileStage } from "./profile.ts";
import { peaksStage } from "./peaks.ts";
import { checksumStage } from "./checksum.ts";
import { thumbnailsStage } from "./thumbnails.ts";

export {
  type ArrayInfo,
  type Chunk,
  finalizeArray,
  forEachValidRun,
  type Region,
  type RegionReader,
  type SiblingOpener,
  type Stage,
  type StageSpec,
  validData,
  validDataC,
  validExtent,
} from "./stage.ts";
export { emptyStats, finalizeStats, mergeStats, type StatsResult, statsStage } from "./stats.ts";
export {
  chooseBins,
  type HistogramOptions,
  type HistogramResult,
  histogramStage,
  type HistogramState,
  quantilesFromCounts,
} from "./histogram.ts";
export { type LabelsResult, labelsStage } from "./labels.ts";
export { type ProfileResult, profileStage, type ProfileState } from "./profile.ts";
export {
  type PeakResult,
  type PeaksResult,
  peaksStage,
  type PeaksState,
  ROW_COLUMNS,
  type RowPeaks,
  type Skipped,
} from "./peaks.ts";
export {
  peaksOfSpectra,
  type Preprocess,
  preprocess,
  type RunArrays,
  savitzkyGolay,
  snipBaseline,
  type SpectraPeaks,
  SPECTRUM_PEAK_COLUMNS,
  spectrumPeaks,
  type SpectrumSearch,
} from "./_spectrum_peaks.ts";
export { type ChecksumResult, checksumStage } from "./checksum.ts";
export {
  type Thumbnail,
  type ThumbnailsResult,
  thumbnailsStage,
  type ThumbnailsState,
} from "./thumbnails.ts";

// deno-lint-ignore no-explicit-any
type AnyStage = Stage<any, unknown>;

/** Builds a stage from the options a pipeline gives it; `source` names the pipeline, for errors. */
// deno-lint-ignore no-explicit-any
export type StageFactory = (options: unknown, source: string) => Stage<any, unknown>;

const FACTORIES: Record<string, StageFactory> = {
  stats: () => statsStage,
  histogram: (o, source) => histogramStage(o, source),
  profile: (o, source) => profileStage(o, source),
  labels: (o, source) => labelsStage(o, source),
  peaks: (o, source) => peaksStage(o, source),
  checksum: () => checksumStage,
  thumbnails: (o, source) => thumbnailsStage(o, source),
};

/** Stage names handled here besides FACTORIES. */
const DERIVED = ["quantiles"];

/** Names of the built-in stages a pipeline may declare. */
export const STAGE_NAMES: readonly string[] = [...Object.keys(FACTORIES), ...DERIVED];

const REGISTERED = new Map<string, StageFactory>();

/**
 * Makes a stage of your own available by `name` to pipelines run in this
 * thread. Call it at the top level of a module and list that module's URL in
 * `RunRequest.stageModules`: the runner imports it, and so does every chunk
 * worker, before building stages. Registering a built-in name is an error;
 * registering a name again replaces the factory.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { createStages, registerStage } from "./mod.ts";
 * registerStage("count", () => ({
 *   name: "count",
 *   init: () => 0,
 *   consume: (n: number, chunk) => n + chunk.data.length,
 *   merge: (a: number, b: number) => a + b,
 *   finalize: (n: number) => n,
 * }));
 * assertEquals(createStages([{ name: "count", options: {} }], "example")[0].name, "count");
 * assertThrows(() => registerStage("stats", () => ({}) as never));
 * ```
 */
export function registerStage(name: string, factory: StageFactory): void {
  if (name in FACTORIES || DERIVED.includes(name)) {
    throw new ConfigError("is a built-in stage; give your stage another name", {
      source: "registerStage",
      key: name,
    });
  }
  REGISTERED.set(name, factory);
}

/**
 * Imports modules that call {@linkcode registerStage} (each once per thread);
 * a module that cannot be imported is a {@linkcode ConfigError} naming it.
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { importStageModules } from "./mod.ts";
 * await importStageModules([]);
 * await assertRejects(() => importStageModules(["file:///no/such/stage.ts"]));
 * ```
 */
export async function importStageModules(urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    try {
      await import(url);
    } catch (e) {
      throw new ConfigError(`cannot import the stage module: ${(e as Error).message}`, {
        source: url,
      }, { cause: e });
    }
  }
}

/**
 * Builds the stages a pipeline declares.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createStages } from "./mod.ts";
 * const [stats] = createStages([{ name: "stats", options: {} }], "pipeline.yaml");
 * assertEquals(stats.name, "stats");
 * ```
 */
// deno-lint-ignore no-explicit-any
export function createStages(specs: StageSpec[], source: string): Stage<any, unknown>[] {
  // `quantiles: [..]` is derived from the histogram: it configures that stage.
  const q = specs.find((s) => s.name === "quantiles");
  let quantiles: number[] = [];
  if (q) {
    const list = Array.isArray(q.options) ? q.options : [0.001, 0.01, 0.5, 0.99, 0.999];
    if (list.some((x) => typeof x !== "number" || !(x >= 0 && x <= 1))) {
      throw new ConfigError(
        `quantiles: expected numbers in [0, 1]; found ${JSON.stringify(list)}`,
        {
          source,
          line: q.line,
          key: "stages.quantiles",
        },
      );
    }
    quantiles = list as number[];
    if (!specs.some((s) => s.name === "histogram")) {
      specs = [...specs, { name: "histogram", options: {}, line: q.line }];
    }
  }
  return specs.filter((s) => s.name !== "quantiles").map((spec) => {
    if (spec.name === "histogram") return histogramStage(spec.options, source, quantiles);
    const make = FACTORIES[spec.name] ?? REGISTERED.get(spec.name);
    if (!make) {
      const known = [...STAGE_NAMES, ...REGISTERED.keys()];
      throw new ConfigError(
        `unknown stage "${spec.name}"; known stages: ${known.join(", ")}`,
        { source, line: spec.line, key: "stages" },
      );
    }
    return make(spec.options, source);
  });
}
