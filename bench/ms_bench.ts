/**
 * The `ms` bench section: lamella's mass-spectrometry commands against the
 * tools practitioners use, on real data (pymzml's BSA1.mzML, fetched by
 * tests/data/manifest.json), interleaved run by run, own timers and whole
 * commands:
 *
 * - `deno task ingest` against pyopenms `MzMLFile().load` (the fastest
 *   reader in the issue's survey) on BSA1.mzML repeated 10 times (139 MB);
 * - `deno task match` against matchms `calculate_scores` with `CosineGreedy`
 *   and `ModifiedCosineGreedy` (numba compiled before timing) on 1,000 library
 *   x 100 query MS2 spectra of BSA1 written as MGF, once scoring every pair
 *   (`--exhaustive`) and once as the default top-1 search with the bound; the
 *   top-1 hit of every query and its score are compared;
 * - the ingest of BSA1.mzML repeated 100 times (1.39 GB) inside a 64 MiB
 *   memory cgroup (tools/in-cgroup): peak memory and OOM kills.
 *
 * Peers run in pinned venvs: `openms` (pyopenms) and `ms` (matchms), made by
 * tests/python_setup.sh.
 *
 * @module
 */
import { testData } from "../tests/_data.ts";
import { readMzml } from "../src/ms/mzml.ts";
import { median } from "./peers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DIR = `${ROOT}data/bench/ms`;

/** One comparison: lamella and a peer on the same input. */
export interface MsRecord {
  section: "ms";
  name: "ms";
  /** e.g. "ingest bsa-x10.mzML (139 MB)". */
  case: string;
  /** The peer's name, e.g. "pyopenms MzMLFile.load". */
  peer: string;
  /** Medians over the interleaved runs. */
  lamellaSelfSeconds: number;
  peerSelfSeconds: number;
  lamellaWholeSeconds: number;
  peerWholeSeconds: number;
  /** Peer time over lamella's: own timers and whole commands. */
  selfRatio: number;
  speedup: number;
  /** Per-unit figure, e.g. "97 MB/s" or "1.7 us/pair". */
  lamellaRate: string;
  peerRate: string;
  /** What was checked to agree. */
  agreement: string;
  runs: number;
}

/** The ingest of a file many times the memory limit, inside a memory cgroup. */
export interface MsMemoryRecord {
  section: "ms";
  name: "ms-memory";
  case: string;
  limitMib: number;
  fileMb: number;
  peakMib: number;
  oomKills: number;
  exitCode: number;
}

async function venv(name: string): Promise<string> {
  const r = await new Deno.Command("bash", {
    args: [`${ROOT}tests/python_setup.sh`, name],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) throw new Error(`tests/python_setup.sh ${name} failed`);
  return new TextDecoder().decode(r.stdout).trim();
}

async function timed(
  cmd: string,
  args: string[],
): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const r = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const seconds = (performance.now() - t0) / 1000;
  const text = new TextDecoder();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")}: ${text.decode(r.stderr)}`);
  return { seconds, stdout: text.decode(r.stdout), stderr: text.decode(r.stderr) };
}

/** BSA1.mzML repeated `times` times as one non-indexed mzML (unique ids and indices). */
async function repeatedMzml(times: number): Promise<string> {
  const path = `${DIR}/bsa-x${times}.mzML`;
  try {
    await Deno.stat(path);
    return path;
  } catch { /* made below */ }
  const gz = await testData("BSA1.mzML.gz");
  if (typeof gz !== "string") throw new Error(gz.missing);
  const text = new TextDecoder().decode(
    await new Response((await Deno.open(gz)).readable.pipeThrough(new DecompressionStream("gzip")))
      .arrayBuffer(),
  );
  const open = text.indexOf(">", text.indexOf("<spectrumList")) + 1;
  const close = text.indexOf("</spectrumList>");
  const spectra = text.slice(open, close);
  const count = (spectra.match(/<spectrum /g) ?? []).length;
  await Deno.mkdir(DIR, { recursive: true });
  const tmp = `${path}.partial`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const write = async (s: string) => {
    const bytes = enc.encode(s);
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  };
  await write(
    text.slice(0, text.indexOf("<spectrumList")) +
      `<spectrumList count="${count * times}" defaultDataProcessingRef="dp_sp_0">`,
  );
  for (let r = 0; r < times; r++) {
    let k = 0;
    await write(
      spectra.replace(
        /<spectrum id="([^"]*)" index="\d+"/g,
        (_, id) => `<spectrum id="r${r} ${id}" index="${r * count + k++}"`,
      ),
    );
  }
  await write(text.slice(close));
  file.close();
  await Deno.rename(tmp, path);
  return path;
}

