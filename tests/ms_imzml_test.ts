/**
 * imzML against pyimzML, the library that writes and reads it: continuous and
 * processed files written by pyimzML's `ImzMLWriter` read pixel by pixel as its
 * `ImzMLParser` reads them (coordinates, peak counts and sums); `deno task
 * ingest` writes the pixel positions as `x` and `y`; a truncated `.ibd` is an
 * error naming the spectrum and what is wrong.
 */
import assert from "node:assert/strict";
import { readImzml } from "../src/ms/imzml.ts";
import { testWith } from "./_prereq.ts";
import { runJson, venvPython } from "./_python.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const formats = await venvPython("msformats");
const writers = await venvPython("writers");
const missing = "missing" in formats
  ? formats.missing
  : "missing" in writers
  ? writers.missing
  : null;

interface Pixel {
  x: number;
  y: number;
  n: number;
  mz_sum: number;
  intensity_sum: number;
}

testWith({
  name:
    "imzML (continuous and processed, written by pyimzML) reads as pyimzML reads it; ingest keeps x and y",
  async fn() {
    if (!("python" in formats) || !("python" in writers)) throw new Error(String(missing));
    const dir = await Deno.makeTempDir();
    try {
      const want = await runJson<Record<string, Pixel[]>>(formats.python, "imzml_reference.py", [
        dir,
      ]);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      for (const mode of ["continuous", "processed"]) {
        const got = await Array.fromAsync(readImzml(`${dir}/${mode}.imzML`));
        assert.equal(got.length, want[mode].length, mode);
        got.forEach((s, i) => {
          const w = want[mode][i];
          const where = `${mode} pixel ${i} (${w.x}, ${w.y})`;
          assert.deepEqual([s.x, s.y, s.mz.length], [w.x, w.y, w.n], where);
          assert.ok(close(s.mz.reduce((a, b) => a + b, 0), w.mz_sum), `${where} m/z`);
          assert.ok(close(s.intensity.reduce((a, b) => a + b, 0), w.intensity_sum), `${where} I`);
        });
        // Continuous mode: one m/z array, read once and shared.
        if (mode === "continuous") assert.equal(got[0].mz, got[got.length - 1].mz);
      }
      const out = `${dir}/processed.zarr`;
      const ingest = await new Deno.Command(Deno.execPath(), {
        args: ["task", "--quiet", "ingest", `${dir}/processed.imzML`, "--out", out, "--quiet"],
        cwd: ROOT,
        stderr: "piped",
      }).output();
      assert.ok(ingest.success, new TextDecoder().decode(ingest.stderr));
      const xy = await new Deno.Command(writers.python, {
        args: [
          "-c",
          `import zarr, json; g = zarr.open_group("${out}", mode="r"); ` +
          `print(json.dumps([g["x"][:].tolist(), g["y"][:].tolist(), str(g["x"].dtype)]))`,
        ],
        stdout: "piped",
      }).output();
      const [x, y, dtype] = JSON.parse(new TextDecoder().decode(xy.stdout));
      assert.deepEqual(x, want.processed.map((p) => p.x));
      assert.deepEqual(y, want.processed.map((p) => p.y));
      assert.equal(dtype, "uint32");
      // A truncated .ibd: the spectrum whose array runs past its end is named.
      const ibd = await Deno.readFile(`${dir}/processed.ibd`);
      await Deno.writeFile(`${dir}/processed.ibd`, ibd.subarray(0, ibd.length - 100));
      await assert.rejects(
        async () => {
          for await (const _ of readImzml(`${dir}/processed.imzML`)) { /* read all */ }
        },
        /processed\.imzML: spectrum 11 \(at byte \d+\): the array at byte \d+ \(\d+ bytes\) runs past the end of the \.ibd/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}, missing);
