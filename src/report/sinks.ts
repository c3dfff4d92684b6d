/**
 * Where a scheduled run's report goes: Deno KV (the default), a directory, or
 * an S3-compatible bucket. Whatever the destination, the report is built in
 * memory and a record of where it went is kept in KV under
 * `["runs", job, startedAt]`, so KV stays the index of every run.
 *
 * | `report:` in a schedule                 | the report goes to                                   |
 * | --------------------------------------- | ---------------------------------------------------- |
 * | absent or `kv`                          | KV `["reports", job, startedAt]` (JSON text)          |
 * | `file:///srv/reports` or `out/reports`  | `DIR/job/STAMP/report.json`, written atomically      |
 * | `s3://bucket/prefix`                    | `PUT prefix/job/STAMP/report.json`, SigV4-signed     |
 * | `https://host/bucket/prefix`            | the same, to an S3-compatible URL                    |
 *
 * @module
 */
import { ConfigError, StoreError } from "../model/errors.ts";
import { causeMessage } from "../model/errors.ts";
import { fetchWithRetry } from "../store/_http_retry.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { parseS3Url, s3BucketUrl } from "../store/s3.ts";
import {
  type AwsCredentials,
  credentialsFromEnv,
  signRequest,
  uriEncodePath,
} from "../store/_sigv4.ts";

/** A destination as written in a schedule: a URL or path, or a URL with S3 settings. */
export type ReportTarget = string | { url: string; endpoint?: string; region?: string };

/** A parsed destination. */
export type ReportDestination =
  | { kind: "kv" }
  | { kind: "file"; dir: string }
  | {
    kind: "s3";
    /** `s3://bucket/prefix` or the `http(s)://` base URL, for messages and the run record. */
    url: string;
    /** HTTP(S) URL objects are PUT under (no trailing slash). */
    baseUrl: string;
    /** Region to sign for. */
    region: string;
  };

/** One file of a report. */
export interface ReportFile {
  /** `report.json` or `report.html`. */
  name: string;
  /** The file's content. */
  text: string;
  /** Its media type, e.g. `application/json`. */
  contentType: string;
}

/** What is kept in KV under `["runs", job, startedAt]` for every stored report. */
export interface RunRecord {
  /** Name of the scheduled job. */
  job: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** When the report was stored (ISO 8601). */
  finishedAt: string;
  /** Seconds the pipeline ran. */
  seconds: number;
  /** Kind of store the report went to. */
  destination: ReportDestination["kind"];
  /**
   * Where `report.json` is: a KV key as JSON (`kv`), a file path (`file`), an
   * `s3://` or `http(s)://` URL (`s3`).
   */
  location: string;
  /** Names of the stored files (`report.json`, and `report.html` when configured). */
  files: string[];
  /** UTF-8 bytes of the stored report.json. */
  bytes: number;
  /** Arrays in the report, and how many of them failed. */
  arrays: number;
  /** Arrays of the report that failed. */
  failed: number;
  /** For `kv`: the key of report.json when it fit in one KV value. */
  reportKey?: Deno.KvKey;
  /** For `kv`: files stored in parts under `["report-parts", job, startedAt, name, i]`, with their part counts. */
  kvParts?: Record<string, number>;
}

/** Bytes of one KV value we write: below Deno KV's 64 KiB limit per value. */
export const KV_PART_BYTES = 60_000;
/** KV values per atomic commit (Deno KV allows 800 KiB of mutations per commit). */
const PARTS_PER_COMMIT = 10;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Parses a schedule's `report` setting. `env` supplies the defaults of S3
 * targets: `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (endpoint),
 * `AWS_REGION` or `AWS_DEFAULT_REGION` (region, else `us-east-1`, or the
 * region in an `s3.REGION.amazonaws.com` host).
 *
 * @throws {ConfigError} for an unknown scheme or a bad bucket or endpoint.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseReportTarget } from "./sinks.ts";
 * const where = { source: "jobs.yaml", key: "schedules[0].report" };
 * assertEquals(parseReportTarget(undefined, where, {}).kind, "kv");
 * assertEquals(parseReportTarget("file:///srv/reports", where, {}).kind, "file");
 * const s3 = parseReportTarget({ url: "s3://bucket/runs", endpoint: "http://127.0.0.1:9000" }, where, {});
 * assertEquals(s3.kind, "s3");
 * assertEquals(s3.baseUrl, "http://127.0.0.1:9000/bucket/runs");
 * ```
 */
