/**
 * lamella over Zarr stores written by zarr-python (tests/_zarr_fixtures.ts:
 * every numeric dtype, the codecs and filters zarr-python offers, sharding,
 * F order, big-endian, ragged edge chunks, fill values, NaN): numeric arrays
 * give the statistics NumPy computes on zarr-python's own reading of them,
 * non-numeric ones a per-array error naming the array, and the run goes on.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { assertClose } from "./_independent.ts";
import { testWith } from "./_prereq.ts";
import { type ExpectedArray, zarrFixtures } from "./_zarr_fixtures.ts";

const fixtures = await zarrFixtures();
const missing = typeof fixtures === "string" ? fixtures : null;

for (const version of ["v2", "v3"]) {
  testWith({
    name: `every ${version} array zarr-python wrote is reduced as zarr-python reads it, or refused`,
    fn: async () => {
      if (typeof fixtures === "string") throw new Error(fixtures);
      const report = await runPipeline({
        source: `${fixtures.dir}/${version}/data.zarr`,
        arrays: [],
        stages: [{ name: "stats", options: {} }],
        stagesSource: "test",
        limits: { ...DEFAULT_LIMITS },
      });
      const expected = Object.entries(fixtures.arrays).filter(([k]) => k.startsWith(`${version}/`));
      assert.equal(
        report.arrays.length,
        expected.length,
        `found ${report.arrays.map((a) => a.path)}`,
      );
      let checked = 0;
      for (const a of report.arrays) {
        const want: ExpectedArray | undefined = fixtures.arrays[`${version}/${a.path}`];
        assert.ok(want, `${a.path} was not written by the generator`);
        if (want.unsupported) {
          assert.match(a.error ?? "", /not numeric/, `${a.path} should be refused`);
          assert.ok(a.error!.includes(a.path), `the error names ${a.path}`);
          continue;
        }
        assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
        assert.deepEqual(a.shape, want.shape, `${a.path} shape`);
        const got = a.stats as Record<string, number | null>;
        assert.equal(got.count, want.count, `${a.path} count`);
        assert.equal(got.nanCount, want.nanCount, `${a.path} nanCount`);
        assertClose(got.min, want.min ?? null, 0, `${a.path} min`);
        assertClose(got.max, want.max ?? null, 0, `${a.path} max`);
        assertClose(got.mean, want.mean ?? null, 1e-12, `${a.path} mean`);
        assertClose(got.std, want.std ?? null, 1e-12, `${a.path} std`);
        checked++;
      }
      assert.ok(checked >= 30, `only ${checked} numeric arrays checked`);
      console.log(`${version}: ${checked} arrays agree with ${fixtures.writer}`);
    },
  }, missing);
}
