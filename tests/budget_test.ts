import assert from "node:assert/strict";
import {
  type Budget,
  budgetEnvironment,
  describeBudget,
  detectBudget,
  type EnvironmentProbe,
  formatMiB,
  probeEnvironment,
} from "../src/plan/budget.ts";
import type { CgroupLimits } from "../src/plan/cgroup.ts";
import { DEFAULT_LIMITS, type LimitSettings } from "../src/plan/settings_env.ts";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function cgroup(overrides: Partial<CgroupLimits> = {}): CgroupLimits {
  return {
    version: "v1",
    path: "/kubepods/burstable/pod1/ctr1",
    memoryLimitBytes: 512 * MIB,
    memoryHighBytes: null,
    memorySoftLimitBytes: null,
    memoryUsageBytes: null,
    cpuLimit: 2.5,
    warnings: [],
    ...overrides,
  };
}

function probe(overrides: Partial<EnvironmentProbe> = {}): EnvironmentProbe {
  return { cgroup: cgroup(), systemMemoryBytes: 16 * GIB, cores: 8, rssBytes: 0, ...overrides };
}

function limits(overrides: Partial<LimitSettings> = {}): LimitSettings {
  return { ...DEFAULT_LIMITS, ...overrides };
}

Deno.test("the budget is the memory fraction of what the cgroup limit leaves after the runtime's resident memory", () => {
  const budget = detectBudget(limits(), probe({ rssBytes: 7.2 * MIB }));
  assert.equal(budget.memoryLimitBytes, 512 * MIB);
  assert.equal(budget.memorySource, "cgroup-v1");
  assert.equal(budget.cgroupPath, "/kubepods/burstable/pod1/ctr1");
  assert.equal(budget.budgetBytes, Math.floor((512 - 7.2) * MIB * 0.6));
});

Deno.test("the memory fraction is configurable", () => {
  const budget = detectBudget(limits({ memoryFraction: 0.5 }), probe());
  assert.equal(budget.budgetBytes, 256 * MIB);
});

Deno.test("a v2 cgroup is reported as cgroup-v2 and memory.high tightens memory.max", () => {
  const budget = detectBudget(
    limits(),
    probe({
      cgroup: cgroup({ version: "v2", memoryLimitBytes: 1 * GIB, memoryHighBytes: 800 * MIB }),
    }),
  );
  assert.equal(budget.memorySource, "cgroup-v2");
  assert.equal(budget.memoryLimitBytes, 800 * MIB);
});

Deno.test("without a cgroup the machine's memory is the limit", () => {
  const budget = detectBudget(limits(), probe({ cgroup: null, systemMemoryBytes: 4 * GIB }));
  assert.equal(budget.memorySource, "system");
  assert.equal(budget.memoryLimitBytes, 4 * GIB);
  assert.equal(budget.cgroupPath, null);
});

Deno.test("an unlimited cgroup falls back to the machine's memory but keeps the cgroup path", () => {
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ memoryLimitBytes: null }), systemMemoryBytes: 2 * GIB }),
  );
  assert.equal(budget.memorySource, "system");
  assert.equal(budget.memoryLimitBytes, 2 * GIB);
  assert.equal(budget.cgroupPath, "/kubepods/burstable/pod1/ctr1");
});

Deno.test("a cgroup limit above the machine's memory is not the binding limit", () => {
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ memoryLimitBytes: 64 * GIB }), systemMemoryBytes: 16 * GIB }),
  );
  assert.equal(budget.memorySource, "system");
  assert.equal(budget.memoryLimitBytes, 16 * GIB);
});

Deno.test("MEMORY_LIMIT_MB overrides the detected limit, in MB of 10^6 bytes", () => {
  const budget = detectBudget(limits({ memoryLimitMb: 300 }), probe());
  assert.equal(budget.memorySource, "override");
  assert.equal(budget.memoryLimitBytes, 300e6);
  assert.deepEqual(budget.warnings, []);
});

Deno.test("an override above the cgroup limit is honoured with a warning", () => {
  const budget = detectBudget(limits({ memoryLimitMb: 1000 }), probe());
  assert.equal(budget.memoryLimitBytes, 1e9);
  assert.equal(budget.warnings.length, 1);
  assert.match(budget.warnings[0], /above the cgroup limit 512 MiB/);
});

Deno.test("a runtime that fills the limit leaves a zero budget and a warning", () => {
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ memoryLimitBytes: 64 * MIB }), rssBytes: 70 * MIB }),
  );
  assert.equal(budget.budgetBytes, 0);
  assert.match(budget.warnings.join("\n"), /no memory left.*70 MiB/);
});

Deno.test("in a small container the budget is a share of what the runtime leaves", () => {
  // 96 MiB with a 59 MiB runtime: 0.6 of the limit (57.6 MiB) would leave nothing.
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ memoryLimitBytes: 96 * MIB }), rssBytes: 59 * MIB }),
  );
  assert.equal(budget.budgetBytes, Math.floor(37 * MIB * 0.6));
  assert.deepEqual(budget.warnings, []);
});

Deno.test("workers are the floor of the CPU quota", () => {
  assert.equal(detectBudget(limits(), probe()).workers, 2);
});

Deno.test("a CPU quota below one core still gives one worker", () => {
  const budget = detectBudget(limits(), probe({ cgroup: cgroup({ cpuLimit: 0.5 }) }));
  assert.equal(budget.workers, 1);
  assert.equal(budget.cpuLimit, 0.5);
});

