/**
 * One HTTP request with retries, shared by the http(s) and S3 stores and the
 * S3 report destination: 5xx, 429, network errors and timeouts are retried
 * with exponential backoff; any other reply is returned for the caller to
 * read (404 as absent, 403 as denied, ...).
 *
 * @module
 */
import { causeMessage, StoreError } from "../model/errors.ts";

/** How a request is retried. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** Delay before the first retry, doubled after each. */
  backoffMs: number;
  /** Per-attempt timeout, reading the body included. */
  timeoutMs: number;
}

/** The defaults of the stores: 3 attempts, 200 ms first backoff, 10 s per attempt. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 200, timeoutMs: 10_000 };

/**
 * Servers whose last request ran out of attempts by timing out, until when
 * they are not asked again. A store keeps one (see {@linkcode fetchWithRetry}'s
 * `stalls`): a stalled server then costs one request's attempts, not every
 * request's; later requests fail at once, naming it, and after
 * {@linkcode STALL_PAUSE_MS} one request tries again.
 */
export type Stalls = Map<string, { until: number; why: string }>;

/** How long a stalled server is left alone before one request tries it again. */
export const STALL_PAUSE_MS = 30_000;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A reply with its whole body. */
export interface Reply {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

/**
 * Sends the request `init()` describes (called afresh per attempt, so a
 * signature can be renewed) and returns the first reply that is not a 5xx
 * or 429.
 *
 * @throws {StoreError} naming `url` and the last failure once the attempts
 * are used up.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fetchWithRetry } from "./_http_retry.ts";
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * const reply = await fetchWithRetry(`http://127.0.0.1:${server.addr.port}/`, () => ({}));
 * assertEquals(reply.status, 200);
 * await server.shutdown();
 * ```
 */
export async function fetchWithRetry(
  url: string,
  init: () => RequestInit | Promise<RequestInit>,
  policy: Partial<RetryPolicy> = {},
  stalled: Stalls = new Map(),
): Promise<Reply> {
  const { attempts, backoffMs, timeoutMs } = { ...DEFAULT_RETRY, ...policy };
  const host = hostOf(url);
  const stall = stalled.get(host);
  if (stall && Date.now() < stall.until) {
    throw new StoreError(url, `not requested: ${host} stalled (${stall.why}); try again later`);
  }
  let lastError = "";
  let timeouts = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException("timeout", "TimeoutError")),
      timeoutMs,
    );
    try {
      const response = await fetch(url, { ...await init(), signal: abort.signal });
      const body = new Uint8Array(await response.arrayBuffer());
      const reply = {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body,
      };
      if (response.status < 500 && response.status !== 429) {
        stalled.delete(host);
        return reply;
      }
      lastError = `HTTP ${response.status} ${response.statusText}`.trim();
    } catch (e) {
      if (abort.signal.aborted) timeouts++;
      lastError = abort.signal.aborted ? `timed out after ${timeoutMs} ms` : causeMessage(e);
    } finally {
      clearTimeout(timer);
    }
  }
  if (timeouts === attempts) {
    stalled.set(host, {
      until: Date.now() + STALL_PAUSE_MS,
      why: `no reply within ${timeoutMs} ms on ${attempts} attempts`,
    });
  }
  throw new StoreError(url, `${lastError} (after ${attempts} attempts)`);
}
