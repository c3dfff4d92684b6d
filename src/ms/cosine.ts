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
import { SpectralLibrary } from "../../kernels/mod.ts";

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

/** A spectrum ready to be scored many times: its peak weights and their norm. */
export interface PreparedSpectrum {
  /** Peak m/z values, ascending. */
  mz: Float64Array;
  /** `mz^mzPower * intensity^intensityPower` of each peak. */
  weight: Float64Array;
  /** Euclidean norm of `weight`. */
  norm: number;
  /** Precursor m/z (NaN when none). */
  precursorMz: number;
}

/**
 * Weights and norm of `s` under `options`, computed once per spectrum
 * instead of once per pair.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { prepareSpectrum } from "./cosine.ts";
 * const p = prepareSpectrum({ mz: Float64Array.of(100, 200), intensity: Float64Array.of(3, 4) });
 * assertEquals(p.norm, 5);
 * ```
 */
export function prepareSpectrum(
  s: Peaks & { precursorMz?: number },
  options: Readonly<CosineOptions> = DEFAULT_COSINE,
): PreparedSpectrum {
  const weight = new Float64Array(s.mz.length);
  let squares = 0;
  for (let k = 0; k < weight.length; k++) {
    const w = (options.mzPower === 0 ? 1 : s.mz[k] ** options.mzPower) *
      (options.intensityPower === 1 ? s.intensity[k] : s.intensity[k] ** options.intensityPower);
    weight[k] = w;
    squares += w * w;
  }
  return {
    mz: s.mz,
    weight,
    norm: Math.sqrt(squares),
    precursorMz: s.precursorMz ?? NaN,
  };
}

/**
 * Scores pairs of prepared spectra with buffers that are reused from pair to
 * pair (nothing is allocated per pair once they have grown).
 */
export class PairScorer {
  private i1 = new Int32Array(256);
  private i2 = new Int32Array(256);
  private value = new Float64Array(256);
  private order = new Uint32Array(256);
  private used1 = new Uint8Array(256);
  private used2 = new Uint8Array(256);
  private n = 0;

  constructor(readonly tolerance: number = DEFAULT_COSINE.tolerance) {}

  private grow(): void {
    const size = this.i1.length * 2;
    const copy = <T extends Int32Array | Float64Array>(a: T, ctor: new (n: number) => T): T => {
      const b = new ctor(size);
      b.set(a);
      return b;
    };
    this.i1 = copy(this.i1, Int32Array);
    this.i2 = copy(this.i2, Int32Array);
    this.value = copy(this.value, Float64Array);
    this.order = new Uint32Array(size);
  }

  /** Adds the pairs (i, j) with |a.mz[i] - (b.mz[j] + shift)| <= tolerance, in matchms' order. */
  private collect(a: PreparedSpectrum, b: PreparedSpectrum, shift: number): void {
    const tol = this.tolerance;
    const am = a.mz;
    const bm = b.mz;
    let lowest = 0;
    for (let i = 0; i < am.length; i++) {
      const lo = am[i] - tol;
      const hi = am[i] + tol;
      for (let j = lowest; j < bm.length; j++) {
        const mz2 = bm[j] + shift;
        if (mz2 > hi) break;
        if (mz2 < lo) lowest = j + 1;
        else {
          if (this.n === this.i1.length) this.grow();
          this.i1[this.n] = i;
          this.i2[this.n] = j;
          this.value[this.n] = a.weight[i] * b.weight[j];
          this.n++;
        }
      }
    }
  }

  /** The greedy assignment over the collected pairs. */
  private assign(a: PreparedSpectrum, b: PreparedSpectrum): Similarity {
    const n = this.n;
    if (n === 0) return { score: 0, matched: 0 };
    if (this.used1.length < a.mz.length) this.used1 = new Uint8Array(2 * a.mz.length);
    if (this.used2.length < b.mz.length) this.used2 = new Uint8Array(2 * b.mz.length);
    // numpy: argsort(value, kind="mergesort")[::-1]: descending, ties in reverse order.
    const order = this.order.subarray(0, n);
    for (let k = 0; k < n; k++) order[k] = k;
    const value = this.value;
    if (n > 1) order.sort((x, y) => value[y] - value[x] || y - x);
    let score = 0;
    let matched = 0;
    for (let k = 0; k < n; k++) {
      const m = order[k];
      const p = this.i1[m];
      const q = this.i2[m];
      if (this.used1[p] || this.used2[q]) continue;
      score += value[m];
      this.used1[p] = 1;
      this.used2[q] = 1;
      matched++;
    }
    for (let k = 0; k < n; k++) {
      this.used1[this.i1[k]] = 0;
      this.used2[this.i2[k]] = 0;
    }
    return { score: score / (a.norm * b.norm), matched };
  }

