/**
 * `deno task tune` measures the machine and writes a tune file; `process`
 * takes its settings as defaults and names the file in its log.
 */
import assert from "node:assert/strict";
import { readTuneFile, tune, type TuneFile } from "../src/plan/tune.ts";
import { createArrayV2 } from "../tools/sample/zarr_write.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("tune measures every codec and kernel and a remote latency, and picks a decoder", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    await new Promise((r) => setTimeout(r, 20));
    return new Response("{}");
  });
  try {
    const t = await tune({ url: `http://127.0.0.1:${server.addr.port}/.zattrs` });
    for (
      const key of [
        "decode.zstd.nodeMBps",
        "decode.gzip.nodeMBps",
        "kernel.statsMBps",
        "read.localMBps",
      ]
    ) {
      assert.ok(t.measurements[key] > 0, key);
    }
    assert.ok(t.measurements["remote.latencyMs"] >= 20);
    assert.ok(t.limits.remoteLatencyMs! >= 20);
    assert.ok(t.decoder === "native" || t.decoder === "node");
  } finally {
    await server.shutdown();
  }
});

Deno.test("process plans with a tune file's latency and names the file; a bad file is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await createArrayV2(`${dir}/a.zarr`, {
      shape: [64],
      chunks: [8],
      dtype: "<i2",
      compressor: { id: "zstd", level: 1 },
    });
    await writer.writeChunk([0], new Int16Array(8).fill(3));
    const file: TuneFile = {
      version: 1,
      measuredAt: "2026-12-04T00:00:00.000Z",
      cores: 2,
      decoder: "node",
      limits: { remoteLatencyMs: 7 },
      measurements: {},
    };
    await Deno.writeTextFile(`${dir}/tune.json`, JSON.stringify(file));
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        `${ROOT}deno.json`,
        `${ROOT}tasks/process.ts`,
        "--source",
        `${dir}/a.zarr`,
        "--plan",
      ],
      cwd: dir,
      env: { LAMELLA_TUNE_FILE: `${dir}/tune.json` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(run.stderr) + new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, text);
    assert.match(text, new RegExp(`using tuned settings from ${dir}/tune\\.json`));
    assert.match(text, /remoteLatencyMs\\?":7/);
    await Deno.writeTextFile(`${dir}/bad.json`, "{}");
    await assert.rejects(() => readTuneFile(`${dir}/bad.json`), /not a tune file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
