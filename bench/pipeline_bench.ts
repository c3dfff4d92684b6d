/**
 * The end-to-end sections of `deno task bench`: the process pipeline on
 * cached EM-like arrays (`pipeline`), lamella against the Python peers
 * (`peers`), the largest array inside a 512 MiB memory cgroup (`cgroup`), and
 * the scaling summary over the sizes. Every run is a fresh `tasks/process.ts`
 * process timed end to end, with its peak RSS from GNU time (see
 * bench/peers.ts).
 *
 * @module
 */
import { join } from "node:path";
import { type EmArray, emArrayInfo, ensureEmArray } from "./em_array.ts";
import { startLatencyServer } from "./latency_server.ts";
import {
  CommandError,
  compareStore,
  disagreements,
  histogramFor,
  interleave,
  type LamellaOptions,
  type LamellaResult,
  median,
  type PeerResult,
  peersAvailable,
  runLamella,
  runPeer,
  type StoreComparison,
} from "./peers.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The stages of the benchmark pipeline: the default pipeline's, minus labels (no labels here). */
export const PIPELINE_STAGES: readonly string[] = [
  "stats",
  "histogram: { bins: 1024 }",
  "quantiles: [0.001, 0.01, 0.5, 0.99, 0.999]",
  "peaks: { on: histogram, snr: 3 }",
];

/** One benchmark array: which generated array, under which name. */
export interface BenchCase {
  /** e.g. `int16-zstd-110mib`. */
  case: string;
  mib: number;
  dtype: "int16" | "uint8";
  codec: "zstd" | "gzip";
}

/**
 * The cases for a list of sizes: int16 + Zstd-1 at every size for `zstd`,
 * uint8 + gzip-1 at every size for `gzip`, and for `all` the int16 cases plus
 * the uint8 gzip case at 110 MiB (when 110 is among the sizes, else at the
 * largest size up to 110).
 *
 * @example
 * ```ts
 * import { benchCases } from "./pipeline_bench.ts";
 * const cases = benchCases([13.6, 110], "all").map((c) => c.case);
 * console.assert(cases.join() === "int16-zstd-13.6mib,int16-zstd-110mib,uint8-gzip-110mib");
 * ```
 */
export function benchCases(sizes: readonly number[], codec: "zstd" | "gzip" | "all"): BenchCase[] {
  const make = (mib: number, dtype: "int16" | "uint8", c: "zstd" | "gzip"): BenchCase => ({
    case: `${dtype}-${c}-${mib}mib`,
    mib,
    dtype,
    codec: c,
  });
  if (codec === "gzip") return sizes.map((m) => make(m, "uint8", "gzip"));
  const out = sizes.map((m) => make(m, "int16", "zstd"));
  if (codec === "all") {
    const small = sizes.filter((m) => m <= 110);
    const gzipAt = sizes.includes(110) ? 110 : small.length ? Math.max(...small) : undefined;
    if (gzipAt !== undefined) out.push(make(gzipAt, "uint8", "gzip"));
  }
  return out;
}

/** Generates (or finds in data/bench) the array of a case. */
export function caseArray(c: BenchCase, dir = join(ROOT, "data/bench")): Promise<EmArray> {
  return ensureEmArray({ mib: c.mib, dtype: c.dtype, codec: c.codec, dir });
}

/** Reads every file of a store once, so that every tool starts with the same warm page cache. */
export async function warmPageCache(dir: string): Promise<number> {
  let bytes = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) bytes += await warmPageCache(path);
    else if (e.isFile) bytes += (await Deno.readFile(path)).byteLength;
  }
  return bytes;
}

/** Median, spread and the raw numbers of a list of runs. */
function summary(seconds: number[]): { seconds: number; spread: number; samples: number[] } {
  const m = median(seconds);
  return {
    seconds: m,
    spread: m > 0 ? (Math.max(...seconds) - Math.min(...seconds)) / m : 0,
    samples: seconds,
  };
}