Deno.test("the CPU quota is capped by the cores present", () => {
  assert.equal(
    detectBudget(limits(), probe({ cgroup: cgroup({ cpuLimit: 16 }), cores: 4 })).workers,
    4,
  );
});

Deno.test("without a CPU quota every core gets a worker", () => {
  const budget = detectBudget(limits(), probe({ cgroup: cgroup({ cpuLimit: null }), cores: 6 }));
  assert.equal(budget.workers, 6);
  assert.equal(budget.cpuLimit, null);
});

Deno.test("LAMELLA_WORKERS overrides the detected worker count", () => {
  assert.equal(detectBudget(limits({ workers: 3 }), probe()).workers, 3);
});

Deno.test("cgroup and probe warnings are carried into the budget", () => {
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ warnings: ["ignored memory.max"] }), warnings: ["no meminfo"] }),
  );
  assert.deepEqual(budget.warnings, ["no meminfo", "ignored memory.max"]);
});

Deno.test("the log line names the limit, its source, the budget and the workers", () => {
  const budget: Budget = {
    memoryLimitBytes: 512 * MIB,
    memorySource: "cgroup-v1",
    cgroupPath: "/kubepods/burstable/pod1/ctr1",
    budgetBytes: 300 * MIB,
    cpuLimit: null,
    workers: 2,
    warnings: [],
  };
  const [first, second] = describeBudget(budget, limits()).split("\n");
  assert.equal(
    first,
    "Memory limit: 512 MiB (cgroup v1 /kubepods/burstable/pod1/ctr1); budget 300 MiB; 2 workers",
  );
  assert.match(second, /^Thresholds: direct < 25 MB, chunked < 100 MB, streaming >= 100 MB; /);
  assert.match(second, /max array size none \(LARGE_ARRAY_MODE=stream\)/);
});

Deno.test("the log line shows a CPU limit and ends with the warnings", () => {
  const text = describeBudget(
    detectBudget(
      limits({ maxArraySizeMb: 4000 }),
      probe({ cgroup: cgroup({ warnings: ["odd file"] }) }),
    ),
    limits({ maxArraySizeMb: 4000 }),
  );
  assert.match(text, /; 2 workers \(CPU limit 2\.5\)\n/);
  assert.match(text, /max array size 4000 MB/);
  assert.ok(text.endsWith("\nWarning: odd file"));
});

Deno.test("the report environment holds the budget without its warnings", () => {
  const budget = detectBudget(limits(), probe({ cgroup: cgroup({ warnings: ["x"] }) }));
  assert.deepEqual(budgetEnvironment(budget), {
    memoryLimitBytes: 512 * MIB,
    memorySource: "cgroup-v1",
    cgroupPath: "/kubepods/burstable/pod1/ctr1",
    budgetBytes: Math.floor(512 * MIB * 0.6),
    cpuLimit: 2.5,
    workers: 2,
  });
});

Deno.test("MiB are printed whole when exact and with one decimal otherwise", () => {
  assert.equal(formatMiB(256 * MIB), "256 MiB");
  assert.equal(formatMiB(300e6), "286.1 MiB");
});

Deno.test("without readable cgroup files the limit from process.constrainedMemory() is used", () => {
  const budget = detectBudget(limits(), probe({ cgroup: null, constrainedMemoryBytes: 256 * MIB }));
  assert.equal(budget.memorySource, "cgroup");
  assert.equal(budget.memoryLimitBytes, 256 * MIB);
  assert.equal(budget.workers, 8);
  assert.match(
    describeBudget(budget, limits()),
    /^Memory limit: 256 MiB \(cgroup, via process\.constrainedMemory\(\)\)/,
  );
});

Deno.test("an unlimited process.constrainedMemory() (the v1 sentinel) falls back to the machine's memory", () => {
  const budget = detectBudget(
    limits(),
    probe({
      cgroup: null,
      constrainedMemoryBytes: 9223372036854771712,
      systemMemoryBytes: 4 * GIB,
    }),
  );
  assert.equal(budget.memorySource, "system");
  assert.equal(budget.memoryLimitBytes, 4 * GIB);
});

Deno.test("process.constrainedMemory() is ignored when the cgroup files were read", () => {
  const budget = detectBudget(
    limits(),
    probe({ cgroup: cgroup({ memoryLimitBytes: null }), constrainedMemoryBytes: 256 * MIB }),
  );
  assert.equal(budget.memorySource, "system");
});

Deno.test("probing the running process never throws and says what it could not learn", () => {
  const found = probeEnvironment();
  assert.ok(found.cores >= 1);
  assert.ok(found.rssBytes > 0);
  const sysAllowed =
    Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" }).state === "granted";
  if (sysAllowed) assert.ok(found.systemMemoryBytes > 0);
  else assert.ok(found.warnings?.some((w) => w.includes("--allow-sys")));
  if (Deno.build.os === "linux" && found.cgroup === null) {
    assert.ok(found.warnings?.some((w) => w.includes("--allow-all")));
  }
});

Deno.test("probing a fixture root reads its cgroup limits", () => {
  const root = new URL("./fixtures/cgroup/v2", import.meta.url).pathname;
  assert.equal(probeEnvironment(root).cgroup?.memoryLimitBytes, 256 * MIB);
});
