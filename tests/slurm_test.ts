/**
 * lamella on a real SLURM scheduler: a single-node cluster (Debian's
 * slurm-wlm and munge, configured and started by tools/slurm-cluster on
 * 127.0.0.1) runs `deno task slurm submit` as shipped: a 4-task shard array
 * over the sample store at scale 2 (934 MiB decoded, 11 arrays) and the merge
 * job after it. The merged report equals a single `deno task process` run
 * (counts, histograms, checksums exact; float moments to 1e-12), each shard
 * planned within the `--mem` its job's cgroup was given, and after one
 * shard's job is cancelled mid-run, `deno task slurm retry` resubmits that
 * shard alone and the report comes out the same. The store is served over
 * HTTP on 127.0.0.1; in the second run every chunk request is held 40 ms, so
 * that the shards are still running when one is cancelled.
 */
import assert from "node:assert/strict";
import { cacheDir, testWith } from "./_prereq.ts";
import { serveDirectory } from "./_http_server.ts";
import { generateSample, sampleIsComplete } from "../tools/sample/sample.ts";
import { assertSameReport } from "./_compare_reports.ts";
import type { ShardFile } from "../src/distributed/shard.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SHARDS = 4;
const MEM_MIB = 600;

/**
 * Two free consecutive ports (slurmctld, slurmd) below Linux's ephemeral range
 * (32768+), where outgoing connections could take them meanwhile.
 */
function freePortPair(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 12000 + 2 * Math.floor(Math.random() * 9000);
    try {
      const a = Deno.listen({ hostname: "127.0.0.1", port });
      const b = Deno.listen({ hostname: "127.0.0.1", port: port + 1 });
      a.close();
      b.close();
      return port;
    } catch {
      // taken: try another
    }
  }
  throw new Error("no two free consecutive ports in 12000..30000");
}

async function which(name: string): Promise<boolean> {
  const r = await new Deno.Command("bash", { args: ["-c", `command -v ${name}`] }).output();
  return r.success;
}

async function missing(): Promise<string | null> {
  for (const b of ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel"]) {
    if (!await which(b)) return `${b} not found (apt-get install slurm-wlm munge)`;
  }
  if (Deno.uid() !== 0) return "not root: slurmd must run jobs in memory cgroups";
  // (Deno needs --allow-all to stat /sys; the shell does not.)
  const v1 = await new Deno.Command("test", { args: ["-d", "/sys/fs/cgroup/memory"] }).output();
  if (!v1.success) return "no cgroup v1 memory controller at /sys/fs/cgroup/memory for task/cgroup";
  return null;
}

