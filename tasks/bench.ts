/**
 * `deno task bench`: lamella's benchmarks (issue 8), printed as tables and
 * written as one JSON document `{ machine, startedAt, records }`.
 *
 * Sections (`--only`, default all, run in this order):
 * - `pipeline`: the process pipeline (stats, histogram, quantiles, histogram
 *   peaks) on cached EM-like Zarr v2 arrays in data/bench (int16, 64^3 chunks,
 *   Zstd-1, "/" keys; plus a uint8 gzip-1 one): median seconds, MB/s, peak RSS,
 *   strategy; then the scaling summary over the sizes.
 * - `peers`: lamella against the Python peers (zarr + NumPy loop, Dask, zarr 3
 *   + zarrs, TensorStore), interleaved pair by pair, with agreement checks.
 * - `cgroup`: the largest array inside a 512 MiB memory cgroup, interleaved
 *   with the same run outside it.
 * - `kernels`: stats and histogram kernels, WASM against the TS reference.
 * - `peaks`: the CWT peak detector on exampleMS and synthetic spectra.
 * - `ms`: mass spectrometry (bench/ms_bench.ts): `ingest` against pyopenms,
 *   `match` against matchms, and an ingest 10x the memory limit in a cgroup.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { NUMERIC_DTYPES, type NumericDtype } from "../kernels/mod.ts";
import { writeFileAtomic } from "../src/store/atomic.ts";
import {
  type AnyRecord,
  compareRuns,
  formatRunComparison,
  readBenchRecords,
  textTable,
} from "../bench/bench_compare.ts";
import { benchKernels, type KernelRecord } from "../bench/kernels_bench.ts";
import { benchPeaks, type PeakBenchRecord } from "../bench/peaks_bench.ts";
import {
  type BenchCase,
  benchCases,
  benchCgroupCase,
  benchPeersCase,
  benchPipelineCase,
  benchRemoteCase,
  caseArray,
  type CgroupRecord,
  ensurePeersVenv,
  type PeerRecord,
  type PipelineRecord,
  type RemoteRecord,
  type ScalingRecord,
  scalingSummary,
  type SkipRecord,
  warmPageCache,
} from "../bench/pipeline_bench.ts";
import { runLamella } from "../bench/peers.ts";
import { benchMs, type MsMemoryRecord, type MsRecord } from "../bench/ms_bench.ts";

const SECTIONS = ["pipeline", "peers", "remote", "cgroup", "kernels", "peaks", "ms"] as const;
type Section = typeof SECTIONS[number];
const DEFAULT_SIZES = [0.2, 1.7, 13.6, 110, 879.7];
const HUGE_MIB = 7168;

const USAGE = `Usage: deno task bench [--only ${
  SECTIONS.join(",")
}] [--json FILE] [--compare BASELINE.json] [--noise 0.1]
                       [--sizes ${
  DEFAULT_SIZES.join(",")
}] [--codec all|zstd|gzip] [--repeat 3] [--huge]
                       [--peer-sizes 13.6,110,879.7] [--peer-repeat 2] [--peers a,b]
                       [--cgroup-mib 512] [--mib 256] [--kernel-repeat 5] [--dtypes a,b]
Exit status: 0 done; 1 a section failed; 2 a peer disagreed with lamella; 3 --compare found regressions.`;

/** A peaks record with its section. */
type PeakRecord = PeakBenchRecord & { section: "peaks" };
type BenchRecord =
  | KernelRecord
  | PipelineRecord
  | PeerRecord
  | CgroupRecord
  | ScalingRecord
  | PeakRecord
  | RemoteRecord
  | MsRecord
  | MsMemoryRecord
  | SkipRecord;

interface Target {
  target: string;
  value: string;
  met: boolean | null;
}

const log = (line: string) => console.error(line);
const mib = (bytes: number | null) => bytes === null ? "-" : (bytes / 2 ** 20).toFixed(0);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The line of a multi-line error that names it (a Python traceback's last "...Error:" line). */
function errorLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.findLast((l) => /error/i.test(l) && !/^(at |File )/.test(l)) ?? lines[0] ?? "";
}

function numberList(flag: string, text: string): number[] {
  const xs = text.split(",").map((s) => Number(s.trim()));
  if (xs.some((x) => !(x > 0 && Number.isFinite(x)))) {
    throw new RangeError(
      `--${flag}: expected positive numbers separated by commas; found "${text}"`,
    );
  }
  return xs;
}

