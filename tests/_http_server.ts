/**
 * A static HTTP file server on 127.0.0.1 for tests: what lamella meets when
 * it reads a store over http(s).
 */

/** Faults the server injects; tests set and reset them. */
export interface Faults {
  /** Answer the next this-many requests (any path) with `status`. */
  failNext: number;
  status: number;
  /** Answer every request whose path matches with 500. */
  alwaysFail?: RegExp;
  /** Answer every request whose path matches with 403 Forbidden. */
  forbid?: RegExp;
  /** Send half the body of matching paths, then break the connection (a reset mid-reply). */
  truncate?: RegExp;
  /** Hold requests whose path matches for `delayMs` before answering. */
  delay?: RegExp;
  delayMs: number;
  /** Delay only this many matching requests (Infinity: all). */
  delayCount: number;
}

/** No faults: every request is answered from the files. */
export function noFaults(): Faults {
  return { failNext: 0, status: 503, delayMs: 0, delayCount: 0 };
}

/** Resolves after `ms`, or as soon as `gone` settles (the client went away). */
function sleep(ms: number, gone: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
    gone.then(() => {}, () => {}),
  ]).finally(() => clearTimeout(timer));
}

/** `Range: bytes=a-b | a- | -n` against a body of `size` bytes; null when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Math.min(Number(m[2]), size);
    return n > 0 ? [size - n, size - 1] : null;
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? [start, end] : null;
}

/**
 * A static file server over `root` on 127.0.0.1: files only (no directory
 * listing, like object stores and most web servers), Range requests, and
 * faults on demand. `served` records every request.
 */
export function serveDirectory(root: string) {
  const faults = noFaults();
  const served: { path: string; status: number }[] = [];
  const handler = async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const answer = (status: number, body: BodyInit | null = null, headers?: HeadersInit) => {
      served.push({ path, status });
      return new Response(body, { status, headers });
    };
    if (req.method !== "GET" && req.method !== "HEAD") return answer(405);
    if (path.split("/").includes("..")) return answer(403);
    if (faults.delay?.test(path) && faults.delayCount > 0) {
      faults.delayCount--;
      await sleep(faults.delayMs, info.completed);
    }
    if (faults.failNext > 0) {
      faults.failNext--;
      return answer(faults.status);
    }
    if (faults.alwaysFail?.test(path)) return answer(500);
    if (faults.forbid?.test(path)) return answer(403);
    if (faults.truncate?.test(path)) {
      const whole = await Deno.readFile(root + path).catch(() => undefined);
      if (whole) {
        const half = whole.slice(0, Math.floor(whole.length / 2));
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(half);
            c.error(new Error("connection reset"));
          },
        });
        return answer(200, body, { "content-length": String(whole.length) });
      }
    }
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(root + path);
    } catch {
      return answer(404);
    }
    const range = req.headers.get("range");
    if (range === null) return answer(200, bytes as Uint8Array<ArrayBuffer>);
    const r = parseRange(range, bytes.length);
    if (r === null) return answer(416, null, { "content-range": `bytes */${bytes.length}` });
    return answer(206, bytes.slice(r[0], r[1] + 1), {
      "content-range": `bytes ${r[0]}-${r[1]}/${bytes.length}`,
    });
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { server, url: `http://127.0.0.1:${server.addr.port}`, faults, served };
}