async function run(args: string[], env: Record<string, string>, cwd = ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

async function sampleStore(): Promise<string> {
  const dir = cacheDir("sample-scale-2");
  if (!await sampleIsComplete(dir, { scale: 2 })) await generateSample(dir, { scale: 2 });
  return dir;
}

async function waitFor(what: string, ok: () => Promise<boolean>, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  while (!await ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

testWith({
  name:
    "SLURM: a 4-shard array and its merge job equal a single run, also after a cancelled shard is retried",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await sampleStore();
    const work = await Deno.makeTempDir({ prefix: "lamella-slurm-" });
    const port = String(freePortPair());
    const cluster = `${work}/cluster`;
    const started = await new Deno.Command("bash", {
      args: [`${ROOT}/tools/slurm-cluster`, "start", cluster],
      env: { SLURM_CLUSTER_PORT: port },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    assert.ok(started.success, `tools/slurm-cluster start: ${text.decode(started.stderr)}`);
    const env = { SLURM_CONF: `${cluster}/slurm.conf` };
    const http = serveDirectory(dir);
    try {
      const source = `${http.url}/sample.zarr`;
      const arrays = JSON.parse(await Deno.readTextFile(`${dir}/sample.zarr/.lamella-sample.json`))
        .arrays.map((a: { path: string }) => a.path).join(",");
      const process = ["--arrays", arrays];

      let t0 = performance.now();
      const single = await run(
        ["task", "process", "--source", source, "--out", `${work}/single`, ...process],
        env,
      );
      const singleS = (performance.now() - t0) / 1000;
      assert.equal(single.code, 0, single.stderr);
      const want = JSON.parse(await Deno.readTextFile(`${work}/single/report.json`));
      assert.equal(want.arrays.length, 11);

      // Run 1: submit, wait, compare.
      const out1 = `${work}/run1`;
      const submit = (out: string) =>
        run([
          "task",
          "slurm",
          "submit",
          "--source",
          source,
          "--out",
          out,
          "--shards",
          String(SHARDS),
          `--mem=${MEM_MIB}M`,
          "--cpus=1",
          "--partition=debug",
          "--time=10:00",
          "--",
          ...process,
        ], env);
      t0 = performance.now();
      const s1 = await submit(out1);
      assert.equal(s1.code, 0, s1.stderr);
      assert.match(
        s1.stdout,
        /submitted shard array \d+ \(4 tasks, --mem 600M\) and merge job \d+/,
      );
      const w1 = await run(["task", "slurm", "wait", "--out", out1, "--timeout", "300"], env);
      const shardedS = (performance.now() - t0) / 1000;
      assert.equal(w1.code, 0, w1.stderr);
      const got1 = JSON.parse(await Deno.readTextFile(`${out1}/report/report.json`));
      // The plan sentences state each run's budget, which differ; the strategies are compared.
      assertSameReport(want, got1, "SLURM run", ["reason"]);
      assert.equal(got1.shards, SHARDS);
      for (let i = 0; i < SHARDS; i++) {
        const f: ShardFile = JSON.parse(
          await Deno.readTextFile(`${out1}/shard-${i}-of-${SHARDS}.json`),
        );
        assert.equal(f.environment.memoryLimitBytes, MEM_MIB * 2 ** 20, `shard ${i} --mem`);
        assert.match(String(f.environment.memorySource), /cgroup/);
        assert.match(String(f.environment.cgroupPath), /job_\d+/);
      }
      console.log(
        `single process ${singleS.toFixed(1)} s; 4 SLURM shards (2 at a time, 1 CPU each) ` +
          `and the merge, submit to report ${shardedS.toFixed(1)} s`,
      );

      // Run 2: chunk requests held 40 ms; cancel shard 1 once it has started reading.
      http.faults.delay = /\/\d+(\.\d+)*$/;
      http.faults.delayMs = 40;
      http.faults.delayCount = Infinity;
      const out2 = `${work}/run2`;
      const s2 = await submit(out2);
      assert.equal(s2.code, 0, s2.stderr);
      const array = /shard array (\d+)/.exec(s2.stdout)![1];
      const log1 = `${out2}/logs/shard-1.log`;
      await waitFor(
        "shard 1 reading chunks",
        async () => /Found 11 arrays/.test(await Deno.readTextFile(log1).catch(() => "")),
        120,
      );
      const cancel = await new Deno.Command("scancel", { args: [`${array}_1`], env }).output();
      assert.ok(cancel.success, text.decode(cancel.stderr));
      const w2 = await run(["task", "slurm", "wait", "--out", out2, "--timeout", "300"], env);
      assert.equal(w2.code, 1, w2.stdout);
      assert.match(w2.stderr, /shard 1 of 4 failed or were cancelled .*deno task slurm retry/);
      await assert.rejects(Deno.stat(`${out2}/shard-1-of-4.json`), Deno.errors.NotFound);
      await assert.rejects(Deno.stat(`${out2}/report/report.json`), Deno.errors.NotFound);

      http.faults.delay = undefined;
      const r = await run(["task", "slurm", "retry", "--out", out2], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /resubmitted shard 1 as job \d+/);
      const w3 = await run(["task", "slurm", "wait", "--out", out2, "--timeout", "300"], env);
      assert.equal(w3.code, 0, w3.stderr);
      const got2 = JSON.parse(await Deno.readTextFile(`${out2}/report/report.json`));
      assertSameReport(want, got2, "SLURM run with a retried shard", ["reason"]);
      const record = JSON.parse(await Deno.readTextFile(`${out2}/slurm-run.json`));
      assert.deepEqual(record.submissions.map((s: { tasks: number[] }) => s.tasks), [
        [0, 1, 2, 3],
        [1],
      ]);
    } finally {
      await http.server.shutdown();
      await new Deno.Command("bash", { args: [`${ROOT}/tools/slurm-cluster`, "stop", cluster] })
        .output();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
}, await missing());
