/**
 * Proof under real limits: `deno task process` over a 1.1 GiB Zstd int16 EM
 * array inside a real 256 MiB memory cgroup (via the project's tools/in-cgroup)
 * streams it with no OOM kill, sees the limit, and gets the statistics of an
 * unlimited run.
 *
 * Where in-cgroup cannot run (not root, no writable memory controller: exit
 * 77) the tests are ignored with the reason, and fail under CI=true.
 *
 * The array is cached outside the checkout (tests/_prereq.ts `cacheDir`);
 * generating it takes 10-25 s the first time.
 */
import assert from "node:assert/strict";
import { ensureEmArray } from "../bench/em_array.ts";
import { cacheDir, testWith } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TOOL = new URL("../tools/in-cgroup", import.meta.url).pathname;
const CACHE = cacheDir("em-arrays");
const MIB = 1024 * 1024;
const LIMIT_MIB = 256;
/** Decoded size of the test array: over 1 GiB, so it cannot fit in the limit. */
const ARRAY_MIB = 1100;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

async function run(cmd: string, args: string[]): Promise<Run> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Why in-cgroup cannot be used here, or `null` when it works. */
async function inCgroupUnavailable(): Promise<string | null> {
  const probe = await run(TOOL, ["64", "--", "true"]);
  if (probe.code === 0) return null;
  if (probe.code === 77) return `tools/in-cgroup: ${probe.stderr.trim()}`;
  throw new Error(`tools/in-cgroup failed (exit ${probe.code}): ${probe.stderr}`);
}

/** The fields of in-cgroup's closing line, e.g. `in-cgroup: version=v1 limit_mib=256 ... rc=0`. */
function closingLine(stderr: string): Record<string, string> {
  const line = stderr.split("\n").findLast((l) => l.startsWith("in-cgroup: "));
  assert.ok(line, `no in-cgroup closing line in:\n${stderr.slice(-2000)}`);
  return Object.fromEntries(
    line.slice("in-cgroup: ".length).split(" ").map((kv) => kv.split("=") as [string, string]),
  );
}

/** `deno run -A --v8-flags=--expose-gc tasks/process.ts ...args` (as the task runs it), optionally under `in-cgroup MEM_MB`. */
function processArgs(args: string[], limitMib?: number): [string, string[]] {
  const deno = [
    Deno.execPath(),
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    `${ROOT}tasks/process.ts`,
    ...args,
  ];
  return limitMib === undefined
    ? [deno[0], deno.slice(1)]
    : [TOOL, [String(limitMib), "--", ...deno]];
}

const unavailable = await inCgroupUnavailable();

testWith({
  name:
    `process streams a ${ARRAY_MIB} MiB Zstd int16 array inside a ${LIMIT_MIB} MiB cgroup with the statistics of an unlimited run`,
  async fn() {
    const t0 = performance.now();
    const em = await ensureEmArray({ mib: ARRAY_MIB, dir: CACHE });
    const ready = (performance.now() - t0) / 1000;
    assert.ok(em.bytes >= 2 ** 30, `array is ${em.bytes} bytes, not over 1 GiB`);
    const outFree = await Deno.makeTempDir({ prefix: "lamella-cgroup-free-" });
    const outLimited = await Deno.makeTempDir({ prefix: "lamella-cgroup-256-" });
    try {
      const free = await run(
        ...processArgs(["--source", em.path, "--out", outFree, "--quiet"]),
      );
      assert.equal(free.code, 0, free.stderr);

      // In cgroup v1 the peak counts page cache charged to the cgroup too. The
      // unlimited run above has just read every chunk, so their pages are cached
      // (and charged outside); the peak is then mostly lamella's own memory. With
      // a cold cache it reaches the limit, and the kernel reclaims cache, not kills.
      const limited = await run(
        ...processArgs(["--source", em.path, "--out", outLimited], LIMIT_MIB),
      );
      const closing = closingLine(limited.stderr);
      console.log(
        `array ${em.shape.join("x")} int16, ${(em.bytes / MIB).toFixed(1)} MiB decoded ` +
          `(ready in ${ready.toFixed(1)} s); unlimited run ${free.seconds.toFixed(1)} s; ` +
          `in ${LIMIT_MIB} MiB: ${limited.seconds.toFixed(1)} s, peak_mib=${closing.peak_mib} ` +
          `oom_kills=${closing.oom_kills} rc=${closing.rc} (cgroup ${closing.version})`,
      );
      assert.equal(closing.oom_kills, "0", limited.stderr.slice(-2000));
      assert.equal(limited.code, 0, limited.stderr.slice(-2000));
      assert.equal(closing.rc, "0");
      assert.ok(Number(closing.peak_mib) <= LIMIT_MIB);

      const reportFree = JSON.parse(await Deno.readTextFile(`${outFree}/report.json`));
      const reportLimited = JSON.parse(await Deno.readTextFile(`${outLimited}/report.json`));
      const env = reportLimited.environment;
      assert.equal(env.memoryLimitBytes, LIMIT_MIB * MIB);
      assert.ok(
        env.memorySource === "cgroup-v1" || env.memorySource === "cgroup-v2",
        `memorySource ${env.memorySource}`,
      );
      assert.equal(env.memorySource, `cgroup-${closing.version}`);

      assert.equal(reportLimited.arrays.length, 1);
      const [a] = reportLimited.arrays;
      const [b] = reportFree.arrays;
      assert.equal(a.error, undefined);
      assert.equal(a.strategy, "streaming");
      assert.equal(a.bytes, em.bytes);
      assert.ok(a.stats, "no stats in the limited run's report");
      assert.deepEqual(a.stats, b.stats);
      // Every stage's result, not only stats; the reason names the budget, which differs.
      const results = (r: Record<string, unknown>) => {
        const { seconds: _s, reason: _r, timing: _t, ...rest } = r;
        return rest;
      };
      assert.deepEqual(results(a), results(b));
    } finally {
      await Deno.remove(outFree, { recursive: true });
      await Deno.remove(outLimited, { recursive: true });
    }
  },
}, unavailable);

testWith({
  name:
    `process --plan inside a ${LIMIT_MIB} MiB cgroup plans streaming for the ${ARRAY_MIB} MiB array without reading it`,
  async fn() {
    const em = await ensureEmArray({ mib: ARRAY_MIB, dir: CACHE });
    const plan = await run(...processArgs(["--source", em.path, "--plan"], LIMIT_MIB));
    const closing = closingLine(plan.stderr);
    console.log(
      `--plan in ${LIMIT_MIB} MiB: ${plan.seconds.toFixed(1)} s, peak_mib=${closing.peak_mib}`,
    );
    assert.equal(plan.code, 0, plan.stderr);
    assert.equal(closing.oom_kills, "0");
    const [line, ...rest] = plan.stdout.trimEnd().split("\n");
    assert.equal(rest.length, 0, plan.stdout);
    assert.equal(line.split("\t")[1], "streaming", plan.stdout);
    assert.match(plan.stderr, new RegExp(`Memory limit: ${LIMIT_MIB} MiB \\(cgroup v[12] `));
    // Reading the array logs chunk progress; planning reads no chunk.
    assert.doesNotMatch(plan.stderr, /\d+\/\d+ chunks/);
  },
}, unavailable);
