/**
 * Fault injection: what happens to a run when things break under it.
 *
 * - Every bundled pipeline in memory cgroups from 64 MiB up: never killed by
 *   the OOM killer; the planner or a stage refuses what does not fit, naming
 *   the array and what to do, and the report is written.
 * - SIGKILL at seeded random points of a run, then `--resume`: the report is
 *   the one an uninterrupted run writes.
 * - A server that breaks replies mid-body, and chunk files cut short or
 *   corrupted on disk: the array with the broken chunk is an error naming the
 *   chunk; every other array is right.
 *
 * No assertion is on time.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { serveDirectory } from "./_http_server.ts";
import { testWith } from "./_prereq.ts";
import { rng } from "./_random.ts";
import { assertValidReport } from "./_schema.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TOOL = `${ROOT}tools/in-cgroup`;

async function command(cmd: string, args: string[], cwd = ROOT) {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { code: out.code, out: text.decode(out.stdout), err: text.decode(out.stderr) };
}

const process = (args: string[]) => [
  "run",
  "-A",
  "--v8-flags=--expose-gc",
  `${ROOT}tasks/process.ts`,
  ...args,
];

let sampleDir: string | undefined;
async function sample(): Promise<string> {
  if (!sampleDir) {
    sampleDir = await Deno.makeTempDir({ prefix: "lamella-faults-" });
    await generateSample(sampleDir, { scale: 0.25 });
  }
  return `${sampleDir}/sample.zarr`;
}

const probe = await command(TOOL, ["64", "--", "true"]);
const cgroupMissing = probe.code === 0
  ? null
  : probe.code === 77
  ? `tools/in-cgroup: ${probe.err.trim()}`
  : (() => {
    throw new Error(`tools/in-cgroup failed: ${probe.err}`);
  })();

for (const config of ["pipeline", "mass-spec"]) {
  testWith({
    name:
      `config/${config}.yaml in 64, 96 and 128 MiB cgroups: no OOM kill, a report, refusals named`,
    async fn() {
      for (const mib of [64, 96, 128]) {
        const out = await Deno.makeTempDir({ prefix: "lamella-faults-cg-" });
        try {
          const r = await command(TOOL, [
            String(mib),
            "--",
            Deno.execPath(),
            ...process([
              "--config",
              `${ROOT}config/${config}.yaml`,
              "--source",
              await sample(),
              "--out",
              out,
              "--quiet",
            ]),
          ]);
          const closing = r.err.split("\n").findLast((l) => l.startsWith("in-cgroup: ")) ?? "";
          assert.match(closing, /oom_kills=0/, `${config} in ${mib} MiB: ${r.err.slice(-1500)}`);
          assert.ok(r.code === 0 || r.code === 2, `${config} in ${mib} MiB exited ${r.code}`);
          const report = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
          assertValidReport(report, `${config} in ${mib} MiB`);
          for (const a of report.arrays) {
            if (a.error) {
              assert.ok(a.error.includes(a.path), `the error names ${a.path}: ${a.error}`);
              assert.match(a.error, /raise the memory limit|budget/, a.error);
            }
          }
          console.log(
            `${config} in ${mib} MiB: ${
              report.arrays.filter((a: { error?: string }) => !a.error).length
            }/${report.arrays.length} arrays; ${closing}`,
          );
        } finally {
          await Deno.remove(out, { recursive: true });
        }
      }
    },
  }, cgroupMissing);
}

/** A report without what differs between runs (times, the measured budget). */
function comparable(report: { arrays: Record<string, unknown>[] }) {
  return report.arrays.map(({ seconds: _s, timing: _t, reason: _r, workers: _w, ...a }) => a);
}

