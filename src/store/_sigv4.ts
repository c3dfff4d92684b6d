/**
 * AWS Signature Version 4 for S3 requests, with WebCrypto only: the
 * `Authorization` header for a request whose payload is hashed in full
 * (`x-amz-content-sha256` carries its SHA-256).
 *
 * The canonical URI is the URL's path as sent. Keys must therefore be
 * encoded with {@linkcode uriEncodePath}, which leaves only `A-Z a-z 0-9 - . _ ~`
 * and `/` unencoded, as SigV4 requires.
 *
 * @module
 */

/** Credentials to sign with; `sessionToken` for temporary (STS) credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One request to sign. */
export interface SignRequest {
  method: string;
  url: string;
  /** Headers to send and sign besides host and the `x-amz-*` ones this adds (names any case). */
  headers?: Record<string, string>;
  /** The payload; its SHA-256 goes into `x-amz-content-sha256`. */
  body?: Uint8Array | string;
  region: string;
  /** Default `s3`. */
  service?: string;
  credentials: AwsCredentials;
  /** Signing time (default now). */
  now?: Date;
}

const encoder = new TextEncoder();

/**
 * Percent-encodes an object key for an S3 URL path the way SigV4's canonical
 * URI expects: every byte except `A-Z a-z 0-9 - . _ ~` and `/`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { uriEncodePath } from "./_sigv4.ts";
 * assertEquals(uriEncodePath("reports/a b/test$file(1).json"), "reports/a%20b/test%24file%281%29.json");
 * ```
 */
export function uriEncodePath(key: string): string {
  return key.split("/").map((part) =>
    encodeURIComponent(part).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  ).join("/");
}

/** Lowercase hex of bytes. */
function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Lowercase hex SHA-256 of `data`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { sha256Hex } from "./_sigv4.ts";
 * assert((await sha256Hex("")).startsWith("e3b0c442"));
 * ```
 */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

async function hmac(key: Uint8Array | ArrayBuffer, text: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(text));
}

/** `20130524T000000Z` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The canonical query string: names and values encoded, sorted by name then value. */
function canonicalQuery(url: URL): string {
  const encode = (s: string) => uriEncodePath(s).replaceAll("/", "%2F");
  return [...url.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/**
 * Signs a request: returns the headers to send with it (the given ones plus
 * `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` when there is a
 * session token, and `authorization`). The `host` header is signed but not
 * returned: fetch sets it from the URL.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { signRequest } from "./_sigv4.ts";
 * const headers = await signRequest({
 *   method: "PUT", url: "http://127.0.0.1:9000/bucket/report.json", body: "{}",
 *   region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
 * });
 * assert(headers.authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKID/"));
 * ```
 */
export async function signRequest(request: SignRequest): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const service = request.service ?? "s3";
  const stamp = amzDate(request.now ?? new Date());
  const day = stamp.slice(0, 8);
  const payloadHash = await sha256Hex(request.body ?? "");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers["x-amz-date"] = stamp;
  headers["x-amz-content-sha256"] = payloadHash;
  if (request.credentials.sessionToken) {
    headers["x-amz-security-token"] = request.credentials.sessionToken;
  }
  const signed: Record<string, string> = { ...headers, host: url.host };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${signed[n].trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    request.method.toUpperCase(),
    url.pathname || "/",
    canonicalQuery(url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${request.region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    stamp,
    scope,
    await sha256Hex(canonicalRequest),
  ].join("\n");
  let key = await hmac(encoder.encode(`AWS4${request.credentials.secretAccessKey}`), day);
  for (const part of [request.region, service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/**
 * Credentials from the standard AWS variables (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`), or `undefined` when
 * either key is unset: requests then go unsigned (anonymous).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { credentialsFromEnv } from "./_sigv4.ts";
 * assertEquals(credentialsFromEnv({}), undefined);
 * assertEquals(credentialsFromEnv({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" })?.accessKeyId, "a");
 * ```
 */
export function credentialsFromEnv(
  env: Record<string, string | undefined>,
): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
