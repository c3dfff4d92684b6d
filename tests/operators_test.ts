/**
 * What an operator hits on day one (issue 18): each case fails early and
 * clearly, or carries on and says why. Runs the real tasks in a temporary
 * working directory.
 */
import assert from "node:assert/strict";
import { DEFAULT_LIMITS, mergeLimits } from "../src/plan/settings_env.ts";
import { describeBudget, detectBudget } from "../src/plan/budget.ts";
import { parsePipelineConfig } from "../src/plan/config.ts";
import { ConfigError, StoreError } from "../src/model/errors.ts";
import { openStore } from "../src/store/store.ts";
import { discoverArrays } from "../src/store/discovery.ts";
import { runPipeline } from "../src/run/pipeline.ts";
import { kvStringBytes, storeReport } from "../src/report/sinks.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { serveDirectory } from "./_http_server.ts";
import { peaksStage } from "../src/stages/peaks.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function task(cwd: string, file: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}tasks/${file}`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, out: text.decode(out.stdout), err: text.decode(out.stderr) };
}

let sampleDir: string | undefined;
async function sample(): Promise<string> {
  if (!sampleDir) {
    sampleDir = await Deno.makeTempDir({ prefix: "lamella-ops-" });
    await generateSample(sampleDir, { scale: 0.25 });
  }
  return `${sampleDir}/sample.zarr`;
}

