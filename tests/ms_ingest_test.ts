/**
 * `deno task ingest` against the reference libraries: pymzml's BSA1.mzML.gz
 * ingested into an ms-run store reads back in zarr-python (writers venv)
 * spectrum by spectrum as pyteomics reads the mzML (ms venv); matchms'
 * pesticides.mgf ingested and used as a library gives the same matches as the
 * MGF itself. Faults: a truncated file is an error naming the spectrum and
 * offset and leaves nothing at --out; an existing --out is refused.
 */
import assert from "node:assert/strict";
import { testData } from "./_data.ts";
import { testWith } from "./_prereq.ts";
import { runJson, venvPython } from "./_python.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const mzml = await testData("BSA1.mzML.gz");
const mgf = await testData("pesticides.mgf");
const writers = await venvPython("writers");
const ms = await venvPython("ms");
const missing = typeof mzml !== "string"
  ? mzml.missing
  : typeof mgf !== "string"
  ? mgf.missing
  : "missing" in writers
  ? writers.missing
  : "missing" in ms
  ? ms.missing
  : null;

async function task(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: r.code, stdout: text.decode(r.stdout), stderr: text.decode(r.stderr) };
}

interface Pyteomics {
  index: number;
  id: string;
  ms_level: number;
  rt: number | null;
  n: number;
  mz_sum: number;
  intensity_sum: number;
  precursor_mz: number | null;
  centroided: boolean;
}
interface Stored {
  attributes: { lamella: { kind: string; spectra: number } };
  dtypes: Record<string, string>;
  spectra: (Omit<Pyteomics, "index" | "id"> & { tic: number; base_peak_intensity: number })[];
}

const close = (a: number, b: number, rel: number) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

testWith({
  name: "an ingested mzML reads back in zarr-python as pyteomics reads the file",
  async fn() {
    if (typeof mzml !== "string" || !("python" in writers) || !("python" in ms)) {
      throw new Error(String(missing));
    }
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/bsa.zarr`;
      const r = await task(["ingest", mzml, "--out", out, "--quiet"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1684 spectra, \d+ peaks/);
      const stored = await runJson<Stored>(writers.python, "read_ms_run.py", [out]);
      const want = await runJson<Pyteomics[]>(ms.python, "pyteomics_mzml.py", [mzml]);
      assert.equal(stored.attributes.lamella.kind, "ms-run");
      assert.equal(stored.attributes.lamella.spectra, want.length);
      assert.deepEqual(stored.dtypes, {
        base_peak_intensity: "float64",
        centroided: "bool",
        intensity: "float32",
        ms_level: "uint8",
        mz: "float64",
        offsets: "uint64",
        precursor_mz: "float64",
        rt: "float64",
        tic: "float64",
      });
      want.forEach((w, i) => {
        const s = stored.spectra[i];
        const where = `spectrum ${i} (${w.id})`;
        assert.equal(s.n, w.n, where);
        assert.ok(close(s.mz_sum, w.mz_sum, 1e-12), `${where} m/z ${s.mz_sum} vs ${w.mz_sum}`);
        // Intensities are float32 in the store (and in this file).
        assert.ok(close(s.intensity_sum, w.intensity_sum, 1e-6), `${where} intensity`);
        assert.equal(s.ms_level, w.ms_level, where);
        assert.equal(s.centroided, w.centroided, where);
        assert.ok(w.rt === null ? s.rt === null : close(s.rt!, w.rt, 1e-12), `${where} rt`);
        assert.ok(
          w.precursor_mz === null
            ? s.precursor_mz === null
            : close(s.precursor_mz!, w.precursor_mz, 1e-12),
          `${where} precursor`,
        );
        assert.ok(s.tic > 0 && s.base_peak_intensity > 0, where);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}, missing);

testWith({
  name: "an ingested MGF library gives the MGF's own matches; ms-run queries use their MS2 spectra",
  async fn() {
    if (typeof mgf !== "string") throw new Error(String(missing));
    const dir = await Deno.makeTempDir();
    try {
      const r = await task(["ingest", mgf, "--out", `${dir}/lib.zarr`, "--quiet"]);
      assert.equal(r.code, 0, r.stderr);
      const match = async (library: string, queries: string, out: string) => {
        const m = await task([
          "match",
          "--library",
          library,
          "--queries",
          queries,
          "--out",
          out,
          "--score",
          "modified-cosine",
          "--top",
          "3",
        ]);
        assert.equal(m.code, 0, m.stderr);
        return JSON.parse(await Deno.readTextFile(`${out}/matches.json`)).queries as {
          index: number;
          hits: { index: number; score: number; matched: number }[];
        }[];
      };
      const fromMgf = await match(mgf, mgf, `${dir}/a`);
      // The HTML page lists every query with its best hit first.
      const html = await Deno.readTextFile(`${dir}/a/matches.html`);
      assert.match(html, /^<!doctype html>/);
      assert.equal((html.match(/<h3 class="mono">query /g) ?? []).length, 76);
      const fromRun = await match(`${dir}/lib.zarr`, `${dir}/lib.zarr`, `${dir}/b`);
      assert.equal(fromMgf.length, 76);
      // The store keeps intensities as float32, so scores may move in the last digits.
      const hits = (qs: typeof fromMgf) =>
        qs.map((q) => [q.index, q.hits.map((h) => [h.index, h.matched])]);
      assert.deepEqual(hits(fromRun), hits(fromMgf));
      fromMgf.forEach((q, i) =>
        q.hits.forEach((h, k) => {
          const other = fromRun[i].hits[k].score;
          assert.ok(
            Math.abs(other - h.score) <= 1e-6,
            `query ${i} hit ${k}: ${other} vs ${h.score}`,
          );
        })
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}, missing);

testWith({
  name: "ingest: a truncated mzML names the spectrum and offset and leaves nothing at --out",
  async fn() {
    if (typeof mzml !== "string") throw new Error(String(missing));
    const dir = await Deno.makeTempDir();
    try {
      const text = new TextDecoder().decode(
        await new Response(
          (await Deno.open(mzml)).readable.pipeThrough(new DecompressionStream("gzip")),
        ).arrayBuffer(),
      );
      const cut = text.indexOf("<binary>", text.indexOf('<spectrum id="spectrum=1500"'));
      await Deno.writeTextFile(`${dir}/cut.mzML`, text.slice(0, cut + 50));
      const r = await task(["ingest", `${dir}/cut.mzML`, "--out", `${dir}/run.zarr`, "--quiet"]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /cut\.mzML: spectrum \d+ \(at byte \d+\): the file ends inside the spectrum: truncated\?.*nothing was written to/,
      );
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["cut.mzML"]);
      // An existing --out is refused, and left as it was.
      await Deno.mkdir(`${dir}/run.zarr`);
      const again = await task(["ingest", mzml, "--out", `${dir}/run.zarr`, "--quiet"]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /run\.zarr: already exists/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}, typeof mzml === "string" ? null : mzml.missing);
