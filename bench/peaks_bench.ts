/**
 * Benchmark of the CWT peak detector: the WASM kernel (`kernels/mod.ts` `detectPeaks`)
 * against the scalar TypeScript reference on exampleMS (37,656 points) with
 * MassSpecWavelet's 25 default scales and with scales 1..64, the kernel's scaling
 * with signal length (10k, 100k, 1M synthetic points), and detection quality (F1) on
 * synthetic spectra at moderate SNR.
 *
 * Peer: scipy's `find_peaks_cwt` (bench/peers/peaks_scipy.py, run by the venv of
 * bench/peers/setup_venv.sh) in the same run, interleaved with the kernel, on the same
 * exampleMS cases and the same synthetic spectra; scipy times itself (imports excluded).
 * lamella's `preset: scipy` (TS reference only: the kernel has no scipy mode) is timed
 * on exampleMS and its peaks compared with scipy's. Without a venv python that imports
 * scipy the peer is skipped with the reason on stderr and no peer record is written.
 *
 * Run standalone: `deno run -A bench/peaks_bench.ts [--runs N] [--peer-runs N] [--no-peer] [--json]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { detectPeaks } from "../kernels/mod.ts";
import { ScaleParallelPeaks } from "../kernels/peaks_parallel.ts";
import {
  DEFAULT_PEAK_PARAMS,
  detectPeaksReference,
  integerScales,
  type PeakParams,
  SCIPY_PRESET,
} from "../kernels/peak_reference.ts";
import { heightsForSnr, scorePeaks, synthSpectrum } from "./peaks_synth.ts";
import { median, venvPython } from "./peers.ts";

const EXAMPLE_MS = new URL("../tests/data/exampleMS/exampleMS.csv", import.meta.url);
const SCIPY_SCRIPT = new URL("./peers/peaks_scipy.py", import.meta.url);
/** Samples within which lamella's `preset: scipy` peak and scipy's count as the same peak. */
const AGREEMENT_TOLERANCE = 2;

/**
 * One benchmark result. Timing records carry the median wall time of `runs` calls;
 * F1 records also carry the detection scores (their `seconds` is the kernel's median).
 *
 * @example
 * ```ts
 * import type { PeakBenchRecord } from "./peaks_bench.ts";
 * const r: PeakBenchRecord = { name: "wasm", signalLength: 10, scales: 25, seconds: 1e-3, runs: 5 };
 * if (r.runs !== 5) throw new Error("unexpected");
 * ```
 */
export interface PeakBenchRecord {
  /** What was measured, e.g. `wasm exampleMS scales 1..64`. */
  name: string;
  /** Samples in the signal. */
  signalLength: number;
  /** Number of CWT scales. */
  scales: number;
  /** Median wall time of one call, in seconds. */
  seconds: number;
  /** Calls timed. */
  runs: number;
  /** Run-to-run spread of the timed calls: (slowest - fastest) / median. */
  spread?: number;
  /**
   * Slower over faster: on kernel records, reference time over kernel time; on peer records,
   * the peer's time over the lamella record named in `versus` (how many times faster lamella
   * is; below 1 when the peer is faster).
   */
  speedup?: number;
  /** Peer records: the lamella record the peer's time and peaks are compared with. */
  versus?: string;
  /** Peaks found (exampleMS records). */
  peaks?: number;
  /**
   * Agreement records: scipy's peak count, and how many of lamella's peaks match one of
   * scipy's within `tolerance` samples (one-to-one, nearest first); `exact` at distance 0.
   * Their `f1`, `precision` and `recall` score lamella's peaks with scipy's as the truth.
   */
  peerPeaks?: number;
  matched?: number;
  exact?: number;
  tolerance?: number;
  /** Peer records: versions of the peer's packages. */
  versions?: Record<string, string>;
  /** Kernel seconds per million samples (linearity records). */
  secondsPerMillion?: number;
  /** Detection quality against the ground truth (F1 records). */
  f1?: number;
  precision?: number;
  recall?: number;
}

/**
 * Options of {@linkcode benchPeaks}.
 *
 * @example
 * ```ts
 * import type { PeakBenchOptions } from "./peaks_bench.ts";
 * const quick: PeakBenchOptions = { runs: 3, referenceRuns: 1, lengths: [10_000] };
 * if (quick.runs !== 3) throw new Error("unexpected");
 * ```
 */