function count(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${flag}: expected a whole number >= 1; found "${text}"`);
  }
  return n;
}

async function machine() {
  let cpu = "";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(info)?.[1];
    cpu = field("model name") ??
      [field("vendor_id"), field("cpu family"), field("model")].filter(Boolean).join(" ");
  } catch { /* not Linux */ }
  return {
    cores: navigator.hardwareConcurrency,
    cpu,
    memory: Deno.systemMemoryInfo().total,
    loadAverage: Deno.loadavg(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os}-${Deno.build.arch}`,
  };
}

function pipelineTable(records: PipelineRecord[]): string {
  return textTable(
    [
      "case",
      "MiB",
      "stored MiB",
      "strategy",
      "median s",
      "own s",
      "MB/s",
      "own MB/s",
      "peak RSS MiB",
      "spread",
      "runs",
    ],
    records.map((r) => [
      r.case,
      (r.bytes / 2 ** 20).toFixed(1),
      r.storedBytes === null ? "-" : (r.storedBytes / 2 ** 20).toFixed(1),
      r.strategy,
      r.seconds.toFixed(2),
      r.selfSeconds.toFixed(2),
      r.mbPerSec.toFixed(0),
      r.selfMbPerSec.toFixed(0),
      mib(r.peakRssBytes),
      pct(r.spread),
      String(r.runs),
    ]),
  );
}

function scalingTable(s: ScalingRecord): string {
  const lines = [
    textTable(
      ["case", "MB", "ms/MB whole", "ms/MB own", "peak RSS MiB", "strategy"],
      s.cases.map((c) => [
        c.case,
        c.mb.toFixed(1),
        (1000 * c.secondsPerMb).toFixed(2),
        (1000 * c.selfSecondsPerMb).toFixed(2),
        mib(c.peakRssBytes),
        c.strategy,
      ]),
    ),
  ];
  if (s.timePerMb) {
    lines.push(
      `time per MB, ${s.timePerMb.to} / ${s.timePerMb.from}: ${
        s.timePerMb.selfRatio.toFixed(2)
      }x own timer, ${s.timePerMb.wholeRatio.toFixed(2)}x whole command (target <= 1.2x)`,
    );
  }
  if (s.rssGrowth) {
    lines.push(
      `peak RSS, ${s.rssGrowth.to} / ${s.rssGrowth.from} (both streaming): ${
        s.rssGrowth.ratio.toFixed(2)
      }x (flat would be about 1.0x)`,
    );
  }
  return lines.join("\n");
}

function peersTable(records: PeerRecord[]): string {
  return textTable(
    [
      "case",
      "peer",
      "lamella s",
      "peer s",
      "lamella/peer",
      "own-timer ratio",
      "lamella faster",
      "lamella RSS MiB",
      "peer RSS MiB",
      "agrees",
    ],
    records.map((r) => [
      r.case,
      r.peer,
      r.lamellaSeconds.toFixed(2),
      r.peerSeconds.toFixed(2),
      r.ratio.toFixed(3),
      r.selfRatio.toFixed(3),
      `${r.speedup.toFixed(2)}x`,
      mib(r.lamellaPeakRssBytes),
      mib(r.peerPeakRssBytes),
      r.agrees ? "yes" : "NO",
    ]),
  );
}

function cgroupTable(r: CgroupRecord): string {
  return textTable(
    [
      "case",
      "limit MiB",
      "in cgroup s",
      "unlimited s",
      "in/out",
      "strategy",
      "RSS MiB in/out",
      "cgroup peak MiB",
      "OOM kills",
    ],
    [[
      r.case,
      String(r.limitMib),
      r.seconds.toFixed(2),
      r.freeSeconds.toFixed(2),
      r.ratio.toFixed(2),
      r.strategy,
      `${mib(r.peakRssBytes)}/${mib(r.freePeakRssBytes)}`,
      mib(r.cgroupPeakBytes),
      String(r.oomKills),
    ]],
  );
}

