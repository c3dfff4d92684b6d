/**
 * Spectral similarity as matchms defines it, score for score:
 * `CosineGreedy` (peaks match within `tolerance`, pairs taken greedily by
 * their product of weighted intensities) and `ModifiedCosineGreedy` (also
 * pairs shifted by the precursor m/z difference). Ties are broken as matchms
 * breaks them (a stable ascending sort, reversed), so the matched peaks and
 * the score are the same, not only close.
 *
 * @module
 */
import type { MsSpectrum } from "./mgf.ts";

/** How spectra are compared. */
export interface CosineOptions {
  /** Peaks match when their m/z differ by at most this (Da; default 0.1). */
  tolerance: number;
  /** Weight of m/z in a peak's value, `mz^mzPower * intensity^intensityPower` (default 0). */
  mzPower: number;
  /** Weight of intensity (default 1). */
  intensityPower: number;
}

/** matchms' defaults. */
export const DEFAULT_COSINE: Readonly<CosineOptions> = Object.freeze({
  tolerance: 0.1,
  mzPower: 0,
  intensityPower: 1,
});

/** A similarity: the score and the number of matched peak pairs. */
export interface Similarity {
  score: number;
  matched: number;
}

type Peaks = Pick<MsSpectrum, "mz" | "intensity">;

/** Pairs (i, j) with |mz1[i] - (mz2[j] + shift)| <= tolerance, in matchms' order. */
function findMatches(a: Float64Array, b: Float64Array, tolerance: number, shift: number) {
  const i1: number[] = [];
  const i2: number[] = [];
  let lowest = 0;
  for (let i = 0; i < a.length; i++) {
    const lo = a[i] - tolerance;
    const hi = a[i] + tolerance;
    for (let j = lowest; j < b.length; j++) {
      const mz2 = b[j] + shift;
      if (mz2 > hi) break;
      if (mz2 < lo) lowest = j + 1;
      else {
        i1.push(i);
        i2.push(j);
      }
    }
  }
  return { i1, i2 };
}

function weights(s: Peaks, o: CosineOptions): Float64Array {
  return Float64Array.from(
    s.mz,
    (mz, k) => mz ** o.mzPower * s.intensity[k] ** o.intensityPower,
  );
}

function greedy(
  pairs: { i1: number[]; i2: number[] },
  w1: Float64Array,
  w2: Float64Array,
): Similarity {
  const n = pairs.i1.length;
  if (n === 0) return { score: 0, matched: 0 };
  const value = new Float64Array(n);
  for (let k = 0; k < n; k++) value[k] = w1[pairs.i1[k]] * w2[pairs.i2[k]];
  // numpy: argsort(value, kind="mergesort")[::-1]: descending, ties in reverse order.
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => value[y] - value[x] || y - x);
  const used1 = new Set<number>();
  const used2 = new Set<number>();
  let score = 0;
  let matched = 0;
  for (const k of order) {
    const p = pairs.i1[k];
    const q = pairs.i2[k];
    if (used1.has(p) || used2.has(q)) continue;
    score += value[k];
    used1.add(p);
    used2.add(q);
    matched++;
  }
  let n1 = 0;
  let n2 = 0;
  for (const v of w1) n1 += v * v;
  for (const v of w2) n2 += v * v;
  return { score: score / (Math.sqrt(n1) * Math.sqrt(n2)), matched };
}

/**
 * matchms `CosineGreedy(tolerance, mz_power, intensity_power).pair(reference, query)`.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { cosineGreedy } from "./cosine.ts";
 * const a = { mz: Float64Array.of(100, 200, 300), intensity: Float64Array.of(1, 2, 1) };
 * const b = { mz: Float64Array.of(100.05, 200, 400), intensity: Float64Array.of(1, 2, 5) };
 * const s = cosineGreedy(a, b);
 * assertEquals(s.matched, 2);
 * assertAlmostEquals(s.score, 5 / (Math.sqrt(6) * Math.sqrt(30)), 1e-15);
 * ```
 */
