import assert from "node:assert/strict";
import type { Budget } from "../src/plan/budget.ts";
import {
  CHUNK_MEMORY_FACTOR,
  DEFAULT_WORKSPACE_BYTES,
  encodedBound,
  formatMB,
  planArray,
  type PlannedArray,
} from "../src/plan/planner.ts";
import { DEFAULT_LIMITS, type LimitSettings } from "../src/plan/settings_env.ts";

function budget(budgetBytes = 300e6, workers = 2): Budget {
  return {
    memoryLimitBytes: 512e6,
    memorySource: "override",
    cgroupPath: null,
    budgetBytes,
    cpuLimit: null,
    workers,
    warnings: [],
  };
}

function limits(overrides: Partial<LimitSettings> = {}): LimitSettings {
  return { ...DEFAULT_LIMITS, ...overrides };
}

function array(bytes: number, chunkBytes = 1e6, extra: Partial<PlannedArray> = {}): PlannedArray {
  return {
    path: "recon-1/em/fibsem-uint8/s0",
    bytes,
    chunkBytes,
    dtype: "uint8",
    chunkCount: Math.ceil(bytes / chunkBytes),
    ...extra,
  };
}

const REMOTE = { store: { kind: "remote" as const, latencyMs: 20 } };

Deno.test("on a local store every strategy reads, decodes and reduces one chunk per worker", () => {
  assert.deepEqual(planArray(array(12e6), budget(), limits()), {
    strategy: "direct",
    reason:
      "direct: 12 MB array < 25 MB threshold; 2 workers, each reading, decoding and reducing one 1 MB chunk at a time (local reads); at most 2 MB decoded + 2 MB encoded + 4.2 MB kernel work space in flight within a 286.1 MiB budget",
    batchChunks: 1,
    inFlightBytes: 2e6,
    encodedInFlightBytes: 2 * encodedBound(1e6),
    workspaceBytes: DEFAULT_WORKSPACE_BYTES,
    workers: 2,
  });
  for (const bytes of [50e6, 879.7e6]) {
    const plan = planArray(array(bytes), budget(), limits());
    assert.equal(plan.batchChunks, 1);
    assert.equal(plan.inFlightBytes, 2e6);
  }
});

Deno.test("a direct plan on a remote store requests all of a worker's chunks at once", () => {
  const plan = planArray(array(12e6, 1e6, REMOTE), budget(), limits());
  assert.equal(plan.strategy, "direct");
  assert.equal(plan.batchChunks, 6);
  assert.equal(plan.inFlightBytes, 2e6);
  assert.equal(plan.encodedInFlightBytes, 12 * encodedBound(1e6));
  assert.match(plan.reason, /2 workers × 6 requests in flight for 20 ms latency/);
});

Deno.test("a chunked plan on a remote store requests ZARR_CHUNK_SIZE_MB at a time", () => {
  const plan = planArray(array(50e6, 1e6, REMOTE), budget(), limits());
  assert.equal(plan.strategy, "chunked");
  assert.equal(plan.batchChunks, 16);
  assert.match(
    plan.reason,
    /^chunked: 50 MB array in the 25–100 MB range; 2 workers × 16 requests/,
  );
});

Deno.test("a streaming plan on a remote store covers the latency, or STREAMING_CHUNK_MB if more", () => {
  // 20 ms at 1 GB/s per worker is 20 MB: 20 one-MB requests per worker, more than the 8 MB window.
  const plan = planArray(array(879.7e6, 1e6, REMOTE), budget(), limits());
  assert.equal(plan.strategy, "streaming");
  assert.equal(plan.batchChunks, 20);
  assert.match(
    plan.reason,
    /^streaming: 879.7 MB array >= 100 MB threshold; 2 workers × 20 requests in flight for 20 ms latency/,
  );
  const nearby = planArray(
    array(879.7e6, 1e6, { store: { kind: "remote", latencyMs: 1 } }),
    budget(),
    limits(),
  );
  assert.equal(nearby.batchChunks, 8);
});

