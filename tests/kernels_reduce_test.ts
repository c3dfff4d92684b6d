/**
 * Differential tests of the histogram, profile and label kernels against
 * their TypeScript references, on every dtype and awkward lengths.
 */
import assert from "node:assert/strict";
import {
  histogram,
  labelCounts,
  NUMERIC_DTYPES,
  type NumericDtype,
  profileAccumulate,
} from "../kernels/mod.ts";
import {
  histogramReference,
  labelCountsReference,
  profileReference,
} from "../kernels/reference.ts";
import { LENGTHS, make, OFFSETS, rng } from "./_random.ts";

function specFor(dtype: NumericDtype) {
  switch (dtype) {
    case "bool":
      return [{ bins: 2, lo: 0, hi: 2 }];
    case "uint8":
      return [{ bins: 256, lo: 0, hi: 256 }, { bins: 7, lo: 10, hi: 200 }];
    case "int8":
      return [{ bins: 256, lo: -128, hi: 128 }];
    case "float16":
    case "float32":
    case "float64":
      return [{ bins: 100, lo: -5000, hi: 5000 }, { bins: 3, lo: -1, hi: 1 }];
    default:
      return [{ bins: 1024, lo: -1e9, hi: 1e9 }, { bins: 17, lo: 0, hi: 300 }];
  }
}

for (const dtype of NUMERIC_DTYPES) {
  Deno.test(`the ${dtype} histogram kernel agrees with its reference`, () => {
    const r = rng(dtype.length * 31 + 5);
    for (const n of LENGTHS) {
      for (const offset of OFFSETS) {
        const data = make(dtype, n, offset, r);
        for (const spec of specFor(dtype)) {
          const got = histogram(data, dtype, spec);
          const want = histogramReference(data, dtype, spec);
          assert.deepEqual(got, want, `${dtype} n=${n} +${offset} ${JSON.stringify(spec)}`);
          assert.equal(got.reduce((a, b) => a + b, 0), n, "every value lands in one count");
        }
      }
    }
  });

  Deno.test(`the ${dtype} profile kernel agrees with its reference`, () => {
    const r = rng(dtype.length * 17 + 1);
    // A 3-D chunk [5, 4, 7] in C order, and the same in F order.
    const shape = [5, 4, 7];
    const data = make(dtype, 140, 1, r);
    const cOrder = [28, 7, 1];
    const fOrder = [1, 5, 20];
    const extents = [[5, 4, 7], [3, 4, 2], [1, 1, 1]];
    const keeps = [[1, 0, 0], [0, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]];
    for (const stride of [cOrder, fOrder]) {
      for (const extent of extents) {
        for (const keep of keeps) {
          // Output strides over the kept axes, in C order of the kept shape.
          const outStride = [0, 0, 0];
          let cells = 1;
          for (let d = 2; d >= 0; d--) {
            if (keep[d]) {
              outStride[d] = cells;
              cells *= shape[d];
            }
          }
          const fresh = () => {
            const acc = new Float64Array(4 * (cells + 3));
            acc.fill(-Infinity, 2 * (cells + 3), 3 * (cells + 3));
            acc.fill(Infinity, 3 * (cells + 3));
            return acc;
          };
          const got = fresh();
          const want = fresh();
          profileAccumulate(data, dtype, extent, stride, outStride, got, 2);
          profileReference(data, dtype, extent, stride, outStride, want, 2);
          for (let i = 0; i < got.length; i++) {
            const a = got[i];
            const b = want[i];
            const ok = a === b || (Number.isNaN(a) && Number.isNaN(b)) ||
              Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
            assert.ok(
              ok,
              `${dtype} stride=${stride} extent=${extent} keep=${keep} [${i}]: ${a} vs ${b}`,
            );
          }
        }
      }
    }
  });
}

