/**
 * `deno task ingest FILE --out RUN.zarr`: a mass-spectrometry file (mzML,
 * mzXML, either also `.gz`; imzML; MGF, MSP) as an ms-run Zarr v3 store (src/ms/run_store.ts),
 * streamed spectrum by spectrum in bounded memory, with progress.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { LamellaError } from "../src/model/errors.ts";
import { runCli } from "../src/run/cli.ts";
import { MsRunWriter } from "../src/ms/run_store.ts";
import { readSpectra, spectrumFormat } from "../src/ms/spectra.ts";

const HELP = `lamella ingest: a mass-spectrometry file as an ms-run Zarr store

Usage: deno task ingest FILE --out RUN.zarr [--quiet]

FILE is mzML (base64, zlib or none, 32/64-bit floats, MS-Numpress) or mzXML (either
also .gz), imzML with its .ibd beside it (pixel positions go to x and y), or an MGF
or MSP library.
RUN.zarr is a Zarr v3 group: mz (float64) and intensity (float32) of every spectrum
concatenated, offsets (uint64, N+1), and per spectrum rt (s), ms_level, precursor_mz,
tic, base_peak_intensity, centroided; root attribute lamella.kind = "ms-run".
It is written beside RUN.zarr and moved into place at the end: an interrupted or
failed ingest leaves nothing at RUN.zarr.

Options:
  --out DIR     the store to write (must not exist)
  --quiet       no progress lines
  -h, --help    this text

Exit codes: 0 written, 1 a bad option or file (the message names the spectrum and offset).`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new LamellaError("ingest: expected one FILE; see --help");
  if (!values.out) throw new LamellaError("ingest: --out RUN.zarr is required; see --help");
  const file = positionals[0];
  const format = spectrumFormat(file);
  if (format === "ms-run") throw new LamellaError(`${file}: already an ms-run store`);
  let size = 0;
  try {
    size = (await Deno.stat(file)).size;
  } catch (e) {
    throw new LamellaError(`${file}: cannot read (${(e as Error).message})`);
  }
  const started = performance.now();
  const writer = await MsRunWriter.create(values.out, {
    source: file.split("/").pop(),
    format,
  });
  let lastLine = started;
  let read = 0;
  // Parsing makes garbage at the speed of the file (strings, arrays per spectrum) and V8 does
  // not see a container's limit: collect every 16 MB read when gc is exposed (the task runs
  // with --expose-gc), which keeps the memory in use flat whatever the file's size.
  const gc = (globalThis as { gc?: () => void }).gc;
  let collected = 0;
  const progress = (bytes: number) => {
    read = bytes;
    if (gc && bytes - collected >= 16e6) {
      collected = bytes;
      gc();
    }
    const now = performance.now();
    if (values.quiet || now - lastLine < 2000) return;
    lastLine = now;
    const mb = bytes / 1e6;
    console.error(
      `${file}: ${mb.toFixed(0)}/${(size / 1e6).toFixed(0)} MB (${
        (100 * bytes / size).toFixed(0)
      }%), ${(mb / ((now - started) / 1000)).toFixed(1)} MB/s`,
    );
  };
  try {
    for await (const s of readSpectra(file, progress)) await writer.add(s);
    const summary = await writer.finish();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${values.out}: ${summary.spectra} spectra, ${summary.peaks} peaks from ${file} ` +
        `(${(size / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s, ` +
        `${(size / 1e6 / seconds).toFixed(1)} MB/s`,
    );
    return 0;
  } catch (e) {
    await writer.abort();
    if (e instanceof LamellaError && read > 0) {
      throw new LamellaError(`${e.message}; nothing was written to ${values.out}`);
    }
    throw e;
  }
}

if (import.meta.main) await runCli(main);