Deno.test("remote read-ahead never exceeds what the budget allows, and says so", () => {
  const plan = planArray(array(879.7e6, 1e6, REMOTE), budget(20e6), limits());
  assert.ok(plan.batchChunks < 20);
  assert.match(plan.reason, /\(20 wanted; the budget allows \d+\)/);
  assert.ok(
    plan.encodedInFlightBytes + plan.inFlightBytes + plan.workspaceBytes * plan.workers <=
      20e6 + plan.workers * (encodedBound(1e6) - 1e6) * plan.batchChunks,
  );
});

Deno.test("the thresholds are exclusive upper bounds: 25 MB is chunked and 100 MB streams", () => {
  assert.equal(planArray(array(25e6 - 1), budget(), limits()).strategy, "direct");
  assert.equal(planArray(array(25e6), budget(), limits()).strategy, "chunked");
  assert.equal(planArray(array(100e6 - 1), budget(), limits()).strategy, "chunked");
  assert.equal(planArray(array(100e6), budget(), limits()).strategy, "streaming");
});

Deno.test("the strategy thresholds are configurable", () => {
  const custom = limits({ directMaxMb: 5, chunkedMaxMb: 10 });
  assert.equal(planArray(array(4e6), budget(), custom).strategy, "direct");
  assert.equal(planArray(array(8e6), budget(), custom).strategy, "chunked");
  const plan = planArray(array(12e6), budget(), custom);
  assert.equal(plan.strategy, "streaming");
  assert.match(plan.reason, /12 MB array >= 10 MB threshold/);
});

Deno.test("a small array that does not fit the budget at once streams instead", () => {
  const plan = planArray(array(20e6), budget(30e6), limits());
  assert.equal(plan.strategy, "streaming");
  assert.match(
    plan.reason,
    /^streaming: 20 MB array needs 40 MB at once, more than the budget allows; /,
  );
});

Deno.test("an array over MAX_ARRAY_SIZE_MB is skipped in skip mode", () => {
  assert.deepEqual(
    planArray(array(879.7e6), budget(), limits({ maxArraySizeMb: 500, largeArrayMode: "skip" })),
    {
      strategy: "skip",
      reason: "skip: 879.7 MB array > MAX_ARRAY_SIZE_MB=500 (LARGE_ARRAY_MODE=skip)",
      batchChunks: 0,
      inFlightBytes: 0,
      encodedInFlightBytes: 0,
      workspaceBytes: 0,
      workers: 0,
    },
  );
});

Deno.test("an array over MAX_ARRAY_SIZE_MB is an error result in fail mode", () => {
  const plan = planArray(
    array(879.7e6),
    budget(),
    limits({ maxArraySizeMb: 500, largeArrayMode: "fail" }),
  );
  assert.equal(plan.strategy, "error");
  assert.match(
    plan.reason,
    /^error: 879\.7 MB array > MAX_ARRAY_SIZE_MB=500 and LARGE_ARRAY_MODE=fail; /,
  );
  assert.match(plan.reason, /LARGE_ARRAY_MODE=stream/);
});

Deno.test("an array over MAX_ARRAY_SIZE_MB streams in stream mode and says why", () => {
  const plan = planArray(
    array(60e6),
    budget(),
    limits({ maxArraySizeMb: 50, largeArrayMode: "stream" }),
  );
  assert.equal(plan.strategy, "streaming");
  assert.match(
    plan.reason,
    /^streaming: 60 MB array > MAX_ARRAY_SIZE_MB=50 \(LARGE_ARRAY_MODE=stream\); /,
  );
});

Deno.test("an array at exactly MAX_ARRAY_SIZE_MB is still processed", () => {
  const plan = planArray(
    array(50e6),
    budget(),
    limits({ maxArraySizeMb: 50, largeArrayMode: "skip" }),
  );
  assert.equal(plan.strategy, "chunked");
});

Deno.test("a single chunk larger than the budget is an error with advice, not a crash", () => {
  const plan = planArray(array(4e9, 200e6), budget(), limits());
  assert.equal(plan.strategy, "error");
  assert.match(
    plan.reason,
    /one 200 MB chunk of recon-1\/em\/fibsem-uint8\/s0 \(uint8\) needs 400 MB/,
  );
  assert.match(plan.reason, /MEMORY_LIMIT_MB/);
  assert.match(plan.reason, /rechunk/);
  assert.equal(plan.inFlightBytes, 0);
});