/** The MS2 spectra of BSA1 as two MGF files: 1,000 library and 100 query spectra. */
async function bsaMgf(): Promise<{ library: string; queries: string }> {
  const library = `${DIR}/bsa-library-1000.mgf`;
  const queries = `${DIR}/bsa-queries-100.mgf`;
  try {
    await Deno.stat(queries);
    return { library, queries };
  } catch { /* made below */ }
  const gz = await testData("BSA1.mzML.gz");
  if (typeof gz !== "string") throw new Error(gz.missing);
  const blocks: string[] = [];
  for await (const s of readMzml(gz)) {
    if (s.msLevel !== 2 || Number.isNaN(s.precursorMz)) continue;
    const peaks = Array.from(s.mz, (m, k) => `${m} ${s.intensity[k]}`).join("\n");
    blocks.push(
      `BEGIN IONS\nTITLE=${s.id}\nPEPMASS=${s.precursorMz}\nRTINSECONDS=${s.rt}\n${peaks}\nEND IONS\n`,
    );
  }
  if (blocks.length < 1100) throw new Error(`BSA1 has only ${blocks.length} MS2 spectra`);
  await Deno.mkdir(DIR, { recursive: true });
  await Deno.writeTextFile(library, blocks.slice(0, 1000).join("\n"));
  await Deno.writeTextFile(queries, blocks.slice(1000, 1100).join("\n"));
  return { library, queries };
}

const PYOPENMS = `
import os, sys, time
import pyopenms as oms
t = time.perf_counter()
exp = oms.MSExperiment()
oms.MzMLFile().load(sys.argv[1], exp)
peaks = sum(s.size() for s in exp)
print(time.perf_counter() - t, exp.getNrSpectra(), peaks)
`;

const MATCHMS = `
import json, sys, time, warnings
warnings.filterwarnings("ignore")
from matchms.importing import load_from_mgf
from matchms import calculate_scores
from matchms.similarity import CosineGreedy, ModifiedCosineGreedy
library = list(load_from_mgf(sys.argv[1]))
queries = list(load_from_mgf(sys.argv[2]))
sim = CosineGreedy(tolerance=0.1) if sys.argv[3] == "cosine" else ModifiedCosineGreedy(tolerance=0.1)
calculate_scores(library[:2], queries[:2], sim, is_symmetric=False)  # numba JIT
t = time.perf_counter()
scores = calculate_scores(library, queries, sim, is_symmetric=False)
seconds = time.perf_counter() - t
arr = scores.to_array()
name = arr.dtype.names[0]
top = []
for j in range(len(queries)):
    col = arr[name][:, j]
    i = int(col.argmax())
    top.append([i, float(col[i])])
print(json.dumps({"seconds": seconds, "top": top}))
`;

async function ingestCase(
  python: string,
  file: string,
  runs: number,
  log: (s: string) => void,
): Promise<MsRecord> {
  const size = (await Deno.stat(file)).size;
  const script = `${DIR}/pyopenms_load.py`;
  await Deno.writeTextFile(script, PYOPENMS);
  const ours: { self: number; whole: number }[] = [];
  const theirs: { self: number; whole: number }[] = [];
  let agreement = "";
  for (let r = 0; r < runs; r++) {
    const out = `${DIR}/ingest-bench.zarr`;
    await Deno.remove(out, { recursive: true }).catch(() => {});
    const a = await timed(Deno.execPath(), [
      "task",
      "--quiet",
      "ingest",
      file,
      "--out",
      out,
      "--quiet",
    ]);
    const m = /(\d+) spectra, (\d+) peaks .* in ([\d.]+) s/.exec(a.stdout)!;
    ours.push({ self: Number(m[3]), whole: a.seconds });
    const b = await timed(python, [script, file]);
    const [self, spectra, peaks] = b.stdout.trim().split(/\s+/).map(Number);
    theirs.push({ self, whole: b.seconds });
    agreement = spectra === Number(m[1]) && peaks === Number(m[2])
      ? `${spectra} spectra, ${peaks} peaks in both`
      : `DISAGREE: lamella ${m[1]} spectra/${m[2]} peaks, pyopenms ${spectra}/${peaks}`;
    log(`ms: ingest run ${r + 1}/${runs}: ${ours[r].self.toFixed(2)} s vs ${self.toFixed(2)} s`);
  }
  await Deno.remove(`${DIR}/ingest-bench.zarr`, { recursive: true }).catch(() => {});
  const ls = median(ours.map((x) => x.self));
  const ps = median(theirs.map((x) => x.self));
  const lw = median(ours.map((x) => x.whole));
  const pw = median(theirs.map((x) => x.whole));
  const mb = size / 1e6;
  return {
    section: "ms",
    name: "ms",
    case: `ingest ${file.split("/").pop()} (${mb.toFixed(0)} MB)`,
    peer: "pyopenms MzMLFile.load",
    lamellaSelfSeconds: ls,
    peerSelfSeconds: ps,
    lamellaWholeSeconds: lw,
    peerWholeSeconds: pw,
    selfRatio: ps / ls,
    speedup: pw / lw,
    lamellaRate: `${(mb / lw).toFixed(0)} MB/s whole, ${(mb / ls).toFixed(0)} MB/s own`,
    peerRate: `${(mb / pw).toFixed(0)} MB/s whole, ${(mb / ps).toFixed(0)} MB/s own`,
    agreement,
    runs,
  };
}