function kernelsTable(records: KernelRecord[], mibPerCall: number): string {
  const names = [
    "stats.wasm",
    "stats.wasm+copy",
    "stats.reference",
    "histogram.wasm",
    "histogram.wasm+copy",
    "histogram.reference",
  ];
  const dtypes = [...new Set(records.map((r) => r.dtype))];
  return `GB/s, median; WASM on ${mibPerCall} MiB in memory, the reference on a slice\n` +
    textTable(
      ["dtype", ...names],
      dtypes.map((d) => [
        d,
        ...names.map((n) => {
          const r = records.find((x) => x.dtype === d && x.name === n);
          return r ? r.gbPerSec.toFixed(2) : "-";
        }),
      ]),
    );
}

function msTable(records: (MsRecord | MsMemoryRecord)[]): string {
  const fmt = (x: number) => x.toFixed(x < 1 ? 3 : 2);
  const pairs = records.filter((r): r is MsRecord => r.name === "ms");
  const memory = records.filter((r): r is MsMemoryRecord => r.name === "ms-memory");
  return textTable(
    [
      "case",
      "peer",
      "lamella s (own/whole)",
      "peer s (own/whole)",
      "x own",
      "x whole",
      "lamella",
      "peer",
      "agreement",
    ],
    pairs.map((r) => [
      r.case,
      r.peer,
      `${fmt(r.lamellaSelfSeconds)}/${fmt(r.lamellaWholeSeconds)}`,
      `${fmt(r.peerSelfSeconds)}/${fmt(r.peerWholeSeconds)}`,
      r.selfRatio.toFixed(1),
      r.speedup.toFixed(1),
      r.lamellaRate,
      r.peerRate,
      r.agreement,
    ]),
  ) + memory.map((m) =>
    `\n${m.case}: ${m.fileMb.toFixed(0)} MB file, peak ${m.peakMib} MiB of ${m.limitMib} MiB, ` +
    `${m.oomKills} OOM kills, exit ${m.exitCode}`
  ).join("");
}

function peaksTable(records: PeakRecord[]): string {
  const fmt = (v: number | undefined, digits: number) => v === undefined ? "" : v.toFixed(digits);
  return textTable(
    ["case", "n", "scales", "median ms", "runs", "speedup", "ms per 1M", "F1"],
    records.map((r) => [
      r.name,
      String(r.signalLength),
      String(r.scales),
      fmt(r.seconds * 1000, 2),
      String(r.runs),
      fmt(r.speedup, 1),
      fmt(r.secondsPerMillion === undefined ? undefined : r.secondsPerMillion * 1000, 1),
      fmt(r.f1, 3),
    ]),
  );
}

