/**
 * The commands of a distributed run: `deno task process --shard I/N` writes
 * shard-I-of-N.json, `deno task merge --out DIR SHARD_DIR...` writes the
 * report.json a plain `process` run writes (up to timing and the measured
 * budget in the plan reasons), and a bad --shard is refused.
 */
import assert from "node:assert/strict";
import { generateSample } from "../tools/sample/sample.ts";
import { assertSameReport } from "./_compare_reports.ts";
import { assertValidReport } from "./_schema.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(script: string, cwd: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}tasks/${script}`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/** The plan reason quotes the budget, which depends on the memory measured at start. */
function withoutReasons(report: { source: string; arrays: Record<string, unknown>[] }) {
  return { ...report, arrays: report.arrays.map(({ reason: _r, ...a }) => a) };
}

Deno.test("process --shard 0/2 and 1/2, then merge, give the report of one process run", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-shard-cli-" });
  try {
    await generateSample(`${cwd}/data`, { scale: 0.25 });
    const common = ["--source", "data/sample.zarr", "--quiet"];
    const single = await run("process.ts", cwd, [...common, "--out", "single"]);
    assert.equal(single.code, 0, single.stderr);
    for (const i of [0, 1]) {
      const shard = await run("process.ts", cwd, [
        ...common,
        "--shard",
        `${i}/2`,
        "--out",
        `s${i}`,
      ]);
      assert.equal(shard.code, 0, shard.stderr);
      assert.match(
        shard.stderr,
        new RegExp(`shard ${i}/2: 11/11 arrays reduced.*shard-${i}-of-2\\.json`),
      );
    }
    const merge = await run("merge.ts", cwd, ["--out", "merged", "s0", "s1"]);
    assert.equal(merge.code, 0, merge.stderr);
    assert.match(merge.stderr, /11\/11 arrays merged from 2 shards; report: merged\/report\.json/);
    assert.match(merge.stdout, /recon-2\/em\/fibsem-int16\/s0/);
    const want = JSON.parse(await Deno.readTextFile(`${cwd}/single/report.json`));
    const got = JSON.parse(await Deno.readTextFile(`${cwd}/merged/report.json`));
    assertValidReport(want, "single run");
    assertValidReport(got, "merged report");
    assertSameReport(withoutReasons(want), withoutReasons(got), "CLI, 2 shards");

    const missing = await run("merge.ts", cwd, ["--out", "merged2", "s1"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /shard 0 of 2 missing/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("process refuses a --shard outside 0 <= I < N and --shard with --resume", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-shard-cli-" });
  try {
    for (const bad of ["2/2", "1", "x/3"]) {
      const r = await run("process.ts", cwd, ["--shard", bad]);
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /--shard: expected I\/N with whole numbers 0 <= I < N/);
    }
    const r = await run("process.ts", cwd, ["--shard", "0/2", "--resume"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--resume: not available with --shard/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
