/**
 * The `stats` stage: count, NaN count, min, max, sum, mean and std of an
 * array, from per-chunk partials computed by the WASM kernel and merged
 * exactly (integers) or with Chan's formula (floats).
 *
 * @module
 */
import { stats as statsKernel, type StatsPartial } from "../../kernels/mod.ts";
import { type ArrayInfo, type Stage, validData } from "./stage.ts";

/** The statistics of one array as they appear in report.json. */
export interface StatsResult {
  /** Values that are not NaN. */
  count: number;
  /** NaN values (floats only). */
  nanCount: number;
  /** +Inf and -Inf values (floats only; counted in `count`). */
  infCount: number;
  /** Smallest non-NaN value; null when there is none. */
  min: number | null;
  /** Largest non-NaN value; null when there is none. */
  max: number | null;
  /** Sum of the non-NaN values; null when there is none. */
  sum: number | null;
  /** Mean of the non-NaN values (NumPy's nanmean); Inf when infinities are present. */
  mean: number | null;
  /** Population standard deviation of the non-NaN values (ddof = 0). */
  std: number | null;
}

/** An empty partial of the right kind for `dtype`. */
export function emptyStats(dtype: ArrayInfo["dtype"]): StatsPartial {
  if (dtype === "int64" || dtype === "uint64") {
    return { kind: "wide", count: 0, min: 0n, max: 0n, sum: 0n, m2: 0 };
  }
  if (dtype === "float16" || dtype === "float32" || dtype === "float64") {
    return {
      kind: "float",
      count: 0,
      nanCount: 0,
      posInfCount: 0,
      negInfCount: 0,
      min: NaN,
      max: NaN,
      finiteCount: 0,
      sum: 0,
      sumComp: 0,
      m2: 0,
    };
  }
  return { kind: "exact", count: 0, min: Infinity, max: -Infinity, sum: 0n, sumSq: 0n };
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

/**
 * Merges two partials of the same kind. Exact for integers up to 32 bits;
 * Chan et al.'s pairwise update for the spread otherwise. Associative
 * (exactly for integers, within rounding for floats).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mergeStats } from "./stats.ts";
 * import { statsReference } from "../../kernels/reference.ts";
 * const a = statsReference(new Int16Array([1, 2]), "int16");
 * const b = statsReference(new Int16Array([3]), "int16");
 * const m = mergeStats(a, b);
 * assertEquals(m.kind, "exact");
 * assertEquals(m.sum, 6n);
 * assertEquals(m.count, 3);
 * ```
 */
export function mergeStats(a: StatsPartial, b: StatsPartial): StatsPartial {
  if (a.kind === "exact" && b.kind === "exact") {
    return {
      kind: "exact",
      count: a.count + b.count,
      min: Math.min(a.min, b.min),
      max: Math.max(a.max, b.max),
      sum: a.sum + b.sum,
      sumSq: a.sumSq + b.sumSq,
    };
  }
  if (a.kind === "wide" && b.kind === "wide") {
    if (a.count === 0) return b;
    if (b.count === 0) return a;
    const n = a.count + b.count;
    // Difference of the means from exact sums: (sb*na - sa*nb) / (na*nb).
    const num = b.sum * BigInt(a.count) - a.sum * BigInt(b.count);
    const delta = Number(num) / (a.count * b.count);
    return {
      kind: "wide",
      count: n,
      min: a.min < b.min ? a.min : b.min,
      max: a.max > b.max ? a.max : b.max,
      sum: a.sum + b.sum,
      m2: a.m2 + b.m2 + delta * delta * (a.count * b.count) / n,
    };
  }
  if (a.kind === "float" && b.kind === "float") {
    if (a.count + a.nanCount === 0) return b;
    if (b.count + b.nanCount === 0) return a;
    const na = a.finiteCount;
    const nb = b.finiteCount;
    const n = na + nb;
    const delta = na && nb ? meanDifference(a.sum, a.sumComp, na, b.sum, b.sumComp, nb) : 0;
    const [sum, err] = twoSum(a.sum, b.sum);
    return {
      kind: "float",
      count: a.count + b.count,
      nanCount: a.nanCount + b.nanCount,
      posInfCount: a.posInfCount + b.posInfCount,
      negInfCount: a.negInfCount + b.negInfCount,
      min: minIgnoringNaN(a.min, b.min),
      max: maxIgnoringNaN(a.max, b.max),
      finiteCount: n,
      sum,
      sumComp: a.sumComp + b.sumComp + err,
      m2: na && nb ? a.m2 + b.m2 + delta * delta * (na * nb) / n : a.m2 + b.m2,
    };
  }
  throw new TypeError(`cannot merge statistics of kinds ${a.kind} and ${b.kind}`);
}

function minIgnoringNaN(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function maxIgnoringNaN(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}

/**
 * Final statistics of a merged partial. Mean and std are NumPy's
 * `nanmean`/`nanstd` (population std) computed in float64.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { finalizeStats } from "./stats.ts";
 * import { statsReference } from "../../kernels/reference.ts";
 * const r = finalizeStats(statsReference(new Uint8Array([2, 4]), "uint8"));
 * assertEquals(r.mean, 3);
 * assertEquals(r.std, 1);
 * ```
 */
export function finalizeStats(p: StatsPartial): StatsResult {
  if (p.count === 0) {
    return {
      count: 0,
      nanCount: p.kind === "float" ? p.nanCount : 0,
      infCount: 0,
      min: null,
      max: null,
      // NumPy: the nansum of no values (empty, or all NaN) is 0; their mean is undefined.
      sum: 0,
      mean: null,
      std: null,
    };
  }
  if (p.kind === "exact") {
    const n = BigInt(p.count);
    // Exact: var = (n*sumSq - sum^2) / n^2.
    const varNum = n * p.sumSq - p.sum * p.sum;
    return {
      count: p.count,
      nanCount: 0,
      infCount: 0,
      min: p.min,
      max: p.max,
      sum: Number(p.sum),
      mean: ratio(p.sum, n),
      std: Math.sqrt(ratio(varNum, n * n)),
    };
  }
  if (p.kind === "wide") {
    return {
      count: p.count,
      nanCount: 0,
      infCount: 0,
      min: Number(p.min),
      max: Number(p.max),
      sum: Number(p.sum),
      mean: ratio(p.sum, BigInt(p.count)),
      std: Math.sqrt(p.m2 / p.count),
    };
  }
  const infCount = p.posInfCount + p.negInfCount;
  let sum = p.sum + p.sumComp;
  let mean = p.finiteCount ? sum / p.finiteCount : NaN;
  let std = p.finiteCount ? Math.sqrt(p.m2 / p.finiteCount) : NaN;
  if (infCount > 0) {
    sum = p.posInfCount && p.negInfCount ? NaN : p.posInfCount ? Infinity : -Infinity;
    mean = sum;
    std = NaN;
  }
  return {
    count: p.count,
    nanCount: p.nanCount,
    infCount,
    min: p.min,
    max: p.max,
    sum: jsonNumber(sum),
    mean: jsonNumber(mean),
    std: jsonNumber(std),
  };
}

/**
 * `sumB / nb - sumA / na` for double-double sums (`hi + lo`), without the
 * cancellation of subtracting two rounded means: far from zero (values near
 * 1e12 that differ by 1), the rounded means are off by more than the
 * difference itself. Computed as `(sumB * na - sumA * nb) / (na * nb)` with
 * exact products and sums.
 */
function meanDifference(
  hiA: number,
  loA: number,
  na: number,
  hiB: number,
  loB: number,
  nb: number,
): number {
  const [pb, eb] = twoProduct(hiB, na);
  const [pa, ea] = twoProduct(hiA, nb);
  const [d, e] = twoSum(pb, -pa);
  return (d + (e + (eb - ea) + (loB * na - loA * nb))) / (na * nb);
}

/** `a * b` as an unevaluated sum `p + e` of doubles (Dekker's product, no FMA). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** JSON has no NaN/Inf: they are written as null (the report says why elsewhere). */
function jsonNumber(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** a / b for BigInts, correctly rounded to a double even beyond 2^53. */
function ratio(a: bigint, b: bigint): number {
  const q = a / b;
  const r = a - q * b;
  return Number(q) + Number(r) / Number(b);
}

/**
 * The `stats` stage.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { statsStage } from "./stats.ts";
 * const info = { path: "a", dtype: "uint8" as const, shape: [3], chunks: [3] };
 * let s = statsStage.init(info);
 * s = statsStage.consume(s, {
 *   data: new Uint8Array([1, 2, 3]), shape: [3], stride: [1], coords: [0], missing: false,
 * }, info);
 * assertEquals(statsStage.finalize(s, info).mean, 2);
 * ```
 */
export const statsStage: Stage<StatsPartial, StatsResult> = {
  name: "stats",
  init: (array) => emptyStats(array.dtype),
  consume: (state, chunk, array) =>
    mergeStats(state, statsKernel(validData(chunk, array), array.dtype)),
  merge: mergeStats,
  finalize: (state) => finalizeStats(state),
};