export function parseReportTarget(
  target: unknown,
  where: { source: string; key: string },
  env: Record<string, string | undefined>,
): ReportDestination {
  const fail = (message: string): never => {
    throw new ConfigError(message, where);
  };
  if (target === undefined || target === null || target === "kv") return { kind: "kv" };
  let url: string;
  let endpoint: string | undefined;
  let region: string | undefined;
  if (typeof target === "string") {
    url = target;
  } else if (typeof target === "object" && typeof (target as { url?: unknown }).url === "string") {
    const t = target as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (!["url", "endpoint", "region"].includes(key)) {
        fail(`unknown key "${key}"; expected url, endpoint, region`);
      }
    }
    url = t.url as string;
    if (t.endpoint !== undefined && typeof t.endpoint !== "string") {
      fail("endpoint: expected a URL");
    }
    if (t.region !== undefined && typeof t.region !== "string") fail("region: expected a string");
    endpoint = t.endpoint as string | undefined;
    region = t.region as string | undefined;
  } else {
    return fail(
      `expected kv, a directory, file://, s3:// or https:// URL, or { url, endpoint, region }; found ${
        JSON.stringify(target)
      }`,
    );
  }
  url = url.trim();
  if (url === "" || url === "kv") return { kind: "kv" };
  region ??= env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined;
  if (url.startsWith("s3://")) {
    endpoint ??= env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
    let bucket: string;
    let prefix: string;
    try {
      ({ bucket, prefix } = parseS3Url(url));
    } catch (e) {
      return fail((e as Error).message);
    }
    let bucketUrl: string;
    try {
      bucketUrl = s3BucketUrl(bucket, { region, endpoint });
    } catch (e) {
      return fail((e as Error).message);
    }
    const baseUrl = prefix ? `${bucketUrl}/${uriEncodePath(prefix)}` : bucketUrl;
    return { kind: "s3", url: url.replace(/\/+$/, ""), baseUrl, region: region ?? "us-east-1" };
  }
  if (/^https?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail(`expected an http(s) URL; found "${url}"`);
    }
    const hostRegion = /(?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(parsed.hostname)?.[1];
    return {
      kind: "s3",
      url: url.replace(/\/+$/, ""),
      baseUrl: `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`,
      region: region ?? hostRegion ?? "us-east-1",
    };
  }
  if (url.startsWith("file://")) {
    let dir: string;
    try {
      dir = decodeURIComponent(new URL(url).pathname);
    } catch {
      return fail(`expected a file:// URL; found "${url}"`);
    }
    return { kind: "file", dir: dir.replace(/\/+$/, "") || "/" };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return fail(
      `unsupported scheme in "${url}"; expected kv, a directory, file://, s3:// or https://`,
    );
  }
  return { kind: "file", dir: url.replace(/\/+$/, "") || "/" };
}

/**
 * A run's folder name: its start time with `:` made `-`, so that it is a valid
 * file name everywhere and an S3 key that needs no escaping.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runStamp } from "./sinks.ts";
 * assertEquals(runStamp("2026-11-23T03:00:00.123Z"), "2026-11-23T03-00-00.123Z");
 * ```
 */
export function runStamp(startedAt: string): string {
  return startedAt.replaceAll(":", "-");
}

