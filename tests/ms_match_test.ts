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
import { cosineGreedy, matchSpectra, modifiedCosineGreedy } from "../src/ms/cosine.ts";
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
