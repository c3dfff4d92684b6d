/**
 * Zarr hierarchies in public S3 buckets, read anonymously over HTTP(S):
 * objects by GET and range GET, groups listed with ListObjectsV2. Buckets on
 * AWS are addressed virtual-host style (`https://{bucket}.s3.{region}.amazonaws.com`);
 * an endpoint override (MinIO, moto, a local test server) is addressed path
 * style (`{endpoint}/{bucket}`).
 *
 * Many public buckets allow anonymous reads but not listing. A listing that is
 * refused (403) is dropped with a warning, and discovery then follows the
 * metadata (OME-NGFF `multiscales`, explicit array paths) as it does over
 * plain HTTP.
 *
 * @module
 */
import { ConfigError, StoreError } from "../model/errors.ts";
import {
  DEFAULT_RETRY,
  fetchWithRetry,
  type Reply,
  type RetryPolicy,
  type Stalls,
} from "./_http_retry.ts";
import type { RangeQuery, Store } from "./types.ts";

/** Options of {@linkcode S3Store} and {@linkcode openS3Store}. */
export interface S3Options {
  /** AWS region of the bucket (default `us-east-1`); ignored with an `endpoint`. */
  region?: string;
  /** Path-style endpoint, e.g. `http://127.0.0.1:9000`: requests go to `{endpoint}/{bucket}/{key}`. */
  endpoint?: string;
  /** Retries of every request (defaults: 4 attempts, 200 ms backoff, 30 s per attempt). */
  retry?: Partial<RetryPolicy>;
  /** Keys per ListObjectsV2 page, 1 to 1000 (default 1000, the S3 maximum). */
  pageSize?: number;
  /** Most pages one listing may take before it fails (default 1000). */
  maxPages?: number;
  /** Where warnings go besides {@linkcode S3Store.warnings} (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/** Child names under a prefix, as {@linkcode Store.list} returns them. */
export interface Listing {
  /** Names of the objects directly under the prefix. */
  files: string[];
  /** Names of the common prefixes ("folders") directly under it. */
  folders: string[];
}

/** One page of a ListObjectsV2 response. */
export interface ListPage {
  /** Full keys of the objects on the page (`Contents/Key`). */
  keys: string[];
  /** Full common prefixes on the page, each ending with the delimiter. */
  prefixes: string[];
  /** `IsTruncated`: more pages follow. */
  truncated: boolean;
  /** `NextContinuationToken` when `IsTruncated` is true. */
  nextToken?: string;
}

/** Bucket names AWS accepts (3-63 characters of a-z 0-9 . -, letter or digit at both ends). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Splits `s3://bucket/prefix` into the bucket and the key prefix (without
 * leading or trailing slashes).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseS3Url } from "./s3.ts";
 * const { bucket, prefix } = parseS3Url("s3://janelia-cosem-datasets/jrc_hela-2/jrc_hela-2.zarr/");
 * assertEquals(bucket, "janelia-cosem-datasets");
 * assertEquals(prefix, "jrc_hela-2/jrc_hela-2.zarr");
 * ```
 */
export function parseS3Url(source: string): { bucket: string; prefix: string } {
  if (!source.startsWith("s3://")) {
    throw new StoreError(source, "expected an s3://bucket/key URL");
  }
  const rest = source.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
  if (!BUCKET_NAME.test(bucket)) {
    throw new StoreError(
      source,
      `"${bucket}" is not an S3 bucket name (3-63 characters: lowercase letters, digits, "." and "-")`,
    );
  }
  return { bucket, prefix };
}

/**
 * The URL of a bucket, without a trailing slash: virtual-host style on AWS,
 * path style on AWS for bucket names with dots (their virtual host would not
 * match AWS's TLS certificate) and behind an `endpoint`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { s3BucketUrl } from "./s3.ts";
 * assertEquals(s3BucketUrl("data", { region: "eu-west-2" }), "https://data.s3.eu-west-2.amazonaws.com");
 * assertEquals(s3BucketUrl("a.b", {}), "https://s3.us-east-1.amazonaws.com/a.b");
 * assertEquals(s3BucketUrl("data", { endpoint: "http://127.0.0.1:9000/" }), "http://127.0.0.1:9000/data");
 * ```
 */
export function s3BucketUrl(
  bucket: string,
  options: { region?: string; endpoint?: string },
): string {
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new ConfigError(`expected an http(s) URL; found "${options.endpoint}"`, {
        source: "s3.endpoint",
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`expected an http(s) URL; found "${options.endpoint}"`, {
        source: "s3.endpoint",
      });
    }
    return `${options.endpoint.replace(/\/+$/, "")}/${bucket}`;
  }
  const region = options.region ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`expected an AWS region such as us-east-1; found "${region}"`, {
      source: "s3.region",
    });
  }
  return bucket.includes(".")
    ? `https://s3.${region}.amazonaws.com/${bucket}`
    : `https://${bucket}.s3.${region}.amazonaws.com`;
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/**
 * Text of every `<tag …>…</tag>` in `xml`, in order (an element is not
 * nested in one of its own name in S3's replies); `<tag/>` gives "".
 */