export function cosineGreedy(
  reference: Peaks,
  query: Peaks,
  options: Readonly<CosineOptions> = DEFAULT_COSINE,
): Similarity {
  return greedy(
    findMatches(reference.mz, query.mz, options.tolerance, 0),
    weights(reference, options),
    weights(query, options),
  );
}

/**
 * matchms `ModifiedCosineGreedy(...).pair(reference, query)`: pairs at the
 * same m/z and pairs shifted by the precursor difference, then greedy. Both
 * spectra need a precursor m/z; spectra whose precursors differ by at most
 * the tolerance score as `cosineGreedy`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modifiedCosineGreedy } from "./cosine.ts";
 * const a = { precursorMz: 300, mz: Float64Array.of(100, 250), intensity: Float64Array.of(1, 1) };
 * const b = { precursorMz: 280, mz: Float64Array.of(100, 230), intensity: Float64Array.of(1, 1) };
 * assertEquals(modifiedCosineGreedy(a, b).matched, 2);
 * ```
 */
export function modifiedCosineGreedy(
  reference: Peaks & { precursorMz?: number },
  query: Peaks & { precursorMz?: number },
  options: Readonly<CosineOptions> = DEFAULT_COSINE,
): Similarity {
  if (reference.precursorMz === undefined || query.precursorMz === undefined) {
    throw new Error("modified cosine: both spectra need a precursor m/z (PEPMASS)");
  }
  const shift = reference.precursorMz - query.precursorMz;
  if (Math.abs(shift) <= options.tolerance) return cosineGreedy(reference, query, options);
  const zero = findMatches(reference.mz, query.mz, options.tolerance, 0);
  const shifted = findMatches(reference.mz, query.mz, options.tolerance, shift);
  return greedy(
    { i1: [...zero.i1, ...shifted.i1], i2: [...zero.i2, ...shifted.i2] },
    weights(reference, options),
    weights(query, options),
  );
}

/** A query's best library spectra. */
export interface QueryHits {
  index: number;
  id: string;
  hits: { index: number; id: string; score: number; matched: number }[];
}

/**
 * Scores every query against every library spectrum and keeps the `top`
 * best of each query (by score, then fewer library index first), dropping
 * pairs with fewer than `minMatched` matched peaks.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matchSpectra } from "./cosine.ts";
 * const s = (id: string, mz: number[]) =>
 *   ({ index: 0, id, params: {}, mz: Float64Array.from(mz), intensity: Float64Array.from(mz, () => 1) });
 * const library = [s("x", [100, 200]), s("y", [100, 300])].map((l, index) => ({ ...l, index }));
 * const [q] = matchSpectra(library, [s("q", [100, 300])], { score: "cosine", top: 1, minMatched: 1 });
 * assertEquals(q.hits.map((h) => h.id), ["y"]);
 * ```
 */
export function matchSpectra(
  library: MsSpectrum[],
  queries: MsSpectrum[],
  options: {
    score: "cosine" | "modified-cosine";
    top: number;
    minMatched: number;
  } & Partial<CosineOptions>,
): QueryHits[] {
  const o = { ...DEFAULT_COSINE, ...options };
  const pair = o.score === "cosine" ? cosineGreedy : modifiedCosineGreedy;
  return queries.map((q) => {
    const hits = [];
    for (const l of library) {
      if (
        o.score === "modified-cosine" &&
        (l.precursorMz === undefined || q.precursorMz === undefined)
      ) {
        continue;
      }
      const s = pair(l, q, o);
      if (s.matched >= o.minMatched && s.score > 0) {
        hits.push({ index: l.index, id: l.id, score: s.score, matched: s.matched });
      }
    }
    hits.sort((a, b) => b.score - a.score || a.index - b.index);
    return { index: q.index, id: q.id, hits: hits.slice(0, o.top) };
  });
}
