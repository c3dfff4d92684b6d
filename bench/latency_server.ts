/**
 * A static file server on 127.0.0.1 that answers every request after a fixed
 * delay: a stand-in for an object store far away (the remote bench case).
 * Absent files are 404, as S3 and GCS answer.
 *
 * @module
 */

/** A running server: its base URL and how to stop it. */
export interface LatencyServer {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

/**
 * Serves `dir` with `delayMs` added to every request.
 *
 * @example
 * ```ts ignore
 * const s = startLatencyServer("data/bench/em.zarr", 20);
 * // ... read s.url ...
 * await s.close();
 * ```
 */
export function startLatencyServer(dir: string, delayMs: number): LatencyServer {
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    count++;
    await new Promise((r) => setTimeout(r, delayMs));
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(dir + path);
      return new Response(body, { headers: { "content-length": String(body.length) } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests: () => count,
    close: () => server.shutdown(),
  };
}
