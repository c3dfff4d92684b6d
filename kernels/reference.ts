/**
 * Scalar TypeScript references of every kernel in kernels/src. They define
 * what the WASM kernels must compute; differential tests compare the two on
 * random inputs. They are also the fallback the benchmarks measure against.
 *
 * @module
 */
import { bytesPerElement, type ChunkData, type NumericDtype, type StatsPartial } from "./types.ts";

/**
 * Statistics partial of one chunk, computed in plain TypeScript.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { statsReference } from "./reference.ts";
 * const p = statsReference(new Uint8Array([1, 2, 3]), "uint8");
 * assertEquals(p.kind, "exact");
 * assertEquals(p.sum, 6n);
 * ```
 */
export function statsReference(data: ChunkData, dtype: NumericDtype): StatsPartial {
  switch (dtype) {
    case "int64":
    case "uint64":
      return wideReference(data as BigInt64Array | BigUint64Array);
    case "float16":
    case "float32":
    case "float64":
      return floatReference(data as ArrayLike<number>);
    case "bool":
      return exactReference(new Uint8Array(data.buffer, data.byteOffset, data.length));
    default:
      return exactReference(data as ArrayLike<number>);
  }
}

function exactReference(data: ArrayLike<number>): StatsPartial {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0n;
  let sumSq = 0n;
  // Number arithmetic is exact below 2^53; flush to BigInt before that.
  let s = 0;
  let q = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x < min) min = x;
    if (x > max) max = x;
    s += x;
    // x*x is exact in a double only below 2^53: square big values as BigInts.
    if (x >= 67108864 || x <= -67108864) sumSq += BigInt(x) * BigInt(x);
    else q += x * x;
    if (q > 2 ** 52 || (i & 1023) === 1023) {
      sum += BigInt(s);
      sumSq += BigInt(q);
      s = 0;
      q = 0;
    }
  }
  sum += BigInt(s);
  sumSq += BigInt(q);
  return { kind: "exact", count: data.length, min, max, sum, sumSq };
}

function wideReference(data: BigInt64Array | BigUint64Array): StatsPartial {
  const n = data.length;
  let sum = 0n;
  let min = 0n;
  let max = 0n;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (i === 0 || x < min) min = x;
    if (i === 0 || x > max) max = x;
    sum += x;
  }
  let m2 = 0;
  if (n > 0) {
    const n128 = BigInt(n);
    // Floor division toward -infinity, as the kernel does.
    let floor = sum / n128;
    if (sum % n128 !== 0n && sum < 0n) floor -= 1n;
    const frac = Number(sum - floor * n128) / n;
    for (let i = 0; i < n; i++) {
      const d = Number(data[i] - floor) - frac;
      m2 += d * d;
    }
  }
  return { kind: "wide", count: n, min, max, sum, m2 };
}

function floatReference(data: ArrayLike<number>): StatsPartial {
  let nanCount = 0;
  let posInfCount = 0;
  let negInfCount = 0;
  let finiteCount = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumComp = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (Number.isNaN(x)) nanCount++;
    else if (x === Infinity) posInfCount++;
    else if (x === -Infinity) negInfCount++;
    else {
      finiteCount++;
      if (x < min) min = x;
      if (x > max) max = x;
      const t = sum + x;
      sumComp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
  }
  if (posInfCount > 0) max = Infinity;
  if (negInfCount > 0) min = -Infinity;
  let m2 = 0;
  if (finiteCount > 0) {
    const mean = (sum + sumComp) / finiteCount;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (Number.isFinite(x)) m2 += (x - mean) * (x - mean);
    }
  }
  const count = data.length - nanCount;
  return {
    kind: "float",
    count,
    nanCount,
    posInfCount,
    negInfCount,
    min: count === 0 ? NaN : min,
    max: count === 0 ? NaN : max,
    finiteCount,
    sum: sum + sumComp,
    sumComp: 0,
    m2,
  };
}

