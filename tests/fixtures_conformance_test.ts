/**
 * lamella over zarrita's fixture stores written by zarr-python (every codec,
 * sharding, F order, big-endian, ragged chunks, strings): numeric arrays give
 * the same statistics as a plain whole-array computation, non-numeric ones a
 * per-array dtype error, and the run goes on.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { assertClose, plainStats } from "./_independent.ts";

const FIXTURES = new URL("../../shared/data/zarr-fixtures/", import.meta.url).pathname;
let present = false;
try {
  present = Deno.statSync(FIXTURES).isDirectory;
} catch {
  console.log(
    `skipping fixture conformance tests: ${FIXTURES} is absent (shared data not beside this clone)`,
  );
}

for (const version of ["v2", "v3"]) {
  Deno.test({
    name: `every ${version} fixture array is either reduced correctly or reported as unsupported`,
    ignore: !present,
    fn: async () => {
      const root = `${FIXTURES}${version}/data.zarr`;
      const report = await runPipeline({
        source: root,
        arrays: [],
        stages: [{ name: "stats", options: {} }],
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS },
      });
      assert.ok(report.arrays.length > 20, `found only ${report.arrays.length} arrays`);
      let checked = 0;
      for (const a of report.arrays) {
        if (/string|^v2:[USO]|object/.test(a.dtype)) {
          assert.match(a.error ?? "", /not numeric/, `${a.path} should be unsupported`);
          assert.match(a.error ?? "", new RegExp(a.path.replace(/[.]/g, "\\.")));
          continue;
        }
        assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
        const want = await plainStats(root, `/${a.path}`);
        const got = a.stats as Record<string, number | null>;
        assert.equal(got.count, want.count, `${a.path} count`);
        assert.equal(got.nanCount, want.nanCount, `${a.path} nanCount`);
        assertClose(got.min, want.min, 0, `${a.path} min`);
        assertClose(got.max, want.max, 0, `${a.path} max`);
        assertClose(got.mean, want.mean, 1e-12, `${a.path} mean`);
        assertClose(got.std, want.std, 1e-12, `${a.path} std`);
        checked++;
      }
      assert.ok(checked >= 15, `only ${checked} numeric arrays checked`);
    },
  });
}