function elements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const close = `</${tag}>`;
  let at = 0;
  for (;;) {
    const o = xml.indexOf(`<${tag}`, at);
    if (o < 0) break;
    const after = xml[o + tag.length + 1];
    const end = xml.indexOf(">", o);
    if (end < 0) break;
    if (after !== ">" && after !== "/" && after !== " " && after !== "\n" && after !== "\t") {
      at = o + 1; // a longer name, e.g. <PrefixList> for <Prefix>
      continue;
    }
    if (xml[end - 1] === "/") {
      out.push("");
      at = end + 1;
      continue;
    }
    const c = xml.indexOf(close, end + 1);
    if (c < 0) break;
    out.push(xml.slice(end + 1, c));
    at = c + close.length;
  }
  return out;
}

/**
 * Reads one page of a ListObjectsV2 response (`ListBucketResult`). Returns
 * undefined when `xml` is not one.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseListObjectsV2 } from "./s3.ts";
 * const page = parseListObjectsV2(
 *   "<ListBucketResult><Prefix>z/</Prefix><IsTruncated>true</IsTruncated>" +
 *     "<Contents><Key>z/.zgroup</Key></Contents>" +
 *     "<CommonPrefixes><Prefix>z/a&amp;b/</Prefix></CommonPrefixes>" +
 *     "<NextContinuationToken>t1</NextContinuationToken></ListBucketResult>",
 * );
 * assertEquals(page?.keys[0], "z/.zgroup");
 * assertEquals(page.prefixes[0], "z/a&b/");
 * assertEquals(page?.nextToken, "t1");
 * ```
 */
export function parseListObjectsV2(xml: string): ListPage | undefined {
  const result = elements(xml, "ListBucketResult")[0];
  if (result === undefined) return undefined;
  const keys = elements(result, "Contents").flatMap((c) => elements(c, "Key").slice(0, 1))
    .map(decodeEntities);
  const prefixes = elements(result, "CommonPrefixes")
    .flatMap((c) => elements(c, "Prefix").slice(0, 1))
    .map(decodeEntities);
  // Contents and CommonPrefixes have their own <Prefix>/<Key>; read the flags outside them.
  const top = result.replace(
    /<Contents>[\s\S]*?<\/Contents>|<CommonPrefixes>[\s\S]*?<\/CommonPrefixes>/g,
    "",
  );
  const truncated = elements(top, "IsTruncated")[0]?.trim() === "true";
  const token = elements(top, "NextContinuationToken")[0];
  return {
    keys,
    prefixes,
    truncated,
    ...(truncated && token ? { nextToken: decodeEntities(token) } : {}),
  };
}

/** An S3 error document's `<Code>`, e.g. `NoSuchBucket`, or "". */
function errorCode(body: string): string {
  return elements(body, "Code")[0]?.trim() ?? "";
}

