/**
 * The assertions of `jsr:@std/assert` that lamella's documentation examples
 * use, with the same names and signatures, built on `node:assert`. The
 * import map points `@std/assert` here because JSR is not reachable from the
 * machines lamella is built on; in your own project, import `@std/assert`
 * from JSR and the examples read the same.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertThrows } from "@std/assert";
 * assertEquals({ a: [1, 2] }, { a: [1, 2] });
 * assert(1 < 2);
 * assertThrows(() => assertEquals(1, 2));
 * ```
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Throws unless `actual` and `expected` are deeply equal (same structure, types and values). */
export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Throws unless `actual` and `expected` differ. */
export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

/** Throws unless `expr` is truthy. */
export function assert(expr: unknown, msg?: string): asserts expr {
  nodeAssert.ok(expr, msg);
}

/** Throws unless `actual` and `expected` differ by at most `tolerance` (default 1e-7 relative). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance?: number,
  msg?: string,
): void {
  const tol = tolerance ?? Math.abs(expected) * 1e-7;
  if (Object.is(actual, expected)) return;
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new nodeAssert.AssertionError({
      message: msg ?? `expected ${actual} to be within ${tol} of ${expected}`,
      actual,
      expected,
    });
  }
}

/** Throws unless `fn` throws (an instance of `ErrorClass`, whose message includes `msgIncludes`). */
export function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => Error,
  msgIncludes?: string,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  return checkThrown(caught, ErrorClass, msgIncludes);
}

/** Like {@linkcode assertThrows}, for a function returning a promise that must reject. */
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => Error,
  msgIncludes?: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  return checkThrown(caught, ErrorClass, msgIncludes);
}

function checkThrown(
  caught: unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => Error,
  msgIncludes?: string,
): Error {
  if (caught === undefined) throw new nodeAssert.AssertionError({ message: "expected a throw" });
  if (ErrorClass && !(caught instanceof ErrorClass)) {
    throw new nodeAssert.AssertionError({
      message: `expected ${ErrorClass.name}, got ${(caught as Error)?.name ?? typeof caught}`,
    });
  }
  const e = caught as Error;
  if (msgIncludes !== undefined && !String(e?.message).includes(msgIncludes)) {
    throw new nodeAssert.AssertionError({
      message: `expected the message to include "${msgIncludes}": "${e?.message}"`,
    });
  }
  return e;
}
