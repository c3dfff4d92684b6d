/**
 * `deno task match`: scores query spectra against a spectral library the way
 * matchms does (`CosineGreedy`, `ModifiedCosineGreedy`) and writes each
 * query's best hits to `DIR/matches.json`, `DIR/matches.csv` and `DIR/matches.html`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { LamellaError } from "../src/model/errors.ts";
import { runCli } from "../src/run/cli.ts";
import { writeFileAtomic } from "../src/store/atomic.ts";
import type { MsSpectrum } from "../src/ms/mgf.ts";
import { readSpectra, spectrumFormat } from "../src/ms/spectra.ts";
import { matchSpectra } from "../src/ms/cosine.ts";
import { renderMatchesHtml } from "../src/report/mod.ts";

const HELP = `lamella: match query spectra against a spectral library (scores as matchms).

Usage: deno task match --library LIB --queries Q --out DIR [options]

LIB and Q are MGF, MSP, mzML, mzXML (either also .gz) or ms-run stores (deno task
ingest); from mzML, mzXML and ms-run stores the MS2 spectra are used, from MGF and
MSP libraries every spectrum.

Options:
  --library FILE        library spectra
  --queries FILE        query spectra
  --out DIR             where matches.json, matches.csv and matches.html go
                        (default: out/match)
  --score S             cosine (matchms CosineGreedy, default) or modified-cosine
                        (ModifiedCosineGreedy: also pairs shifted by the precursor difference)
  --tolerance DA        peaks match within this many Da (default 0.1)
  --mz-power P          weight of m/z in a peak's value (default 0)
  --intensity-power P   weight of intensity (default 1)
  --top K               hits kept per query (default 5)
  --min-matched N       fewest matched peaks for a hit (default 1)
  -h, --help            this text

Exit codes: 0 done, 1 a bad option or file.`;

function number(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new LamellaError(`--${name}: expected a non-negative number; found "${value}"`);
  }
  return n;
}

/** The MS2 spectra of `file` (every spectrum of an MGF or MSP), as the scorer takes them. */
async function read(file: string): Promise<MsSpectrum[]> {
  const format = spectrumFormat(file);
  const out: MsSpectrum[] = [];
  for await (const s of readSpectra(file)) {
    if (format !== "mgf" && format !== "msp" && s.msLevel !== 2) continue;
    out.push({
      index: s.index,
      id: s.id,
      ...(Number.isNaN(s.precursorMz) ? {} : { precursorMz: s.precursorMz }),
      mz: Float64Array.from(s.mz),
      intensity: Float64Array.from(s.intensity),
      params: {},
    });
  }
  if (out.length === 0) throw new LamellaError(`${file}: no MS2 spectra in it`);
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      library: { type: "string" },
      queries: { type: "string" },
      out: { type: "string", default: "out/match" },
      score: { type: "string", default: "cosine" },
      tolerance: { type: "string" },
      "mz-power": { type: "string" },
      "intensity-power": { type: "string" },
      top: { type: "string" },
      "min-matched": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.library || !values.queries) {
    throw new LamellaError("match: --library and --queries are required; see --help");
  }
  if (values.score !== "cosine" && values.score !== "modified-cosine") {
    throw new LamellaError(`--score: expected cosine or modified-cosine; found "${values.score}"`);
  }
  const [library, queries] = [await read(values.library), await read(values.queries)];
  const t0 = performance.now();
  const results = matchSpectra(library, queries, {
    score: values.score,
    tolerance: number("tolerance", values.tolerance, 0.1),
    mzPower: number("mz-power", values["mz-power"], 0),
    intensityPower: number("intensity-power", values["intensity-power"], 1),
    top: number("top", values.top, 5),
    minMatched: number("min-matched", values["min-matched"], 1),
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = values.out!;
  await writeFileAtomic(
    `${out}/matches.json`,
    JSON.stringify({ queries: results }, null, 1) + "\n",
  );
  const csv = ["query_index,query_id,rank,library_index,library_id,score,matched"];
  for (const q of results) {
    q.hits.forEach((h, rank) =>
      csv.push(
        [q.index, JSON.stringify(q.id), rank + 1, h.index, JSON.stringify(h.id), h.score, h.matched]
          .join(","),
      )
    );
  }
  await writeFileAtomic(`${out}/matches.csv`, csv.join("\n") + "\n");
  await writeFileAtomic(
    `${out}/matches.html`,
    renderMatchesHtml(results, {
      library: values.library,
      queries: values.queries,
      score: values.score,
      seconds,
    }),
  );
  console.error(
    `${queries.length} queries x ${library.length} library spectra (${values.score}) scored in ` +
      `${seconds.toFixed(3)} s (${
        (seconds * 1e6 / (queries.length * library.length)).toFixed(2)
      } ` +
      `us/pair); ${out}/matches.json, matches.csv, matches.html`,
  );
  return 0;
}

if (import.meta.main) await runCli(main);