/** The targets, judged on whatever ran. */
function targets(records: BenchRecord[], totalSeconds: number, everything: boolean): Target[] {
  const out: Target[] = [];
  const peer = (c: string, p: string) =>
    records.find((r): r is PeerRecord =>
      r.section === "peers" && r.name === "peer" && r.case === c && r.peer === p
    );
  const speedTarget = (c: string, p: string, want: number) => {
    const r = peer(c, p);
    out.push({
      target: `>= ${want}x ${p} at ${c}`,
      value: r
        ? `${r.speedup.toFixed(2)}x (own timers: ${(1 / r.selfRatio).toFixed(2)}x)`
        : "not run",
      met: r ? r.speedup >= want : null,
    });
  };
  speedTarget("int16-zstd-879.7mib", "numpy_threads", 2.5);
  speedTarget("int16-zstd-879.7mib", "zarr2_threads", 2.5);
  speedTarget("int16-zstd-879.7mib", "zarrs_pipeline", 2);
  speedTarget("int16-zstd-879.7mib", "tensorstore_read", 2);
  speedTarget("int16-zstd-879.7mib", "dask_array", 10);
  speedTarget("int16-zstd-110mib", "numpy_threads", 2);
  speedTarget("int16-zstd-110mib", "zarr2_threads", 2);
  // The decode limit computes nothing: lamella's own time against its own time.
  const decodeTarget = (c: string, within: number) => {
    const r = peer(c, "decode_limit");
    out.push({
      target: `own time <= ${within}x the decode limit's at ${c}`,
      value: r
        ? `${r.selfRatio.toFixed(2)}x (${r.lamellaSelfSeconds.toFixed(3)} s against ${
          r.peerSelfSeconds.toFixed(3)
        } s; whole command ${r.ratio.toFixed(2)}x)`
        : "not run",
      met: r ? r.selfRatio <= within : null,
    });
  };
  decodeTarget("int16-zstd-879.7mib", 1.3);
  const remote = records.find((r): r is RemoteRecord =>
    r.section === "remote" && r.name === "remote" && r.peer === "tensorstore_read"
  );
  out.push({
    target: "20 ms-latency HTTP: own time <= TensorStore's",
    value: remote
      ? `${remote.lamellaSelfSeconds.toFixed(2)} s against ${
        remote.peerSelfSeconds.toFixed(2)
      } s (${remote.case})`
      : "not run",
    met: remote ? remote.lamellaSelfSeconds <= remote.peerSelfSeconds : null,
  });
  decodeTarget("int16-zstd-110mib", 1.5);
  const big = records.find((r): r is PipelineRecord =>
    r.section === "pipeline" && r.name === "pipeline" && r.case === "int16-zstd-879.7mib"
  );
  out.push({
    target: "peak RSS <= 160 MB at int16-zstd-879.7mib",
    value: big?.peakRssBytes
      ? `${(big.peakRssBytes / 1e6).toFixed(0)} MB (${mib(big.peakRssBytes)} MiB)`
      : "not run",
    met: big?.peakRssBytes ? big.peakRssBytes <= 160e6 : null,
  });
  const scaling = records.find((r): r is ScalingRecord => r.section === "scaling");
  out.push({
    target: scaling?.timePerMb
      ? `time per MB at ${scaling.timePerMb.to} within 1.2x of ${scaling.timePerMb.from}`
      : "time per MB at 879.7 MiB within 1.2x of 13.6 MiB",
    value: scaling?.timePerMb
      ? `${scaling.timePerMb.selfRatio.toFixed(2)}x own timer, ${
        scaling.timePerMb.wholeRatio.toFixed(2)
      }x whole`
      : "not run",
    met: scaling?.timePerMb ? scaling.timePerMb.selfRatio <= 1.2 : null,
  });
  out.push({
    target: "peak RSS flat once streaming (within 1.2x)",
    value: scaling?.rssGrowth
      ? `${
        scaling.rssGrowth.ratio.toFixed(2)
      }x from ${scaling.rssGrowth.from} to ${scaling.rssGrowth.to}`
      : "not run",
    met: scaling?.rssGrowth ? scaling.rssGrowth.ratio <= 1.2 : null,
  });
  const cg = records.find((r) => r.section === "cgroup");
  out.push({
    target: "same speed in a 512 MiB cgroup (within 10%)",
    value: cg?.name === "cgroup"
      ? `${(cg as CgroupRecord).ratio.toFixed(2)}x, ${(cg as CgroupRecord).oomKills} OOM kills`
      : cg?.name === "skipped"
      ? `skipped: ${(cg as SkipRecord).reason}`
      : "not run",
    met: cg?.name === "cgroup"
      ? (cg as CgroupRecord).ratio <= 1.1 && (cg as CgroupRecord).oomKills === 0
      : null,
  });
  const ms = (start: string) =>
    records.find((r): r is MsRecord =>
      r.section === "ms" && r.name === "ms" && r.case.startsWith(start)
    );
  const ingest = ms("ingest");
  out.push({
    target: "mzML ingest >= pyopenms read speed (whole command)",
    value: ingest
      ? `${ingest.speedup.toFixed(2)}x (${ingest.lamellaRate} against ${ingest.peerRate}; own ${
        ingest.selfRatio.toFixed(2)
      }x)`
      : "not run",
    met: ingest ? ingest.speedup >= 1 : null,
  });
  for (const score of ["cosine", "modified-cosine"]) {
    // The target counts every pair scored (the per-pair kernel); the top-k search with
    // the bound is shown beside it.
    const r = ms(`match ${score} 1000 x 100 BSA1 MS2, every pair`);
    const fast = ms(`match ${score} 1000 x 100 BSA1 MS2, top-1`);
    out.push({
      target: `match ${score} >= 10x matchms per pair, same top-1 hits`,
      value: r
        ? `${
          r.selfRatio.toFixed(1)
        }x scoring every pair (${r.lamellaRate} against ${r.peerRate}); ${r.agreement}` +
          (fast
            ? `; top-1 search with the bound: ${
              fast.selfRatio.toFixed(1)
            }x (${fast.lamellaRate}), ${fast.agreement}`
            : "")
        : "not run",
      met: r ? r.selfRatio >= 10 && /equal for (\d+)\/\1 /.test(r.agreement) : null,
    });
  }
  const peakRecord = (name: string) =>
    records.find((r): r is PeakRecord => r.section === "peaks" && r.name === name);
  const example = peakRecord("wasm exampleMS MassSpecWavelet default scales");
  const exampleSplit = peakRecord(
    "wasm exampleMS MassSpecWavelet default scales, scales split over 2 threads (speedup = one thread/split)",
  );
  const ms1 = (r: PeakRecord) => `${(r.seconds * 1000).toFixed(2)} ms`;
  out.push({
    target: "CWT peaks on exampleMS (MassSpecWavelet defaults) <= 5 ms per call",
    value: exampleSplit && example
      ? `${ms1(exampleSplit)} with the scales split over 2 threads, ${
        ms1(example)
      } on one (medians of ${exampleSplit.runs} and ${example.runs})`
      : example
      ? `${ms1(example)} on one thread (median of ${example.runs}); split not run`
      : "not run",
    met: exampleSplit ? exampleSplit.seconds <= 0.005 : example ? example.seconds <= 0.005 : null,
  });
  const memory = records.find((r): r is MsMemoryRecord =>
    r.section === "ms" && r.name === "ms-memory"
  );
  out.push({
    target: "ingest of a file 10x the memory limit stays within it",
    value: memory
      ? `${
        memory.fileMb.toFixed(0)
      } MB in ${memory.limitMib} MiB: peak ${memory.peakMib} MiB, ${memory.oomKills} OOM kills, exit ${memory.exitCode}`
      : "not run",
    met: memory
      ? memory.exitCode === 0 && memory.oomKills === 0 &&
        memory.fileMb >= 10 * memory.limitMib * 1.048576
      : null,
  });
  out.push({
    target: "whole bench under 10 minutes",
    value: `${(totalSeconds / 60).toFixed(1)} min${everything ? "" : " (some sections only)"}`,
    met: everything ? totalSeconds < 600 : null,
  });
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      json: { type: "string" },
      compare: { type: "string" },
      noise: { type: "string", default: "0.1" },
      sizes: { type: "string" },
      codec: { type: "string", default: "all" },
      repeat: { type: "string", default: "3" },
      huge: { type: "boolean" },
      "peer-sizes": { type: "string", default: "13.6,110,879.7" },
      "peer-repeat": { type: "string", default: "2" },
      peers: { type: "string" },
      "cgroup-mib": { type: "string", default: "512" },
      mib: { type: "string", default: "256" },
      "kernel-repeat": { type: "string", default: "5" },
      dtypes: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const only = (values.only?.split(",").map((s) => s.trim()) ?? [...SECTIONS]) as Section[];
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length) {
    throw new RangeError(`--only: unknown section ${unknown.join(", ")}; expected ${SECTIONS}`);
  }
  const codec = values.codec;
  if (codec !== "all" && codec !== "zstd" && codec !== "gzip") {
    throw new RangeError(`--codec: expected all, zstd or gzip; found "${codec}"`);
  }
  const sizes = values.sizes ? numberList("sizes", values.sizes) : [...DEFAULT_SIZES];
  if (values.huge && !sizes.includes(HUGE_MIB)) sizes.push(HUGE_MIB);
  const repeat = count("repeat", values.repeat);
  const peerSizes = numberList("peer-sizes", values["peer-sizes"]);
  const peerRepeat = count("peer-repeat", values["peer-repeat"]);
  const peerNames = values.peers?.split(",").map((s) => s.trim());
  const cgroupMib = count("cgroup-mib", values["cgroup-mib"]);
  const kernelMib = Number(values.mib);
  if (!(kernelMib > 0)) {
    throw new RangeError(`--mib: expected a positive number; found "${values.mib}"`);
  }
  const kernelRepeat = count("kernel-repeat", values["kernel-repeat"]);
  const dtypes = (values.dtypes?.split(",") ?? NUMERIC_DTYPES) as NumericDtype[];
  const baseline = values.compare ? await readBenchRecords(values.compare) : undefined;
  const noise = Number(values.noise);
  if (!(noise >= 0)) {
    throw new RangeError(`--noise: expected a fraction >= 0; found "${values.noise}"`);
  }

  const t0 = performance.now();
  const doc = {
    machine: await machine(),
    startedAt: new Date().toISOString(),
    command: `deno task bench ${Deno.args.join(" ")}`.trim(),
    records: [] as BenchRecord[],
  };
  let status = 0;
  const save = async () => {
    if (values.json) await writeFileAtomic(values.json, JSON.stringify(doc, null, 2) + "\n");
  };
  const print = (title: string, body: string) => console.log(`\n## ${title}\n${body}`);
  const { machine: m } = doc;
  console.log(
    `lamella bench, ${doc.startedAt}: ${m.cores} cores (${m.cpu || m.os}), ${
      (m.memory / 2 ** 30).toFixed(1)
    } GiB, deno ${m.deno}; load average ${m.loadAverage.map((x) => x.toFixed(2)).join(" ")}`,
  );
  const section = async (name: Section, run: () => Promise<void>) => {
    if (!only.includes(name)) return;
    const s0 = performance.now();
    try {
      await run();
    } catch (e) {
      status = status || 1;
      const reason = e instanceof Error ? e.message : String(e);
      log(`${name} section failed: ${reason}`);
      doc.records.push({ section: name, name: "skipped", what: name, reason } as SkipRecord);
    }
    log(`${name}: ${((performance.now() - s0) / 1000).toFixed(0)} s`);
    await save();
  };
  const arrays = new Map<string, Awaited<ReturnType<typeof caseArray>>>();
  const array = async (c: BenchCase) => {
    let em = arrays.get(c.case);
    if (!em) {
      const g0 = performance.now();
      em = await caseArray(c);
      const took = (performance.now() - g0) / 1000;
      if (took > 1) log(`generated ${c.case} in ${took.toFixed(1)} s`);
      await warmPageCache(em.path);
      arrays.set(c.case, em);
    }
    return em;
  };

  await section("pipeline", async () => {
    const cases = benchCases(sizes, codec);
    // One unmeasured run first: Deno's module cache and the WASM compile cache.
    await runLamella((await array(cases[0])).path, {});
    const records: PipelineRecord[] = [];
    for (const c of cases) {
      const r = await benchPipelineCase(c, await array(c), { repeat });
      log(`pipeline ${c.case}: ${r.samples.map((s) => s.toFixed(2)).join(", ")} s (${r.strategy})`);
      records.push(r);
      doc.records.push(r);
    }
    print(
      `Pipeline (stats, histogram, quantiles, histogram peaks; medians of ${repeat} runs, whole command)`,
      pipelineTable(records),
    );
    const scaling = scalingSummary(records);
    doc.records.push(scaling);
    print("Scaling (int16 Zstd-1 cases)", scalingTable(scaling));
  });

  await section("peers", async () => {
    const why = await ensurePeersVenv(log);
    if (why) {
      log(`peers skipped: ${why}`);
      doc.records.push({ section: "peers", name: "skipped", what: "all peers", reason: why });
      print("Peers", `skipped: ${why}`);
      return;
    }
    const cases = benchCases(peerSizes, "zstd");
    const records: PeerRecord[] = [];
    const skipped: SkipRecord[] = [];
    for (const c of cases) {
      const em = await array(c);
      const { records: rs } = await benchPeersCase(c, em, {
        repeat: peerRepeat,
        warmup: em.bytes < 200 * 2 ** 20 ? 1 : 0,
        peers: peerNames,
        log: (line) => log(`peers ${c.case}: ${line}`),
      });
      for (const r of rs) {
        doc.records.push(r);
        if (r.name === "peer") records.push(r);
        else skipped.push(r);
      }
      await save();
    }
    if (records.some((r) => !r.agrees)) status = status || 2;
    const notes = [
      ...skipped.map((s) => `${s.case} ${s.what} skipped: ${errorLine(s.reason)}`),
      ...records.filter((r) => !r.agrees).map((r) =>
        `${r.case} ${r.peer} DISAGREES: ${r.disagreements.join("; ")}`
      ),
    ];
    const versions = Object.entries(Object.assign({}, ...records.map((r) => r.versions)))
      .map(([k, v]) => `${k} ${v}`).join(", ");
    const setups = [...new Map(records.map((r) => [r.peer, r.setup])).entries()]
      .map(([peer, setup]) => `  ${peer}: ${setup}`);
    const loads = [...new Map(records.map((r) => [r.case, r.load])).entries()].map(([c, l]) =>
      `load ${c}: ${l.before ?? "?"} before, ${
        l.after ?? "?"
      } after (1-min average, ${l.cores} cores)`
    );
    print(
      `Peers (stats + 1024-bin histogram over the dtype range, the same work in every tool; ` +
        `${peerRepeat} interleaved pairs; ratio = median of lamella/peer per pair, whole command)`,
      [
        peersTable(records),
        "how each peer runs:",
        ...setups,
        ...loads,
        ...notes,
        `versions: ${versions}`,
      ].join("\n"),
    );
  });

  await section("remote", async () => {
    const why = await ensurePeersVenv(log);
    const target = peerSizes.includes(879.7) ? 879.7 : Math.max(...peerSizes);
    const [c] = benchCases([target], "zstd");
    const records = await benchRemoteCase(c, await array(c), {
      delayMs: 20,
      repeat: peerRepeat,
      peersUsable: why === null,
      log: (line) => log(`remote ${c.case}: ${line}`),
    });
    doc.records.push(...records);
    print(
      `Remote (the same store behind a 127.0.0.1 HTTP server adding 20 ms per request; ${peerRepeat} interleaved pairs; own timers)`,
      records.map((r) =>
        r.name === "remote"
          ? `${r.peer}: lamella ${r.lamellaSelfSeconds.toFixed(2)} s, peer ${
            r.peerSelfSeconds.toFixed(2)
          } s own (whole ${r.lamellaSeconds.toFixed(2)} / ${
            r.peerSeconds.toFixed(2)
          } s); ${r.requests} requests; agrees: ${r.agrees}`
          : `${r.what} skipped: ${r.reason}`
      ).join("\n"),
    );
  });

  await section("cgroup", async () => {
    const int16 = sizes.filter((s) => s !== HUGE_MIB);
    const target = int16.includes(879.7) ? 879.7 : Math.max(...int16);
    const [c] = benchCases([target], "zstd");
    const r = await benchCgroupCase(c, await array(c), { limitMib: cgroupMib, repeat, log });
    doc.records.push(r);
    print(
      `Memory cgroup (${cgroupMib} MiB, interleaved with unlimited runs; medians of ${repeat})`,
      r.name === "cgroup" ? cgroupTable(r) : `skipped: ${r.reason}`,
    );
  });

  await section("kernels", () => {
    const records = benchKernels({ mib: kernelMib, repeat: kernelRepeat, dtypes });
    doc.records.push(...records);
    print("Kernels", kernelsTable(records, kernelMib));
    return Promise.resolve();
  });

  await section("peaks", async () => {
    const records = (await benchPeaks({ runs: 9, referenceRuns: 1 })).map((r) => ({
      section: "peaks" as const,
      ...r,
    }));
    doc.records.push(...records);
    print("CWT peaks", peaksTable(records));
  });

  await section("ms", async () => {
    const records = await benchMs({ runs: 3, log });
    doc.records.push(...records);
    print("Mass spectrometry (interleaved; medians of 3)", msTable(records));
  });

  const totalSeconds = (performance.now() - t0) / 1000;
  const met = targets(doc.records, totalSeconds, SECTIONS.every((s) => only.includes(s)));
  const load = Deno.loadavg();
  Object.assign(doc, {
    finishedAt: new Date().toISOString(),
    seconds: totalSeconds,
    loadAverageEnd: load,
    targets: met,
  });
  print(
    "Targets",
    textTable(
      ["target", "measured", "met"],
      met.map((t) => [t.target, t.value, t.met === null ? "-" : t.met ? "yes" : "NO"]),
    ) +
      `\ntotal ${totalSeconds.toFixed(0)} s; load average ${
        m.loadAverage[0].toFixed(2)
      } at the start, ${load[0].toFixed(2)} at the end, on ${m.cores} cores` +
      (Math.max(m.loadAverage[0], load[0]) > m.cores / 2
        ? ": other work was running, expect noise"
        : ""),
  );
  await save();
  if (values.json) log(`wrote ${values.json}`);
  if (baseline) {
    const c = compareRuns(baseline, doc.records as unknown as AnyRecord[], noise);
    print("Compared with the baseline", formatRunComparison(c, values.compare!));
    if (c.changes.some((x) => x.verdict === "regression")) status = status || 3;
  }
  return status;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    const parseError = String((e as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
    if (e instanceof RangeError || parseError) {
      console.error(`bench: ${(e as Error).message}\n${USAGE}`);
      Deno.exit(1);
    }
    throw e;
  }
}
