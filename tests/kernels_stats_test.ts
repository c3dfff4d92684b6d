/**
 * Differential tests: the WASM stats kernel against its TypeScript reference
 * on random inputs of every dtype, awkward lengths and offsets, non-finite
 * values and extremes.
 */
import assert from "node:assert/strict";
import { NUMERIC_DTYPES, type NumericDtype, stats, type StatsPartial } from "../kernels/mod.ts";
import { statsReference } from "../kernels/reference.ts";
import { finalizeStats, mergeStats } from "../src/stages/stats.ts";
import { LENGTHS, make, OFFSETS, rng } from "./_random.ts";

function close(a: number, b: number, rel: number, what: string): void {
  if (Number.isNaN(a) && Number.isNaN(b)) return;
  if (a === b) return;
  const err = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
  assert.ok(err <= rel, `${what}: ${a} vs ${b} (relative ${err})`);
}

function assertPartialsAgree(k: StatsPartial, r: StatsPartial, what: string): void {
  assert.equal(k.kind, r.kind, what);
  if (k.kind === "exact" && r.kind === "exact") {
    assert.deepEqual(k, r, what);
  } else if (k.kind === "wide" && r.kind === "wide") {
    assert.equal(k.count, r.count, what);
    assert.equal(k.sum, r.sum, what);
    assert.equal(k.min, r.min, what);
    assert.equal(k.max, r.max, what);
    close(k.m2, r.m2, 1e-12, `${what} m2`);
  } else if (k.kind === "float" && r.kind === "float") {
    for (const f of ["count", "nanCount", "posInfCount", "negInfCount", "finiteCount"] as const) {
      assert.equal(k[f], r[f], `${what} ${f}`);
    }
    close(k.min, r.min, 0, `${what} min`);
    close(k.max, r.max, 0, `${what} max`);
    close(k.sum + k.sumComp, r.sum + r.sumComp, 1e-12, `${what} sum`);
    close(k.m2, r.m2, 1e-10, `${what} m2`);
  }
}

for (const dtype of NUMERIC_DTYPES) {
  Deno.test(`the ${dtype} stats kernel agrees with its reference at every length and offset`, () => {
    const r = rng(dtype.length * 7919);
    for (const n of LENGTHS) {
      for (const offset of OFFSETS) {
        const data = make(dtype, n, offset, r);
        assertPartialsAgree(
          stats(data, dtype),
          statsReference(data, dtype),
          `${dtype} n=${n} +${offset}`,
        );
      }
    }
  });
}

Deno.test("float kernels skip NaN, count infinities and treat -0 as zero", () => {
  const data = new Float64Array([NaN, -0, 2, Infinity, -Infinity, NaN, 4]);
  const p = stats(data, "float64");
  assert.equal(p.kind, "float");
  if (p.kind !== "float") return;
  assert.equal(p.nanCount, 2);
  assert.equal(p.posInfCount, 1);
  assert.equal(p.negInfCount, 1);
  assert.equal(p.finiteCount, 3);
  assert.equal(p.sum, 6);
  assert.equal(p.min, -Infinity);
  assert.equal(p.max, Infinity);
});

Deno.test("64-bit integer extremes sum exactly", () => {
  const data = new BigUint64Array([2n ** 64n - 1n, 2n ** 64n - 1n, 2n ** 64n - 1n]);
  const p = stats(data, "uint64");
  assert.equal(p.kind, "wide");
  if (p.kind === "wide") assert.equal(p.sum, 3n * (2n ** 64n - 1n));
  const q = stats(new BigInt64Array([-(2n ** 63n), -(2n ** 63n)]), "int64");
  if (q.kind === "wide") assert.equal(q.sum, -(2n ** 64n));
});

Deno.test("merging chunk partials in any order gives the whole array's statistics", () => {
  const r = rng(42);
  for (const dtype of ["uint8", "int16", "int64", "float32", "float64"] as NumericDtype[]) {
    const parts = [1, 17, 4096, 333, 0, 1000].map((n) => make(dtype, n, 0, r));
    const partials = parts.map((p) => stats(p, dtype));
    const forward = partials.reduce(mergeStats);
    const shuffled = [...partials].sort(() => r() - 0.5).reduce(mergeStats);
    // A balanced tree merge, as workers and shards do it.
    const tree = mergeStats(
      mergeStats(mergeStats(partials[0], partials[1]), partials[2]),
      mergeStats(partials[3], mergeStats(partials[4], partials[5])),
    );
    const a = finalizeStats(forward);
    for (const other of [finalizeStats(shuffled), finalizeStats(tree)]) {
      assert.equal(other.count, a.count, dtype);
      assert.equal(other.nanCount, a.nanCount, dtype);
      close(other.min ?? NaN, a.min ?? NaN, 0, `${dtype} min`);
      close(other.max ?? NaN, a.max ?? NaN, 0, `${dtype} max`);
      close(other.mean ?? NaN, a.mean ?? NaN, 1e-12, `${dtype} mean`);
      close(other.std ?? NaN, a.std ?? NaN, 1e-12, `${dtype} std`);
    }
  }
});