async function matchCase(
  python: string,
  files: { library: string; queries: string },
  score: "cosine" | "modified-cosine",
  runs: number,
  log: (s: string) => void,
  exhaustive: boolean,
): Promise<MsRecord> {
  const script = `${DIR}/matchms_scores.py`;
  await Deno.writeTextFile(script, MATCHMS);
  const pairs = 1000 * 100;
  let scoredShare = "?";
  const ours: { self: number; whole: number }[] = [];
  const theirs: { self: number; whole: number }[] = [];
  let agreement = "";
  for (let r = 0; r < runs; r++) {
    const out = `${DIR}/match-${score}`;
    const a = await timed(Deno.execPath(), [
      "task",
      "--quiet",
      "match",
      "--library",
      files.library,
      "--queries",
      files.queries,
      "--out",
      out,
      "--score",
      score,
      "--top",
      "1",
      ...(exhaustive ? ["--exhaustive"] : []),
    ]);
    const self = Number(/scored in ([\d.]+) s/.exec(a.stderr)?.[1]);
    scoredShare = /pairs scored exactly, ([\d.]+%)/.exec(a.stderr)?.[1] ?? "?";
    ours.push({ self, whole: a.seconds });
    const b = await timed(python, [script, files.library, files.queries, score]);
    const peer = JSON.parse(b.stdout) as { seconds: number; top: [number, number][] };
    theirs.push({ self: peer.seconds, whole: b.seconds });
    const mine = JSON.parse(await Deno.readTextFile(`${out}/matches.json`)).queries as {
      hits: { index: number; score: number }[];
    }[];
    let sameTop = 0;
    let worst = 0;
    mine.forEach((q, j) => {
      const [i, s] = peer.top[j];
      const h = q.hits[0];
      if ((h?.index ?? -1) === i || (s === 0 && !h)) sameTop++;
      worst = Math.max(worst, Math.abs((h?.score ?? 0) - s));
    });
    agreement = `top-1 hit equal for ${sameTop}/${mine.length} queries; ` +
      `largest score difference ${worst.toExponential(1)}; ${scoredShare} of pairs scored exactly`;
    log(`ms: ${score} run ${r + 1}/${runs}: ${self.toFixed(3)} s vs ${peer.seconds.toFixed(3)} s`);
  }
  const ls = median(ours.map((x) => x.self));
  const ps = median(theirs.map((x) => x.self));
  const lw = median(ours.map((x) => x.whole));
  const pw = median(theirs.map((x) => x.whole));
  return {
    section: "ms",
    name: "ms",
    case: `match ${score} 1000 x 100 BSA1 MS2, ${
      exhaustive ? "every pair scored (--exhaustive)" : "top-1 search with the bound"
    }`,
    peer: score === "cosine" ? "matchms CosineGreedy" : "matchms ModifiedCosineGreedy",
    lamellaSelfSeconds: ls,
    peerSelfSeconds: ps,
    lamellaWholeSeconds: lw,
    peerWholeSeconds: pw,
    selfRatio: ps / ls,
    speedup: pw / lw,
    lamellaRate: `${(ls * 1e6 / pairs).toFixed(2)} us/pair`,
    peerRate: `${(ps * 1e6 / pairs).toFixed(2)} us/pair`,
    agreement,
    runs,
  };
}

async function memoryCase(limitMib: number, times: number): Promise<MsMemoryRecord> {
  const file = await repeatedMzml(times);
  const size = (await Deno.stat(file)).size;
  const out = `${DIR}/ingest-memory.zarr`;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const r = await new Deno.Command("bash", {
    args: [
      `${ROOT}tools/in-cgroup`,
      String(limitMib),
      "--",
      Deno.execPath(),
      "task",
      "--quiet",
      "ingest",
      file,
      "--out",
      out,
      "--quiet",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const err = new TextDecoder().decode(r.stderr);
  const field = (k: string) => Number(new RegExp(`${k}=([\\d.]+)`).exec(err)?.[1] ?? NaN);
  return {
    section: "ms",
    name: "ms-memory",
    case: `ingest ${file.split("/").pop()} in a ${limitMib} MiB cgroup`,
    limitMib,
    fileMb: size / 1e6,
    peakMib: field("peak_mib"),
    oomKills: field("oom_kills"),
    exitCode: r.code,
  };
}

/** Runs the section; each part that cannot run is reported by `log` and left out. */
export async function benchMs(
  options: { runs?: number; log?: (line: string) => void } = {},
): Promise<(MsRecord | MsMemoryRecord)[]> {
  const runs = options.runs ?? 3;
  const log = options.log ?? ((s: string) => console.error(s));
  const records: (MsRecord | MsMemoryRecord)[] = [];
  const [openms, ms] = [await venv("openms"), await venv("ms")];
  records.push(await ingestCase(openms, await repeatedMzml(10), runs, log));
  const files = await bsaMgf();
  for (const exhaustive of [true, false]) {
    records.push(await matchCase(ms, files, "cosine", runs, log, exhaustive));
    records.push(await matchCase(ms, files, "modified-cosine", runs, log, exhaustive));
  }
  records.push(await memoryCase(64, 100));
  return records;
}