for (const dtype of ["uint8", "uint16", "uint32", "uint64", "int32", "int64"] as NumericDtype[]) {
  Deno.test(`the ${dtype} label kernel agrees with its reference`, () => {
    const r = rng(dtype.length * 3 + 11);
    for (const n of LENGTHS) {
      const data = make(dtype, n, 0, r);
      // Segmentations are runs of a few labels with background.
      for (let i = 0; i < n; i++) {
        const run = Math.floor(i / 9) % 5;
        const label = run === 0 ? 0 : run * 1000 + (i % 3 === 0 ? 1 : 0);
        (data as unknown as (number | bigint)[])[i] = /64/.test(dtype)
          ? BigInt(label) * (dtype === "uint64" ? 2n ** 40n : 1n)
          : dtype === "uint8"
          ? label % 256
          : label;
      }
      assert.deepEqual(
        labelCounts(data, dtype),
        labelCountsReference(data, dtype),
        `${dtype} n=${n}`,
      );
    }
  });
}

Deno.test("labels read signed values as unsigned bits", () => {
  const { labels, counts } = labelCounts(new Int32Array([-1, -1, 0, 5]), "int32");
  assert.deepEqual([...labels], [5n, 4294967295n]);
  assert.deepEqual([...counts], [1n, 2n]);
});

Deno.test("a histogram with no bins or an empty range is a RangeError", () => {
  assert.throws(
    () => histogram(new Float32Array(3), "float32", { bins: 0, lo: 0, hi: 1 }),
    RangeError,
  );
  assert.throws(
    () => histogram(new Float32Array(3), "float32", { bins: 4, lo: 1, hi: 1 }),
    RangeError,
  );
});

for (const dtype of ["int16", "uint16"] as NumericDtype[]) {
  Deno.test(`the ${dtype} histogram's full-table path agrees with its reference on large chunks`, () => {
    const r = rng(dtype.length * 101);
    for (const n of [16_384, 70_001]) {
      const data = make(dtype, n, 1, r);
      for (const spec of [...specFor(dtype), { bins: 989, lo: -8451, hi: 13307 }]) {
        const got = histogram(data, dtype, spec);
        assert.deepEqual(
          got,
          histogramReference(data, dtype, spec),
          `${dtype} n=${n} ${JSON.stringify(spec)}`,
        );
      }
    }
  });
}

for (const dtype of ["uint8", "int8", "bool"] as NumericDtype[]) {
  Deno.test(`large ${dtype} chunks (byte-pair counting) agree with the reference`, () => {
    const r = rng(dtype.length * 13);
    // Past the kernel's pair-counting threshold (2^23 bytes), odd length,
    // with a constant run, a two-value pattern and random bytes.
    const n = (1 << 23) + 4099;
    const data = make(dtype, n, 1, r);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, n);
    bytes.fill(dtype === "bool" ? 1 : 200, 1000, 30_000);
    for (let i = 40_000; i < 50_000; i++) bytes[i] = dtype === "bool" ? i & 1 : i & 1 ? 3 : 250;
    for (const spec of specFor(dtype)) {
      assert.deepEqual(
        histogram(data, dtype, spec),
        histogramReference(data, dtype, spec),
        `${dtype} ${JSON.stringify(spec)}`,
      );
    }
  });
}

for (const dtype of ["float32", "float64"] as NumericDtype[]) {
  Deno.test(`${dtype} values on bin edges, at lo and hi and beyond land where the reference puts them`, () => {
    const spec = { bins: 10, lo: -1.5, hi: 3.5 };
    const edges = Array.from({ length: 11 }, (_, i) => spec.lo + i * 0.5);
    const special = [NaN, Infinity, -Infinity, -0, 0, 3.4999999, -1.5000001, 1e30, -1e30];
    const values = [...edges, ...special];
    // Every value at every position of a group of four, plus a tail.
    const n = values.length * 4 + 3;
    const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = values[(i * 7) % values.length];
    assert.deepEqual(histogram(data, dtype, spec), histogramReference(data, dtype, spec));
    for (const bins of [1, 3]) {
      const s = { bins, lo: 0, hi: 1 };
      assert.deepEqual(
        histogram(data, dtype, s),
        histogramReference(data, dtype, s),
        `bins ${bins}`,
      );
    }
  });
}