  /** matchms `CosineGreedy.pair(a, b)`. */
  cosine(a: PreparedSpectrum, b: PreparedSpectrum): Similarity {
    this.n = 0;
    this.collect(a, b, 0);
    return this.assign(a, b);
  }

  /** matchms `ModifiedCosineGreedy.pair(a, b)`; both need a precursor m/z. */
  modifiedCosine(a: PreparedSpectrum, b: PreparedSpectrum): Similarity {
    if (Number.isNaN(a.precursorMz) || Number.isNaN(b.precursorMz)) {
      throw new Error("modified cosine: both spectra need a precursor m/z (PEPMASS)");
    }
    const shift = a.precursorMz - b.precursorMz;
    this.n = 0;
    this.collect(a, b, 0);
    if (Math.abs(shift) > this.tolerance) this.collect(a, b, shift);
    return this.assign(a, b);
  }
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
  return new PairScorer(options.tolerance).cosine(
    prepareSpectrum(reference, options),
    prepareSpectrum(query, options),
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
  return new PairScorer(options.tolerance).modifiedCosine(
    prepareSpectrum(reference, options),
    prepareSpectrum(query, options),
  );
}

/** A query's best library spectra. */
export interface QueryHits {
  index: number;
  id: string;
  hits: { index: number; id: string; score: number; matched: number }[];
}

/** What {@linkcode matchSpectra} did: pairs in all, and pairs scored exactly. */
export interface MatchCounts {
  pairs: number;
  scored: number;
}

/**
 * The `top` best library spectra of each query (by score, then lower library
 * position first), with at least `minMatched` matched peaks and a score above 0;
 * with `precursorTolerance`, only library spectra whose precursor is within the
 * window (matchms `PrecursorMzMatch`). Scores come from the WASM similarity kernel
 * (equal to {@linkcode PairScorer}'s). By default a pair whose binned upper bound
 * cannot reach a query's `top`-th score is not scored (the hits are the same);
 * `exhaustive` scores every pair (the kernel itself scores every pair of a spectrum
 * with a negative or non-finite weight, which the bound does not cover). `counts`, when given, receives the pair counts.
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
    /** Only library spectra whose precursor m/z is within this of the query's. */
    precursorTolerance?: number;
    /** `precursorTolerance` in ppm (matchms `PrecursorMzMatch(tolerance_type="ppm")`), else Da. */
    precursorPpm?: boolean;
    /** Score every pair instead of skipping those whose bound is too low. */
    exhaustive?: boolean;
  } & Partial<CosineOptions>,
  counts?: MatchCounts,
): QueryHits[] {
  const o = { ...DEFAULT_COSINE, ...options };
  const settings = {
    tolerance: o.tolerance,
    modified: o.score === "modified-cosine",
    precursorTolerance: o.precursorTolerance,
    precursorPpm: o.precursorPpm,
  };
  const kernel = new SpectralLibrary(library.map((l) => prepareSpectrum(l, o)));
  const tally = counts ?? { pairs: 0, scored: 0 };
  const hitOf = (k: number, score: number, matched: number) => ({
    index: library[k].index,
    id: library[k].id,
    score,
    matched,
  });
  try {
    return queries.map((query) => {
      const q = prepareSpectrum(query, o);
      tally.pairs += library.length;
      if (!o.exhaustive) {
        const { hits, scored } = kernel.top(q, settings, o.top, o.minMatched);
        tally.scored += scored;
        return {
          index: query.index,
          id: query.id,
          hits: hits.map((h) => hitOf(h.position, h.score, h.matched)),
        };
      }
      const { score, matched } = kernel.score(q, settings);
      tally.scored += library.length;
      const found: number[] = [];
      for (let k = 0; k < library.length; k++) {
        // matched -1: not a candidate (no precursor, or outside the precursor window).
        if (matched[k] >= o.minMatched && matched[k] >= 0 && score[k] > 0) found.push(k);
      }
      // By score, then library position.
      found.sort((a, b) => score[b] - score[a] || a - b);
      const hits = found.slice(0, o.top).map((k) => hitOf(k, score[k], matched[k]));
      return { index: query.index, id: query.id, hits };
    });
  } finally {
    kernel.free();
  }
}