/**
 * Bytes a string takes as a Deno KV value: V8 serialises it as one byte per
 * character when every character is Latin-1, and two otherwise (one en dash
 * doubles the size of a report). KV refuses values over 64 KiB.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { kvStringBytes } from "./sinks.ts";
 * assertEquals(kvStringBytes("abc"), 3);
 * assertEquals(kvStringBytes("a–c"), 6);
 * ```
 */
export function kvStringBytes(text: string): number {
  // deno-lint-ignore no-control-regex
  return /[^\u0000-\u00ff]/.test(text) ? 2 * text.length : text.length;
}

/** What {@linkcode storeReport} needs besides the files. */
export interface StoreContext {
  /** The KV database for run records (and `kv` reports). */
  kv: Deno.Kv;
  /** Name of the scheduled job. */
  job: string;
  /** When the run started (ISO 8601); part of every key. */
  startedAt: string;
  /** For S3 credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). */
  env: Record<string, string | undefined>;
  /** Attempts per PUT (default 3) and the first backoff in ms (default 500). */
  retry?: { attempts?: number; backoffMs?: number };
}

/** Where {@linkcode storeReport} put the files. */
export type Stored = Pick<RunRecord, "location" | "files" | "reportKey" | "kvParts">;

/**
 * Stores the report files at `dest`. The first file must be `report.json`.
 *
 * @throws {StoreError} when a write or PUT fails (after retries for S3).
 * @example
 * ```ts ignore
 * import { parseReportTarget, storeReport } from "./sinks.ts";
 * const kv = await Deno.openKv(":memory:");
 * const dest = parseReportTarget("kv", { source: "x", key: "report" }, {});
 * await storeReport(dest, [{ name: "report.json", text: "{}", contentType: "application/json" }], {
 *   kv, job: "nightly", startedAt: new Date().toISOString(), env: {},
 * });
 * ```
 */
