/**
 * `deno task tune`: measures this machine (decode rate per codec and
 * decoder, kernel rate, local read rate, a remote store's latency) and
 * derives the settings `process` should use, saved in a tune file that
 * `process` reads (and names in its log) on later runs.
 *
 * @module
 */
import * as zlib from "node:zlib";
import { histogram, residentInput, stats } from "../../kernels/mod.ts";
import { zstdCompress } from "../store/codecs.ts";
import { type Compression, createDecoder, type Decoder } from "../store/decoders.ts";
import type { LimitOverrides } from "./settings_env.ts";

/** Where `process` looks for tuned settings unless `LAMELLA_TUNE_FILE` says otherwise. */
export const DEFAULT_TUNE_FILE = ".lamella/tune.json";

/** What `deno task tune` writes. */
export interface TuneFile {
  /** Format version of the file. */
  version: 1;
  /** When the measurements were taken (ISO 8601). */
  measuredAt: string;
  /** Cores the machine had. */
  cores: number;
  /** The decoder that was faster here (`process` uses it unless `LAMELLA_DECODER` is set). */
  decoder: "native" | "node";
  /** Limits `process` takes as its defaults (config, environment and flags still override). */
  limits: LimitOverrides;
  /** Decoded MB/s per codec and decoder, kernel and read rates, remote latency. */
  measurements: Record<string, number>;
}

/** A smooth EM-like 64^3 int16 chunk: what the codecs and kernels are timed on. */
function emChunk(): Uint8Array {
  const n = 64;
  const a = new Int16Array(n * n * n);
  let seed = 7;
  for (let i = 0; i < a.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const z = i >> 12, y = (i >> 6) & 63, x = i & 63;
    a[i] = 2000 + 600 * Math.sin(x / 9) * Math.cos(y / 11) + 8 * z + (seed & 63);
  }
  return new Uint8Array(a.buffer);
}

/** Calls `f` until `seconds` have passed; returns calls per second. */
function rate(f: () => void, seconds = 0.25): number {
  f();
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < seconds * 1000) {
    f();
    calls++;
  }
  return calls / ((performance.now() - t0) / 1000);
}

function decodeRate(d: Decoder, c: Compression, encoded: Uint8Array, bytes: number): number {
  const dst = new Uint8Array(bytes);
  return (rate(() => d.decode(c, encoded, dst)) * bytes) / 1e6;
}

/**
 * Measures the machine and returns the tune file's content. With `url`,
 * also the median latency of 8 GETs of it.
 *
 * @example
 * ```ts ignore
 * import { tune } from "./tune.ts";
 * const t = await tune({});
 * console.log(t.decoder, t.measurements);
 * ```
 */
export async function tune(options: { url?: string; dir?: string }): Promise<TuneFile> {
  const chunk = emChunk();
  const m: Record<string, number> = {};
  const encoded: Record<string, Uint8Array> = {
    zstd: zstdCompress(chunk, 1),
    gzip: zlib.gzipSync(chunk, { level: 1 }),
  };
  const decoders: Array<["native" | "node", Decoder]> = [["node", createDecoder("node")]];
  try {
    decoders.push(["native", createDecoder("native")]);
  } catch {
    // No FFI or no libzstd here: only node:zlib is measured.
  }
  for (const [name, d] of decoders) {
    for (const c of ["zstd", "gzip"] as const) {
      m[`decode.${c}.${name}MBps`] = decodeRate(d, c, encoded[c], chunk.length);
    }
  }
  const view = residentInput("int16", chunk.length / 2, 1 << 21) as Int16Array;
  new Uint8Array(view.buffer, view.byteOffset, chunk.length).set(chunk);
  m["kernel.statsMBps"] = (rate(() => stats(view, "int16")) * chunk.length) / 1e6;
  m["kernel.histogramMBps"] =
    (rate(() => histogram(view, "int16", { bins: 1024, lo: -32768, hi: 32768 })) * chunk.length) /
    1e6;
  const dir = options.dir ?? await Deno.makeTempDir();
  const file = `${dir}/tune-read-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(file, encoded.zstd);
    const buffer = new Uint8Array(chunk.length);
    m["read.localMBps"] = (rate(() => {
      const f = Deno.openSync(file);
      f.readSync(buffer);
      f.close();
    }) * encoded.zstd.length) / 1e6;
  } finally {
    await Deno.remove(file).catch(() => {});
  }
  const limits: LimitOverrides = {};
  if (options.url) {
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const reply = await fetch(options.url);
      await reply.arrayBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    m["remote.latencyMs"] = (times[3] + times[4]) / 2;
    limits.remoteLatencyMs = Math.round(m["remote.latencyMs"] * 10) / 10;
  }
  const native = m["decode.zstd.nativeMBps"] ?? 0;
  return {
    version: 1,
    measuredAt: new Date().toISOString(),
    cores: navigator.hardwareConcurrency,
    decoder: native > m["decode.zstd.nodeMBps"] ? "native" : "node",
    limits,
    measurements: Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k, Math.round(v * 10) / 10]),
    ),
  };
}

/**
 * Reads a tune file written by `deno task tune`, or returns undefined when
 * there is none. A file that is not a tune file is an error naming it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readTuneFile } from "./tune.ts";
 * assertEquals((await readTuneFile("/nonexistent/tune.json")), undefined);
 * ```
 */
export async function readTuneFile(path: string): Promise<TuneFile | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as TuneFile;
  if (parsed?.version !== 1 || typeof parsed.limits !== "object") {
    throw new Error(`${path}: not a tune file written by deno task tune (delete it or rerun tune)`);
  }
  return parsed;
}