Deno.test("SIGKILL at random points, then --resume, writes the report of an uninterrupted run", async () => {
  // Served with 20 ms per chunk, so the run lasts long enough to be killed in the middle.
  const local = await sample();
  const server = serveDirectory(local.slice(0, local.lastIndexOf("/")));
  server.faults.delay = /\/\d+(\/\d+)*$/;
  server.faults.delayMs = 20;
  server.faults.delayCount = Infinity;
  const source = `${server.url}/sample.zarr/recon-2/em/fibsem-int16`;
  const stages = "stats,histogram,labels";
  const clean = await Deno.makeTempDir({ prefix: "lamella-faults-clean-" });
  const resumed = await Deno.makeTempDir({ prefix: "lamella-faults-kill-" });
  try {
    const first = await command(
      Deno.execPath(),
      process(["--source", source, "--stages", stages, "--out", clean, "--quiet"]),
    );
    assert.equal(first.code, 0, first.err);
    const want = JSON.parse(await Deno.readTextFile(`${clean}/report.json`));
    const random = rng(18);
    for (let round = 0; round < 3; round++) {
      // Kill after a seeded number of finished arrays (JSON progress on stderr).
      const killAfter = 1 + Math.floor(random() * (want.arrays.length - 2));
      const child = new Deno.Command(Deno.execPath(), {
        args: process(["--source", source, "--stages", stages, "--out", resumed, "--resume"]),
        stdout: "null",
        stderr: "piped",
      }).spawn();
      let ended = 0;
      let buffer = "";
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      while (ended < killAfter) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        ended = (buffer.match(/"event":"end"/g) ?? []).length;
      }
      try {
        child.kill("SIGKILL");
      } catch {
        // It finished first.
      }
      await reader.cancel().catch(() => {});
      const status = await child.status;
      assert.ok(!status.success, "the run was interrupted");
    }
    const last = await command(
      Deno.execPath(),
      process(["--source", source, "--stages", stages, "--out", resumed, "--resume", "--quiet"]),
    );
    assert.equal(last.code, 0, last.err);
    const got = JSON.parse(await Deno.readTextFile(`${resumed}/report.json`));
    assertValidReport(got);
    assert.deepEqual(comparable(got), comparable(want));
    // Nothing half-written is left: the report, its page, no checkpoints or temporary files.
    const left = [];
    for await (const e of Deno.readDir(resumed)) left.push(e.name);
    assert.deepEqual(left.sort(), ["report.html", "report.json"]);
  } finally {
    await server.server.shutdown();
    await Deno.remove(clean, { recursive: true });
    await Deno.remove(resumed, { recursive: true });
  }
});

Deno.test("a reply broken mid-body, and chunks cut short or corrupted on disk, fail only their array", async () => {
  const source = await sample();
  const dir = source.slice(0, source.lastIndexOf("/"));
  const stages = [{ name: "stats", options: {} }];
  const clean = await runPipeline({
    source,
    arrays: ["recon-2/em/fibsem-int16"],
    stages,
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
    workers: false,
  });
  // Over HTTP: every reply for one chunk of s1 breaks half way.
  const server = serveDirectory(dir);
  const s1 = "recon-2/em/fibsem-int16/s1";
  const chunk = (await Array.fromAsync(Deno.readDir(`${source}/${s1}/0/0`)))[0].name;
  server.faults.truncate = new RegExp(`/${s1}/0/0/${chunk}$`);
  try {
    const report = await runPipeline({
      source: `${server.url}/sample.zarr`,
      arrays: ["recon-2/em/fibsem-int16"],
      stages,
      stagesSource: "test",
      limits: { ...DEFAULT_LIMITS, requestAttempts: 2 },
      workers: false,
    });
    for (const a of report.arrays) {
      if (a.path === s1) {
        assert.match(a.error ?? "", new RegExp(`${s1}, chunk 0/0/${chunk}.*after 2 attempts`));
      } else {
        const want = clean.arrays.find((b) => b.path === a.path)!;
        assert.deepEqual(a.stats, want.stats, a.path);
      }
    }
  } finally {
    await server.server.shutdown();
  }
  // On disk: one chunk cut in half, another overwritten with noise.
  const s0 = "recon-2/em/fibsem-int16/s0";
  const files = (await Array.fromAsync(Deno.readDir(`${source}/${s0}/0/0`))).map((e) => e.name);
  const cut = `${source}/${s0}/0/0/${files[0]}`;
  const bytes = await Deno.readFile(cut);
  await Deno.writeFile(cut, bytes.slice(0, bytes.length >> 1));
  await Deno.writeFile(`${source}/${s1}/0/0/${chunk}`, crypto.getRandomValues(new Uint8Array(512)));
  const broken = await runPipeline({
    source,
    arrays: ["recon-2/em/fibsem-int16"],
    stages,
    stagesSource: "test",
    limits: DEFAULT_LIMITS,
  });
  for (const a of broken.arrays) {
    if (a.path === s0) assert.match(a.error ?? "", new RegExp(`${s0}, chunk 0/0/${files[0]}`));
    else if (a.path === s1) assert.match(a.error ?? "", new RegExp(`${s1}, chunk 0/0/${chunk}`));
    else assert.deepEqual(a.stats, clean.arrays.find((b) => b.path === a.path)!.stats, a.path);
  }
  sampleDir = undefined; // damaged: the next test (if any) makes a fresh one
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "(cleanup)",
  fn: async () => {
    if (sampleDir) await Deno.remove(sampleDir, { recursive: true });
  },
});
