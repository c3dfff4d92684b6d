/**
 * schema/report.schema.json describes what lamella writes: reports with every
 * stage kind, plan-only and failed arrays, shard merges and per-row and
 * skipped peaks validate; reports with a missing field, a wrong enum value
 * or a wrong type do not. (The e2e, bad-input, shard and worker tests
 * validate the reports they produce too.)
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { VERSION } from "../src/model/report.ts";
import { mergeShards, runShard } from "../src/distributed/mod.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { assertValidReport, REPORT_SCHEMA } from "./_schema.ts";
import type { StageSpec } from "../src/stages/stage.ts";

const EVERY_STAGE: StageSpec[] = [
  { name: "stats", options: {} },
  { name: "histogram", options: { bins: 256 } },
  { name: "quantiles", options: [0.01, 0.5, 0.99] },
  { name: "profile", options: { axes: [0], reduce: "max" } },
  { name: "labels", options: {} },
  { name: "peaks", options: { on: "histogram", snr: 3 } },
  { name: "checksum", options: {} },
];

let sampleDir: string | undefined;
async function sample(): Promise<string> {
  if (!sampleDir) {
    sampleDir = await Deno.makeTempDir({ prefix: "lamella-schema-" });
    await generateSample(sampleDir, { scale: 0.25 });
  }
  return `${sampleDir}/sample.zarr`;
}

const run = async (stages: StageSpec[], extra: Record<string, unknown> = {}) =>
  runPipeline({
    source: await sample(),
    arrays: [],
    stages,
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
    ...extra,
  });

Deno.test("the schema's version is lamella's", () => {
  assert.equal((REPORT_SCHEMA.properties as { version: { const: string } }).version.const, VERSION);
  assert.ok(String(REPORT_SCHEMA.$id).endsWith(`:${VERSION}`));
});

Deno.test("a report with every stage kind, on every sample array, is valid", async () => {
  const report = await run(EVERY_STAGE);
  assert.ok(report.arrays.length >= 10);
  assert.ok(report.arrays.some((a) => a.labels) && report.arrays.some((a) => a.profiles));
  assertValidReport(report);
});

Deno.test("signal and per-row peaks, plan-only runs and skipped arrays are valid", async () => {
  const peaks = await run([
    { name: "stats", options: {} },
    { name: "peaks", options: { on: "signal", snr: 3 } },
    { name: "peaks", options: { on: "signal", axis: -1, snr: 3, scales: [1, 32] } },
  ], { arrays: ["ms/**"] });
  assert.ok(peaks.arrays.some((a) => a.peaks && !Array.isArray(a.peaks)), "per-row peaks");
  assertValidReport(peaks, "peaks report");
  assertValidReport(await run(EVERY_STAGE, { planOnly: true }), "plan-only report");
  const skipped = await run([{ name: "stats", options: {} }], {
    limits: { ...DEFAULT_LIMITS, maxArraySizeMb: 1, largeArrayMode: "skip" },
  });
  assert.ok(skipped.arrays.some((a) => a.strategy === "skip"));
  assertValidReport(skipped, "report with skipped arrays");
});

Deno.test("a merged shard report (with peaks skipped in shards) is valid", async () => {
  const request = {
    source: await sample(),
    arrays: [],
    stages: [...EVERY_STAGE, { name: "peaks", options: { on: "signal", axis: -1 } }],
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
  };
  const files = [];
  for (let i = 0; i < 3; i++) {
    files.push(await runShard({ ...request, shard: { index: i, count: 3 } }));
  }
  const merged = mergeShards(files);
  assert.equal(merged.shards, 3);
  assertValidReport(merged, "merged report");
});

Deno.test("reports that break the schema are refused, saying where", async () => {
  const good = JSON.parse(JSON.stringify(await run([{ name: "stats", options: {} }])));
  // deno-lint-ignore no-explicit-any
  type Doc = Record<string, any>;
  const broken = (edit: (r: Doc) => void) => {
    const r = structuredClone(good);
    edit(r);
    return r;
  };
  const cases: Array<[string, (r: Doc) => void, RegExp]> = [
    ["no version", (r) => delete r.version, /must have required property 'version'/],
    ["another version", (r) => r.version = "9.9.9", /\/version must be equal to constant/],
    ["unknown strategy", (r) => r.arrays[0].strategy = "fast", /\/arrays\/0\/strategy/],
    ["negative seconds", (r) => r.arrays[0].seconds = -1, /\/arrays\/0\/seconds/],
    ["stats without count", (r) => delete r.arrays[0].stats.count, /\/arrays\/0\/stats/],
    ["a string for a shape", (r) => r.arrays[0].shape = "64x64", /\/arrays\/0\/shape/],
    ["bad start time", (r) => r.startedAt = "yesterday", /\/startedAt must match format/],
    ["an unknown top-level key", (r) => r.extra = 1, /must NOT have additional properties/],
  ];
  for (const [what, edit, message] of cases) {
    assert.throws(() => assertValidReport(broken(edit)), message, what);
  }
});

Deno.test({
  name: "(cleanup)",
  fn: async () => {
    if (sampleDir) await Deno.remove(sampleDir, { recursive: true });
  },
});