Deno.test("1. an --out that cannot be written fails before any array is processed", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-ops-" });
  try {
    await Deno.writeTextFile(`${cwd}/file`, "");
    const r = await task(cwd, "process.ts", ["--source", await sample(), "--out", "file/out"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /lamella: file\/out: cannot write the --out directory here/);
    assert.doesNotMatch(r.err, /"event":"start"|arrays processed/, "no array was started");
    assert.doesNotMatch(r.err, /NotADirectory|at .*\.ts:\d+/, "no stack trace");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("2. a report with non-Latin-1 text is stored in KV by its serialised size", async () => {
  // One en dash makes V8 store the whole string as two bytes per character.
  const text = `{"reason": "25–100 MB", "pad": "${"x".repeat(40_000)}"}`;
  assert.ok(new TextEncoder().encode(text).length < 60_000);
  assert.ok(kvStringBytes(text) > 60_000);
  const kv = await Deno.openKv(":memory:");
  try {
    const stored = await storeReport(
      { kind: "kv" },
      [{ name: "report.json", text, contentType: "application/json" }],
      { kv, job: "nightly", startedAt: "2026-12-04T00:00:00Z", env: {} },
    );
    assert.equal(stored.reportKey, undefined, "stored in parts, not as one value");
    assert.ok(stored.kvParts?.["report.json"]);
  } finally {
    kv.close();
  }
});

Deno.test("5. config mistakes are errors that name the file, line and key", () => {
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parsePipelineConfig(text, "p.yaml"),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      text,
    );
  bad("", /p\.yaml.*the pipeline file is empty/);
  bad("output:\n  formats: [json, pdf]\n", /p\.yaml:2 \(output\.formats\): unknown format pdf/);
  bad("limits:\n  memory_fraction: 1.5\n", /p\.yaml:2 \(limits\.memory_fraction\): .*\(0, 1\]/);
});

Deno.test("5. a stage whose options fit none of the arrays is a warning, not silence", async () => {
  const report = await runPipeline({
    source: await sample(),
    arrays: ["recon-2/**"],
    stages: [{ name: "stats", options: {} }, { name: "profile", options: { axes: [7] } }],
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
  });
  assert.ok(report.arrays.every((a) => !a.profiles));
  assert.ok(
    report.environment.warnings.some((w) =>
      /stage profile \{"axes":\[7\]\} applies to none/.test(w)
    ),
    report.environment.warnings.join("\n"),
  );
});

Deno.test("6. --help of every task prints its usage and exits 0", async () => {
  for (const file of ["process.ts", "cron.ts", "compile.ts", "merge.ts", "tune.ts", "match.ts"]) {
    const r = await task(ROOT, file, ["--help"]);
    assert.equal(r.code, 0, `${file}: ${r.err}`);
    assert.match(r.out, /Usage: deno task/, file);
  }
});

Deno.test("6. messages say where a value came from, once, in one unit", async () => {
  const limits = mergeLimits({ memoryLimitMb: 512 }, {}, {});
  const line = describeBudget(
    detectBudget(limits, { cgroup: null, systemMemoryBytes: 2 ** 33, cores: 2, rssBytes: 5e7 }),
    limits,
  );
  assert.match(line, /\(override --memory-limit-mb\)/);
  // A refused plan is printed as "error: ..." once, not "error: error: ...".
  const report = await runPipeline({
    source: await sample(),
    arrays: ["recon-2/em/fibsem-int16/s0"],
    stages: [{ name: "stats", options: {} }],
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS, maxArraySizeMb: 0.001, largeArrayMode: "fail" },
  });
  assert.ok(report.arrays[0].error);
  assert.doesNotMatch(report.arrays[0].error!, /^error:/);
  // The planner's budget is in MiB, like the budget line.
  assert.match(report.arrays[0].reason + line, /MiB/);
});

Deno.test("6. a trailing slash in --arrays matches the group; ftp:// is refused by name", async () => {
  const store = await openStore(await sample());
  const withSlash = await discoverArrays(store, ["recon-2/em/"]);
  assert.deepEqual(withSlash, await discoverArrays(store, ["recon-2/em"]));
  assert.ok(withSlash.length > 0);
  await assert.rejects(
    openStore("ftp://example.org/data.zarr"),
    (e: unknown) => e instanceof StoreError && /ftp:\/\/ is not supported/.test(e.message),
  );
});

Deno.test("4. a stalled server costs one request's attempts, then every array says it stalled", async () => {
  const store = await sample();
  const server = serveDirectory(store.slice(0, store.lastIndexOf("/")));
  // Every chunk of the EM pyramid hangs; metadata answers.
  server.faults.delay = /fibsem-int16\/s\d\/\d+\/\d+\/\d+$/;
  server.faults.delayMs = 2_000;
  server.faults.delayCount = Infinity;
  try {
    const report = await runPipeline({
      source: `${server.url}/sample.zarr`,
      arrays: ["recon-2/em/fibsem-int16/*"],
      stages: [{ name: "stats", options: {} }],
      stagesSource: "test",
      limits: { ...DEFAULT_LIMITS, requestTimeoutS: 0.2, requestAttempts: 2 },
      workers: false,
    });
    const [first, ...rest] = report.arrays;
    assert.ok(rest.length >= 2);
    assert.match(first.error ?? "", /timed out after 200 ms \(after 2 attempts\)/);
    for (const a of rest) {
      assert.match(
        a.error ?? "",
        /not requested: 127\.0\.0\.1:\d+ stalled \(no reply within 200 ms/,
      );
    }
  } finally {
    await server.server.shutdown();
  }
});

Deno.test("4. per-array and per-run deadlines end slow work with the setting's name", async () => {
  const store = await sample();
  const server = serveDirectory(store.slice(0, store.lastIndexOf("/")));
  server.faults.delay = /fibsem-int16\/s0\/\d+\/\d+\/\d+$/;
  server.faults.delayMs = 2_000;
  server.faults.delayCount = Infinity;
  try {
    const report = await runPipeline({
      source: `${server.url}/sample.zarr`,
      arrays: ["recon-2/em/fibsem-int16/*"],
      stages: [{ name: "stats", options: {} }],
      stagesSource: "test",
      limits: { ...DEFAULT_LIMITS, arrayDeadlineS: 1, runDeadlineS: 0.8 },
      workers: false,
    });
    const [s0, ...rest] = report.arrays;
    assert.match(
      s0.error ?? "",
      /s0: not finished within its deadline of 1 s \(LAMELLA_ARRAY_DEADLINE_S/,
    );
    const skipped = rest.filter((a) => a.strategy === "skip");
    assert.ok(skipped.length > 0, "arrays after the run's deadline are skipped");
    for (const a of skipped) assert.match(a.reason, /run's deadline of 0\.8 s had passed/);
  } finally {
    await server.server.shutdown();
  }
});

Deno.test("8. ground-truth 255 is not a label, and label arrays get no value histogram", async () => {
  const report = await runPipeline({
    source: await sample(),
    arrays: ["recon-1/labels/**"],
    stages: [
      { name: "stats", options: {} },
      { name: "histogram", options: {} },
      { name: "labels", options: {} },
    ],
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
  });
  const truth = report.arrays.find((a) => a.path.includes("groundtruth"))!;
  const labels = truth.labels as { voxels: Record<string, number>; ignored: string[] };
  assert.deepEqual(labels.ignored, ["0", "255"]);
  assert.equal(labels.voxels["255"], undefined);
  assert.ok(Object.keys(labels.voxels).length > 0);
  for (const a of report.arrays) assert.equal(a.histogram, undefined, a.path);
  // Asked for explicitly, both come back.
  const asked = await runPipeline({
    source: await sample(),
    arrays: [truth.path],
    stages: [
      { name: "histogram", options: { labels: true } },
      { name: "labels", options: { ignore: [0] } },
    ],
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
  });
  assert.ok(asked.arrays[0].histogram);
  assert.ok((asked.arrays[0].labels as { voxels: Record<string, number> }).voxels["255"] > 0);
});

Deno.test("8. the shoulder of a histogram mode gets no peak marker", () => {
  const g = (x: number, m: number, s: number, a: number) =>
    a * Math.exp(-((x - m) ** 2) / (2 * s * s));
  // One mode at 100 with a shoulder at 125 that the CWT alone reports as a peak.
  const counts = Array.from(
    { length: 256 },
    (_, i) => Math.round(g(i, 100, 10, 1000) + g(i, 125, 8, 400)),
  );
  const stage = peaksStage({ on: "histogram", snr: 3 }, "test");
  const info = { path: "a", dtype: "uint8" as const, shape: [1], chunks: [1] };
  const found = stage.derive!({ histogram: { counts, min: 0, binWidth: 1 } }, info);
  assert.deepEqual((found.peaks as { index: number }[]).map((p) => p.index), [100]);
});

Deno.test({
  name: "(cleanup)",
  fn: async () => {
    if (sampleDir) await Deno.remove(sampleDir, { recursive: true });
  },
});