export interface PeakBenchOptions {
  /** Timed calls of the kernel per case (default 15). */
  runs?: number;
  /** Timed calls of the reference per case (default 3; it is slow). */
  referenceRuns?: number;
  /** Signal lengths of the linearity cases (default 10k, 100k, 1M). */
  lengths?: number[];
  /** Run scipy's find_peaks_cwt as a peer when the venv has it (default true). */
  peer?: boolean;
  /** Timed scipy calls per exampleMS case, each after a batch of kernel calls (default 1). */
  peerRuns?: number;
  /** Progress and skip reasons (default: stderr). */
  log?: (line: string) => void;
}

/** Relative spread of timings: (slowest - fastest) / median. */
function spreadOf(times: number[]): number {
  const m = median(times);
  return m > 0 ? (Math.max(...times) - Math.min(...times)) / m : 0;
}

/** Median seconds of `runs` calls of `fn` and their spread, after one untimed warm-up call. */
function timeMedian(fn: () => unknown, runs: number): { seconds: number; spread: number } {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push((performance.now() - t) / 1000);
  }
  return { seconds: median(times), spread: spreadOf(times) };
}

async function readExampleMs(): Promise<Float64Array | undefined> {
  try {
    const text = await Deno.readTextFile(EXAMPLE_MS);
    return new Float64Array(text.trim().split("\n").map(Number));
  } catch {
    return undefined;
  }
}

/** One answer of bench/peers/peaks_scipy.py. */
interface ScipyAnswer {
  n: number;
  widths: number;
  runs: number;
  /** Median of `times`, scipy's own clock around `find_peaks_cwt` only. */
  seconds: number;
  times: number[];
  peaks: number[];
}

/** A running `peaks_scipy.py --serve`: one job per call, answered in order. */
interface ScipyPeer {
  versions: Record<string, string>;
  run(file: string, widths: readonly number[], runs: number): Promise<ScipyAnswer>;
  close(): Promise<void>;
}

/** Splits a byte stream into lines. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of stream) {
    buffered += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
  if (buffered) yield buffered;
}

/** The line of a Python traceback that names the error. */
function lastErrorLine(text: string): string {
  const all = text.trim().split("\n").map((l) => l.trim()).filter(Boolean);
  return all.findLast((l) => /Error|error/.test(l)) ?? all.at(-1) ?? "no output";
}

/**
 * Starts the scipy peer in the venv, or returns why it cannot run (no venv python, no
 * scipy, the script failed before it was ready).
 */
