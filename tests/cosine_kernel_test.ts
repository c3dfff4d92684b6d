/**
 * The WASM similarity kernel (kernels/mod.ts `SpectralLibrary`) against the scalar
 * reference (src/ms/cosine.ts `PairScorer`, itself checked against matchms in
 * ms_match_test.ts): scores bit for bit and the same matched counts on random
 * spectra (odd lengths, empty and one-peak spectra, repeated weights, close peaks,
 * NaN precursors), cosine and modified cosine, several tolerances; the top-k search
 * with its bound gives exactly the exhaustive top k; precursor windows follow
 * matchms' `PrecursorMzMatch` arithmetic.
 */
import assert from "node:assert/strict";
import { SpectralLibrary } from "../kernels/mod.ts";
import {
  matchSpectra,
  PairScorer,
  type PreparedSpectrum,
  prepareSpectrum,
} from "../src/ms/cosine.ts";
import type { MsSpectrum } from "../src/ms/mgf.ts";
import { rng } from "./_random.ts";

/** Related random spectra: shared fragments, precursor-relative losses, noise. */
function randomSpectra(count: number, seed: number): MsSpectrum[] {
  const r = rng(seed);
  const base = Array.from({ length: 50 }, () => 80 + 900 * r());
  return Array.from({ length: count }, (_, index) => {
    const precursor = 300 + 700 * r();
    const n = [0, 1, 2, 3, 17][index % 5] ?? 0;
    const size = index % 7 === 0 ? n : Math.floor(r() * 90);
    const peaks: [number, number][] = [];
    for (let k = 0; k < size; k++) {
      const pick = r();
      const mz = pick < 0.45
        ? base[Math.floor(r() * base.length)] + 0.09 * (r() - 0.5)
        : pick < 0.7
        ? precursor - 250 * r()
        : 50 + 1400 * r();
      const intensity = r() < 0.25 ? 10 : Math.round(1000 * r()) / 10;
      peaks.push([mz, intensity]);
    }
    peaks.sort((a, b) => a[0] - b[0]);
    return {
      index,
      id: `s${index}`,
      params: {},
      ...(r() < 0.1 ? {} : { precursorMz: precursor }),
      mz: Float64Array.from(peaks, (p) => p[0]),
      intensity: Float64Array.from(peaks, (p) => p[1]),
    };
  });
}

const settingsOf = (tolerance: number, modified: boolean) => ({ tolerance, modified });

Deno.test("kernel scores equal the scalar reference on every pair, bit for bit", () => {
  const spectra = randomSpectra(90, 7);
  for (const [tolerance, mzPower, intensityPower] of [[0.1, 0, 1], [0.02, 0, 0.5], [0.5, 1, 1]]) {
    const options = { tolerance, mzPower, intensityPower };
    const prepared = spectra.map((s) => prepareSpectrum(s, options));
    const library = new SpectralLibrary(prepared.slice(0, 60));
    const scorer = new PairScorer(tolerance);
    try {
      for (const modified of [false, true]) {
        for (const q of prepared.slice(60)) {
          const { score, matched } = library.score(q, settingsOf(tolerance, modified));
          prepared.slice(0, 60).forEach((a, k) => {
            const needs = modified && (Number.isNaN(a.precursorMz) || Number.isNaN(q.precursorMz));
            if (needs) {
              assert.equal(matched[k], -1, "no precursor: not a candidate");
              return;
            }
            const want = modified ? scorer.modifiedCosine(a, q) : scorer.cosine(a, q);
            const label = `tol ${tolerance}, ${modified ? "modified" : "cosine"}, library ${k}`;
            assert.equal(matched[k], want.matched, `${label}: matched`);
            assert.ok(Object.is(score[k], want.score), `${label}: ${score[k]} vs ${want.score}`);
          });
        }
      }
    } finally {
      library.free();
    }
  }
});

Deno.test("a pair with more candidates than the work space holds grows it and is scored", () => {
  // 600 peaks 0.001 apart against themselves at tolerance 1: 360,000 candidate pairs.
  const mz = Float64Array.from({ length: 600 }, (_, k) => 500 + 0.001 * k);
  const s: MsSpectrum = { index: 0, id: "dense", params: {}, mz, intensity: mz.map(() => 1) };
  const p = prepareSpectrum(s, { tolerance: 1, mzPower: 0, intensityPower: 1 });
  const library = new SpectralLibrary([p]);
  try {
    const { score, matched } = library.score(p, settingsOf(1, false));
    const want = new PairScorer(1).cosine(p, p);
    assert.equal(matched[0], want.matched);
    assert.ok(Object.is(score[0], want.score));
  } finally {
    library.free();
  }
});

