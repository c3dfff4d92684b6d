/**
 * The `profile` stage: sum, mean, max or min along chosen axes, accumulated
 * chunk by chunk into a small output indexed by the axes that remain (a
 * z-profile of a volume reduces axes [1, 2]; the mean spectrum of a [y, x,
 * m/z] cube reduces [0, 1]).
 *
 * @module
 */
import { profileAccumulate } from "../../kernels/mod.ts";
import { ConfigError, UnsupportedError } from "../model/errors.ts";
import { type Stage, validExtent } from "./stage.ts";

/** One entry of the report's `profiles` list. */
export interface ProfileResult {
  /** The reduced axes. */
  axes: number[];
  /** How values along the reduced axes are combined. */
  reduce: "sum" | "mean" | "max" | "min";
  /** Shape of `values` (the kept axes). */
  shape: number[];
  /** C-order values; null where every contributing value was NaN. */
  values: (number | null)[];
}

/** The profile stage's state: what `merge` combines and shard files carry. */
export interface ProfileState {
  /** Four blocks of `cells` values: sums, counts of non-NaN values, maxima, minima. */
  acc: Float64Array;
  /** Output cells: the product of the kept axes' extents. */
  cells: number;
  /** C-order strides of the output over the array's axes (0 for reduced axes). */
  outStride: number[];
}

/** Largest profile kept in memory (cells). */
const MAX_CELLS = 1 << 24;

/**
 * Builds a profile stage from `{ axes: [..], reduce: sum | mean | max | min }`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { profileStage } from "./profile.ts";
 * const s = profileStage({ axes: [1, 2], reduce: "mean" }, "pipeline.yaml");
 * assertEquals(s.name, "profile");
 * ```
 */
export function profileStage(options: unknown, source: string): Stage<ProfileState, ProfileResult> {
  const o = (options ?? {}) as Record<string, unknown>;
  const fail = (msg: string): never => {
    throw new ConfigError(msg, { source, key: "stages.profile" });
  };
  for (const k of Object.keys(o)) {
    if (!["axes", "reduce"].includes(k)) fail(`unknown option ${k}; expected axes, reduce`);
  }
  const axes = o.axes as number[];
  if (!Array.isArray(axes) || axes.some((a) => !Number.isInteger(a) || a < 0)) {
    fail(`axes: expected a list of axis numbers; found ${JSON.stringify(o.axes)}`);
  }
  const reduce = (o.reduce ?? "mean") as ProfileResult["reduce"];
  if (!["sum", "mean", "max", "min"].includes(reduce)) {
    fail(`reduce: expected sum, mean, max or min; found ${reduce}`);
  }
  return {
    name: "profile",
    appliesTo: (a) => axes.every((x) => x < a.shape.length),
    init(array) {
      const outStride = array.shape.map(() => 0);
      let cells = 1;
      for (let d = array.shape.length - 1; d >= 0; d--) {
        if (!axes.includes(d)) {
          outStride[d] = cells;
          cells *= array.shape[d];
        }
      }
      if (cells > MAX_CELLS) {
        throw new UnsupportedError(
          array.path,
          `profile over axes ${axes} would keep ${cells} values (> ${MAX_CELLS})`,
        );
      }
      const acc = new Float64Array(4 * cells);
      acc.fill(-Infinity, 2 * cells, 3 * cells);
      acc.fill(Infinity, 3 * cells);
      return { acc, cells, outStride };
    },
    consume(state, chunk, array) {
      const first = chunk.coords.reduce(
        (s, c, d) => s + c * array.chunks[d] * state.outStride[d],
        0,
      );
      profileAccumulate(
        chunk.data,
        array.dtype,
        validExtent(chunk, array),
        chunk.stride,
        state.outStride,
        state.acc,
        first,
      );
      return state;
    },
    merge(a, b) {
      const n = a.cells;
      for (let i = 0; i < 2 * n; i++) a.acc[i] += b.acc[i];
      for (let i = 2 * n; i < 3 * n; i++) a.acc[i] = Math.max(a.acc[i], b.acc[i]);
      for (let i = 3 * n; i < 4 * n; i++) a.acc[i] = Math.min(a.acc[i], b.acc[i]);
      return a;
    },
    finalize(state, array) {
      const n = state.cells;
      const values = new Array<number | null>(n);
      for (let i = 0; i < n; i++) {
        const count = state.acc[n + i];
        const v = reduce === "sum"
          ? state.acc[i]
          : reduce === "mean"
          ? state.acc[i] / count
          : reduce === "max"
          ? state.acc[2 * n + i]
          : state.acc[3 * n + i];
        values[i] = count > 0 && Number.isFinite(v) ? v : null;
      }
      return { axes, reduce, shape: array.shape.filter((_, d) => !axes.includes(d)), values };
    },
    report: (r) => ({ profiles: [r] }),
  };
}
