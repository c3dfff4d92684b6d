/**
 * Scheduled runs within Deno Deploy's limits, simulated by environment
 * overrides: the memory budget comes from the platform (no cgroup files),
 * `MEMORY_LIMIT_MB` overrides it, nothing is written to local disk, and a host
 * where Workers cannot start falls back to the main thread.
 */
import assert from "node:assert/strict";
import {
  DENO_DEPLOY_MEMORY_BYTES,
  describeBudget,
  detectBudget,
  detectPlatform,
  type EnvironmentProbe,
  platformProbe,
} from "../src/plan/budget.ts";
import { ConfigError } from "../src/model/errors.ts";
import type { Report } from "../src/run/pipeline.ts";
import { readKvReport } from "../src/report/sinks.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { loadSchedules, runScheduledJob, workersAvailable } from "../tasks/cron.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DEPLOY_ENV = { DENO_DEPLOYMENT_ID: "lamella-test-1" };

async function sampleJobs(dir: string, job = ""): Promise<string> {
  await generateSample(dir, { scale: 0.25 });
  const config = `${dir}/jobs.yaml`;
  await Deno.writeTextFile(
    config,
    `source: ${dir}/sample.zarr\narrays: ["recon-2/**"]\nstages: [stats]\n` +
      `schedules:\n  - { name: nightly, cron: "0 3 * * *"${job} }\n`,
  );
  return config;
}

