/**
 * Named errors, one class per failure domain. Each carries where it happened
 * (file, variable, array path, chunk key) so messages can say what to do.
 *
 * @module
 */

/** Base class of every error lamella raises on purpose. */
export class LamellaError extends Error {
  /** Creates an error with `message` (and the `cause` in `options`). */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LamellaError";
  }
}

/**
 * Bad configuration: a YAML file, an environment variable or a flag.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ConfigError } from "./errors.ts";
 * const e = new ConfigError("must be a number", { source: "MAX_ARRAY_SIZE_MB" });
 * assert(e.message.includes("MAX_ARRAY_SIZE_MB"));
 * ```
 */
export class ConfigError extends LamellaError {
  /** File path, environment variable or flag the bad value came from. */
  readonly source: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
  /** The offending key, when known. */
  readonly key?: string;
  /** Creates an error saying where the bad value came from. */
  constructor(
    message: string,
    where: { source: string; line?: number; key?: string },
    options?: ErrorOptions,
  ) {
    const at = where.line !== undefined ? `${where.source}:${where.line}` : where.source;
    super(`${at}${where.key ? ` (${where.key})` : ""}: ${message}`, options);
    this.name = "ConfigError";
    this.source = where.source;
    this.line = where.line;
    this.key = where.key;
  }
}

/**
 * A store that is missing, unreachable or not a Zarr hierarchy.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { StoreError } from "./errors.ts";
 * const e = new StoreError("/data/x.zarr", "no such directory");
 * assertEquals(e.path, "/data/x.zarr");
 * ```
 */
export class StoreError extends LamellaError {
  /** The store location or key that failed. */
  readonly path: string;
  /** The HTTP status of the reply, when a server refused the request. */
  readonly status?: number;
  /** Creates an error about the store at `path` (and the HTTP `status` that refused it). */
  constructor(path: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(`${path}: ${message}`, options);
    this.name = "StoreError";
    this.path = path;
    this.status = options?.status;
  }
}

/**
 * A chunk that could not be fetched or decoded.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ChunkError } from "./errors.ts";
 * const e = new ChunkError("em/s0", "0/1/2", "zstd: corrupt frame");
 * assert(e.message.includes("0/1/2"));
 * ```
 */
export class ChunkError extends LamellaError {
  /** Path of the array inside the store. */
  readonly array: string;
  /** The chunk's store key (e.g. `0/1/2` or `c/0/1/2`). */
  readonly chunkKey: string;
  /** Creates an error about the chunk `chunkKey` of `array`. */
  constructor(array: string, chunkKey: string, message: string, options?: ErrorOptions) {
    super(`array ${array}, chunk ${chunkKey}: ${message}`, options);
    this.name = "ChunkError";
    this.array = array;
    this.chunkKey = chunkKey;
  }
}

/**
 * Something lamella does not handle: a dtype, a codec, a store scheme.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { UnsupportedError } from "./errors.ts";
 * const e = new UnsupportedError("strings/s0", "dtype v2:U7 is not numeric");
 * assertEquals(e.array, "strings/s0");
 * ```
 */
export class UnsupportedError extends LamellaError {
  /** Path of the array inside the store. */
  readonly array: string;
  /** Creates an error about `array`. */
  constructor(array: string, message: string, options?: ErrorOptions) {
    super(`array ${array}: ${message}`, options);
    this.name = "UnsupportedError";
    this.array = array;
  }
}

/**
 * An error's message with its cause's appended, unless already included
 * (fetch hides the reason, such as "connection refused", in `cause`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { causeMessage } from "./errors.ts";
 * const e = new Error("fetch failed", { cause: new Error("connection refused") });
 * assertEquals(causeMessage(e), "fetch failed: connection refused");
 * ```
 */
export function causeMessage(e: unknown): string {
  let msg = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause instanceof Error && !msg.includes(cause.message)) msg += `: ${cause.message}`;
  return msg;
}
