/**
 * Stage states as JSON: shard runs write their partial states to files and
 * Deno KV, and `merge` reads them back. JSON has no BigInt, Map, typed
 * arrays, NaN, ±Infinity or -0, so those are written as tagged objects
 * (`{ "$bigint": "123" }`, `{ "$f64": [1, "NaN"] }`, `{ "$map": [[k, v]] }`)
 * and decoded back to the same values.
 *
 * @module
 */

/** Typed-array constructors by tag; 64-bit integer arrays hold decimal strings. */
const TYPED = {
  $f64: Float64Array,
  $f32: Float32Array,
  $i8: Int8Array,
  $u8: Uint8Array,
  $u8c: Uint8ClampedArray,
  $i16: Int16Array,
  $u16: Uint16Array,
  $i32: Int32Array,
  $u32: Uint32Array,
  $i64: BigInt64Array,
  $u64: BigUint64Array,
} as const;

type TypedTag = keyof typeof TYPED;
type AnyTyped = InstanceType<(typeof TYPED)[TypedTag]>;

const TAGS: ReadonlySet<string> = new Set([
  ...Object.keys(TYPED),
  "$bigint",
  "$num",
  "$map",
  "$obj",
  "$undefined",
]);

/** A number JSON cannot hold (NaN, ±Infinity, -0) as a string, else the number. */
function encodeNumber(x: number): number | string {
  if (Number.isFinite(x)) return Object.is(x, -0) ? "-0" : x;
  return String(x); // "NaN", "Infinity", "-Infinity"
}

function decodeNumber(x: unknown, where: string): number {
  if (typeof x === "number") return x;
  if (x === "NaN") return NaN;
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  if (x === "-0") return -0;
  throw new TypeError(
    `${where}: expected a number or "NaN", "Infinity", "-Infinity", "-0"; found ${
      JSON.stringify(x)
    }`,
  );
}

function typedTag(value: ArrayBufferView): TypedTag | undefined {
  for (const [tag, Ctor] of Object.entries(TYPED)) {
    if (value.constructor === Ctor) return tag as TypedTag;
  }
  return undefined;
}

/**
 * Turns a stage state into a JSON-safe value that {@linkcode decodeState}
 * turns back into an equal state. Handles BigInt, Map, typed arrays, NaN,
 * ±Infinity, -0, `undefined`, and nested plain objects and arrays; anything
 * else (functions, class instances, symbols) is a `TypeError`.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { decodeState, encodeState } from "./state_codec.ts";
 * const state = { sum: 12n, labels: new Map([[7n, 3]]), counts: new Float64Array([1, NaN]) };
 * const json = JSON.stringify(encodeState(state));
 * assertEquals(json, '{"sum":{"$bigint":"12"},"labels":{"$map":[[{"$bigint":"7"},3]]},"counts":{"$f64":[1,"NaN"]}}');
 * const back = decodeState(JSON.parse(json)) as typeof state;
 * assertEquals(back.sum, 12n);
 * assertEquals(back.labels.get(7n), 3);
 * assert(Number.isNaN(back.counts[1]));
 * ```
 */
export function encodeState(value: unknown): unknown {
  return encode(value, "state");
}

function encode(value: unknown, where: string): unknown {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
        ? value
        : { $num: encodeNumber(value) };
    case "bigint":
      return { $bigint: value.toString() };
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return { $undefined: true };
    case "object":
      break;
    default:
      throw new TypeError(`${where}: cannot encode a ${typeof value}`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v, i) => encode(v, `${where}[${i}]`));
  if (value instanceof Map) {
    return {
      $map: [...value].map(([k, v], i) => [encode(k, `${where} key ${i}`), encode(v, `${where}`)]),
    };
  }
  if (ArrayBuffer.isView(value)) {
    const tag = typedTag(value);
    if (!tag) throw new TypeError(`${where}: cannot encode a ${value.constructor.name}`);
    const items = Array.from(value as AnyTyped as ArrayLike<number | bigint>);
    return {
      [tag]: typeof items[0] === "bigint"
        ? items.map((x) => x.toString())
        : (items as number[]).map(encodeNumber),
    };
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `${where}: cannot encode an instance of ${proto?.constructor?.name ?? "an unknown class"}`,
    );
  }
  const out: Record<string, unknown> = {};
  let tagLike = false;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) tagLike = true;
    out[k] = encode(v, `${where}.${k}`);
  }
  // An object whose own keys look like tags is wrapped so it cannot be mistaken for one.
  return tagLike ? { $obj: out } : out;
}

/**
 * The inverse of {@linkcode encodeState}: rebuilds BigInts, Maps, typed
 * arrays and the numbers JSON cannot hold. An unknown `$` tag is a
 * `TypeError`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeState } from "./state_codec.ts";
 * const v = decodeState({ min: { $num: "Infinity" }, big: { $u64: ["18446744073709551615"] } });
 * assertEquals((v as { min: number }).min, Infinity);
 * assertEquals((v as { big: BigUint64Array }).big[0], 2n ** 64n - 1n);
 * ```
 */
export function decodeState(json: unknown): unknown {
  return decode(json, "state");
}

function decode(json: unknown, where: string): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map((v, i) => decode(v, `${where}[${i}]`));
  const obj = json as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0].startsWith("$")) {
    const tag = keys[0];
    const body = obj[tag];
    if (!TAGS.has(tag)) throw new TypeError(`${where}: unknown tag ${tag}`);
    if (tag === "$bigint") {
      if (typeof body !== "string" || !/^-?\d+$/.test(body)) {
        throw new TypeError(`${where}: $bigint expects a decimal string; found ${body}`);
      }
      return BigInt(body);
    }
    if (tag === "$num") return decodeNumber(body, where);
    if (tag === "$undefined") return undefined;
    if (tag === "$obj") return decodeObject(body, where);
    if (tag === "$map") {
      if (!Array.isArray(body)) throw new TypeError(`${where}: $map expects a list of pairs`);
      return new Map(body.map((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(`${where}: $map entry ${i} is not a [key, value] pair`);
        }
        return [decode(pair[0], `${where} key ${i}`), decode(pair[1], where)];
      }));
    }
    if (!Array.isArray(body)) throw new TypeError(`${where}: ${tag} expects a list`);
    const Ctor = TYPED[tag as TypedTag];
    if (Ctor === BigInt64Array || Ctor === BigUint64Array) {
      return new Ctor(body.map((x) => BigInt(x as string)));
    }
    return new (Ctor as Float64ArrayConstructor)(body.map((x) => decodeNumber(x, where)));
  }
  return decodeObject(obj, where);
}

function decodeObject(body: unknown, where: string): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TypeError(`${where}: $obj expects an object`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = decode(v, `${where}.${k}`);
  return out;
}
