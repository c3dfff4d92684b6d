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
  --precursor-tolerance T
                        only library spectra whose precursor m/z is within T of
                        the query's (matchms PrecursorMzMatch; spectra without a
                        precursor are then not candidates)
  --precursor-tolerance-type Dalton|ppm
                        T in Da (default) or in ppm of the two precursors' mean
  --exhaustive          score every pair; by default a pair whose binned upper
                        bound cannot reach a query's top-K scores is skipped (the
                        hits and their scores are the same either way)
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
    const where = `${file}: spectrum ${s.index}${s.id ? ` (${s.id})` : ""}`;
    for (let k = 0; k < s.mz.length; k++) {
      if (!Number.isFinite(s.mz[k]) || !Number.isFinite(s.intensity[k])) {
        throw new LamellaError(
          `${where}: peak ${k} has m/z ${s.mz[k]} and intensity ${s.intensity[k]}; ` +
            `scores need finite values (remove or repair the peak)`,
        );
      }
    }
    let mz = Float64Array.from(s.mz);
    let intensity = Float64Array.from(s.intensity);
    if (mz.some((v, k) => k > 0 && v < mz[k - 1])) {
      // Scores pair peaks along ascending m/z (as the MGF and MSP readers sort them).
      const order = Array.from(mz, (_, k) => k).sort((a, b) => mz[a] - mz[b] || a - b);
      [mz, intensity] = [
        Float64Array.from(order, (k) => mz[k]),
        Float64Array.from(order, (k) => intensity[k]),
      ];
    }
    out.push({
      index: s.index,
      id: s.id,
      ...(Number.isNaN(s.precursorMz) ? {} : { precursorMz: s.precursorMz }),
      mz,
      intensity,
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
      "precursor-tolerance": { type: "string" },
      "precursor-tolerance-type": { type: "string", default: "Dalton" },
      exhaustive: { type: "boolean", default: false },
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
  const type = values["precursor-tolerance-type"];
  if (type !== "Dalton" && type !== "ppm") {
    throw new LamellaError(`--precursor-tolerance-type: expected Dalton or ppm; found "${type}"`);
  }
  const top = number("top", values.top, 5);
  if (!Number.isInteger(top)) {
    throw new LamellaError(`--top: expected a whole number; found "${values.top}"`);
  }
  const options = {
    score: values.score,
    tolerance: number("tolerance", values.tolerance, 0.1),
    mzPower: number("mz-power", values["mz-power"], 0),
    intensityPower: number("intensity-power", values["intensity-power"], 1),
    top,
    minMatched: number("min-matched", values["min-matched"], 1),
    ...(values["precursor-tolerance"] === undefined ? {} : {
      precursorTolerance: number("precursor-tolerance", values["precursor-tolerance"], 0),
      precursorPpm: type === "ppm",
    }),
    exhaustive: values.exhaustive,
  } as const;
  const [library, queries] = [await read(values.library), await read(values.queries)];
  const t0 = performance.now();
  const counts = { pairs: 0, scored: 0 };
  const results = matchSpectra(library, queries, options, counts);
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
      `us/pair; ${counts.scored} pairs scored exactly, ${
        (100 * counts.scored / Math.max(1, counts.pairs)).toFixed(1)
      }%); ${out}/matches.json, matches.csv, matches.html`,
  );
  return 0;
}

if (import.meta.main) await runCli(main);
