/**
 * Differential tests of the profile kernel's contiguous-row paths against
 * the TypeScript reference: rows of every length around the vector width,
 * rows that start at odd offsets, NaN-heavy rows and unaligned views.
 * Counts, maxima and minima must match exactly; sums too, except float sums
 * over a reduced inner axis, which the kernel adds in lanes (another order).
 */
import assert from "node:assert/strict";
import { NUMERIC_DTYPES, type NumericDtype, profileAccumulate } from "../kernels/mod.ts";
import { profileReference } from "../kernels/reference.ts";
import { make, rng } from "./_random.ts";

const FLOATS = new Set<NumericDtype>(["float16", "float32", "float64"]);

/** A fresh accumulator of `cells` cells: zero sums and counts, -inf maxima, +inf minima. */
function fresh(cells: number): Float64Array {
  const acc = new Float64Array(4 * cells);
  acc.fill(-Infinity, 2 * cells, 3 * cells);
  acc.fill(Infinity, 3 * cells);
  return acc;
}

/** Output strides over the kept axes, in C order of the kept shape, and the cell count. */
function outStrides(shape: number[], keep: number[]): [number[], number] {
  const out = shape.map(() => 0);
  let cells = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (keep[d]) {
      out[d] = cells;
      cells *= shape[d];
    }
  }
  return [out, cells];
}

for (const dtype of NUMERIC_DTYPES) {
  Deno.test(`${dtype} profiles of contiguous rows agree with the reference at every row length`, () => {
    const r = rng(dtype.length * 101 + 7);
    const float = FLOATS.has(dtype);
    for (const len of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33]) {
      for (const offset of [0, 1, 3]) {
        // A [3, 5, len] chunk in C order; regions cut the rows short (odd
        // row starts and lengths) or keep them whole.
        const shape = [3, 5, len];
        const stride = [5 * len, len, 1];
        const data = make(dtype, 15 * len, offset, r);
        if (float) {
          // NaN-heavy: some whole rows, and scattered values.
          for (let i = 0; i < data.length; i++) {
            if (Math.floor(i / len) % 7 === 3 || r() < 0.2) data[i] = NaN;
          }
        }
        const magnitudes = Float64Array.from(
          Array.from(data as ArrayLike<number | bigint>, (x) => Math.abs(Number(x))),
        );
        for (const extent of [shape, [2, 3, Math.max(1, len - 1)]]) {
          for (const keep of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0]]) {
            const [outStride, cells] = outStrides(shape, keep);
            const got = fresh(cells + 1);
            const want = fresh(cells + 1);
            const mag = fresh(cells + 1);
            profileAccumulate(data, dtype, extent, stride, outStride, got, 1);
            profileReference(data, dtype, extent, stride, outStride, want, 1);
            profileReference(magnitudes, "float64", extent, stride, outStride, mag, 1);
            const what = `${dtype} len=${len} +${offset} extent=${extent} keep=${keep}`;
            const n = cells + 1;
            for (let i = 0; i < n; i++) {
              for (const k of [1, 2, 3]) {
                assert.equal(got[k * n + i], want[k * n + i], `${what} section ${k} [${i}]`);
              }
              const [a, b] = [got[i], want[i]];
              if (float && keep[2] === 0) {
                // Any order of `m` additions is within m * 2^-53 * sum |x|
                // of the exact sum (first order), and so of the reference.
                const bound = 2 * extent[2] * 2 ** -53 * mag[i];
                assert.ok(
                  Object.is(a, b) || Math.abs(a - b) <= bound,
                  `${what} sum [${i}]: ${a} vs ${b}`,
                );
              } else {
                assert.ok(Object.is(a, b), `${what} sum [${i}]: ${a} vs ${b}`);
              }
            }
          }
        }
      }
    }
  });
}

Deno.test("profiles accumulate into cells that already hold values and skip all-NaN rows", () => {
  // Two chunks into the same cells, the second reducing its inner axis.
  const acc = fresh(2);
  profileAccumulate(
    new Float64Array([1, 2, 3, -4, 5, 6]),
    "float64",
    [2, 3],
    [3, 1],
    [1, 0],
    acc,
    0,
  );
  profileAccumulate(
    new Float32Array([NaN, NaN, NaN, NaN, NaN, 7, -8, NaN, 9, 10]),
    "float32",
    [2, 5],
    [5, 1],
    [1, 0],
    acc,
    0,
  );
  assert.deepEqual([...acc], [6, 25, 3, 7, 3, 10, 1, -8]);
});

Deno.test("an inner axis kept elementwise leaves NaN cells untouched", () => {
  const acc = fresh(5);
  const data = new Float64Array([1, NaN, -0, 4, NaN, NaN, 2, 0, -5, NaN]);
  profileAccumulate(data, "float64", [2, 5], [5, 1], [0, 1], acc, 0);
  assert.deepEqual(
    [...acc],
    [1, 2, 0, -1, 0, 1, 1, 2, 2, 0, 1, 2, -0, 4, -Infinity, 1, 2, -0, -5, Infinity],
  );
  assert.ok(Object.is(acc[2], 0) && Object.is(acc[12], -0) && Object.is(acc[17], -0));
});