Deno.test("mean and std match a float64 two-pass computation to 1e-12", () => {
  const r = rng(7);
  const n = 200_003;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 1000 + (r() - 0.5) * 10;
  const chunks = [];
  for (let i = 0; i < n; i += 65_536) chunks.push(stats(data.subarray(i, i + 65_536), "float32"));
  const s = finalizeStats(chunks.reduce(mergeStats));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i];
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += (data[i] - mean) ** 2;
  close(s.mean!, mean, 1e-12, "mean");
  close(s.std!, Math.sqrt(m2 / n), 1e-9, "std");
});

Deno.test("integer statistics are exact for values near the type's limits", () => {
  const data = new Uint32Array(10_000).fill(2 ** 32 - 1);
  const s = finalizeStats(stats(data, "uint32"));
  assert.equal(s.sum, 10_000 * (2 ** 32 - 1));
  assert.equal(s.mean, 2 ** 32 - 1);
  assert.equal(s.std, 0);
});

/**
 * Exact sum and sum of squared deviations of values `k * step` (integers k
 * given as BigInt sums), rounded once.
 */
function exactSpread(n: number, sk: bigint, skk: bigint, step: number) {
  const bn = BigInt(n);
  // m2 = (n * sum k^2 - (sum k)^2) / n * step^2.
  const num = bn * skk - sk * sk;
  return {
    sum: Number(sk) * step,
    m2: (Number(num / bn) + Number(num % bn) / n) * step * step,
  };
}

/**
 * `n` values `offset + k * step` for random integers |k| <= noise / step,
 * all exactly representable, with their exact sum and spread.
 */
function offsetData<T extends Float32Array | Float64Array>(
  ctor: { new (n: number): T },
  n: number,
  offset: number,
  noise: number,
  step: number,
  r: () => number,
): { data: T; sum: number; m2: number } {
  const data = new ctor(n);
  let sk = 0n;
  let skk = 0n;
  for (let i = 0; i < n; i++) {
    const k = Math.round((r() - 0.5) * 2 * noise / step);
    data[i] = offset + k * step;
    if (data[i] !== offset + k * step) throw new Error("offset data must be exact");
    sk += BigInt(k);
    skk += BigInt(k) * BigInt(k);
  }
  const { sum, m2 } = exactSpread(n, sk, skk, step);
  return { data, sum: offset * n + sum, m2 };
}

Deno.test("float stats at a large offset match the exact sum and spread to 1e-12", () => {
  const r = rng(1234);
  const cases = [
    { ...offsetData(Float64Array, 300_001, 1e9, 3, 2 ** -20, r), dtype: "float64" as const },
    { ...offsetData(Float64Array, 5_000, -1e12, 0.5, 2 ** -12, r), dtype: "float64" as const },
    { ...offsetData(Float32Array, 100_003, 1e6, 40, 2 ** -4, r), dtype: "float32" as const },
  ];
  for (const { data, sum, m2, dtype } of cases) {
    const p = stats(data, dtype);
    assert.equal(p.kind, "float");
    if (p.kind !== "float") continue;
    close(p.sum + p.sumComp, sum, 1e-12, `${dtype} sum`);
    close(p.m2, m2, 1e-12, `${dtype} m2`);
    const s = finalizeStats(p);
    close(s.std!, Math.sqrt(m2 / data.length), 1e-12, `${dtype} std`);
  }
});

Deno.test("a chunk whose first values are far from its mean keeps its spread exact", () => {
  // The shift comes from the first values: all zero here, far from the
  // mean of the rest, so the kernel has to rescan about the mean it found.
  const r = rng(99);
  const { data } = offsetData(Float64Array, 50_000, 1e6, 1, 2 ** -20, r);
  data.fill(0, 0, 300);
  let sk = 0n;
  let skk = 0n;
  for (const x of data) {
    const k = BigInt(x * 2 ** 20);
    sk += k;
    skk += k * k;
  }
  const { sum, m2 } = exactSpread(data.length, sk, skk, 2 ** -20);
  const p = stats(data, "float64");
  if (p.kind !== "float") throw new Error("expected a float partial");
  close(p.m2, m2, 1e-12, "m2");
  close(p.sum, sum, 1e-15, "sum");
});