/**
 * A Zarr hierarchy under `s3://bucket/prefix` in a bucket that allows
 * anonymous reads. 404 and 403 on an object read as absent (S3 answers 403
 * for a missing key when listing is not public); 5xx, 429, network errors and
 * timeouts are retried with exponential backoff. `list` is present while the
 * bucket allows anonymous listing; the first refused listing removes it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { S3Store } from "./s3.ts";
 * const store = new S3Store("janelia-cosem-datasets", "jrc_hela-2/jrc_hela-2.zarr");
 * assertEquals(
 *   store.location,
 *   "https://janelia-cosem-datasets.s3.us-east-1.amazonaws.com/jrc_hela-2/jrc_hela-2.zarr",
 * );
 * assertEquals(store.source, "s3://janelia-cosem-datasets/jrc_hela-2/jrc_hela-2.zarr");
 * assertEquals(typeof store.list, "function");
 * ```
 */
export class S3Store implements Store {
  /** The bucket. */
  readonly bucket: string;
  /** Key prefix of the hierarchy's root, without leading or trailing slashes. */
  readonly prefix: string;
  /** HTTP(S) URL of the hierarchy's root, for messages. */
  readonly location: string;
  /** The `s3://` URL of the hierarchy's root. */
  readonly source: string;
  /** Warnings met so far (a refused listing), oldest first. */
  readonly warnings: string[] = [];
  /**
   * Child names under `prefix` (a path relative to the root, "/" for the
   * root) by ListObjectsV2; undefined once the bucket refused to list.
   */
  list?: (prefix: string) => Promise<Listing>;

  readonly #bucketUrl: string;
  readonly #retry: RetryPolicy;
  readonly #stalls: Stalls = new Map();
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #onWarning: (message: string) => void;

  /** A store over `prefix` in `bucket`. */
  constructor(bucket: string, prefix = "", options: S3Options = {}) {
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
    this.source = `s3://${bucket}${this.prefix ? `/${this.prefix}` : ""}`;
    this.#bucketUrl = s3BucketUrl(bucket, options);
    this.location = this.prefix ? `${this.#bucketUrl}/${encodeKey(this.prefix)}` : this.#bucketUrl;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!(this.#retry.attempts >= 1 && this.#retry.attempts <= 20)) {
      throw new RangeError(`retry.attempts must be 1 to 20, got ${this.#retry.attempts}`);
    }
    this.#pageSize = options.pageSize ?? 1000;
    if (!(Number.isInteger(this.#pageSize) && this.#pageSize >= 1 && this.#pageSize <= 1000)) {
      throw new RangeError(`pageSize must be an integer from 1 to 1000, got ${this.#pageSize}`);
    }
    this.#maxPages = options.maxPages ?? 1000;
    this.#onWarning = options.onWarning ?? ((m) => console.warn(`warning: ${m}`));
    this.list = (p) => this.#list(p);
  }

  /** Bytes of `key` (relative to the root), or undefined when it does not exist. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const url = this.#objectUrl(key);
    const reply = await this.#send(url, {});
    if (reply.status === 200) return reply.body;
    return this.#absentOrThrow(url, reply);
  }

  /** Bytes `range` of `key`, or undefined when it does not exist. */
  async getRange(key: string, range: RangeQuery): Promise<Uint8Array | undefined> {
    const url = this.#objectUrl(key);
    const header = "suffixLength" in range
      ? `bytes=-${range.suffixLength}`
      : `bytes=${range.offset}-${range.offset + range.length - 1}`;
    const reply = await this.#send(url, { Range: header });
    if (reply.status === 206) return reply.body;
    if (reply.status === 200) {
      // The server ignored Range and sent the whole object.
      const b = reply.body;
      return "suffixLength" in range
        ? b.subarray(Math.max(0, b.length - range.suffixLength))
        : b.subarray(range.offset, range.offset + range.length);
    }
    if (reply.status === 416) return new Uint8Array(0);
    return this.#absentOrThrow(url, reply);
  }

  #objectUrl(key: string): string {
    const rel = key.replace(/^\/+/, "");
    const full = this.prefix ? `${this.prefix}/${rel}` : rel;
    return `${this.#bucketUrl}/${encodeKey(full)}`;
  }

  #absentOrThrow(url: string, reply: Reply): undefined {
    if (reply.status === 404 || reply.status === 403) return undefined;
    throw new StoreError(url, this.#describe(reply));
  }

