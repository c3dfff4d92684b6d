/**
 * The `labels` stage: for segmentations, the number of distinct non-zero
 * labels and the voxel count of each, merged across chunks. By default it
 * runs on integer arrays whose path contains `labels/`.
 *
 * @module
 */
import { bytesPerElement, labelCounts } from "../../kernels/mod.ts";
import { ConfigError } from "../model/errors.ts";
import { type ArrayInfo, type Stage, validData } from "./stage.ts";

/** The report's `labels` object. */
export interface LabelsResult {
  /** Distinct non-zero labels. */
  distinct: number;
  /** Voxels that carry a non-zero label. */
  labelledVoxels: number;
  /** Voxel count per label id, largest first, at most `cap` entries. */
  voxels: Record<string, number>;
  /** True when `voxels` lists fewer labels than `distinct`. */
  capped: boolean;
  /** Ids not counted as labels (`ignore`). */
  ignored: string[];
  /** Most labels `voxels` lists. */
  cap: number;
}

/**
 * Builds a labels stage. Options: `cap` (largest labels listed, default
 * 1000), `all` (run on every integer array, not only under `labels/`),
 * `ignore` (ids that are not labels, default `[0]`; for uint8 arrays under a
 * `groundtruth` path, OpenOrganelle's ground truth, `[0, 255]`: 255 there
 * means "unknown").
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { labelsStage } from "./labels.ts";
 * const s = labelsStage({}, "pipeline.yaml");
 * assert(s.appliesTo!({ path: "a/labels/x/s0", dtype: "uint64", shape: [1], chunks: [1] }));
 * ```
 */
export function labelsStage(
  options: unknown,
  source: string,
): Stage<Map<bigint, number>, LabelsResult> {
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["cap", "all", "ignore"].includes(k)) {
      throw new ConfigError(`unknown option ${k}; expected cap, all, ignore`, {
        source,
        key: "stages.labels",
      });
    }
  }
  const cap = typeof o.cap === "number" ? o.cap : 1000;
  if (
    o.ignore !== undefined &&
    (!Array.isArray(o.ignore) || o.ignore.some((x) => !Number.isSafeInteger(x)))
  ) {
    throw new ConfigError(`ignore: expected a list of whole numbers, e.g. [0, 255]`, {
      source,
      key: "stages.labels",
    });
  }
  const ignoreFor = (array: ArrayInfo): Set<bigint> =>
    new Set(
      ((o.ignore as number[] | undefined) ??
        (array.dtype === "uint8" && /groundtruth/.test(array.path) ? [0, 255] : [0])).map(BigInt),
    );
  return {
    name: "labels",
    appliesTo: (a) => /int/.test(a.dtype) && (o.all === true || /(^|\/)labels\//.test(a.path)),
    init: () => new Map(),
    consume(state, chunk, array) {
      const ignore = ignoreFor(array);
      const { labels, counts } = labelCounts(validData(chunk, array), array.dtype);
      // The kernel returns each label's bits zero-extended; signed dtypes have signed ids.
      const bits = array.dtype.startsWith("int") ? 8 * bytesPerElement(array.dtype) : 0;
      for (let i = 0; i < labels.length; i++) {
        const id = bits ? BigInt.asIntN(bits, labels[i]) : labels[i];
        if (ignore.has(id)) continue;
        state.set(id, (state.get(id) ?? 0) + Number(counts[i]));
      }
      return state;
    },
    merge(a, b) {
      for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
      return a;
    },
    finalize(state, array) {
      const sorted = [...state].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
      const voxels: Record<string, number> = {};
      for (const [k, v] of sorted.slice(0, cap)) voxels[k.toString()] = v;
      return {
        distinct: state.size,
        labelledVoxels: sorted.reduce((a, [, v]) => a + v, 0),
        voxels,
        capped: state.size > cap,
        cap,
        ignored: [...ignoreFor(array)].map(String),
      };
    },
  };
}