for (const dtype of ["float32", "float64"] as const) {
  Deno.test(`${dtype} blocks holding NaN, infinities or huge values agree with the reference`, () => {
    const r = rng(dtype.length);
    const n = 10_005;
    const ctor = dtype === "float32" ? Float32Array : Float64Array;
    const base = new ctor(n);
    for (let i = 0; i < n; i++) base[i] = (r() - 0.5) * 1000;
    const variants: Array<[string, (a: Float32Array | Float64Array) => void]> = [
      ["clean", () => {}],
      ["NaN before the min in one vector", (a) => {
        a[2048] = NaN;
        a[2049] = -5000;
        a[3] = NaN;
      }],
      ["NaN before the max, infinities, NaN in the tail", (a) => {
        a[4097] = NaN;
        a[4098] = 7000;
        a[6000] = Infinity;
        a[7001] = -Infinity;
        a[n - 1] = NaN;
      }],
      ["a block whose squares overflow", (a) => {
        a[1500] = dtype === "float32" ? 3e38 : 1e200;
      }],
      ["all NaN but one", (a) => {
        a.fill(NaN);
        a[5000] = 2;
      }],
    ];
    for (const [what, change] of variants) {
      const a = base.slice();
      change(a);
      assertPartialsAgree(stats(a, dtype), statsReference(a, dtype), `${dtype} ${what}`);
    }
  });
}

Deno.test("8- and 16-bit sums stay exact over long runs of extreme values", () => {
  // Lengths past the kernels' inner blocks (2048 bytes for 8-bit data, 2^16
  // elements for 16-bit data), so every narrow accumulator is flushed full.
  const cases: Array<[NumericDtype, number[], number]> = [
    ["uint8", [255, 0], 3 * 2048 + 5],
    ["int8", [-128, 127], 3 * 2048 + 5],
    ["uint16", [65535, 0], 2 * 65536 + 3],
    ["int16", [-32768, 32767], 2 * 65536 + 3],
  ];
  for (const [dtype, values, n] of cases) {
    for (const v of values) {
      const data = make(dtype, n, 1, rng(1));
      data.fill(v);
      data[n >> 1] = values[1 - values.indexOf(v)];
      assert.deepEqual(stats(data, dtype), statsReference(data, dtype), `${dtype} ${v}`);
    }
  }
});

Deno.test("stats agree with the reference at lengths around the two-stream split", () => {
  // The kernels read the two halves of a chunk side by side, in whole vectors
  // and groups (up to 32 bytes each); these lengths leave every kind of rest.
  const r = rng(5);
  for (const dtype of NUMERIC_DTYPES) {
    for (const n of [31, 32, 33, 47, 63, 64, 65, 127, 129, 1023, 1025, 2047, 2049]) {
      const data = make(dtype, n, 0, r);
      assertPartialsAgree(stats(data, dtype), statsReference(data, dtype), `${dtype} n=${n}`);
    }
  }
});

Deno.test("32-bit integer sums and squares stay exact over long runs of extreme values", () => {
  const random = rng(32);
  const cases: [NumericDtype, number[]][] = [
    ["int32", [-(2 ** 31), 2 ** 31 - 1, -1, 0]],
    ["uint32", [2 ** 32 - 1, 2 ** 31, 1, 0]],
  ];
  for (const [dtype, extremes] of cases) {
    for (const n of [3, 4, 5, 4097, 200_003]) {
      const data = dtype === "int32" ? new Int32Array(n) : new Uint32Array(n);
      // Mostly the type's limits, the rest drawn from them and from -1, 0, 1.
      for (let i = 0; i < n; i++) {
        data[i] = random() < 0.9 ? extremes[i % 2] : extremes[Math.floor(random() * 4)];
      }
      const partial = stats(data, dtype);
      assert.deepEqual(partial, statsReference(data, dtype), `${dtype} n=${n}`);
      assert.equal(partial.kind, "exact");
    }
  }
});

Deno.test("64-bit integer stats agree with the reference around the vector width and the 2^63 range", () => {
  // Two values per vector: odd and even lengths and offsets leave a scalar
  // tail or not; narrow ranges take the lane m2 pass, ranges of 2^63 and more
  // the i128 one.
  const random = rng(64);
  const i64 = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n];
  const u64 = [0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 1n];
  const cases: [NumericDtype, bigint[]][] = [["int64", i64], ["uint64", u64]];
  for (const [dtype, extremes] of cases) {
    for (const n of [1, 2, 3, 4, 5, 31, 32, 33, 4095, 4096, 4097, 10_001]) {
      for (const offset of [0, 1]) {
        for (const mode of ["extremes", "narrow", "near-max", "span-2^63"] as const) {
          const data = make(dtype, n, offset, random) as BigInt64Array | BigUint64Array;
          for (let i = 0; i < n; i++) {
            const u = random();
            const small = BigInt(Math.floor((u - 0.5) * 2 ** 40));
            if (mode === "extremes") data[i] = extremes[Math.floor(u * extremes.length)];
            else if (mode === "narrow") data[i] = (dtype === "int64" ? 0n : 2n ** 41n) + small;
            else if (mode === "near-max") data[i] = extremes[1] - (small < 0n ? -small : small);
            else {data[i] = i % 2
                ? extremes[0] + (small < 0n ? -small : small)
                : extremes[0] + 2n ** 63n + small;}
          }
          const what = `${dtype} ${mode} n=${n} +${offset}`;
          assertPartialsAgree(stats(data, dtype), statsReference(data, dtype), what);
        }
      }
    }
  }
});