  #describe(reply: Reply): string {
    const code = errorCode(new TextDecoder().decode(reply.body));
    const region = reply.headers.get("x-amz-bucket-region");
    let message = `HTTP ${reply.status} ${reply.statusText}${code ? ` (${code})` : ""}`;
    if (code === "NoSuchBucket") message = `bucket ${this.bucket} does not exist (NoSuchBucket)`;
    if (region && (reply.status === 301 || code === "PermanentRedirect")) {
      message += `; the bucket is in region ${region}: set s3.region to it`;
    }
    return message;
  }

  #warn(message: string): void {
    this.warnings.push(message);
    this.#onWarning(message);
  }

  async #list(prefix: string): Promise<Listing> {
    const rel = prefix.replace(/^\/+|\/+$/g, "");
    const path = [this.prefix, rel].filter(Boolean).join("/");
    const keyPrefix = path ? `${path}/` : "";
    const files = new Set<string>();
    const folders = new Set<string>();
    const seen = new Set<string>();
    let token: string | undefined;
    for (let page = 0;; page++) {
      if (page >= this.#maxPages) {
        throw new StoreError(
          `${this.source}/${rel}`,
          `listing took more than ${this.#maxPages} pages of ${this.#pageSize} keys; ` +
            "name the arrays with --arrays instead",
        );
      }
      const url = `${this.#bucketUrl}/?list-type=2&delimiter=%2F&max-keys=${this.#pageSize}` +
        `&prefix=${encodeURIComponent(keyPrefix)}` +
        (token === undefined ? "" : `&continuation-token=${encodeURIComponent(token)}`);
      const reply = await this.#send(url, {});
      const text = new TextDecoder().decode(reply.body);
      if (reply.status !== 200) {
        const code = errorCode(text);
        if (reply.status === 404 && code === "NoSuchBucket" || reply.status === 301) {
          throw new StoreError(this.source, this.#describe(reply));
        }
        // 403 AccessDenied (no public listing) or a server that does not list at all.
        return this.#stopListing(`HTTP ${reply.status}${code ? ` (${code})` : ""}`);
      }
      const parsed = parseListObjectsV2(text);
      if (!parsed) return this.#stopListing("the reply is not a ListObjectsV2 result");
      for (const key of parsed.keys) {
        const name = key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : "";
        // A "directory marker" object (key equal to the prefix) is not a child.
        if (name && !name.includes("/")) files.add(name);
      }
      for (const p of parsed.prefixes) {
        const name = p.startsWith(keyPrefix) ? p.slice(keyPrefix.length).replace(/\/$/, "") : "";
        if (name && !name.includes("/")) folders.add(name);
      }
      if (!parsed.truncated) break;
      if (parsed.nextToken === undefined) {
        throw new StoreError(url, "ListObjectsV2 is truncated but has no NextContinuationToken");
      }
      if (seen.has(parsed.nextToken)) {
        throw new StoreError(url, "ListObjectsV2 repeated a continuation token");
      }
      seen.add(parsed.nextToken);
      token = parsed.nextToken;
    }
    return { files: [...files].sort(), folders: [...folders].sort() };
  }

  #stopListing(why: string): Listing {
    this.list = undefined;
    this.#warn(
      `${this.source}: the bucket cannot be listed anonymously (${why}); ` +
        "arrays are found through multiscales metadata and explicit --arrays paths only",
    );
    return { files: [], folders: [] };
  }

  /** One request with the store's retry policy (see {@linkcode fetchWithRetry}). */
  #send(url: string, headers: Record<string, string>): Promise<Reply> {
    return fetchWithRetry(url, () => ({ headers }), this.#retry, this.#stalls);
  }
}

/**
 * Opens `s3://bucket/prefix` for anonymous reads: on AWS in `region`
 * (virtual-host URLs), or at a path-style `endpoint`. Nothing is requested
 * until the store is read.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { openS3Store } from "./s3.ts";
 * const store = openS3Store("s3://lamella-test/sample.zarr", { endpoint: "http://127.0.0.1:9000" });
 * assertEquals(store.location, "http://127.0.0.1:9000/lamella-test/sample.zarr");
 * ```
 */
export function openS3Store(source: string, options: S3Options = {}): S3Store {
  const { bucket, prefix } = parseS3Url(source);
  return new S3Store(bucket, prefix, options);
}
