/**
 * Zarr stores: a store is anything with `get(key) -> bytes | undefined`.
 * Local directories are read with Deno's file API; http(s) through fetch
 * with retries and backoff. Keys are absolute ("/a/b/.zarray").
 *
 * @module
 */
import { StoreError } from "../model/errors.ts";
import { DEFAULT_RETRY, fetchWithRetry, type RetryPolicy, type Stalls } from "./_http_retry.ts";
import { openS3Store } from "./s3.ts";
import { isN5, N5Store } from "./n5.ts";
import type { RangeQuery, Store } from "./types.ts";

export type { RangeQuery, Store };

/**
 * A read error of a local key: absent (undefined) when the file is missing,
 * is a directory, or names a file under a file; otherwise a StoreError.
 */
function absentOrThrow(path: string, e: unknown): undefined {
  if (
    e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
    e instanceof Deno.errors.IsADirectory
  ) return undefined;
  throw new StoreError(path, `cannot read: ${(e as Error).message}`, { cause: e });
}

/**
 * A Zarr hierarchy in a local directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FileStore } from "./store.ts";
 * const store = new FileStore(Deno.makeTempDirSync());
 * assertEquals((await store.get("/.zgroup")), undefined);
 * ```
 */
export class FileStore implements Store {
  readonly location: string;
  /** A store over the directory `root`. */
  constructor(root: string) {
    this.location = root.replace(/\/+$/, "") || "/";
  }

  /** The file path of `key` (keys may start with "/" or not). */
  #path(key: string): string {
    return this.location + (key.startsWith("/") ? key : `/${key}`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    try {
      return await Deno.readFile(path);
    } catch (e) {
      return absentOrThrow(path, e);
    }
  }

  /**
   * Reads `key` synchronously into `buffer` and returns the bytes read (a
   * view of `buffer`, or of a larger buffer when the file does not fit), or
   * undefined when it does not exist. The chunk engine reuses one buffer
   * this way instead of allocating one per chunk.
   */
  readSync(key: string, buffer: Uint8Array): Uint8Array | undefined {
    const path = this.#path(key);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path);
    } catch (e) {
      return absentOrThrow(path, e);
    }
    try {
      let at = 0;
      for (;;) {
        if (at === buffer.length) {
          const size = file.statSync().size;
          const grown = new Uint8Array(Math.max(size + 1, buffer.length * 2));
          grown.set(buffer);
          buffer = grown;
        }
        const n = file.readSync(buffer.subarray(at));
        if (n === null || n === 0) break;
        at += n;
      }
      return buffer.subarray(0, at);
    } catch (e) {
      return absentOrThrow(path, e);
    } finally {
      file.close();
    }
  }

  async getRange(key: string, range: RangeQuery): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new StoreError(path, `cannot read: ${(e as Error).message}`, { cause: e });
    }
    try {
      let offset: number;
      let length: number;
      if ("suffixLength" in range) {
        const size = (await file.stat()).size;
        length = Math.min(range.suffixLength, size);
        offset = size - length;
      } else {
        offset = range.offset;
        length = range.length;
      }
      await file.seek(offset, Deno.SeekMode.Start);
      const out = new Uint8Array(length);
      let at = 0;
      while (at < length) {
        const n = await file.read(out.subarray(at));
        if (n === null) break;
        at += n;
      }
      return at === length ? out : out.subarray(0, at);
    } finally {
      file.close();
    }
  }

  async list(prefix: string): Promise<{ files: string[]; folders: string[] }> {
    const path = this.location + (prefix.startsWith("/") ? prefix : `/${prefix}`);
    const files: string[] = [];
    const folders: string[] = [];
    try {
      for await (const entry of Deno.readDir(path)) {
        (entry.isDirectory ? folders : files).push(entry.name);
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return { files, folders };
      throw new StoreError(path, `cannot list: ${(e as Error).message}`, { cause: e });
    }
    files.sort();
    folders.sort();
    return { files, folders };
  }
}

export type { RetryPolicy } from "./_http_retry.ts";

/**
 * A Zarr hierarchy served over http(s): 404/403 read as absent, 5xx and
 * timeouts are retried with exponential backoff.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HttpStore } from "./store.ts";
 * const store = new HttpStore("https://example.org/data.zarr/");
 * assertEquals(store.location, "https://example.org/data.zarr");
 * ```
 */
export class HttpStore implements Store {
  readonly location: string;
  readonly #retry: RetryPolicy;
  readonly #stalls: Stalls = new Map();
  /** A store over the base `url`, retrying failed requests by `retry`. */
  constructor(url: string, retry: Partial<RetryPolicy> = {}) {
    this.location = url.replace(/\/+$/, "");
    this.#retry = { ...DEFAULT_RETRY, ...retry };
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#fetch(key, {});
  }

  getRange(key: string, range: RangeQuery): Promise<Uint8Array | undefined> {
    const bytes = "suffixLength" in range
      ? `bytes=-${range.suffixLength}`
      : `bytes=${range.offset}-${range.offset + range.length - 1}`;
    return this.#fetch(key, { Range: bytes });
  }

  async #fetch(key: string, headers: Record<string, string>): Promise<Uint8Array | undefined> {
    const url = this.location + (key.startsWith("/") ? key : `/${key}`);
    const reply = await fetchWithRetry(url, () => ({ headers }), this.#retry, this.#stalls);
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    if (reply.status === 404) return undefined;
    if (reply.status === 403) {
      // Refused is not absent: read as the fill value it would give wrong numbers.
      // (Metadata probes treat 403 as absent: see getMetadata.)
      throw new StoreError(url, "HTTP 403 Forbidden: the server refused to send this key", {
        status: 403,
      });
    }
    throw new StoreError(url, `HTTP ${reply.status} ${reply.statusText}`.trim(), {
      status: reply.status,
    });
  }
}

/**
 * Opens the store a source string names: a local path, `file://`, `http(s)://`
 * or `s3://bucket/key` (public bucket, read over HTTPS).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { openStore } from "./store.ts";
 * const s = await openStore("s3://janelia-cosem-datasets/jrc_hela-2/jrc_hela-2.zarr");
 * assert(s.location.startsWith("https://janelia-cosem-datasets.s3"));
 * ```
 */
export async function openStore(
  source: string,
  options: { s3Region?: string; s3Endpoint?: string; retry?: Partial<RetryPolicy> } = {},
): Promise<Store> {
  const base = await openBase(source, options);
  return await isN5(source, base) ? new N5Store(base) : base;
}

async function openBase(
  source: string,
  options: { s3Region?: string; s3Endpoint?: string; retry?: Partial<RetryPolicy> },
): Promise<Store> {
  if (/^https?:\/\//.test(source)) return new HttpStore(source, options.retry);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1];
  if (scheme && !["file", "s3"].includes(scheme.toLowerCase())) {
    throw new StoreError(
      source,
      `${scheme}:// is not supported; lamella reads a local path, file://, http(s):// or s3:// URL`,
    );
  }
  if (source.startsWith("s3://")) {
    return openS3Store(source, {
      region: options.s3Region,
      endpoint: options.s3Endpoint,
      retry: options.retry,
    });
  }
  const path = source.startsWith("file://") ? new URL(source).pathname : source;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new StoreError(
        path,
        "no such file or directory; check --source or the config's source",
      );
    }
    throw new StoreError(path, (e as Error).message, { cause: e });
  }
  if (!info.isDirectory) {
    throw new StoreError(path, "is a file, not a Zarr directory store");
  }
  return new FileStore(path);
}
