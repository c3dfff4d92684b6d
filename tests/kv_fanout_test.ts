/**
 * The Deno KV fan-out, on a local KV: one queue message per shard, partials
 * stored in KV (in pieces, past the 64 KiB value limit), the shard that
 * completes the count merges, repeated deliveries count once, and a real
 * `listenQueue` carries a job to its report. The report equals a single run's.
 */
import assert from "node:assert/strict";
import type { EnvironmentProbe } from "../src/plan/budget.ts";
import {
  enqueueShards,
  type FanoutConfig,
  fanoutProgress,
  handleShardMessage,
  listenForShards,
  readFanoutReport,
  type ShardMessage,
} from "../src/distributed/kv_fanout.ts";
import { runPipeline } from "../src/run/pipeline.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { assertSameReport } from "./_compare_reports.ts";

const PROBE: EnvironmentProbe = {
  cgroup: null,
  systemMemoryBytes: 4 * 2 ** 30,
  cores: 2,
  rssBytes: 64e6,
};

let store: Promise<string> | undefined;
function sampleStore(): Promise<string> {
  store ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "lamella-kv-sample-" });
    await generateSample(dir, { scale: 0.25 });
    return `${dir}/sample.zarr`;
  })();
  return store;
}

async function config(): Promise<FanoutConfig> {
  return {
    source: await sampleStore(),
    arrays: [],
    stages: [
      { name: "stats", options: {} },
      { name: "histogram", options: { bins: 256 } },
      { name: "quantiles", options: [0.5] },
      { name: "labels", options: {} },
      // The spectrum's signal state (100,000 float64) is far beyond one 64 KiB KV value.
      { name: "peaks", options: { on: "signal", snr: 3, scales: [1, 32] } },
    ],
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS },
    probe: PROBE,
    workers: false,
  };
}

const message = (jobId: string, index: number, count: number): ShardMessage => ({
  kind: "lamella-shard",
  jobId,
  index,
  count,
});

Deno.test("shard messages handled one by one store partials; the last one merges the report", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const cfg = await config();
    await enqueueShards(kv, "job-a", cfg, 3);
    await assert.rejects(enqueueShards(kv, "job-a", cfg, 3), /job-a exists already/);
    // Out of order, as a queue may deliver them.
    const first = await handleShardMessage(kv, message("job-a", 2, 3));
    assert.deepEqual(first, { stored: true, merged: false });
    assert.equal(await readFanoutReport(kv, "job-a"), undefined);
    // A second delivery of the same message neither reruns nor counts again.
    assert.deepEqual(await handleShardMessage(kv, message("job-a", 2, 3)), {
      stored: false,
      merged: false,
    });
    assert.equal((await fanoutProgress(kv, "job-a")).done, 1);
    assert.equal((await handleShardMessage(kv, message("job-a", 0, 3))).merged, false);
    const last = await handleShardMessage(kv, message("job-a", 1, 3));
    assert.equal(last.merged, true);
    assert.deepEqual(await fanoutProgress(kv, "job-a"), { done: 3, count: 3, undelivered: [] });

    const report = await readFanoutReport(kv, "job-a");
    assert.ok(report);
    assert.equal(report.shards, 3);
    const single = await runPipeline(cfg);
    assertSameReport(single, report, "KV fan-out, 3 shards");
    // A redelivered last message after the merge leaves the stored report alone.
    assert.deepEqual(await handleShardMessage(kv, message("job-a", 1, 3)), {
      stored: false,
      merged: false,
    });
    // The spectrum's partial really was split over several values.
    let pieces = 0;
    for await (const _ of kv.list({ prefix: ["pieces", "partials", "job-a", 0] })) pieces++;
    assert.ok(pieces > 1, `expected the partial in several pieces, found ${pieces}`);
  } finally {
    kv.close();
  }
});

Deno.test("a message for an unknown job fails, so the queue retries it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await assert.rejects(handleShardMessage(kv, message("nope", 0, 1)), /no such job/);
    await assert.rejects(enqueueShards(kv, "j", await config(), 0), RangeError);
  } finally {
    kv.close();
  }
});

Deno.test("through a real listenQueue, a job of 2 shards ends with its report in KV", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-kv-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite`);
  try {
    const cfg = await config();
    const outcomes: boolean[] = [];
    const listening = listenForShards(kv, { onOutcome: (o) => outcomes.push(o.merged) });
    await kv.enqueue({ kind: "not lamella's" });
    await enqueueShards(kv, "job-b", cfg, 2);
    const deadline = Date.now() + 60_000;
    // Both handlers finish (two may race to merge; one report is stored) before KV closes.
    while (outcomes.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await readFanoutReport(kv, "job-b");
    kv.close();
    await listening;
    assert.ok(report, "no report within 60 s");
    assert.equal(outcomes.length, 2);
    assert.ok(outcomes.includes(true), "one of the shards merged");
    assertSameReport(await runPipeline(cfg), report, "KV listenQueue, 2 shards");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