Deno.test("the top-k search finds exactly the exhaustive top k, scoring fewer pairs", () => {
  const spectra = randomSpectra(400, 11);
  const library = spectra.slice(0, 320);
  const queries = spectra.slice(320);
  let scored = 0;
  let pairs = 0;
  for (const score of ["cosine", "modified-cosine"] as const) {
    for (const [top, minMatched] of [[1, 1], [5, 2], [50, 1]]) {
      for (
        const precursor of [{}, { precursorTolerance: 40 }, {
          precursorTolerance: 9e4,
          precursorPpm: true,
        }]
      ) {
        const options = { score, top, minMatched, ...precursor };
        const counts = { pairs: 0, scored: 0 };
        const fast = matchSpectra(library, queries, options, counts);
        const all = matchSpectra(library, queries, { ...options, exhaustive: true });
        assert.deepEqual(
          fast,
          all,
          `${score} top ${top} min ${minMatched} ${JSON.stringify(precursor)}`,
        );
        scored += counts.scored;
        pairs += counts.pairs;
      }
    }
  }
  assert.ok(scored < pairs / 2, `the bound skipped ${pairs - scored} of ${pairs} pairs`);
});

Deno.test("precursor windows keep the library spectra matchms' PrecursorMzMatch keeps", () => {
  const spectra = randomSpectra(120, 3);
  const [library, queries] = [spectra.slice(0, 100), spectra.slice(100)];
  for (const [tolerance, ppm] of [[25, false], [3e4, true]] as const) {
    const hits = matchSpectra(library, queries, {
      score: "cosine",
      top: 1000,
      minMatched: 1,
      precursorTolerance: tolerance,
      precursorPpm: ppm,
      exhaustive: true,
    });
    hits.forEach((h, j) => {
      const q = queries[j].precursorMz;
      for (const hit of h.hits) {
        const a = library[hit.index].precursorMz;
        assert.ok(a !== undefined && q !== undefined, "only spectra with precursors");
        // matchms number_matching / number_matching_ppm.
        const ok = ppm
          ? Math.abs(a - q) / ((a + q) / 2) * 1e6 <= tolerance
          : Math.abs(a - q) <= tolerance;
        assert.ok(ok, `query ${j}: library ${hit.index} outside the window`);
      }
      const unfiltered =
        matchSpectra(library, [queries[j]], { score: "cosine", top: 1000, minMatched: 1 })[0];
      const inWindow = unfiltered.hits.filter((x) => {
        const a = library[x.index].precursorMz;
        if (a === undefined || q === undefined) return false;
        return ppm
          ? Math.abs(a - q) / ((a + q) / 2) * 1e6 <= tolerance
          : Math.abs(a - q) <= tolerance;
      });
      assert.deepEqual(h.hits, inWindow, `query ${j}: the window drops exactly the others`);
    });
  }
});

Deno.test("negative weights and bad lists: scored pair by pair, or refused", () => {
  const spectra = randomSpectra(30, 5);
  const odd: MsSpectrum = {
    ...spectra[3],
    intensity: spectra[3].intensity.map((v, k) => (k === 0 ? -v : v)),
  };
  const library = [...spectra.slice(0, 20), { ...odd, index: 20 }];
  // Queries with and without a negative weight, and the spectra it came from.
  const queries = [...spectra.slice(20), odd, spectra[3]];
  const fast = matchSpectra(library, queries, { score: "cosine", top: 3, minMatched: 1 });
  const all = matchSpectra(library, queries, {
    score: "cosine",
    top: 3,
    minMatched: 1,
    exhaustive: true,
  });
  assert.deepEqual(fast, all);
  // The kernel scores every pair of a query the bound does not cover.
  const counts = { pairs: 0, scored: 0 };
  matchSpectra(library, [odd], { score: "cosine", top: 1, minMatched: 1 }, counts);
  assert.equal(counts.scored, library.length);
  const kernel = new SpectralLibrary(library.map((s) => prepareSpectrum(s)) as PreparedSpectrum[]);
  try {
    assert.throws(
      () => kernel.score(prepareSpectrum(spectra[25]), settingsOf(0.1, false), Float64Array.of(21)),
      /outside 0\.\.20/,
    );
    assert.throws(
      () => kernel.top(prepareSpectrum(spectra[25]), settingsOf(0.1, false), 1.5, 1),
      /top >= 0/,
    );
  } finally {
    kernel.free();
  }
  assert.throws(
    () => kernel.score(prepareSpectrum(spectra[25]), settingsOf(0.1, false)),
    /after free/,
  );
});
