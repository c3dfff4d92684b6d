/**
 * Differential tests of the label kernel's vector run scan against the
 * TypeScript reference: runs of every length around the vector width (16
 * bytes of labels), runs that start at every offset in a vector, unaligned
 * views, and labels that differ only in their high bits.
 */
import assert from "node:assert/strict";
import { labelCounts, type NumericDtype, TYPED_ARRAY_CTORS } from "../kernels/mod.ts";
import { labelCountsReference } from "../kernels/reference.ts";
import { rng } from "./_random.ts";

const LABEL_DTYPES: NumericDtype[] = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "uint64",
  "int64",
];

/** Labels of `dtype` to draw from: background, small, extremes, high-bit neighbours. */
function palette(dtype: NumericDtype): Array<number | bigint> {
  switch (dtype) {
    case "uint8":
      return [0, 1, 2, 255, 128, 127];
    case "int8":
      return [0, 1, -1, -128, 127];
    case "uint16":
      return [0, 1, 2, 65535, 256, 257, 1 << 15];
    case "int16":
      return [0, 1, -1, -32768, 32767, 256];
    case "uint32":
      return [0, 1, 2, 2 ** 32 - 1, 2 ** 16, 2 ** 16 + 1, 2 ** 31];
    case "int32":
      return [0, 1, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 16];
    case "uint64":
      // 2^32 + 1 and 1 share their low 32 bits; so do 2^63 and 0.
      return [0n, 1n, 2n ** 32n + 1n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 32n];
    default:
      return [0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n + 1n];
  }
}

/** `n` labels of `dtype` in runs of random lengths up to `maxRun`, `offset` elements into a buffer. */
function runs(dtype: NumericDtype, n: number, offset: number, maxRun: number, r: () => number) {
  const ctor = TYPED_ARRAY_CTORS[dtype];
  const bytes = ctor.BYTES_PER_ELEMENT;
  const a = new ctor(new ArrayBuffer((n + offset) * bytes), offset * bytes, n);
  const labels = palette(dtype);
  for (let i = 0; i < n;) {
    const len = 1 + Math.floor(r() * maxRun);
    const label = labels[Math.floor(r() * labels.length)];
    for (let k = 0; k < len && i < n; k++, i++) (a as unknown as unknown[])[i] = label;
  }
  return a;
}

for (const dtype of LABEL_DTYPES) {
  Deno.test(`${dtype} label counts agree with the reference for runs around the vector width`, () => {
    const r = rng(dtype.length * 13 + 3);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000]) {
      for (const offset of [0, 1, 3]) {
        for (const maxRun of [1, 3, 5, 9, 17, 40, 200]) {
          const data = runs(dtype, n, offset, maxRun, r);
          assert.deepEqual(
            labelCounts(data, dtype),
            labelCountsReference(data, dtype),
            `${dtype} n=${n} +${offset} runs<=${maxRun}`,
          );
        }
      }
    }
  });
}

Deno.test("a run ending at every position of a vector is measured exactly", () => {
  // One long run of a label, a different value at position p, then the run
  // again: the first mismatch lands in every lane of the scan's vectors.
  for (const dtype of ["uint8", "uint16", "uint32", "uint64"] as NumericDtype[]) {
    const [, , a, b] = palette(dtype);
    for (let p = 0; p < 40; p++) {
      const data = new TYPED_ARRAY_CTORS[dtype](41);
      (data as unknown as unknown[]).fill(a);
      (data as unknown as unknown[])[p] = b;
      const got = labelCounts(data, dtype);
      assert.deepEqual(got, labelCountsReference(data, dtype), `${dtype} p=${p}`);
      assert.deepEqual([...got.counts].sort(), [1n, 40n].sort(), `${dtype} p=${p}`);
    }
  }
});

Deno.test("uint64 labels that share their low 32 bits stay distinct", () => {
  const data = new BigUint64Array(37).fill(1n);
  data.fill(2n ** 32n + 1n, 5, 20);
  data[30] = 2n ** 63n + 1n;
  const { labels, counts } = labelCounts(data, "uint64");
  assert.deepEqual([...labels], [1n, 2n ** 32n + 1n, 2n ** 63n + 1n]);
  assert.deepEqual([...counts], [21n, 15n, 1n]);
});
