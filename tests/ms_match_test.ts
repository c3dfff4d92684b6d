/**
 * Spectral matching against matchms itself: every pair of the 76 spectra of
 * matchms' own pesticides.mgf (fetched from PyPI by tests/data/manifest.json)
 * scored by lamella and by matchms `CosineGreedy` and `ModifiedCosineGreedy`
 * (run in the pinned `ms` venv): scores within 1e-6, the same matched-peak
 * counts, and the same best hit for every query. The MGF reader is checked
 * against matchms' reading of the same file (precursor m/z per spectrum).
 */
import assert from "node:assert/strict";
import { parseMgf } from "../src/ms/mgf.ts";
import {
  cosineGreedy,
  matchSpectra,
  modifiedCosineGreedy,
  prepareSpectrum,
} from "../src/ms/cosine.ts";
import { SpectralLibrary } from "../kernels/mod.ts";
import { testData } from "./_data.ts";
import { testWith } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const mgf = await testData("pesticides.mgf");

async function reference(file: string): Promise<
  { n: number; cosine: number[][]; modified: number[][]; precursor_mz: (number | null)[] } | string
> {
  const setup = await new Deno.Command("bash", {
    args: [`${ROOT}tests/python_setup.sh`, "ms"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!setup.success) return `tests/python_setup.sh ms: ${new TextDecoder().decode(setup.stderr)}`;
  const python = new TextDecoder().decode(setup.stdout).trim();
  const r = await new Deno.Command(python, {
    args: [`${ROOT}tests/python/matchms_scores.py`, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

const want = typeof mgf === "string" ? await reference(mgf) : mgf.missing;
const missing = typeof want === "string" ? want : null;

testWith({
  name: "cosine and modified cosine equal matchms on every pair of pesticides.mgf",
  fn() {
    if (typeof want === "string" || typeof mgf !== "string") throw new Error(String(want));
    const spectra = parseMgf(Deno.readTextFileSync(mgf), mgf);
    assert.equal(spectra.length, want.n);
    assert.deepEqual(spectra.map((s) => s.precursorMz ?? null), want.precursor_mz);
    let worst = 0;
    for (let i = 0; i < spectra.length; i++) {
      for (let j = 0; j < spectra.length; j++) {
        const k = i * spectra.length + j;
        for (
          const [name, got, ref] of [
            ["cosine", cosineGreedy(spectra[i], spectra[j]), want.cosine[k]],
            ["modified cosine", modifiedCosineGreedy(spectra[i], spectra[j]), want.modified[k]],
          ] as const
        ) {
          assert.equal(got.matched, ref[1], `${name} ${i} x ${j}: matched peaks`);
          const err = Math.abs(got.score - ref[0]);
          worst = Math.max(worst, err);
          assert.ok(err <= 1e-6, `${name} ${i} x ${j}: ${got.score} vs matchms ${ref[0]}`);
        }
      }
    }
    console.log(
      `${spectra.length ** 2} pairs, twice: largest score difference ${worst.toExponential(2)}`,
    );
  },
}, missing);

testWith({
  name: "the WASM similarity kernel equals matchms on every pair of pesticides.mgf",
  fn() {
    if (typeof want === "string" || typeof mgf !== "string") throw new Error(String(want));
    const spectra = parseMgf(Deno.readTextFileSync(mgf), mgf);
    const n = spectra.length;
    const prepared = spectra.map((s) => prepareSpectrum(s));
    const library = new SpectralLibrary(prepared);
    try {
      for (const [modified, table] of [[false, want.cosine], [true, want.modified]] as const) {
        for (let j = 0; j < n; j++) {
          const { score, matched } = library.score(prepared[j], { tolerance: 0.1, modified });
          for (let i = 0; i < n; i++) {
            const [ref, refMatched] = table[i * n + j];
            const label = `${modified ? "modified " : ""}cosine ${i} x ${j}`;
            assert.equal(matched[i], refMatched, `${label}: matched peaks`);
            assert.ok(Math.abs(score[i] - ref) <= 1e-6, `${label}: ${score[i]} vs matchms ${ref}`);
          }
        }
      }
    } finally {
      library.free();
    }
  },
}, missing);

testWith({
  name: "every query's best library hit is matchms' (the query itself left out)",
  fn() {
    if (typeof want === "string" || typeof mgf !== "string") throw new Error(String(want));
    const spectra = parseMgf(Deno.readTextFileSync(mgf), mgf);
    const n = spectra.length;
    for (
      const [score, table] of [["cosine", want.cosine], ["modified-cosine", want.modified]] as const
    ) {
      for (const q of spectra) {
        const library = spectra.filter((s) => s.index !== q.index);
        const [hits] = matchSpectra(library, [q], { score, top: 1, minMatched: 1 });
        const best = library
          .map((l) => ({
            index: l.index,
            score: table[l.index * n + q.index][0],
            m: table[l.index * n + q.index][1],
          }))
          .filter((x) => x.m >= 1 && x.score > 0)
          .sort((a, b) => b.score - a.score || a.index - b.index)[0];
        assert.equal(hits.hits[0]?.index, best?.index, `${score}: query ${q.index}`);
      }
    }
  },
}, missing);

Deno.test("a malformed MGF names the file, line and spectrum", () => {
  assert.throws(
    () => parseMgf("BEGIN IONS\nPEPMASS=100\n100 5\n101 x\nEND IONS\n", "bad.mgf"),
    /bad\.mgf:4: expected a peak line "m\/z intensity"; found "101 x" \(spectrum 0, from line 1\)/,
  );
  assert.throws(
    () => parseMgf("BEGIN IONS\nPEPMASS=100\n100 5\n", "cut.mgf"),
    /cut\.mgf:4: the file ends inside a spectrum \(no END IONS\): truncated\?/,
  );
});

testWith({
  name: "deno task match writes each query's hits as JSON and CSV",
  async fn() {
    if (typeof mgf !== "string") throw new Error(mgf.missing);
    const out = await Deno.makeTempDir({ prefix: "lamella-match-" });
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}tasks/match.ts`,
          "--library",
          mgf,
          "--queries",
          mgf,
          "--out",
          out,
          "--top",
          "3",
          "--score",
          "modified-cosine",
        ],
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      const { queries } = JSON.parse(await Deno.readTextFile(`${out}/matches.json`));
      assert.equal(queries.length, 76);
      // A spectrum is its own best hit, with score 1.
      for (const q of queries) {
        assert.equal(q.hits.length, 3);
        assert.ok(
          Math.abs(q.hits[0].score - 1) < 1e-12 && q.hits[0].index === q.index,
          `query ${q.index}`,
        );
      }
      const csv = (await Deno.readTextFile(`${out}/matches.csv`)).trim().split("\n");
      assert.equal(csv.length, 1 + 76 * 3);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
}, typeof mgf === "string" ? null : mgf.missing);

Deno.test("deno task match: precursor windows, --exhaustive, and non-finite peaks refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-match-opts-" });
  const mgfOf = (spectra: [number, string][]) =>
    spectra.map(([pepmass, peaks], k) =>
      `BEGIN IONS\nTITLE=s${k}\nPEPMASS=${pepmass}\n${peaks}\nEND IONS\n`
    ).join("");
  try {
    await Deno.writeTextFile(
      `${dir}/lib.mgf`,
      mgfOf([[500, "100 1\n200 2\n300 3"], [500.02, "100 1\n200 2\n300 3"], [600, "100 1\n200 2"]]),
    );
    await Deno.writeTextFile(`${dir}/q.mgf`, mgfOf([[500.01, "100 1\n200 2\n300 3"]]));
    // 1e999 reads as Infinity: the reader takes it, the scorer must not.
    await Deno.writeTextFile(
      `${dir}/bad.msp`,
      "Name: s0\nPrecursorMZ: 500\nNum Peaks: 2\n100 1\n200 1e999\n\n",
    );
    const run = async (...extra: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}tasks/match.ts`,
          "--library",
          `${dir}/lib.mgf`,
          "--queries",
          `${dir}/q.mgf`,
          "--out",
          `${dir}/out`,
          "--top",
          "5",
          ...extra,
        ],
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      if (r.code !== 0) return { code: r.code, err, ids: [] as string[] };
      const { queries } = JSON.parse(await Deno.readTextFile(`${dir}/out/matches.json`));
      return { code: 0, err, ids: queries[0].hits.map((h: { id: string }) => h.id) };
    };
    assert.deepEqual((await run()).ids, ["s0", "s1", "s2"]);
    assert.deepEqual((await run("--precursor-tolerance", "0.015")).ids, ["s0", "s1"]);
    // 0.01 Da at ~500 is 20 ppm.
    assert.deepEqual(
      (await run("--precursor-tolerance", "19", "--precursor-tolerance-type", "ppm")).ids,
      [],
    );
    assert.deepEqual(
      (await run("--precursor-tolerance", "21", "--precursor-tolerance-type", "ppm")).ids,
      ["s0", "s1"],
    );
    const all = await run("--exhaustive");
    assert.deepEqual(all.ids, ["s0", "s1", "s2"]);
    assert.match(all.err, /3 pairs scored exactly, 100\.0%/);
    const badType = await run("--precursor-tolerance", "5", "--precursor-tolerance-type", "mDa");
    assert.equal(badType.code, 1);
    assert.match(badType.err, /--precursor-tolerance-type: expected Dalton or ppm; found "mDa"/);
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}tasks/match.ts`,
        "--library",
        `${dir}/bad.msp`,
        "--queries",
        `${dir}/q.mgf`,
        "--out",
        `${dir}/out2`,
      ],
      stderr: "piped",
    }).output();
    assert.equal(r.code, 1);
    assert.match(
      new TextDecoder().decode(r.stderr),
      /bad\.msp: spectrum 0 \(s0\): peak 1 has m\/z 200 and intensity Infinity/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