export async function storeReport(
  dest: ReportDestination,
  files: ReportFile[],
  ctx: StoreContext,
): Promise<Stored> {
  const names = files.map((f) => f.name);
  const stamp = runStamp(ctx.startedAt);
  if (dest.kind === "kv") {
    const kvParts: Record<string, number> = {};
    let reportKey: Deno.KvKey | undefined;
    for (const file of files) {
      const bytes = encoder.encode(file.text);
      if (file.name === "report.json" && kvStringBytes(file.text) <= KV_PART_BYTES) {
        reportKey = ["reports", ctx.job, ctx.startedAt];
        await ctx.kv.set(reportKey, file.text);
        continue;
      }
      kvParts[file.name] = await setParts(ctx.kv, [
        "report-parts",
        ctx.job,
        ctx.startedAt,
        file.name,
      ], bytes);
    }
    const location = JSON.stringify(reportKey ?? ["report-parts", ctx.job, ctx.startedAt]);
    return {
      location,
      files: names,
      ...(reportKey ? { reportKey } : {}),
      ...(Object.keys(kvParts).length ? { kvParts } : {}),
    };
  }
  if (dest.kind === "file") {
    const dir = `${dest.dir.replace(/\/+$/, "")}/${ctx.job}/${stamp}`;
    // report.json last: once it is there, the run's other files are too.
    for (const file of [...files].reverse()) {
      try {
        await writeFileAtomic(`${dir}/${file.name}`, file.text);
      } catch (e) {
        throw new StoreError(`${dir}/${file.name}`, `could not write: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    return { location: `${dir}/report.json`, files: names };
  }
  const credentials = credentialsFromEnv(ctx.env);
  const key = `${uriEncodePath(ctx.job)}/${stamp}`;
  for (const file of [...files].reverse()) {
    await putObject(
      `${dest.baseUrl}/${key}/${file.name}`,
      file,
      dest.region,
      credentials,
      ctx.retry,
    );
  }
  return { location: `${dest.url}/${ctx.job}/${stamp}/report.json`, files: names };
}

async function setParts(kv: Deno.Kv, prefix: Deno.KvKey, bytes: Uint8Array): Promise<number> {
  const count = Math.max(1, Math.ceil(bytes.length / KV_PART_BYTES));
  for (let first = 0; first < count; first += PARTS_PER_COMMIT) {
    const op = kv.atomic();
    for (let i = first; i < Math.min(count, first + PARTS_PER_COMMIT); i++) {
      op.set([...prefix, i], bytes.slice(i * KV_PART_BYTES, (i + 1) * KV_PART_BYTES));
    }
    const result = await op.commit();
    if (!result.ok) throw new StoreError(JSON.stringify(prefix), "KV commit failed");
  }
  return count;
}

/**
 * The text of a file a run stored in KV (`report.json` by default), or
 * `undefined` when the run stored it elsewhere or it is gone.
 *
 * @example
 * ```ts ignore
 * import { readKvReport, type RunRecord } from "./sinks.ts";
 * const kv = await Deno.openKv();
 * for await (const run of kv.list<RunRecord>({ prefix: ["runs", "nightly"] })) {
 *   const text = await readKvReport(kv, run.value);
 * }
 * ```
 */
export async function readKvReport(
  kv: Deno.Kv,
  record: RunRecord,
  name = "report.json",
): Promise<string | undefined> {
  if (record.destination !== "kv") return undefined;
  if (name === "report.json" && record.reportKey) {
    return (await kv.get<string>(record.reportKey)).value ?? undefined;
  }
  const count = record.kvParts?.[name];
  if (!count) return undefined;
  const chunks: Uint8Array[] = [];
  for await (
    const entry of kv.list<Uint8Array>({
      prefix: ["report-parts", record.job, record.startedAt, name],
    })
  ) {
    chunks.push(entry.value);
  }
  if (chunks.length !== count) return undefined;
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    whole.set(c, at);
    at += c.length;
  }
  return decoder.decode(whole);
}

async function putObject(
  url: string,
  file: ReportFile,
  region: string,
  credentials: AwsCredentials | undefined,
  retry: StoreContext["retry"] = {},
): Promise<void> {
  const body = encoder.encode(file.text);
  const unsigned = credentials ? "" : " (unsigned)";
  // Signed afresh each attempt: a signature is valid for 15 minutes.
  const init = async (): Promise<RequestInit> => ({
    method: "PUT",
    body,
    headers: credentials
      ? await signRequest({
        method: "PUT",
        url,
        headers: { "content-type": file.contentType },
        body,
        region,
        credentials,
      })
      : { "content-type": file.contentType },
  });
  let reply;
  try {
    reply = await fetchWithRetry(url, init, {
      attempts: retry.attempts ?? 3,
      backoffMs: retry.backoffMs ?? 500,
      timeoutMs: 60_000,
    });
  } catch (e) {
    const why = e instanceof StoreError ? e.message.slice(e.path.length + 2) : causeMessage(e);
    throw new StoreError(url, `PUT ${file.name} failed: ${why}${unsigned}`, { cause: e });
  }
  // Client errors (bad credentials, no bucket) do not get better by retrying.
  if (reply.status < 200 || reply.status >= 300) {
    const code = s3ErrorCode(new TextDecoder().decode(reply.body));
    throw new StoreError(url, `PUT ${file.name} failed: HTTP ${reply.status} ${code}${unsigned}`);
  }
}

function s3ErrorCode(xml: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return [code, message].filter(Boolean).join(": ") || xml.slice(0, 200);
}

/**
 * Describes a destination for the log.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeDestination } from "./sinks.ts";
 * assertEquals(describeDestination({ kind: "kv" }), "Deno KV");
 * ```
 */
export function describeDestination(dest: ReportDestination): string {
  if (dest.kind === "kv") return "Deno KV";
  if (dest.kind === "file") return `directory ${dest.dir}`;
  return `${dest.url} (${dest.baseUrl}, region ${dest.region})`;
}
