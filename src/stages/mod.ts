/**
 * The stages lamella knows, by the name a pipeline file uses.
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

export type { ArrayInfo, Chunk, Stage } from "./stage.ts";
export { statsStage } from "./stats.ts";
export type { StatsResult } from "./stats.ts";

// deno-lint-ignore no-explicit-any
type AnyStage = Stage<any, unknown>;

const FACTORIES: Record<string, (options: unknown, source: string) => AnyStage> = {
  stats: () => statsStage,
  histogram: (o, source) => histogramStage(o, source),
  profile: (o, source) => profileStage(o, source),
  labels: (o, source) => labelsStage(o, source),
  peaks: (o, source) => peaksStage(o, source),
  checksum: () => checksumStage,
};

/** Stage names handled here besides FACTORIES. */
const DERIVED = ["quantiles"];

/** Names of the stages a pipeline may declare. */
export const STAGE_NAMES: readonly string[] = [...Object.keys(FACTORIES), ...DERIVED];

/**
 * Builds the stages a pipeline declares.
 *
 * @example
 * ```ts
 * import { createStages } from "./mod.ts";
 * const [stats] = createStages([{ name: "stats", options: {} }], "pipeline.yaml");
 * console.assert(stats.name === "stats");
 * ```
 */
export function createStages(specs: StageSpec[], source: string): AnyStage[] {
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
    const make = FACTORIES[spec.name];
    if (!make) {
      throw new ConfigError(
        `unknown stage "${spec.name}"; known stages: ${STAGE_NAMES.join(", ")}`,
        { source, line: spec.line, key: "stages" },
      );
    }
    return make(spec.options, source);
  });
}
