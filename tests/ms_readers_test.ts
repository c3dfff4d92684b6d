/**
 * The MSP and mzXML readers against the libraries users compare with, on
 * matchms' own test files (fetched by tests/data/manifest.json): every MSP
 * spectrum's peaks and precursor as matchms `load_from_msp` reads them (five
 * dialects: one pair per line, `;`-separated pairs, `mz:intensity`, quoted
 * annotations, MoNA and MassBank exports), and every mzXML scan (MS1 to MS3)
 * as pyteomics reads it. Faults name the file, spectrum and line or offset.
 */
import assert from "node:assert/strict";
import { parseMsp } from "../src/ms/msp.ts";
import { readMzxml } from "../src/ms/mzxml.ts";
import { readSpectra } from "../src/ms/spectra.ts";
import { testData } from "./_data.ts";
import { testWith } from "./_prereq.ts";
import { runJson, venvPython } from "./_python.ts";

const MSP = [
  "MoNA-export-GC-MS-first10.msp",
  "massbank_five_spectra.msp",
  "golm.msp",
  "multiline_semicolon.msp",
  "comments_with_quotes.msp",
];
const files: Record<string, string | { missing: string }> = Object.fromEntries(
  await Promise.all([...MSP, "testdata.mzXML"].map(async (n) => [n, await testData(n)])),
);
const ms = await venvPython("ms");
const unfetched = Object.values(files).find((f) => typeof f !== "string") as
  | { missing: string }
  | undefined;
const missing = unfetched?.missing ??
  ("missing" in ms ? ms.missing : null);

testWith({
  name: "MSP: every spectrum of five matchms test files reads as matchms reads it",
  async fn() {
    if (!("python" in ms)) throw new Error(ms.missing);
    type Read = { n: number; mz: number[]; intensities: number[]; precursor_mz: number | null };
    const paths = MSP.map((name) => files[name] as string);
    const all = await runJson<Record<string, Read[]>>(ms.python, "matchms_msp.py", paths);
    let total = 0;
    for (const name of MSP) {
      const path = files[name] as string;
      const want = all[path];
      const got = parseMsp(await Deno.readTextFile(path), path);
      assert.equal(got.length, want.length, name);
      got.forEach((s, i) => {
        const where = `${name} spectrum ${i} (${s.id})`;
        assert.deepEqual([...s.mz], want[i].mz, `${where} m/z`);
        assert.deepEqual([...s.intensity], want[i].intensities, `${where} intensities`);
        assert.equal(s.precursorMz ?? null, want[i].precursor_mz, `${where} precursor`);
      });
      total += got.length;
    }
    console.log(`${total} MSP spectra in ${MSP.length} files agree with matchms`);
  },
}, missing);

testWith({
  name: "mzXML: every scan of matchms' testdata.mzXML reads as pyteomics reads it",
  async fn() {
    if (!("python" in ms)) throw new Error(ms.missing);
    const path = files["testdata.mzXML"] as string;
    const want = await runJson<
      {
        num: string;
        ms_level: number;
        rt: number;
        n: number;
        mz_sum: number;
        intensity_sum: number;
        precursor_mz: number | null;
      }[]
    >(ms.python, "pyteomics_mzxml.py", [path]);
    const got = await Array.fromAsync(readMzxml(path));
    assert.equal(got.length, want.length);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    got.forEach((s, i) => {
      const w = want[i];
      const where = `scan ${w.num}`;
      assert.equal(s.id, `scan=${w.num}`);
      assert.equal(s.msLevel, w.ms_level, where);
      assert.ok(close(s.rt, w.rt), `${where} rt ${s.rt} vs ${w.rt}`);
      assert.equal(s.mz.length, w.n, where);
      assert.ok(close(s.mz.reduce((a, b) => a + b, 0), w.mz_sum), `${where} m/z`);
      assert.ok(close(s.intensity.reduce((a, b) => a + b, 0), w.intensity_sum), `${where} I`);
      assert.ok(
        w.precursor_mz === null
          ? Number.isNaN(s.precursorMz)
          : close(s.precursorMz, w.precursor_mz),
        `${where} precursor`,
      );
      assert.ok(s.centroided, `${where}: dataProcessing says centroided`);
    });
    // readSpectra dispatches on the extension.
    assert.equal((await Array.fromAsync(readSpectra(path))).length, want.length);
  },
}, missing);

testWith({
  name: "MSP and mzXML faults name the file, the spectrum and the line or offset",
  async fn() {
    assert.throws(
      () => parseMsp("Name: a\nNum Peaks: 3\n1 2\n3 4\n\nName: b\n", "lib.msp"),
      /lib\.msp: spectrum 0 \(line 1\): "Num Peaks: 3" but 2 peaks before line 5/,
    );
    assert.throws(
      () => parseMsp("Name: a\nNum Peaks: 2\n1 2\nabc def\n", "lib.msp"),
      /lib\.msp: spectrum 0, line 4: expected peaks/,
    );
    const path = files["testdata.mzXML"] as string;
    const text = await Deno.readTextFile(path);
    const cut = await Deno.makeTempFile({ suffix: ".mzXML" });
    try {
      await Deno.writeTextFile(
        cut,
        text.slice(0, text.indexOf("<peaks", text.indexOf('num="219"')) + 80),
      );
      const seen: string[] = [];
      await assert.rejects(
        async () => {
          for await (const s of readMzxml(cut)) seen.push(s.id);
        },
        /scan 2 \(at byte \d+\): the file ends inside the scan: truncated\? \(the 2 scans before it were read\)/,
      );
      assert.deepEqual(seen, ["scan=217", "scan=218"]);
    } finally {
      await Deno.remove(cut);
    }
  },
}, missing);
