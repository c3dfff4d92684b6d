/**
 * lamella against the Python stack (issue 8): runs lamella and the Python
 * peers in bench/peers/ on one Zarr array, pair by pair and interleaved
 * (A B A B, so drift in the machine cancels), and checks that they agree.
 *
 * Every run is a fresh process timed end to end (the whole command: runtime
 * start-up, imports, reading, reducing). Each tool also times itself (peers:
 * their own timer after imports; lamella: the report's `seconds`), so both
 * figures are kept. Peak RSS is measured the same way for every command: GNU
 * time's `%M` (the `ru_maxrss` of the waited-for child, from wait4), because
 * it is taken by the kernel after the process has exited and needs nothing
 * from the measured program; Deno cannot read its own peak RSS, and polling
 * `/proc/<pid>/status` for VmHWM can miss the last moments before exit. When
 * `/usr/bin/time` is missing (`apt-get install time`), that polling is the
 * fallback and the figure is marked as a lower bound.
 *
 * The peers need the venv that `bash bench/peers/setup_venv.sh` creates in
 * data/bench/venv.
 *
 * Usage:
 *   deno run -A bench/peers.ts --store PATH [--repeat N] [--warmup N] [--bins N]
 *                              [--no-histogram] [--peers a,b] [--json FILE] [--quiet]
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const PEERS_DIR = `${ROOT}/bench/peers`;
/** GNU time; `LAMELLA_GNU_TIME=/nonexistent` forces the /proc polling fallback. */
function gnuTime(): string {
  return Deno.env.get("LAMELLA_GNU_TIME") ?? "/usr/bin/time";
}

/** Names of the Python peers (scripts in bench/peers/). */
export type PeerName =
  | "numpy_threads"
  | "numpy_1thread"
  | "zarr2_threads"
  | "decode_limit"
  | "dask_array"
  | "zarrs_pipeline"
  | "tensorstore_read";

/** A peer: its script, interpreter, the modules it imports and how it is set up. */
export interface PeerSpec {
  name: PeerName;
  script: string;
  args?: readonly string[];
  /** `venv` (data/bench/venv, PyPI) or `system` (Debian's /usr/bin/python3 and python3-* packages). */
  python?: "venv" | "system";
  modules: readonly string[];
  /** How its best user would run it, as the bench prints it. */
  setup: string;
  /** False for the decode limit: it decodes and computes nothing. */
  reduces: boolean;
}

/**
 * Every peer, each configured as its best user would run it: all cores,
 * buffers reused, the fastest obvious NumPy calls.
 */
export const PEERS: readonly PeerSpec[] = [
  {
    name: "numpy_threads",
    script: "numpy_threads.py",
    modules: ["numpy", "zarr"],
    setup:
      "zarr 3 + NumPy chunk loop on all cores (a thread per contiguous chunk list, persistent buffers, np.bincount)",
    reduces: true,
  },
  {
    name: "numpy_1thread",
    script: "numpy_threads.py",
    args: ["--threads", "1"],
    modules: ["numpy", "zarr"],
    setup: "the same zarr 3 + NumPy loop on 1 thread",
    reduces: true,
  },
  {
    name: "zarr2_threads",
    script: "numpy_threads.py",
    python: "system",
    modules: ["numpy", "zarr", "numcodecs"],
    setup: "Debian's zarr 2 + NumPy, the same loop on all cores",
    reduces: true,
  },
  {
    name: "decode_limit",
    script: "decode_limit.py",
    modules: ["numpy", "numcodecs"],
    setup: "every chunk file decoded by numcodecs (libzstd/zlib) on all cores, no reduction",
    reduces: false,
  },
  {
    name: "dask_array",
    script: "dask_array.py",
    modules: ["numpy", "zarr", "dask.array"],
    setup: "da.from_zarr with 64 MiB chunks, one da.compute on the threaded scheduler, all cores",
    reduces: true,
  },
  {
    name: "zarrs_pipeline",
    script: "zarrs_pipeline.py",
    modules: ["numpy", "zarr", "zarrs"],
    setup:
      "zarr 3 with the zarrs codec pipeline reading 64 MiB blocks (Rust threads), NumPy reducing on all cores",
    reduces: true,
  },
  {
    name: "tensorstore_read",
    script: "tensorstore_read.py",
    modules: ["numpy", "tensorstore"],
    setup: "TensorStore reading 64 MiB blocks (its own concurrency), NumPy reducing on all cores",
    reduces: true,
  },
];

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** Whether a peer can run here, and with which interpreter. */
export interface PeerInfo {
  name: PeerName;
  script: string;
  args: readonly string[];
  python: string;
  setup: string;
  reduces: boolean;
  available: boolean;
  /** Why not, when it is not available. */
  reason?: string;
}

