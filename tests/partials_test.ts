/**
 * Stage states survive JSON: encodeState/decodeState round-trip BigInt, Map,
 * every typed array, NaN/±Infinity/-0 and nested values, and the states of
 * real stages merge the same after the trip.
 */
import assert from "node:assert/strict";
import { decodeState, encodeState } from "../src/distributed/state_codec.ts";
import { createStages } from "../src/stages/mod.ts";
import type { ArrayInfo } from "../src/stages/stage.ts";

function roundTrip<T>(value: T): T {
  return decodeState(JSON.parse(JSON.stringify(encodeState(value)))) as T;
}

Deno.test("BigInts round-trip, including values beyond 2^64 and negatives", () => {
  for (const x of [0n, 1n, -1n, 2n ** 53n + 1n, -(2n ** 127n), 2n ** 128n + 7n]) {
    assert.equal(roundTrip(x), x);
  }
});

Deno.test("numbers JSON cannot hold round-trip: NaN, Infinity, -Infinity and -0", () => {
  const back = roundTrip([NaN, Infinity, -Infinity, -0, 0, 1.5, Number.MAX_VALUE, 5e-324]);
  assert.ok(Number.isNaN(back[0]));
  assert.equal(back[1], Infinity);
  assert.equal(back[2], -Infinity);
  assert.ok(Object.is(back[3], -0));
  assert.ok(Object.is(back[4], 0));
  assert.deepEqual(back.slice(5), [1.5, Number.MAX_VALUE, 5e-324]);
});

Deno.test("every typed array round-trips with its type and values", () => {
  const arrays = [
    new Float64Array([1.25, NaN, Infinity, -Infinity, -0]),
    new Float32Array([0.1, NaN, -Infinity]),
    new Int8Array([-128, 127]),
    new Uint8Array([0, 255]),
    new Uint8ClampedArray([0, 255]),
    new Int16Array([-32768, 32767]),
    new Uint16Array([65535]),
    new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
    new Uint32Array([2 ** 32 - 1]),
    new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
    new BigUint64Array([0n, 2n ** 64n - 1n]),
    new Float64Array(0),
  ];
  for (const a of arrays) {
    const back = roundTrip(a);
    assert.equal(back.constructor, a.constructor);
    assert.equal(back.length, a.length);
    for (let i = 0; i < a.length; i++) {
      assert.ok(Object.is(back[i], a[i]), `${a.constructor.name}[${i}]`);
    }
  }
});

Deno.test("a Map with BigInt keys (labels) round-trips in insertion order", () => {
  const labels = new Map<bigint, number>([[2n ** 63n + 5n, 10], [1n, 3], [0n, 1]]);
  const back = roundTrip(labels);
  assert.ok(back instanceof Map);
  assert.deepEqual([...back], [...labels]);
});

Deno.test("nested objects and arrays round-trip, with undefined, null and $-keys kept apart from tags", () => {
  const value = {
    kind: "float",
    list: [1, null, undefined, "x", true, [2n, { deep: new Float64Array([NaN]) }]],
    $bigint: "not a tag",
    nested: { $f64: [1, 2] },
  };
  const back = roundTrip(value) as typeof value;
  assert.equal(back.kind, "float");
  assert.equal(back.list[1], null);
  assert.equal(back.list[2], undefined);
  assert.equal(back.$bigint, "not a tag");
  assert.deepEqual(back.nested, { $f64: [1, 2] });
  const inner = back.list[5] as [bigint, { deep: Float64Array }];
  assert.equal(inner[0], 2n);
  assert.ok(inner[1].deep instanceof Float64Array && Number.isNaN(inner[1].deep[0]));
});

Deno.test("values that cannot be encoded or decoded are TypeErrors that say where", () => {
  assert.throws(
    () => encodeState({ f: () => 1 }),
    (e: unknown) => e instanceof TypeError && /state\.f: cannot encode a function/.test(e.message),
  );
  assert.throws(
    () => encodeState({ d: new Date(0) }),
    (e: unknown) =>
      e instanceof TypeError && /state\.d: cannot encode an instance of Date/.test(e.message),
  );
  assert.throws(
    () => decodeState({ $nope: 1 }),
    (e: unknown) => e instanceof TypeError && /unknown tag \$nope/.test(e.message),
  );
  assert.throws(() => decodeState({ $bigint: "1.5" }), TypeError);
  assert.throws(() => decodeState({ $f64: [1, "banana"] }), TypeError);
});

Deno.test("states of every stage merge to the same result after a JSON round trip", () => {
  const stages = createStages([
    { name: "stats", options: {} },
    { name: "histogram", options: { bins: 16 } },
    { name: "quantiles", options: [0.5] },
    { name: "labels", options: { all: true } },
    { name: "profile", options: { axes: [1] } },
  ], "test");
  for (const dtype of ["uint8", "int16", "uint64", "float32"] as const) {
    const info: ArrayInfo = {
      path: "a",
      dtype,
      shape: [4, 3],
      chunks: [2, 3],
      prepass: { min: 0, max: 11, count: 12 },
    };
    const chunk = (row: number) => {
      const values = Array.from({ length: 6 }, (_, i) => (row * 3 + i) % 12);
      const data = dtype === "uint8"
        ? new Uint8Array(values)
        : dtype === "int16"
        ? new Int16Array(values)
        : dtype === "uint64"
        ? new BigUint64Array(values.map(BigInt))
        : new Float32Array(values.map((v) => v === 5 ? NaN : v));
      return { data, shape: [2, 3], stride: [3, 1], coords: [row / 2, 0], missing: false };
    };
    const active = stages.filter((s) => !s.appliesTo || s.appliesTo(info));
    const consume = (row: number) => active.map((s) => s.consume(s.init(info), chunk(row), info));
    const direct = consume(0).map((st, i) => active[i].merge(st, consume(2)[i]));
    const tripped = consume(0).map((st, i) =>
      active[i].merge(roundTrip(st), roundTrip(consume(2)[i]))
    );
    const finalize = (states: unknown[]) =>
      JSON.stringify(
        active.map((s, i) => s.finalize(states[i], info)),
        (_k, v) => typeof v === "bigint" ? String(v) : v,
      );
    assert.equal(finalize(tripped), finalize(direct), dtype);
  }
});