async function startScipyPeer(python = venvPython()): Promise<ScipyPeer | string> {
  try {
    await Deno.stat(python);
  } catch {
    return `${python} is missing; run: bash bench/peers/setup_venv.sh`;
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(python, {
      args: [SCIPY_SCRIPT.pathname, "--serve"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    return `cannot start ${python}: ${(e as Error).message}`;
  }
  const stderr = new Response(child.stderr).text();
  const out = lines(child.stdout);
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await out.next();
    if (done) {
      throw new Error(`peaks_scipy.py exited: ${lastErrorLine(await stderr)}`);
    }
    return JSON.parse(value);
  };
  let ready: Record<string, unknown>;
  try {
    ready = await next();
  } catch (e) {
    await writer.close().catch(() => {});
    await child.status;
    const why = (e as Error).message;
    return /No module named/.test(why)
      ? `${why} (run: bash bench/peers/setup_venv.sh)`
      : `scipy peer failed to start: ${why}`;
  }
  return {
    versions: ready.versions as Record<string, string>,
    async run(file, widths, runs) {
      await writer.write(encoder.encode(JSON.stringify({ file, widths, runs }) + "\n"));
      const answer = await next();
      if (typeof answer.error === "string") throw new Error(`find_peaks_cwt: ${answer.error}`);
      return answer as unknown as ScipyAnswer;
    },
    async close() {
      await writer.close().catch(() => {});
      await child.status;
      await stderr;
    },
  };
}

/**
 * How many of `a`'s indices have a partner in `b` within `tolerance` samples, one-to-one,
 * nearest pairs first; and how many at distance 0.
 */
function matchIndices(
  a: readonly number[],
  b: readonly number[],
  tolerance: number,
): { matched: number; exact: number } {
  const pairs: [number, number, number][] = [];
  const sorted = b.slice().sort((x, y) => x - y);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < sorted.length; j++) {
      const d = Math.abs(a[i] - sorted[j]);
      if (d <= tolerance) pairs.push([d, i, j]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let exact = 0;
  for (const [d, i, j] of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    if (d === 0) exact++;
  }
  return { matched: usedA.size, exact };
}

const f1Of = (precision: number, recall: number) =>
  precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);

const SCALE_CASES: [string, number[]][] = [
  ["MassSpecWavelet default scales", DEFAULT_PEAK_PARAMS.scales],
  ["scales 1..64", integerScales(1, 64)],
];

/**
 * Runs the benchmark and returns one record per case: kernel, reference and (when the
 * venv has scipy) scipy `find_peaks_cwt` timings on exampleMS (skipped, with a message
 * on stderr, if tests/data/exampleMS is absent), lamella's `preset: scipy` against scipy's
 * peaks, kernel timings at each synthetic length, and the synthetic F1 at SNR 5 and 10
 * of the kernel and of scipy on the same spectra.
 *
 * @example
 * ```ts ignore
 * import { benchPeaks } from "./peaks_bench.ts";
 * const records = await benchPeaks({ runs: 3, referenceRuns: 1, lengths: [10_000] });
 * console.table(records);
 * ```
 */
export async function benchPeaks(options: PeakBenchOptions = {}): Promise<PeakBenchRecord[]> {
  const runs = options.runs ?? 15;
  const referenceRuns = options.referenceRuns ?? 3;
  const lengths = options.lengths ?? [10_000, 100_000, 1_000_000];
  const peerRuns = options.peerRuns ?? 1;
  const log = options.log ?? ((line: string) => console.error(line));
  const records: PeakBenchRecord[] = [];

  const started = options.peer === false ? "disabled (--no-peer)" : await startScipyPeer();
  const scipy = typeof started === "string" ? undefined : started;
  if (typeof started === "string") log(`peaks bench: scipy peer skipped: ${started}`);
  const tmp = await Deno.makeTempDir({ prefix: "lamella-peaks-" });
  try {
    const example = await readExampleMs();
    if (!example) log(`peaks bench: ${EXAMPLE_MS.pathname} is absent, skipping exampleMS`);
    let scipy64: { name: string; seconds: number; answer: ScipyAnswer } | undefined;
    for (const [label, scales] of example ? SCALE_CASES : []) {
      const params: PeakParams = { ...DEFAULT_PEAK_PARAMS, scales: [...scales] };
      const x = example!;
      const base = { signalLength: x.length, scales: scales.length };
      const wasmName = `wasm exampleMS ${label}`;
      // Kernel and scipy interleaved: a batch of kernel calls, one timed scipy call, repeated.
      let wasm = { seconds: 0, spread: 0, runs };
      let peer: { answer: ScipyAnswer; times: number[] } | undefined;
      if (scipy) {
        const wasmTimes: number[] = [];
        const peerTimes: number[] = [];
        let answer: ScipyAnswer | undefined;
        const batch = Math.ceil(runs / peerRuns);
        detectPeaks(x, params);
        for (let round = 0; round < peerRuns; round++) {
          for (let r = 0; r < batch; r++) {
            const t = performance.now();
            detectPeaks(x, params);
            wasmTimes.push((performance.now() - t) / 1000);
          }
          try {
            answer = await scipy.run(EXAMPLE_MS.pathname, scales, 1);
            peerTimes.push(...answer.times);
          } catch (e) {
            log(`peaks bench: scipy on exampleMS ${label} failed: ${(e as Error).message}`);
            break;
          }
        }
        wasm = { seconds: median(wasmTimes), spread: spreadOf(wasmTimes), runs: wasmTimes.length };
        if (answer && peerTimes.length === peerRuns) peer = { answer, times: peerTimes };
      } else {
        wasm = { ...timeMedian(() => detectPeaks(x, params), runs), runs };
      }
      const reference = timeMedian(() => detectPeaksReference(x, params), referenceRuns);
      records.push({
        name: `reference exampleMS ${label}`,
        ...base,
        seconds: reference.seconds,
        runs: referenceRuns,
        spread: reference.spread,
      });
      records.push({
        name: wasmName,
        ...base,
        seconds: wasm.seconds,
        runs: wasm.runs,
        spread: wasm.spread,
        speedup: reference.seconds / wasm.seconds,
        peaks: detectPeaks(x, params).length,
      });
      if (peer) {
        const seconds = median(peer.times);
        const name = `peer scipy find_peaks_cwt exampleMS widths = ${label} (speedup = scipy/wasm)`;
        records.push({
          name,
          ...base,
          seconds,
          runs: peer.times.length,
          spread: spreadOf(peer.times),
          speedup: seconds / wasm.seconds,
          versus: wasmName,
          peaks: peer.answer.peaks.length,
          versions: scipy!.versions,
        });
        if (String(scales) === String(SCIPY_PRESET.scales)) {
          scipy64 = { name, seconds, answer: peer.answer };
        }
      }
    }

    if (example) {
      // The same calls with the scales split between this thread and a worker, timed
      // interleaved with single-thread calls; the peaks must be equal.
      const detector = await ScaleParallelPeaks.create();
      try {
        for (const [label, scales] of SCALE_CASES) {
          const params: PeakParams = { ...DEFAULT_PEAK_PARAMS, scales: [...scales] };
          const x = example;
          const single = detectPeaks(x, params);
          const split = await detector.detect(x, params);
          if (JSON.stringify(split) !== JSON.stringify(single)) {
            throw new Error(
              `peaks bench: exampleMS ${label}: the split search differs from one thread's`,
            );
          }
          const times: number[] = [];
          const alone: number[] = [];
          for (let r = 0; r < runs; r++) {
            let t = performance.now();
            await detector.detect(x, params);
            times.push((performance.now() - t) / 1000);
            t = performance.now();
            detectPeaks(x, params);
            alone.push((performance.now() - t) / 1000);
          }
          records.push({
            name:
              `wasm exampleMS ${label}, scales split over 2 threads (speedup = one thread/split)`,
            signalLength: x.length,
            scales: scales.length,
            seconds: median(times),
            runs,
            spread: spreadOf(times),
            speedup: median(alone) / median(times),
            versus: `wasm exampleMS ${label}`,
            peaks: split.length,
          });
        }
      } finally {
        detector.close();
      }
    }

    if (example && scipy64) {
      // The same algorithm on both sides: lamella's scipy mode (TS reference; the kernel
      // has no scipy mode) against scipy's call with widths 1..64 above.
      const x = example;
      let found: number[] = [];
      const t = timeMedian(() => {
        found = detectPeaksReference(x, SCIPY_PRESET).map((p) => p.index);
      }, referenceRuns);
      const theirs = scipy64.answer.peaks;
      const { matched, exact } = matchIndices(found, theirs, AGREEMENT_TOLERANCE);
      const precision = found.length ? matched / found.length : 1;
      const recall = theirs.length ? matched / theirs.length : 1;
      records.push({
        name:
          `reference exampleMS preset scipy (speedup = scipy/reference; F1 = agreement with scipy)`,
        signalLength: x.length,
        scales: SCIPY_PRESET.scales.length,
        seconds: t.seconds,
        runs: referenceRuns,
        spread: t.spread,
        speedup: scipy64.seconds / t.seconds,
        versus: scipy64.name,
        peaks: found.length,
        peerPeaks: theirs.length,
        matched,
        exact,
        tolerance: AGREEMENT_TOLERANCE,
        f1: f1Of(precision, recall),
        precision,
        recall,
      });
      log(
        `peaks bench: exampleMS preset scipy: lamella ${found.length} peaks, scipy ${theirs.length}, ` +
          `${matched} matched within ±${AGREEMENT_TOLERANCE} samples (${exact} exactly)`,
      );
    }

    for (const [label, scales] of SCALE_CASES) {
      const params: PeakParams = { ...DEFAULT_PEAK_PARAMS, scales: [...scales] };
      for (const length of lengths) {
        const { signal } = synthSpectrum({ length, peaks: Math.ceil(length / 500), seed: 42 });
        const { seconds, spread } = timeMedian(
          () => detectPeaks(signal, params),
          length >= 500_000 ? 3 : runs,
        );
        records.push({
          name: `wasm synthetic ${label}`,
          signalLength: length,
          scales: scales.length,
          seconds,
          runs: length >= 500_000 ? 3 : runs,
          spread,
          secondsPerMillion: seconds / (length / 1e6),
        });
      }
    }

    // F1 on the same spectra, kernel and scipy interleaved spectrum by spectrum, scored
    // by scorePeaks with its default position tolerance (max(3, sigma) samples). Both use
    // MassSpecWavelet's 25 default scales as widths; scipy's other settings are its defaults.
    const scales = DEFAULT_PEAK_PARAMS.scales;
    for (const snr of [5, 10]) {
      const tally = () => ({ tp: 0, fp: 0, fn: 0, times: [] as number[] });
      const ours = tally();
      let theirs: ReturnType<typeof tally> | undefined = scipy ? tally() : undefined;
      const length = 20_000;
      for (let seed = 1; seed <= 5; seed++) {
        const { signal, truth } = synthSpectrum({
          length,
          peaks: 40,
          seed,
          height: heightsForSnr(snr, 100, 5),
        });
        const t = performance.now();
        const peaks = detectPeaks(signal, DEFAULT_PEAK_PARAMS);
        ours.times.push((performance.now() - t) / 1000);
        const add = (to: ReturnType<typeof tally>, found: number[]) => {
          const score = scorePeaks(found, truth);
          to.tp += score.truePositives;
          to.fp += score.falsePositives;
          to.fn += score.falseNegatives;
        };
        add(ours, peaks.map((p) => p.index));
        if (theirs && scipy) {
          // Little-endian float64, as peaks_scipy.py reads `.f64` files.
          const file = `${tmp}/snr${snr}_seed${seed}.f64`;
          await Deno.writeFile(
            file,
            new Uint8Array(signal.buffer, signal.byteOffset, signal.byteLength),
          );
          try {
            const answer = await scipy.run(file, scales, 1);
            theirs.times.push(...answer.times);
            add(theirs, answer.peaks);
          } catch (e) {
            log(
              `peaks bench: scipy on synthetic SNR ${snr} seed ${seed} failed: ${
                (e as Error).message
              }`,
            );
            theirs = undefined;
          }
        }
      }
      const summary = (s: ReturnType<typeof tally>) => {
        const precision = s.tp / Math.max(1, s.tp + s.fp);
        const recall = s.tp / Math.max(1, s.tp + s.fn);
        return {
          signalLength: length,
          scales: scales.length,
          seconds: median(s.times),
          spread: spreadOf(s.times),
          runs: s.times.length,
          f1: f1Of(precision, recall),
          precision,
          recall,
        };
      };
      const wasmName = `wasm synthetic F1 at SNR ${snr} (5 spectra x 40 peaks)`;
      const wasm = summary(ours);
      records.push({ name: wasmName, ...wasm });
      if (theirs) {
        const peer = summary(theirs);
        records.push({
          name: `peer scipy find_peaks_cwt synthetic F1 at SNR ${snr} (same spectra and widths)`,
          ...peer,
          speedup: peer.seconds / wasm.seconds,
          versus: wasmName,
          versions: scipy!.versions,
        });
      }
    }
  } finally {
    await scipy?.close();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return records;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string" },
      "peer-runs": { type: "string" },
      "no-peer": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const records = await benchPeaks({
    runs: values.runs ? Number(values.runs) : undefined,
    peerRuns: values["peer-runs"] ? Number(values["peer-runs"]) : undefined,
    peer: !values["no-peer"],
  });
  if (values.json) {
    console.log(JSON.stringify(records, null, 2));
  } else {
    const fmt = (v: number | undefined, digits: number) => v === undefined ? "" : v.toFixed(digits);
    console.table(records.map((r) => ({
      name: r.name,
      n: r.signalLength,
      scales: r.scales,
      "median ms": fmt(r.seconds * 1000, 2),
      runs: r.runs,
      speedup: fmt(r.speedup, 1),
      "ms per 1M": fmt(
        r.secondsPerMillion === undefined ? undefined : r.secondsPerMillion * 1000,
        1,
      ),
      f1: fmt(r.f1, 3),
      peaks: r.peaks ?? "",
    })));
  }
}