/** Bins of a histogram: `bins` equal bins over `[lo, hi)`. */
interface HistogramSpec {
  bins: number;
  lo: number;
  hi: number;
}

function toNumbers(data: ChunkData, dtype: NumericDtype): ArrayLike<number> {
  if (dtype === "bool") return new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (dtype === "int64" || dtype === "uint64") {
    return Array.from(data as BigInt64Array, (x) => Number(x));
  }
  return data as ArrayLike<number>;
}

/**
 * Histogram of one chunk: `bins` counts then below, above and NaN counts.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogramReference } from "./reference.ts";
 * const h = histogramReference(new Float64Array([0, 0.5, 2, NaN]), "float64", { bins: 2, lo: 0, hi: 1 });
 * assertEquals(h.join(), "1,1,0,1,1");
 * ```
 */
export function histogramReference(
  data: ChunkData,
  dtype: NumericDtype,
  spec: HistogramSpec,
): Uint32Array {
  const out = new Uint32Array(spec.bins + 3);
  const xs = toNumbers(data, dtype);
  const scale = spec.bins / (spec.hi - spec.lo);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    let b: number;
    if (Number.isNaN(x)) b = spec.bins + 2;
    else if (x < spec.lo) b = spec.bins;
    else if (x >= spec.hi) b = spec.bins + 1;
    else b = Math.min(spec.bins - 1, Math.floor((x - spec.lo) * scale));
    out[b]++;
  }
  return out;
}

/**
 * Adds a chunk region into a profile accumulator (sums, counts, maxima,
 * minima, each `acc.length / 4` cells), as the profile kernels do.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { profileReference } from "./reference.ts";
 * const acc = new Float64Array([0, 0, 0, 0, -Infinity, -Infinity, Infinity, Infinity]);
 * profileReference(new Uint8Array([1, 2, 3, 4, 5, 6]), "uint8", [2, 3], [3, 1], [1, 0], acc, 0);
 * assertEquals(acc[1], 15);
 * assertEquals(acc[5], 6);
 * ```
 */
export function profileReference(
  data: ChunkData,
  dtype: NumericDtype,
  extent: number[],
  stride: number[],
  outStride: number[],
  acc: Float64Array,
  first: number,
): void {
  const xs = toNumbers(data, dtype);
  const cells = acc.length / 4;
  const index = extent.map(() => 0);
  const total = extent.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    let at = 0;
    let o = first;
    for (let d = 0; d < extent.length; d++) {
      at += index[d] * stride[d];
      o += index[d] * outStride[d];
    }
    const x = xs[at];
    if (!Number.isNaN(x)) {
      acc[o] += x;
      acc[cells + o] += 1;
      if (x > acc[2 * cells + o]) acc[2 * cells + o] = x;
      if (x < acc[3 * cells + o]) acc[3 * cells + o] = x;
    }
    for (let d = extent.length - 1; d >= 0; d--) {
      if (++index[d] < extent[d]) break;
      index[d] = 0;
    }
  }
}

/**
 * Distinct non-zero labels and their counts, ascending (signed labels read
 * as unsigned bits).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { labelCountsReference } from "./reference.ts";
 * const r = labelCountsReference(new Uint8Array([0, 2, 2, 1]), "uint8");
 * assertEquals(r.labels.join(), "1,2");
 * assertEquals(r.counts.join(), "1,2");
 * ```
 */
export function labelCountsReference(
  data: ChunkData,
  dtype: NumericDtype,
): { labels: BigUint64Array; counts: BigUint64Array } {
  const map = new Map<bigint, bigint>();
  const width = BigInt(bytesPerElement(dtype) * 8);
  for (let i = 0; i < data.length; i++) {
    const raw = (data as unknown as ArrayLike<number | bigint>)[i];
    const v = BigInt.asUintN(Number(width), BigInt(raw));
    if (v !== 0n) map.set(v, (map.get(v) ?? 0n) + 1n);
  }
  const labels = BigUint64Array.from([...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const counts = BigUint64Array.from(labels, (l) => map.get(l)!);
  return { labels, counts };
}