/** One pipeline case: medians over the runs of the whole command. */
export interface PipelineRecord {
  section: "pipeline";
  name: "pipeline";
  case: string;
  dtype: string;
  codec: string;
  shape: number[];
  /** Decoded bytes of the array. */
  bytes: number;
  /** Bytes of its chunk files. */
  storedBytes: number | null;
  /** Median seconds of the whole command (process start to exit). */
  seconds: number;
  /** Median of lamella's own timer (the report's `seconds`: no runtime start-up). */
  selfSeconds: number;
  /** Decoded MB (10^6 bytes) per second of the whole command. */
  mbPerSec: number;
  selfMbPerSec: number;
  /** Largest peak RSS over the runs (GNU time), or null when unmeasured. */
  peakRssBytes: number | null;
  strategy: string;
  runs: number;
  /** (slowest - fastest) / median of the whole-command seconds. */
  spread: number;
  samples: number[];
}

/** Options of {@linkcode benchPipelineCase}. */
export interface PipelineCaseOptions {
  repeat: number;
  lamella?: LamellaOptions;
}

/**
 * Runs the benchmark pipeline ({@link PIPELINE_STAGES}) on a case's array
 * `repeat` times and summarises the runs.
 *
 * @example
 * ```ts ignore
 * import { benchPipelineCase, caseArray } from "./pipeline_bench.ts";
 * const c = { case: "int16-zstd-13.6mib", mib: 13.6, dtype: "int16", codec: "zstd" } as const;
 * const r = await benchPipelineCase(c, await caseArray(c), { repeat: 3 });
 * console.log(r.seconds, r.mbPerSec, r.strategy);
 * ```
 */
export async function benchPipelineCase(
  c: BenchCase,
  em: EmArray,
  options: PipelineCaseOptions,
): Promise<PipelineRecord> {
  const runs: LamellaResult[] = [];
  for (let i = 0; i < options.repeat; i++) {
    runs.push(await runLamella(em.path, { stages: [...PIPELINE_STAGES], ...options.lamella }));
  }
  return pipelineRecord(c, em, runs, (await emArrayInfo(em.path))?.storedBytes ?? null);
}

function pipelineRecord(
  c: BenchCase,
  em: EmArray,
  runs: LamellaResult[],
  storedBytes: number | null,
): PipelineRecord {
  const whole = summary(runs.map((r) => r.seconds));
  const self = median(runs.map((r) => r.selfSeconds));
  const rss = runs.map((r) => r.peakRssBytes).filter((x): x is number => x !== null);
  return {
    section: "pipeline",
    name: "pipeline",
    case: c.case,
    dtype: c.dtype,
    codec: c.codec,
    shape: em.shape,
    bytes: em.bytes,
    storedBytes,
    seconds: whole.seconds,
    selfSeconds: self,
    mbPerSec: em.bytes / 1e6 / whole.seconds,
    selfMbPerSec: em.bytes / 1e6 / self,
    peakRssBytes: rss.length ? Math.max(...rss) : null,
    strategy: [...new Set(runs.map((r) => r.strategy))].join("/"),
    runs: runs.length,
    spread: whole.spread,
    samples: whole.samples,
  };
}

/** lamella against one peer on one case (see `compareStore` in bench/peers.ts). */
export interface PeerRecord {
  section: "peers";
  name: "peer";
  case: string;
  peer: string;
  bytes: number;
  /** Median of lamella/peer per interleaved pair, whole command (below 1: lamella faster). */
  ratio: number;
  /** The same with each tool's own timer (no interpreter start-up or imports). */
  selfRatio: number;
  /** 1 / ratio: how many times faster lamella is. */
  speedup: number;
  lamellaSeconds: number;
  peerSeconds: number;
  lamellaSelfSeconds: number;
  peerSelfSeconds: number;
  lamellaPeakRssBytes: number | null;
  peerPeakRssBytes: number | null;
  /** Whether the peer's stats and histogram equal lamella's; the differences otherwise. */
  agrees: boolean;
  disagreements: string[];
  versions: Record<string, string>;
  /** How the peer was run (its best user's setup). */
  setup: string;
  /** 1-minute load average before and after this case's pairs, and the cores. */
  load: { before: number | null; after: number | null; cores: number };
  runs: number;
  /** (largest - smallest) / median of the per-pair ratios. */
  spread: number;
  /** The per-pair ratios. */
  samples: number[];
}

/** A peer (or the whole section) that did not run, and why. */
export interface SkipRecord {
  section: "peers" | "remote" | "cgroup" | "peaks" | "pipeline";
  name: "skipped";
  case?: string;
  what: string;
  reason: string;
}

/**
 * Makes sure the peers' venv exists, running bench/peers/setup_venv.sh when
 * its interpreter is missing. Returns null when the peers can run, else why not.
 */