Deno.test("skipping is decided before the chunk size is checked against the budget", () => {
  const plan = planArray(
    array(4e9, 400e6),
    budget(),
    limits({ maxArraySizeMb: 1000, largeArrayMode: "skip" }),
  );
  assert.equal(plan.strategy, "skip");
});

Deno.test("a zero budget makes every non-empty array an error", () => {
  assert.equal(planArray(array(1e6), budget(0), limits()).strategy, "error");
});

Deno.test("large chunks are read one at a time per worker", () => {
  const plan = planArray(array(2e9, 20e6), budget(), limits());
  assert.equal(plan.batchChunks, 1);
  assert.equal(plan.inFlightBytes, 40e6);
  assert.equal(plan.workers, 2);
});

Deno.test("a small budget reduces the workers before refusing", () => {
  const plan = planArray(array(500e6), budget(5e6), limits());
  assert.equal(plan.workers, 1);
  assert.equal(plan.batchChunks, 1);
  assert.ok(plan.inFlightBytes * CHUNK_MEMORY_FACTOR + plan.workspaceBytes <= 5e6);
});

Deno.test("workers are never more than the chunks in the array", () => {
  assert.equal(planArray(array(3e6, 1e6), budget(300e6, 8), limits()).workers, 3);
  assert.equal(planArray(array(500e6, 4e6), budget(300e6, 8), limits()).workers, 8);
});

Deno.test("stage state per worker reduces the workers when memory is short", () => {
  const plan = planArray(array(500e6, 1e6, { stageStateBytes: 149e6 }), budget(300e6, 2), limits());
  assert.equal(plan.workers, 1);
  assert.equal(plan.strategy, "streaming");
});

Deno.test("a chunk that fits only without the stage state is an error naming the state", () => {
  const plan = planArray(
    array(500e6, 100e6, { stageStateBytes: 150e6 }),
    budget(300e6, 1),
    limits(),
  );
  assert.equal(plan.strategy, "error");
  assert.match(plan.reason, /and 150 MB of stage state/);
});

Deno.test("an empty array is direct with nothing in flight", () => {
  const plan = planArray(array(0, 1e6, { chunkCount: 0 }), budget(), limits());
  assert.equal(plan.strategy, "direct");
  assert.equal(plan.inFlightBytes, 0);
  assert.match(plan.reason, /no chunks to read/);
});

Deno.test("impossible geometry is an error result naming the array", () => {
  const plan = planArray(array(10e6, 0, { chunkCount: 10 }), budget(), limits());
  assert.equal(plan.strategy, "error");
  assert.match(plan.reason, /invalid geometry for recon-1\/em\/fibsem-uint8\/s0/);
});

Deno.test("no plan ever holds more than the budget in flight", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const chunkBytes = Math.ceil(random() * 50e6) + 1;
    const bytes = Math.ceil(random() * 3e9);
    const state = random() < 0.5 ? 0 : Math.floor(random() * 50e6);
    const b = budget(Math.floor(random() * 400e6), 1 + Math.floor(random() * 8));
    const store = random() < 0.5 ? REMOTE.store : undefined;
    const plan = planArray(
      array(bytes, chunkBytes, { stageStateBytes: state, store }),
      b,
      limits(),
    );
    if (plan.strategy === "error") continue;
    const held = plan.inFlightBytes + plan.encodedInFlightBytes +
      (plan.workspaceBytes + state) * plan.workers;
    // Encoded bytes are bounded by zstd's bound, a little over one chunk each.
    const slack = plan.workers * plan.batchChunks * (encodedBound(chunkBytes) - chunkBytes);
    assert.ok(held <= b.budgetBytes + slack, `${JSON.stringify(plan)} exceeds ${b.budgetBytes}`);
    assert.ok(plan.batchChunks >= 1 && plan.workers >= 1 && plan.workers <= b.workers);
  }
});

Deno.test("sizes in reasons are MB of 10^6 bytes, kB below one MB", () => {
  assert.equal(formatMB(879_700_000), "879.7 MB");
  assert.equal(formatMB(100e6), "100 MB");
  assert.equal(formatMB(262_144), "262.1 kB");
  assert.equal(formatMB(12), "12 B");
});