/** The statistics every tool reports (lamella's `stats` shape). */
export interface Stats {
  count: number;
  nanCount: number;
  min: number | null;
  max: number | null;
  sum: number | null;
  mean: number | null;
  std: number | null;
}

/** The histogram every tool computes: `bins` equal bins over `[range[0], range[1])`. */
export interface HistogramSpec {
  bins: number;
  range: [number, number];
}

const V2_DTYPES: Record<string, string> = {
  b1: "bool",
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
};

/**
 * The data type of the array whose `.zarray` (v2) or `zarr.json` (v3) is at
 * the root of `storePath`, as a v3 name ("int16").
 *
 * @example
 * ```ts ignore
 * import { arrayDtype } from "./peers.ts";
 * console.log(await arrayDtype("/tmp/int16.zarr")); // "int16"
 * ```
 */
export async function arrayDtype(storePath: string): Promise<string> {
  try {
    const v3 = JSON.parse(await Deno.readTextFile(`${storePath}/zarr.json`));
    if (v3.node_type !== "array") throw new TypeError(`${storePath} is a group, not an array`);
    return String(v3.data_type);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const v2 = JSON.parse(await Deno.readTextFile(`${storePath}/.zarray`));
  const dtype = V2_DTYPES[String(v2.dtype).slice(1)];
  if (!dtype) throw new TypeError(`${storePath}: unsupported dtype ${v2.dtype}`);
  return dtype;
}

/**
 * The histogram of the benchmark job for a dtype: 256 bins over [0, 256) for
 * uint8 (and [-128, 128) for int8), otherwise `bins` (default 1024) over the
 * integer dtype's range, e.g. [-32768, 32768) for int16. Floats and 64-bit
 * integers have no fixed range to share, so null: no histogram.
 *
 * @example
 * ```ts
 * import { histogramFor } from "./peers.ts";
 * console.assert(histogramFor("int16")?.range[0] === -32768);
 * console.assert(histogramFor("uint8")?.bins === 256);
 * console.assert(histogramFor("float32") === null);
 * ```
 */
export function histogramFor(dtype: string, bins?: number): HistogramSpec | null {
  const ranges: Record<string, [number, number]> = {
    int8: [-128, 128],
    uint8: [0, 256],
    int16: [-32768, 32768],
    uint16: [0, 65536],
    int32: [-(2 ** 31), 2 ** 31],
    uint32: [0, 2 ** 32],
  };
  const range = ranges[dtype];
  if (!range || bins === 0) return null;
  return { bins: bins ?? (dtype.endsWith("int8") ? 256 : 1024), range };
}

/** One timed run of a command. */
export interface Measurement {
  /** The whole command, spawn to exit. */
  seconds: number;
  /** The tool's own timer: a peer's after its imports, lamella's report `seconds`. */
  selfSeconds: number;
  /** Peak resident set of the process, or null when it could not be measured. */
  peakRssBytes: number | null;
  /** `time` (GNU time, exact) or `proc-poll` (VmHWM polled: a lower bound). */
  peakRssSource: "time" | "proc-poll" | "none";
  stats: Stats;
  /** Histogram counts, when the tool computed one. */
  histogram?: number[];
}

/** One run of a Python peer. */
export interface PeerResult extends Measurement {
  peer: PeerName;
  /** Peak RSS the peer reported itself (`ru_maxrss` of RUSAGE_SELF). */
  selfPeakRssBytes: number;
  histogramSum: number | null;
  versions: Record<string, string>;
  /** The JSON line as printed. */
  raw: Record<string, unknown>;
}

/** One run of `tasks/process.ts`. */
export interface LamellaResult extends Measurement {
  strategy: string;
  dtype: string;
  shape: number[];
  /** Decoded size of the array in bytes. */
  bytes: number;
  version: string;
  /** The last lines of the command's stderr (e.g. in-cgroup's closing line). */
  stderrTail: string;
}

/**
 * A measured command that exited unsuccessfully; `code` is its exit status
 * (77 from in-cgroup means "cannot run here", not a failure of lamella).
 *
 * @example
 * ```ts
 * import { CommandError } from "./peers.ts";
 * const e = new CommandError("lamella exited with 77", 77);
 * console.assert(e.code === 77 && e instanceof Error);
 * ```
 */
export class CommandError extends Error {
  /** Exit status of the command. */
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

/** Options of {@link runLamella}. */
export interface LamellaOptions {
  /** Run the histogram stage with these bins; without it only `stats` runs. */
  histogram?: HistogramSpec | null;
  /** Extra flags for tasks/process.ts, e.g. `["--workers", "1"]`. */
  args?: string[];
  /** Extra environment, e.g. `{ MEMORY_LIMIT_MB: "512" }`. */
  env?: Record<string, string>;
  /** Deno executable; default the running one. */
  deno?: string;
  /**
   * Stage entries of the pipeline file, as YAML list items without the dash
   * (e.g. `"quantiles: [0.5]"`); they replace `stats` and `histogram`.
   */
  stages?: string[];
  /** A command that runs lamella, e.g. `["tools/in-cgroup", "512", "--"]`. */
  wrap?: string[];
}

/**
 * The interpreter of the benchmark venv (data/bench/venv), or `LAMELLA_PEERS_PYTHON`.
 *
 * @example
 * ```ts
 * import { venvPython } from "./peers.ts";
 * console.assert(venvPython().endsWith("python"));
 * ```
 */
export function venvPython(): string {
  return Deno.env.get("LAMELLA_PEERS_PYTHON") ?? `${ROOT}/data/bench/venv/bin/python`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which peers can run: the venv's interpreter exists and imports each peer's
 * modules.
 *
 * @example
 * ```ts ignore
 * import { peersAvailable } from "./peers.ts";
 * for (const p of await peersAvailable()) console.log(p.name, p.available, p.reason ?? "");
 * ```
 */
export async function peersAvailable(python = venvPython()): Promise<PeerInfo[]> {
  return await Promise.all(PEERS.map(async (p) => {
    const interpreter = p.python === "system" ? "/usr/bin/python3" : python;
    const info = (available: boolean, reason?: string): PeerInfo => ({
      name: p.name,
      script: `${PEERS_DIR}/${p.script}`,
      args: p.args ?? [],
      python: interpreter,
      setup: p.setup,
      reduces: p.reduces,
      available,
      ...(reason ? { reason } : {}),
    });
    if (!(await exists(interpreter))) {
      return info(
        false,
        p.python === "system"
          ? `${interpreter} is missing; apt-get install python3 python3-zarr`
          : `${interpreter} is missing; run: bash bench/peers/setup_venv.sh`,
      );
    }
    const out = await new Deno.Command(interpreter, {
      args: ["-c", p.modules.map((m) => `import ${m}`).join("; ")],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success) return info(true);
    const last = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "";
    const hint = p.python === "system" ? " (apt-get install python3-zarr)" : "";
    return info(false, `cannot import ${p.modules.join(", ")}: ${last}${hint}`);
  }));
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssBytes: number | null;
  peakRssSource: Measurement["peakRssSource"];
}

/** VmHWM of a live process in bytes, or undefined once it has gone. */
async function vmHwm(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return kib ? Number(kib[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion, timing it and measuring its peak RSS. */
async function spawnMeasured(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Spawned> {
  const time = gnuTime();
  const useTime = await exists(time);
  const rssFile = useTime ? await Deno.makeTempFile({ prefix: "lamella-rss-" }) : "";
  const [file, argv] = useTime ? [time, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  try {
    const t0 = performance.now();
    const child = new Deno.Command(file, {
      args: argv,
      cwd: options.cwd,
      env: options.env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Without GNU time: the largest VmHWM seen while the process lived.
    const polled: { max: number | null } = { max: null };
    let polling = !useTime;
    const poller = (async () => {
      while (polling) {
        const hwm = await vmHwm(child.pid);
        if (hwm !== undefined) polled.max = Math.max(polled.max ?? 0, hwm);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const out = await child.output();
    const seconds = (performance.now() - t0) / 1000;
    polling = false;
    await poller;
    let peakRssBytes = polled.max;
    if (useTime) {
      const kib = Number((await Deno.readTextFile(rssFile)).trim().split("\n").pop());
      peakRssBytes = Number.isFinite(kib) && kib > 0 ? kib * 1024 : null;
    }
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      seconds,
      peakRssBytes,
      peakRssSource: peakRssBytes === null ? "none" : useTime ? "time" : "proc-poll",
    };
  } finally {
    if (rssFile) await Deno.remove(rssFile).catch(() => {});
  }
}

function tail(text: string, lines = 8): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/**
 * Runs one peer on the array at `storePath` (its root holds `.zarray` or
 * `zarr.json`) and parses the JSON line it prints. With `histogram` null the
 * peer computes no histogram; left out, the peer picks the same default as
 * {@link histogramFor}.
 *
 * @example
 * ```ts ignore
 * import { runPeer } from "./peers.ts";
 * const r = await runPeer("numpy_loop", "/tmp/int16.zarr", { bins: 1024, range: [-32768, 32768] });
 * console.log(r.seconds, r.selfSeconds, r.stats.mean);
 * ```
 */
export async function runPeer(
  peer: PeerInfo | PeerName,
  storePath: string,
  histogram?: HistogramSpec | null,
): Promise<PeerResult> {
  const info = typeof peer === "string"
    ? (await peersAvailable()).find((p) => p.name === peer)!
    : peer;
  const name = info.name;
  const args = [
    info.script,
    ...info.args,
    "--store",
    isUrl(storePath) ? storePath : resolve(storePath),
  ];
  if (histogram === null) args.push("--bins", "0");
  else if (histogram) {
    // `--range=` form: argparse would take "-32768,..." for an option.
    args.push("--bins", String(histogram.bins), `--range=${histogram.range.join(",")}`);
  }
  const run = await spawnMeasured(info.python, args, { cwd: PEERS_DIR });
  const line = run.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (run.code !== 0 || line === undefined) {
    throw new Error(`peer ${name} on ${storePath} exited with ${run.code}:\n${tail(run.stderr)}`);
  }
  const raw = JSON.parse(line) as Record<string, unknown>;
  return {
    peer: name,
    seconds: run.seconds,
    selfSeconds: raw.seconds as number,
    peakRssBytes: run.peakRssBytes,
    peakRssSource: run.peakRssSource,
    selfPeakRssBytes: raw.peakRssBytes as number,
    stats: (raw.stats ?? null) as Stats,
    ...(Array.isArray(raw.histogram) ? { histogram: raw.histogram as number[] } : {}),
    histogramSum: (raw.histogramSum as number | null) ?? null,
    versions: (raw.versions ?? {}) as Record<string, string>,
    raw,
  };
}

/**
 * Runs `deno run -A tasks/process.ts --config <tmp>/pipeline.yaml --source
 * <storePath> --out <tmp> --quiet` as a subprocess, timed end to end, and
 * reads its report. The pipeline file runs `stats`, plus `histogram` with a
 * fixed range when `opts.histogram` is given (a fixed range also spares the
 * statistics pre-pass the stage makes otherwise). The store must hold exactly
 * one array.
 *
 * @example
 * ```ts ignore
 * import { runLamella } from "./peers.ts";
 * const r = await runLamella("/tmp/int16.zarr", {});
 * console.log(r.strategy, r.seconds, r.selfSeconds, r.peakRssBytes);
 * ```
 */
export async function runLamella(
  storePath: string,
  opts: LamellaOptions = {},
): Promise<LamellaResult> {
  const out = await Deno.makeTempDir({ prefix: "lamella-peers-" });
  try {
    const stages = opts.stages ? opts.stages.map((s) => `  - ${s}`) : ["  - stats"];
    if (opts.histogram && !opts.stages) {
      const { bins, range } = opts.histogram;
      stages.push(`  - histogram: { bins: ${bins}, range: [${range[0]}, ${range[1]}] }`);
    }
    await Deno.writeTextFile(
      `${out}/pipeline.yaml`,
      ["stages:", ...stages, "output: { dir: out, formats: [json] }", ""].join("\n"),
    );
    const args = [
      "run",
      "-A",
      // The same runtime flags as `deno task process` (deno.json).
      "--v8-flags=--expose-gc",
      `${ROOT}/tasks/process.ts`,
      "--config",
      `${out}/pipeline.yaml`,
      "--source",
      isUrl(storePath) ? storePath : resolve(storePath),
      "--out",
      out,
      "--quiet",
      ...(opts.args ?? []),
    ];
    const deno = opts.deno ?? Deno.execPath();
    const [cmd, ...argv] = opts.wrap?.length ? [...opts.wrap, deno, ...args] : [deno, ...args];
    const run = await spawnMeasured(cmd, argv, {
      cwd: ROOT,
      env: { NO_COLOR: "1", ...opts.env },
    });
    if (run.code !== 0) {
      throw new CommandError(
        `lamella on ${storePath} exited with ${run.code}:\n${tail(run.stderr)}`,
        run.code,
      );
    }
    const report = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
    const arrays = report.arrays as Array<Record<string, unknown>>;
    if (arrays.length !== 1) {
      throw new Error(`${storePath}: expected one array, lamella found ${arrays.length}`);
    }
    const a = arrays[0];
    const hist = a.histogram as { counts?: number[] } | number[] | undefined;
    const histogram = Array.isArray(hist) ? hist : hist?.counts;
    return {
      seconds: run.seconds,
      selfSeconds: report.seconds,
      peakRssBytes: run.peakRssBytes,
      peakRssSource: run.peakRssSource,
      strategy: a.strategy as string,
      dtype: a.dtype as string,
      shape: a.shape as number[],
      bytes: a.bytes as number,
      version: report.version,
      stderrTail: tail(run.stderr, 4),
      stats: a.stats as Stats,
      ...(histogram ? { histogram } : {}),
    };
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One case of {@link interleave}: two commands to compare, A (lamella) and B (a peer). */
export interface Pair<A extends Measurement, B extends Measurement> {
  name: string;
  a: () => Promise<A>;
  b: () => Promise<B>;
}

/** Medians of one side of a pair. */
export interface SideSummary<T extends Measurement> {
  seconds: number;
  selfSeconds: number;
  peakRssBytes: number | null;
  runs: T[];
}

/** What {@link interleave} found for one pair. */
export interface PairSummary<A extends Measurement, B extends Measurement> {
  name: string;
  a: SideSummary<A>;
  b: SideSummary<B>;
  /** Median over the repeats of a/b, whole command (below 1: A is faster). */
  ratio: number;
  /** Median over the repeats of a/b, each tool's own timer. */
  selfRatio: number;
}

function summarize<T extends Measurement>(runs: T[]): SideSummary<T> {
  const rss = runs.map((r) => r.peakRssBytes).filter((x): x is number => x !== null);
  return {
    seconds: median(runs.map((r) => r.seconds)),
    selfSeconds: median(runs.map((r) => r.selfSeconds)),
    peakRssBytes: rss.length ? Math.max(...rss) : null,
    runs,
  };
}

/**
 * Runs each pair `warmup` times unmeasured, then A B A B ... `repeat` times,
 * and returns per-pair medians and the median of the per-repeat ratios A/B,
 * so slow drift of the machine (thermal, other tenants) cancels pairwise.
 *
 * @example
 * ```ts
 * import { interleave } from "./peers.ts";
 * const m = (s: number) => async () => ({
 *   seconds: s, selfSeconds: s / 2, peakRssBytes: 1, peakRssSource: "none" as const,
 *   stats: { count: 0, nanCount: 0, min: null, max: null, sum: 0, mean: null, std: null },
 * });
 * const [r] = await interleave([{ name: "x", a: m(1), b: m(4) }], 3, 0);
 * console.assert(r.ratio === 0.25 && r.a.runs.length === 3);
 * ```
 */
export async function interleave<A extends Measurement, B extends Measurement>(
  pairs: Pair<A, B>[],
  repeat: number,
  warmup = 1,
  onRun?: (pair: string, side: "a" | "b", run: Measurement) => void,
): Promise<PairSummary<A, B>[]> {
  const out: PairSummary<A, B>[] = [];
  for (const pair of pairs) {
    for (let i = 0; i < warmup; i++) {
      await pair.a();
      await pair.b();
    }
    const as: A[] = [];
    const bs: B[] = [];
    for (let i = 0; i < repeat; i++) {
      as.push(await pair.a());
      onRun?.(pair.name, "a", as[i]);
      bs.push(await pair.b());
      onRun?.(pair.name, "b", bs[i]);
    }
    out.push({
      name: pair.name,
      a: summarize(as),
      b: summarize(bs),
      ratio: median(as.map((a, i) => a.seconds / bs[i].seconds)),
      selfRatio: median(as.map((a, i) => a.selfSeconds / bs[i].selfSeconds)),
    });
  }
  return out;
}

function close(a: number | null, b: number | null, rel: number): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) || a === b;
}

/**
 * Differences between a peer's results and lamella's: count, NaN count, min,
 * max and sum must be equal, mean and std equal within `rel` (relative), and
 * histograms equal bin for bin when both have one. Float sums are not exact
 * in any tool (each sums in its own order), so with `float` set the sum only
 * has to agree within `rel`. Empty when they agree.
 *
 * @example
 * ```ts
 * import { disagreements } from "./peers.ts";
 * const s = { count: 2, nanCount: 0, min: 1, max: 3, sum: 4, mean: 2, std: 1 };
 * console.assert(disagreements(s, { ...s, std: 1 + 1e-12 }).length === 0);
 * console.assert(disagreements(s, { ...s, sum: 5 })[0].startsWith("sum"));
 * ```
 */
export function disagreements(
  lamella: Stats,
  peer: Stats,
  options: { lamella?: number[]; peer?: number[]; float?: boolean; rel?: number } = {},
): string[] {
  const rel = options.rel ?? 1e-9;
  const out: string[] = [];
  const exact: (keyof Stats)[] = ["count", "nanCount", "min", "max"];
  const near: ("mean" | "std" | "sum")[] = ["mean", "std"];
  if (options.float) near.push("sum");
  else exact.push("sum");
  for (const key of exact) {
    if (lamella[key] !== peer[key]) out.push(`${key}: lamella ${lamella[key]}, peer ${peer[key]}`);
  }
  for (const key of near) {
    if (!close(lamella[key], peer[key], rel)) {
      out.push(`${key}: lamella ${lamella[key]}, peer ${peer[key]} (beyond ${rel} relative)`);
    }
  }
  const [h1, h2] = [options.lamella, options.peer];
  if (h1 && h2) {
    if (h1.length !== h2.length) out.push(`histogram: ${h1.length} bins vs ${h2.length}`);
    else {
      const bad = h1.findIndex((c, i) => c !== h2[i]);
      if (bad >= 0) out.push(`histogram bin ${bad}: ${h1[bad]} vs ${h2[bad]}`);
    }
  }
  return out;
}

/** The 1-minute load average from /proc/loadavg, or null where there is none. */
async function loadAverage(): Promise<number | null> {
  try {
    // Deno.loadavg needs only --allow-sys; /proc is readable only with -A in Deno 2.
    return Math.round(Deno.loadavg()[0] * 100) / 100;
  } catch {
    try {
      return Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
    } catch {
      return null;
    }
  }
}

/** Bytes of every file under `dir` (the array's size on disk). */
export async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) total += await bytesOnDisk(path);
    else if (e.isFile) total += (await Deno.stat(path)).size;
  }
  return total;
}

/** Everything one standalone run measured, as written by `--json`. */
export interface StoreComparison {
  store: string;
  dtype: string;
  shape: number[];
  bytes: number;
  bytesOnDisk: number;
  repeat: number;
  /** The histogram every tool computed, or null for none. */
  histogram: HistogramSpec | null;
  /** 1-minute load average before and after, and the cores: other work on the machine. */
  load: { before: number | null; after: number | null; cores: number };
  peers: PeerInfo[];
  pairs: Array<
    Omit<PairSummary<LamellaResult, PeerResult>, "a" | "b"> & {
      lamella: SideSummary<LamellaResult>;
      peer: SideSummary<PeerResult>;
      versions: Record<string, string>;
      agreement: string[];
    }
  >;
  /** Peers that failed (or whose lamella run failed), with the error. */
  failed: Array<{ name: string; error: string }>;
}

/**
 * Benchmarks lamella against every available peer on one store.
 *
 * @example
 * ```ts ignore
 * import { compareStore } from "./peers.ts";
 * const c = await compareStore("/tmp/int16.zarr", { repeat: 3 });
 * console.log(c.pairs.map((p) => [p.name, p.ratio]));
 * ```
 */
export async function compareStore(
  store: string,
  options: {
    repeat?: number;
    warmup?: number;
    /** Histogram bins (0: no histogram); the range is the dtype's, see {@link histogramFor}. */
    bins?: number;
    peers?: string[];
    lamella?: LamellaOptions;
    log?: (line: string) => void;
  } = {},
): Promise<StoreComparison> {
  const log = options.log ?? (() => {});
  const repeat = options.repeat ?? 3;
  const peers = await peersAvailable();
  const chosen = peers.filter((p) => !options.peers || options.peers.includes(p.name));
  for (const p of chosen) if (!p.available) log(`skipping ${p.name}: ${p.reason}`);
  const dtype = await arrayDtype(store);
  const histogram = histogramFor(dtype, options.bins);
  const loadBefore = await loadAverage();
  const lamella = () => runLamella(store, { histogram, ...options.lamella });
  const summaries: PairSummary<LamellaResult, PeerResult>[] = [];
  const failed: StoreComparison["failed"] = [];
  // One pair at a time, so a peer that fails costs only its own row.
  for (const p of chosen.filter((p) => p.available)) {
    try {
      summaries.push(
        ...await interleave(
          [{ name: p.name, a: lamella, b: () => runPeer(p, store, histogram) }],
          repeat,
          options.warmup ?? 1,
          (pair, side, r) =>
            log(
              `${side === "a" ? "lamella" : pair}: ${r.seconds.toFixed(2)} s whole, ${
                r.selfSeconds.toFixed(2)
              } s own timer`,
            ),
        ),
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log(`${p.name} failed: ${error}`);
      failed.push({ name: p.name, error });
    }
  }
  const first = summaries[0]?.a.runs[0];
  return {
    store,
    dtype: first?.dtype ?? dtype,
    shape: first?.shape ?? [],
    bytes: first?.bytes ?? 0,
    bytesOnDisk: await bytesOnDisk(store),
    repeat,
    load: { before: loadBefore, after: await loadAverage(), cores: navigator.hardwareConcurrency },
    histogram,
    peers,
    failed,
    pairs: summaries.map((s) => {
      const agreement = new Set<string>();
      // The decode limit computes nothing: there is nothing to agree on.
      const reduces = peers.find((p) => p.name === s.name)?.reduces ?? true;
      for (const l of reduces ? s.a.runs : []) {
        for (const p of s.b.runs) {
          for (
            const d of disagreements(l.stats, p.stats, {
              lamella: l.histogram,
              peer: p.histogram,
              float: l.dtype.startsWith("float"),
            })
          ) agreement.add(d);
        }
      }
      // The range is the integer dtype's, so every value lands in a bin.
      for (const p of reduces ? s.b.runs : []) {
        const count = s.a.runs[0].stats.count;
        if (histogram && p.histogramSum !== count) {
          agreement.add(`histogram holds ${p.histogramSum} values, count is ${count}`);
        }
      }
      // Peers' histograms are checked against each other in formatComparison.
      return {
        name: s.name,
        ratio: s.ratio,
        selfRatio: s.selfRatio,
        lamella: s.a,
        peer: s.b,
        versions: s.b.runs[0].versions,
        agreement: [...agreement],
      };
    }),
  };
}

function mbps(bytes: number, seconds: number): string {
  return (bytes / 1e6 / seconds).toFixed(1);
}

function mib(bytes: number | null): string {
  return bytes === null ? "-" : (bytes / 2 ** 20).toFixed(0);
}

/**
 * A plain-text table of a comparison: one row for lamella (medians over all
 * its runs) and one per peer, with the pairwise ratios lamella/peer.
 *
 * @example
 * ```ts
 * import { formatComparison } from "./peers.ts";
 * const text = formatComparison({
 *   store: "x", dtype: "int16", shape: [1], bytes: 2, bytesOnDisk: 1, repeat: 1, histogram: null,
 *   load: { before: null, after: null, cores: 2 }, peers: [], pairs: [], failed: [],
 * });
 * console.assert(text.includes("tool"));
 * ```
 */
export function formatComparison(c: StoreComparison): string {
  const header = [
    "tool",
    "whole s",
    "own s",
    "MB/s whole",
    "MB/s own",
    "peak RSS MiB",
    "lamella in pair whole/own s",
    "lamella/peer whole",
    "lamella/peer own",
    "agrees",
  ];
  const lamellaRuns = c.pairs.flatMap((p) => p.lamella.runs);
  const rows: string[][] = [];
  if (lamellaRuns.length) {
    const s = summarize(lamellaRuns);
    rows.push([
      `lamella (${lamellaRuns[0].strategy})`,
      s.seconds.toFixed(2),
      s.selfSeconds.toFixed(2),
      mbps(c.bytes, s.seconds),
      mbps(c.bytes, s.selfSeconds),
      mib(s.peakRssBytes),
      "",
      "",
      "",
      "",
    ]);
  }
  const reference = c.pairs.find((p) => p.peer.runs[0].histogram)?.peer.runs[0];
  for (const p of c.pairs) {
    const peerHist = p.peer.runs[0].histogram;
    const histOk = !reference?.histogram || !peerHist ||
      reference.histogram.every((v, i) => v === peerHist[i]);
    const agrees = p.agreement.length === 0 && histOk;
    rows.push([
      p.name,
      p.peer.seconds.toFixed(2),
      p.peer.selfSeconds.toFixed(2),
      mbps(c.bytes, p.peer.seconds),
      mbps(c.bytes, p.peer.selfSeconds),
      mib(p.peer.peakRssBytes),
      `${p.lamella.seconds.toFixed(2)}/${p.lamella.selfSeconds.toFixed(2)}`,
      p.ratio.toFixed(2),
      p.selfRatio.toFixed(2),
      agrees ? "yes" : "NO",
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ");
  const out = [
    `${c.store}: ${c.dtype} ${c.shape.join("x")}, ${(c.bytes / 2 ** 20).toFixed(1)} MiB decoded, ${
      (c.bytesOnDisk / 2 ** 20).toFixed(1)
    } MiB on disk; medians of ${c.repeat} interleaved runs; ratios are medians of per-pair ratios` +
    (c.histogram
      ? `; histogram ${c.histogram.bins} bins over [${c.histogram.range.join(", ")})`
      : "; no histogram"),
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ];
  for (const f of c.failed) {
    // The line that names the error, not the last frame of a stack trace.
    const lines = f.error.split("\n").map((l) => l.trim()).filter(Boolean);
    const line = lines.findLast((l) => /error/i.test(l) && !/^at /.test(l)) ?? lines.at(-1);
    out.push(`pair with ${f.name} FAILED: ${line}`);
  }
  for (const p of c.pairs) {
    for (const d of p.agreement) out.push(`${p.name} disagrees with lamella: ${d}`);
    const peerHist = p.peer.runs[0].histogram;
    if (reference?.histogram && peerHist && reference.peer !== p.name) {
      const bad = reference.histogram.findIndex((v, i) => v !== peerHist[i]);
      if (bad >= 0) out.push(`${p.name} histogram differs from ${reference.peer} at bin ${bad}`);
    }
  }
  const versions = new Map<string, string>();
  for (const p of c.pairs) for (const [k, v] of Object.entries(p.versions)) versions.set(k, v);
  if (lamellaRuns.length) versions.set("lamella", lamellaRuns[0].version);
  versions.set("deno", Deno.version.deno);
  out.push(`versions: ${[...versions].map(([k, v]) => `${k} ${v}`).join(", ")}`);
  const { before, after, cores } = c.load;
  if (before !== null && after !== null) {
    out.push(
      `load average (1 min): ${before} before, ${after} after, on ${cores} cores` +
        (Math.max(before, after) > cores / 2 ? ": other work was running; expect noise" : ""),
    );
  }
  const rss = c.pairs[0]?.peer.runs[0].peakRssSource;
  if (rss && rss !== "time") out.push(`peak RSS from ${rss} (lower bound)`);
  return out.join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      store: { type: "string" },
      repeat: { type: "string", default: "3" },
      warmup: { type: "string", default: "1" },
      bins: { type: "string" },
      "no-histogram": { type: "boolean" },
      peers: { type: "string" },
      json: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help || !values.store) {
    console.log(
      "Usage: deno run -A bench/peers.ts --store PATH [--repeat N] [--warmup N] [--bins N]\n" +
        "                                  [--no-histogram] [--peers a,b] [--json FILE] [--quiet]\n" +
        `Peers: ${PEERS.map((p) => p.name).join(", ")} (bash bench/peers/setup_venv.sh first)`,
    );
    return values.help ? 0 : 1;
  }
  const count = (flag: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new RangeError(`--${flag}: expected a whole number >= ${min}; found "${value}"`);
    }
    return n;
  };
  const comparison = await compareStore(values.store, {
    repeat: count("repeat", values.repeat, 1),
    warmup: count("warmup", values.warmup, 0),
    bins: values["no-histogram"] ? 0 : values.bins === undefined ? undefined : Number(values.bins),
    peers: values.peers?.split(",").map((s) => s.trim()),
    log: values.quiet ? undefined : (line) => console.error(line),
  });
  console.log(formatComparison(comparison));
  if (values.json) {
    await Deno.writeTextFile(values.json, JSON.stringify(comparison, null, 2) + "\n");
  }
  const ok = comparison.failed.length === 0 &&
    comparison.pairs.every((p) => p.agreement.length === 0);
  return ok ? 0 : 2;
}

if (import.meta.main) Deno.exit(await main());
