/**
 * What can be tested of the deployment paths on a machine without the
 * internet: the compile command line, where the kernels' WASM is loaded from,
 * and the cron handlers against a local Deno KV.
 */
import assert from "node:assert/strict";
import { WASM_URL } from "../kernels/mod.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { compileArgs, EMBEDDED } from "../tasks/compile.ts";
import { cronHandler, loadSchedules, runJob } from "../tasks/cron.ts";

Deno.test("the compile command embeds the WASM, the default config and the worker, with the GC flag", () => {
  const args = compileArgs({ output: "dist/lamella", target: "x86_64-unknown-linux-gnu" });
  assert.equal(args[0], "compile");
  assert.equal(args.at(-1), "tasks/process.ts");
  for (const f of EMBEDDED) {
    const i = args.indexOf(f);
    assert.ok(i > 0 && args[i - 1] === "--include", `${f} is --include'd`);
    Deno.statSync(new URL(`../${f}`, import.meta.url)); // and exists
  }
  assert.ok(args.includes("--v8-flags=--expose-gc"));
  assert.deepEqual(args.slice(args.indexOf("--target"), args.indexOf("--target") + 2), [
    "--target",
    "x86_64-unknown-linux-gnu",
  ]);
});

Deno.test("every worker module the code starts is embedded in the binary", async () => {
  const root = new URL("../", import.meta.url);
  const started: string[] = [];
  for (const dir of ["src", "kernels"]) {
    const walk = async (d: URL) => {
      for await (const e of Deno.readDir(d)) {
        const u = new URL(e.name + (e.isDirectory ? "/" : ""), d);
        if (e.isDirectory) await walk(u);
        else if (e.name.endsWith(".ts")) {
          const text = await Deno.readTextFile(u);
          for (const m of text.matchAll(/new Worker\(new URL\("([^"]+)", import\.meta\.url\)/g)) {
            started.push(new URL(m[1], u).href.slice(root.href.length));
          }
        }
      }
    };
    await walk(new URL(`${dir}/`, root));
  }
  assert.ok(started.length >= 3, `found ${started.join(", ")}`);
  for (const w of started) assert.ok(EMBEDDED.includes(w), `${w} is started but not embedded`);
});

Deno.test("the kernels' WASM is read from beside kernels/mod.ts, not from the network or the working directory", () => {
  assert.equal(WASM_URL.protocol, "file:");
  assert.equal(
    WASM_URL.href,
    new URL("../kernels/pkg/lamella_kernels_bg.wasm", import.meta.url).href,
  );
});

Deno.test("a cron job runs the pipeline and stores its report in KV; an overlapping run is skipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-cron-" });
  const kv = await Deno.openKv(":memory:");
  try {
    await generateSample(dir, { scale: 0.25 });
    const config = `${dir}/jobs.yaml`;
    await Deno.writeTextFile(
      config,
      `source: ${dir}/sample.zarr\narrays: ["recon-2/**"]\nstages: [stats]\nschedules:\n  - { name: nightly, cron: "0 3 * * *" }\n`,
    );
    const [job] = await loadSchedules(config);
    assert.equal(job.name, "nightly");
    const key = await runJob(job, kv, config);
    const stored = await kv.get<string>(key);
    const report = JSON.parse(stored.value!);
    assert.deepEqual(key.slice(0, 2), ["reports", "nightly"]);
    assert.equal(report.arrays.length, 4);
    assert.ok(report.arrays.every((a: { stats?: { count: number } }) => a.stats!.count > 0));

    const lines: string[] = [];
    const handler = cronHandler(job, kv, config, (l) => lines.push(l));
    const [first, second] = await Promise.all([handler(), handler()]);
    assert.ok(first !== undefined, "the first run stored a report");
    assert.equal(second, undefined, "the overlapping run did nothing");
    assert.ok(lines.some((l) => l.includes("previous run still going: skipped")));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