/** Every path under `dir`, relative to it, sorted. */
function tree(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}${rel}`)) {
    const path = `${rel}/${e.name}`;
    out.push(path, ...(e.isDirectory ? tree(dir, path) : []));
  }
  return out.sort();
}

Deno.test("Deno Deploy is recognised by DENO_DEPLOYMENT_ID and budgets from its 512 MB isolate limit", () => {
  assert.equal(detectPlatform({}), null);
  assert.equal(detectPlatform({ DENO_DEPLOYMENT_ID: " " }), null);
  const platform = detectPlatform(DEPLOY_ENV)!;
  assert.equal(platform.name, "Deno Deploy");
  assert.equal(platform.memoryLimitBytes, 512e6);
  const probe = platformProbe(platform);
  assert.equal(probe.cgroup, null);
  assert.equal(probe.cores, 1);

  const budget = detectBudget(DEFAULT_LIMITS, { ...probe, rssBytes: 50e6 });
  assert.equal(budget.memorySource, "platform");
  assert.equal(budget.platform, "Deno Deploy");
  assert.equal(budget.memoryLimitBytes, DENO_DEPLOY_MEMORY_BYTES);
  assert.equal(budget.budgetBytes, Math.floor((512e6 - 50e6) * 0.6));
  assert.equal(budget.workers, 1);
  assert.match(
    describeBudget(budget, DEFAULT_LIMITS),
    /^Memory limit: 488\.3 MiB \(Deno Deploy isolate limit\); budget 264.4 MiB; 1 worker\n/,
  );

  const overridden = detectBudget({ ...DEFAULT_LIMITS, memoryLimitMb: 256 }, probe);
  assert.equal(overridden.memorySource, "override");
  assert.equal(overridden.memoryLimitBytes, 256e6);
  // A platform limit wins over whatever cgroup the probe saw (a Deploy-like container).
  const withCgroup: EnvironmentProbe = {
    ...probe,
    cgroup: {
      version: "v2",
      path: "/x",
      memoryLimitBytes: 2 ** 30,
      memoryHighBytes: null,
      memorySoftLimitBytes: null,
      memoryUsageBytes: null,
      cpuLimit: null,
      warnings: [],
    },
  };
  assert.equal(detectBudget(DEFAULT_LIMITS, withCgroup).memorySource, "platform");
});

Deno.test("a job in a Deploy-like environment logs and reports the platform's budget; MEMORY_LIMIT_MB overrides it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-deploy-" });
  const kv = await Deno.openKv(":memory:");
  try {
    const config = await sampleJobs(dir);
    const [job] = await loadSchedules(config, DEPLOY_ENV);
    const lines: string[] = [];
    const record = await runScheduledJob(job, kv, config, {
      env: DEPLOY_ENV,
      log: (l) => lines.push(l),
    });
    assert.ok(
      lines.includes(
        "Platform: Deno Deploy (DENO_DEPLOYMENT_ID is set): memory limit 488.3 MiB from the platform; no local disk",
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => l.startsWith("Memory limit: 488.3 MiB (Deno Deploy isolate limit)")),
    );
    assert.ok(lines.includes("Report to Deno KV"));
    const report: Report = JSON.parse((await readKvReport(kv, record))!);
    assert.equal(report.environment.memorySource, "platform");
    assert.equal(report.environment.platform, "Deno Deploy");
    assert.equal(report.environment.memoryLimitBytes, 512e6);
    assert.equal(report.environment.workers, 1);
    assert.equal(report.arrays.length, 4);

    const again = await runScheduledJob(job, kv, config, {
      env: { ...DEPLOY_ENV, MEMORY_LIMIT_MB: "256" },
      log: (l) => lines.push(l),
    });
    assert.ok(
      lines.some((l) =>
        l.endsWith("from the platform, overridden by MEMORY_LIMIT_MB; no local disk")
      ),
    );
    const overridden: Report = JSON.parse((await readKvReport(kv, again))!);
    assert.equal(overridden.environment.memorySource, "override");
    assert.equal(overridden.environment.memoryLimitBytes, 256e6);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on Deploy a directory destination is refused before the pipeline runs, and nothing is created", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-deploy-" });
  const kv = await Deno.openKv(":memory:");
  try {
    const config = await sampleJobs(dir, `, report: ${dir}/reports`);
    const [job] = await loadSchedules(config, DEPLOY_ENV);
    const lines: string[] = [];
    await assert.rejects(
      runScheduledJob(job, kv, config, { env: DEPLOY_ENV, log: (l) => lines.push(l) }),
      (e) => e instanceof ConfigError && /Deno Deploy has no local disk/.test(e.message),
    );
    assert.deepEqual(lines, [], "the pipeline did not start");
    assert.equal(tree(dir).some((p) => p.startsWith("/reports")), false);
    assert.deepEqual(await Array.fromAsync(kv.list({ prefix: [] })), []);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task cron --once in a Deploy-like environment runs with writes denied and leaves the disk as it was", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-deploy-" });
  const work = await Deno.makeTempDir({ prefix: "lamella-deploy-cwd-" });
  try {
    const config = await sampleJobs(dir);
    const before = tree(dir);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${ROOT}deno.json`,
        "--unstable-kv",
        "--unstable-cron",
        "--deny-write",
        "--allow-read",
        "--allow-env",
        "--allow-net",
        "--allow-sys",
        `${ROOT}tasks/cron.ts`,
        `--config=${config}`,
        "--once=nightly",
        "--kv=:memory:",
      ],
      cwd: work,
      env: { ...DEPLOY_ENV, MEMORY_LIMIT_MB: "", LAMELLA_WORKERS: "", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, `exit ${output.code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /Platform: Deno Deploy \(DENO_DEPLOYMENT_ID is set\)/);
    assert.match(stdout, /Memory limit: 488\.3 MiB \(Deno Deploy isolate limit\)/);
    const runLine = stdout.split("\n").find((l) => l.startsWith("run "));
    assert.ok(runLine, stdout);
    const record = JSON.parse(runLine.slice(4));
    assert.equal(record.destination, "kv");
    assert.equal(record.arrays, 4);
    assert.equal(record.failed, 0);
    assert.deepEqual(tree(work), [], "nothing written in the working directory");
    assert.deepEqual(tree(dir), before, "nothing written beside the source");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("where Workers cannot start, a job asked for workers reduces on the main thread", async () => {
  assert.equal(await workersAvailable(), true, "Workers start under deno test");
  const dir = await Deno.makeTempDir({ prefix: "lamella-deploy-" });
  const kv = await Deno.openKv(":memory:");
  try {
    const config = await sampleJobs(dir);
    const [job] = await loadSchedules(config, {});
    const lines: string[] = [];
    const record = await runScheduledJob(job, kv, config, {
      env: { LAMELLA_WORKERS: "2" },
      probe: { cgroup: null, systemMemoryBytes: 4 * 2 ** 30, cores: 2, rssBytes: 64e6 },
      workersAvailable: () => Promise.resolve(false),
      log: (l) => lines.push(l),
    });
    assert.ok(lines.includes("Workers cannot start here: reducing chunks on the main thread"));
    const report: Report = JSON.parse((await readKvReport(kv, record))!);
    assert.equal(report.environment.workers, 1);
    assert.equal(record.failed, 0);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
