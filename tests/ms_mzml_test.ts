/**
 * The mzML reader against pyteomics on pymzml's BSA1.mzML.gz (fetched from
 * PyPI by tests/data/manifest.json): every spectrum's id, MS level,
 * retention time, precursor, peak count and sums agree. Faults: a truncated
 * file keeps the spectra before the cut and names where it ends; a bad
 * base64 block and mislabelled Numpress arrays are errors naming the
 * spectrum. MS-Numpress arrays (all six variants) written by pynumpress
 * decode to what pynumpress decodes: linear and pic exactly, slof to the
 * last bit of exp.
 */
import assert from "node:assert/strict";
import { readMzml } from "../src/ms/mzml.ts";
import { testData } from "./_data.ts";
import { testWith } from "./_prereq.ts";
import { runJson, venvPython } from "./_python.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const file = await testData("BSA1.mzML.gz");

interface Reference {
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

async function pyteomics(path: string): Promise<Reference[] | string> {
  const setup = await new Deno.Command("bash", {
    args: [`${ROOT}tests/python_setup.sh`, "ms"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!setup.success) return `tests/python_setup.sh ms: ${new TextDecoder().decode(setup.stderr)}`;
  const r = await new Deno.Command(new TextDecoder().decode(setup.stdout).trim(), {
    args: [`${ROOT}tests/python/pyteomics_mzml.py`, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

const want: Reference[] | string = typeof file === "string" ? await pyteomics(file) : file.missing;
const missing = typeof want === "string" ? want : null;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

testWith({
  name: "every spectrum of BSA1.mzML.gz reads as pyteomics reads it",
  async fn() {
    if (typeof want === "string" || typeof file !== "string") throw new Error(String(want));
    let k = 0;
    for await (const s of readMzml(file)) {
      const r: Reference = want[k++];
      const where = `spectrum ${r.index} (${r.id})`;
      assert.equal(s.index, r.index, where);
      assert.equal(s.id, r.id, where);
      assert.equal(s.msLevel, r.ms_level, where);
      assert.equal(s.centroided, r.centroided, where);
      assert.ok(r.rt === null ? Number.isNaN(s.rt) : close(s.rt, r.rt), `${where} rt ${s.rt}`);
      assert.ok(
        r.precursor_mz === null
          ? Number.isNaN(s.precursorMz)
          : close(s.precursorMz, r.precursor_mz),
        `${where} precursor ${s.precursorMz}`,
      );
      assert.equal(s.mz.length, r.n, where);
      assert.ok(close(s.mz.reduce((a, b) => a + b, 0), r.mz_sum), `${where} m/z sum`);
      assert.ok(
        close(s.intensity.reduce((a, b) => a + b, 0), r.intensity_sum),
        `${where} intensities`,
      );
    }
    assert.equal(k, want.length);
    console.log(
      `${k} spectra agree with pyteomics (${want.filter((r) => r.ms_level === 2).length} MS2)`,
    );
  },
}, missing);

testWith({
  name: "a truncated mzML keeps the spectra before the cut and says where it ends",
  async fn() {
    if (typeof file !== "string") throw new Error(file.missing);
    const text = new TextDecoder().decode(
      await new Response(
        (await Deno.open(file)).readable.pipeThrough(new DecompressionStream("gzip")),
      ).arrayBuffer(),
    );
    const cut = text.indexOf("<binary>", text.indexOf('<spectrum id="spectrum=1014"'));
    const path = await Deno.makeTempFile({ suffix: ".mzML" });
    try {
      await Deno.writeTextFile(path, text.slice(0, cut + 100));
      const seen: string[] = [];
      await assert.rejects(
        async () => {
          for await (const s of readMzml(path)) seen.push(s.id);
        },
        /spectrum 3 \(at byte \d+\): the file ends inside the spectrum: truncated\? \(the 3 spectra before it were read\)/,
      );
      assert.deepEqual(seen, ["spectrum=1011", "spectrum=1012", "spectrum=1013"]);
      // A damaged base64 block in the first spectrum.
      await Deno.writeTextFile(path, text.replace("<binary>WCz3", "<binary>W!z3"));
      await assert.rejects(
        async () => {
          for await (const _ of readMzml(path)) break;
        },
        /spectrum 0 \(at byte \d+\): a binary array is not valid base64/,
      );
      // Plain floats labelled MS-Numpress are an error naming the array, not a misreading.
      await Deno.writeTextFile(
        path,
        text.replace('accession="MS:1000576"', 'accession="MS:1002312"'),
      );
      await assert.rejects(
        async () => {
          for await (const _ of readMzml(path)) break;
        },
        /spectrum 0 \(at byte \d+\): a mz array (holds \d+ values, defaultArrayLength says \d+|.*does not decode)/,
      );
    } finally {
      await Deno.remove(path);
    }
  },
}, typeof file === "string" ? null : file.missing);

const formats = await venvPython("msformats");

testWith({
  name:
    "MS-Numpress arrays (linear, pic, slof, each also with zlib) decode as pynumpress decodes them",
  async fn() {
    if (!("python" in formats)) throw new Error(formats.missing);
    const path = await Deno.makeTempFile({ suffix: ".mzML" });
    try {
      const want = await runJson<{ mz: number[]; intensity: number[] }[]>(
        formats.python,
        "numpress_mzml.py",
        [path],
      );
      const got = await Array.fromAsync(readMzml(path));
      assert.equal(got.length, 6);
      got.forEach((s, i) => {
        assert.deepEqual([...s.mz], want[i].mz, `spectrum ${i} m/z`);
        if (i % 3 !== 2) {
          assert.deepEqual([...s.intensity], want[i].intensity, `spectrum ${i} intensity`);
          return;
        }
        // slof is exp(x / fixed point) - 1: V8's exp and the C library's differ in the last bit.
        assert.equal(s.intensity.length, want[i].intensity.length);
        s.intensity.forEach((v, j) => {
          const w = want[i].intensity[j];
          assert.ok(
            Math.abs(v - w) <= 1e-13 * Math.max(1, Math.abs(w)),
            `spectrum ${i}[${j}]: ${v} vs ${w}`,
          );
        });
      });
    } finally {
      await Deno.remove(path);
    }
  },
}, "missing" in formats ? formats.missing : null);