export async function ensurePeersVenv(log: (line: string) => void): Promise<string | null> {
  const before = await peersAvailable();
  if (before.some((p) => p.available)) return null;
  log("peers: creating the venv with bench/peers/setup_venv.sh (a one-time download from PyPI)");
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}/bench/peers/setup_venv.sh`],
    stdout: "inherit",
    stderr: "inherit",
  }).output().catch((e) => ({ success: false, code: -1, error: String(e) }));
  if (!out.success) return `bench/peers/setup_venv.sh failed (exit ${out.code})`;
  const after = await peersAvailable();
  return after.some((p) => p.available)
    ? null
    : `no peer can run after setup: ${after.map((p) => `${p.name}: ${p.reason}`).join("; ")}`;
}

/**
 * Runs every available peer against lamella on one case, interleaved, and
 * turns the comparison into one record per peer (plus skip records for peers
 * that cannot run or failed). lamella runs `stats` and the histogram over the
 * dtype's range: the same work as the peers.
 */
export async function benchPeersCase(
  c: BenchCase,
  em: EmArray,
  options: { repeat: number; warmup: number; peers?: string[]; log?: (line: string) => void },
): Promise<{ records: Array<PeerRecord | SkipRecord>; comparison: StoreComparison }> {
  const comparison = await compareStore(em.path, {
    repeat: options.repeat,
    warmup: options.warmup,
    peers: options.peers,
    log: options.log,
  });
  const records: Array<PeerRecord | SkipRecord> = [];
  const chosen = comparison.peers.filter((p) => !options.peers || options.peers.includes(p.name));
  for (const p of chosen.filter((p) => !p.available)) {
    records.push({
      section: "peers",
      name: "skipped",
      case: c.case,
      what: p.name,
      reason: p.reason ?? "unavailable",
    });
  }
  for (const f of comparison.failed) {
    records.push({
      section: "peers",
      name: "skipped",
      case: c.case,
      what: f.name,
      reason: f.error,
    });
  }
  const reference = comparison.pairs.find((p) => p.peer.runs[0].histogram)?.peer.runs[0].histogram;
  for (const p of comparison.pairs) {
    const ratios = p.lamella.runs.map((l, i) => l.seconds / p.peer.runs[i].seconds);
    const r = summary(ratios);
    const hist = p.peer.runs[0].histogram;
    const disagreements = [...p.agreement];
    if (reference && hist && reference.some((v, i) => v !== hist[i])) {
      disagreements.push("histogram differs from the other peers'");
    }
    records.push({
      section: "peers",
      name: "peer",
      case: c.case,
      peer: p.name,
      bytes: comparison.bytes,
      ratio: p.ratio,
      selfRatio: p.selfRatio,
      speedup: 1 / p.ratio,
      lamellaSeconds: p.lamella.seconds,
      peerSeconds: p.peer.seconds,
      lamellaSelfSeconds: p.lamella.selfSeconds,
      peerSelfSeconds: p.peer.selfSeconds,
      lamellaPeakRssBytes: p.lamella.peakRssBytes,
      peerPeakRssBytes: p.peer.peakRssBytes,
      agrees: disagreements.length === 0,
      disagreements,
      versions: p.versions,
      setup: comparison.peers.find((x) => x.name === p.name)?.setup ?? "",
      load: comparison.load,
      runs: ratios.length,
      spread: r.spread,
      samples: ratios,
    });
  }
  return { records, comparison };
}

/** The pipeline inside a memory cgroup, interleaved with the same run outside it. */
export interface CgroupRecord {
  section: "cgroup";
  name: "cgroup";
  case: string;
  limitMib: number;
  bytes: number;
  /** Median seconds inside the cgroup, whole command. */
  seconds: number;
  /** Median seconds of the unconstrained runs interleaved with them. */
  freeSeconds: number;
  /** Median of inside/outside per pair: 1 is the same speed. */
  ratio: number;
  mbPerSec: number;
  strategy: string;
  /** Peak RSS (GNU time) inside the cgroup, and outside. */
  peakRssBytes: number | null;
  freePeakRssBytes: number | null;
  /** The cgroup's own peak usage (page cache included), from in-cgroup's closing line. */
  cgroupPeakBytes: number | null;
  oomKills: number;
  runs: number;
  spread: number;
  samples: number[];
}

/** Where the cgroup tool lives; `LAMELLA_IN_CGROUP` overrides it. */
export function inCgroupTool(): string {
  return Deno.env.get("LAMELLA_IN_CGROUP") ??
    new URL("../tools/in-cgroup", import.meta.url).pathname;
}

function cgroupLine(stderr: string): Record<string, string> {
  const line = stderr.split("\n").findLast((l) => l.startsWith("in-cgroup: ")) ?? "";
  return Object.fromEntries(
    line.slice("in-cgroup: ".length).split(" ").map((kv) => kv.split("=") as [string, string]),
  );
}

/**
 * Runs the benchmark pipeline on a case inside an `limitMib` memory cgroup
 * (through in-cgroup), pair by pair with the same run outside it. Returns a
 * skip record when in-cgroup cannot run here (exit 77) or is missing.
 */
export async function benchCgroupCase(
  c: BenchCase,
  em: EmArray,
  options: { limitMib: number; repeat: number; log?: (line: string) => void },
): Promise<CgroupRecord | SkipRecord> {
  const tool = inCgroupTool();
  const skip = (reason: string): SkipRecord => ({
    section: "cgroup",
    name: "skipped",
    case: c.case,
    what: `in-cgroup ${options.limitMib} MiB`,
    reason,
  });
  try {
    await Deno.stat(tool);
  } catch {
    return skip(`${tool} is missing`);
  }
  const stages = [...PIPELINE_STAGES];
  const inside = () =>
    runLamella(em.path, { stages, wrap: [tool, String(options.limitMib), "--"] });
  const outside = () => runLamella(em.path, { stages });
  try {
    const [pair] = await interleave(
      [{ name: c.case, a: inside, b: outside }],
      options.repeat,
      0,
      (_, side, r) =>
        options.log?.(
          `cgroup ${c.case} ${side === "a" ? `in ${options.limitMib} MiB` : "unlimited"}: ${
            r.seconds.toFixed(2)
          } s`,
        ),
    );
    const runs = pair.a.runs;
    const lines = runs.map((r) => cgroupLine(r.stderrTail));
    const peaks = lines.map((l) => Number(l.peak_mib)).filter((x) => Number.isFinite(x));
    const ratios = runs.map((r, i) => r.seconds / pair.b.runs[i].seconds);
    const r = summary(ratios);
    return {
      section: "cgroup",
      name: "cgroup",
      case: c.case,
      limitMib: options.limitMib,
      bytes: em.bytes,
      seconds: pair.a.seconds,
      freeSeconds: pair.b.seconds,
      ratio: pair.ratio,
      mbPerSec: em.bytes / 1e6 / pair.a.seconds,
      strategy: [...new Set(runs.map((x) => x.strategy))].join("/"),
      peakRssBytes: pair.a.peakRssBytes,
      freePeakRssBytes: pair.b.peakRssBytes,
      cgroupPeakBytes: peaks.length ? Math.max(...peaks) * 2 ** 20 : null,
      oomKills: lines.reduce((n, l) => n + (Number(l.oom_kills) || 0), 0),
      runs: runs.length,
      spread: r.spread,
      samples: runs.map((x) => x.seconds),
    };
  } catch (e) {
    if (e instanceof CommandError && e.code === 77) {
      const why = e.message.split("\n").find((l) => l.startsWith("in-cgroup: skipped")) ??
        "in-cgroup exited 77";
      return skip(why);
    }
    throw e;
  }
}

/** Seconds per MB and peak RSS across the int16 sizes, and the issue's two scaling checks. */
export interface ScalingRecord {
  section: "scaling";
  name: "scaling";
  cases: Array<{
    case: string;
    mb: number;
    secondsPerMb: number;
    selfSecondsPerMb: number;
    peakRssBytes: number | null;
    strategy: string;
  }>;
  /**
   * Own-timer seconds per MB at the size nearest 879.7 MiB over that at the
   * size nearest 13.6 MiB (target <= 1.2); whole-command figure beside it.
   */
  timePerMb: { from: string; to: string; selfRatio: number; wholeRatio: number } | null;
  /** Peak RSS at the largest streaming size over that at the smallest streaming size. */
  rssGrowth: { from: string; to: string; ratio: number } | null;
}

/**
 * The scaling summary of the int16 Zstd pipeline records.
 *
 * @example
 * ```ts
 * import { scalingSummary } from "./pipeline_bench.ts";
 * console.assert(scalingSummary([]).cases.length === 0);
 * ```
 */
export function scalingSummary(records: readonly PipelineRecord[]): ScalingRecord {
  const int16 = records.filter((r) => r.dtype === "int16" && r.codec === "zstd")
    .sort((a, b) => a.bytes - b.bytes);
  const cases = int16.map((r) => ({
    case: r.case,
    mb: r.bytes / 1e6,
    secondsPerMb: r.seconds / (r.bytes / 1e6),
    selfSecondsPerMb: r.selfSeconds / (r.bytes / 1e6),
    peakRssBytes: r.peakRssBytes,
    strategy: r.strategy,
  }));
  const nearest = (mb: number) =>
    cases.length
      ? cases.reduce((best, x) =>
        Math.abs(Math.log(x.mb / mb)) < Math.abs(Math.log(best.mb / mb)) ? x : best
      )
      : undefined;
  const mid = nearest(13.6 * 1.048576);
  const last = nearest(879.7 * 1.048576);
  const streaming = cases.filter((x) => x.strategy === "streaming" && x.peakRssBytes !== null);
  return {
    section: "scaling",
    name: "scaling",
    cases,
    timePerMb: mid && last && mid !== last
      ? {
        from: mid.case,
        to: last.case,
        selfRatio: last.selfSecondsPerMb / mid.selfSecondsPerMb,
        wholeRatio: last.secondsPerMb / mid.secondsPerMb,
      }
      : null,
    rssGrowth: streaming.length >= 2
      ? {
        from: streaming[0].case,
        to: streaming.at(-1)!.case,
        ratio: streaming.at(-1)!.peakRssBytes! / streaming[0].peakRssBytes!,
      }
      : null,
  };
}

/** lamella and a peer reading one store over HTTP with added latency (section `remote`). */
export interface RemoteRecord {
  section: "remote";
  name: "remote";
  case: string;
  peer: string;
  delayMs: number;
  /** Medians over the interleaved runs. */
  lamellaSeconds: number;
  peerSeconds: number;
  lamellaSelfSeconds: number;
  peerSelfSeconds: number;
  /** HTTP requests the server answered over all runs. */
  requests: number;
  agrees: boolean;
  disagreements: string[];
}

/**
 * Serves the case's store from 127.0.0.1 with `delayMs` added per request
 * and runs lamella and TensorStore on its URL, interleaved.
 */
export async function benchRemoteCase(
  c: BenchCase,
  em: EmArray,
  options: { delayMs: number; repeat: number; peersUsable: boolean; log?: (line: string) => void },
): Promise<Array<RemoteRecord | SkipRecord>> {
  const log = options.log ?? (() => {});
  const server = startLatencyServer(em.path, options.delayMs);
  try {
    const peers = options.peersUsable ? await peersAvailable() : [];
    const ts = peers.find((p) => p.name === "tensorstore_read" && p.available);
    if (!ts) {
      return [{
        section: "remote",
        name: "skipped",
        case: c.case,
        what: "tensorstore_read over HTTP",
        reason: "TensorStore is not installed in the bench venv",
      }];
    }
    const histogram = histogramFor("int16", 1024);
    const l: LamellaResult[] = [];
    const p: PeerResult[] = [];
    for (let i = 0; i < options.repeat; i++) {
      l.push(await runLamella(server.url, { histogram }));
      log(`lamella ${l[i].selfSeconds.toFixed(2)} s own`);
      p.push(await runPeer(ts, server.url, histogram));
      log(`tensorstore_read ${p[i].selfSeconds.toFixed(2)} s own`);
    }
    const bad = disagreements(l[0].stats, p[0].stats, {
      lamella: l[0].histogram,
      peer: p[0].histogram,
    });
    return [{
      section: "remote",
      name: "remote",
      case: c.case,
      peer: "tensorstore_read",
      delayMs: options.delayMs,
      lamellaSeconds: median(l.map((r) => r.seconds)),
      peerSeconds: median(p.map((r) => r.seconds)),
      lamellaSelfSeconds: median(l.map((r) => r.selfSeconds)),
      peerSelfSeconds: median(p.map((r) => r.selfSeconds)),
      requests: server.requests(),
      agrees: bad.length === 0,
      disagreements: bad,
    }];
  } finally {
    await server.close();
  }
}
