import assert from "node:assert/strict";
import {
  computeCgroupLimits,
  parseByteLimit,
  parseCfsQuota,
  parseCpuMax,
  parseMountInfo,
  parseProcSelfCgroup,
  readCgroupLimits,
} from "../src/plan/cgroup.ts";

const MIB = 1024 * 1024;

function fixture(name: string): string {
  return new URL(`./fixtures/cgroup/${name}`, import.meta.url).pathname;
}

Deno.test("a v1 Kubernetes container reports its memory limit, soft limit, usage and CPU quota", () => {
  const limits = readCgroupLimits(fixture("v1"));
  assert.deepEqual(limits, {
    version: "v1",
    path: "/kubepods/burstable/pod1/ctr1",
    memoryLimitBytes: 512 * MIB,
    memoryHighBytes: null,
    memorySoftLimitBytes: 256 * MIB,
    memoryUsageBytes: 50 * MIB,
    cpuLimit: 2.5,
    warnings: [],
  });
});

Deno.test("a v2 service reports memory.max, memory.high, memory.current and cpu.max", () => {
  const limits = readCgroupLimits(fixture("v2"));
  assert.deepEqual(limits, {
    version: "v2",
    path: "/system.slice/lamella.service",
    memoryLimitBytes: 256 * MIB,
    memoryHighBytes: 192 * MIB,
    memorySoftLimitBytes: null,
    memoryUsageBytes: 10 * MIB,
    cpuLimit: 1.5,
    warnings: [],
  });
});

Deno.test("a hybrid host takes memory from the v1 controller, not the unified mount", () => {
  const limits = readCgroupLimits(fixture("hybrid"));
  assert.equal(limits?.version, "v1");
  assert.equal(limits?.path, "/process_api/abc");
  assert.equal(limits?.memoryLimitBytes, 768 * MIB);
  assert.equal(limits?.memoryUsageBytes, 1 * MIB);
});

Deno.test("a hybrid host reads the CPU quota from the v1 cpu controller at the root", () => {
  assert.equal(readCgroupLimits(fixture("hybrid"))?.cpuLimit, 2);
});

Deno.test("a parent's tighter memory.max wins over the process's own unlimited cgroup", () => {
  const limits = readCgroupLimits(fixture("nested"));
  assert.equal(limits?.path, "/batch/job7/step2");
  assert.equal(limits?.memoryLimitBytes, 100 * MIB);
  assert.equal(limits?.memoryHighBytes, 90 * MIB);
});

Deno.test("the tightest cpu.max up the hierarchy wins", () => {
  assert.equal(readCgroupLimits(fixture("nested"))?.cpuLimit, 0.5);
});

Deno.test("memory usage is read from the process's own cgroup, not a parent", () => {
  assert.equal(readCgroupLimits(fixture("nested"))?.memoryUsageBytes, 2 * MIB);
});

Deno.test("a v1 container sees its ancestors' limit through hierarchical_memory_limit", () => {
  const limits = readCgroupLimits(fixture("v1-container"));
  assert.equal(limits?.path, "/docker/0123abcd");
  assert.equal(limits?.memoryLimitBytes, 1024 * MIB);
  assert.equal(limits?.cpuLimit, null);
});

Deno.test("a namespaced cgroup (0::/ with a deep mount root) reads the mount point's files", () => {
  const limits = readCgroupLimits(fixture("namespaced"));
  assert.equal(limits?.version, "v2");
  assert.equal(limits?.path, "/kubepods/burstable/pod9/ctr9");
  assert.equal(limits?.memoryLimitBytes, 128 * MIB);
  assert.equal(limits?.memoryUsageBytes, 4 * MIB);
  assert.equal(limits?.cpuLimit, 1);
});

Deno.test("the v1 unlimited sentinel and a -1 CFS quota mean no limit", () => {
  const limits = readCgroupLimits(fixture("unlimited-v1"));
  assert.equal(limits?.version, "v1");
  assert.equal(limits?.memoryLimitBytes, null);
  assert.equal(limits?.memorySoftLimitBytes, null);
  assert.equal(limits?.cpuLimit, null);
  assert.deepEqual(limits?.warnings, []);
});

Deno.test('v2 "max" means no memory, memory.high or CPU limit', () => {
  const limits = readCgroupLimits(fixture("unlimited-v2"));
  assert.equal(limits?.memoryLimitBytes, null);
  assert.equal(limits?.memoryHighBytes, null);
  assert.equal(limits?.cpuLimit, null);
  assert.deepEqual(limits?.warnings, []);
});

Deno.test("garbled limit files are ignored with a warning each while valid levels still count", () => {
  const limits = readCgroupLimits(fixture("garbage"));
  assert.equal(limits?.memoryLimitBytes, 300 * MIB);
  assert.equal(limits?.memoryHighBytes, null);
  assert.equal(limits?.memoryUsageBytes, null);
  assert.equal(limits?.cpuLimit, null);
  const warnings = limits?.warnings ?? [];
  assert.equal(warnings.length, 5);
  assert.ok(
    warnings.some((w) => w.includes("/app/worker/memory.max") && w.includes('"lots of memory"')),
  );
  assert.ok(warnings.some((w) => w.includes("/app/worker/cpu.max") && w.includes('"fast')));
  assert.ok(warnings.some((w) => w.includes("/app/cpu.max")));
});

Deno.test("a cgroup without limit files has every limit null and no warnings", () => {
  assert.deepEqual(readCgroupLimits(fixture("missing-limits")), {
    version: "v2",
    path: "/empty",
    memoryLimitBytes: null,
    memoryHighBytes: null,
    memorySoftLimitBytes: null,
    memoryUsageBytes: null,
    cpuLimit: null,
    warnings: [],
  });
});

Deno.test("a missing /proc/self/mountinfo gives no cgroup information", () => {
  assert.equal(readCgroupLimits(fixture("missing-mountinfo")), null);
});

Deno.test("a cgroup membership without a mounted cgroup filesystem gives null", () => {
  assert.equal(readCgroupLimits(fixture("not-mounted")), null);
});

Deno.test("a root without /proc (not Linux) gives null", () => {
  assert.equal(readCgroupLimits(fixture("does-not-exist")), null);
});

Deno.test("/proc/self/cgroup lines keep colons inside the path and skip malformed lines", () => {
  assert.deepEqual(parseProcSelfCgroup("3:cpu,cpuacct:/a:b\nnonsense\n\n0::/\n"), [
    { hierarchyId: 3, controllers: ["cpu", "cpuacct"], path: "/a:b" },
    { hierarchyId: 0, controllers: [], path: "/" },
  ]);
});

Deno.test("mountinfo paths are unescaped and optional fields before the separator are skipped", () => {
  const mounts = parseMountInfo(
    "36 31 0:31 /my\\040root /sys/fs/cgroup/mem\\040ory rw shared:14 master:2 - cgroup cgroup rw,nosuid,memory\n" +
      "40 31 0:23 / /proc rw - proc proc rw\n",
  );
  assert.deepEqual(mounts, [{
    fsType: "cgroup",
    root: "/my root",
    mountPoint: "/sys/fs/cgroup/mem ory",
    controllers: ["nosuid", "memory"],
  }]);
});

Deno.test("a byte limit at or above 2^62 counts as unlimited even when it is not the exact sentinel", () => {
  assert.equal(parseByteLimit(`${2n ** 62n}`, "memory.max", []), null);
  assert.equal(parseByteLimit(`${2n ** 62n - 1n}`, "memory.max", []), Number(2n ** 62n - 1n));
});

Deno.test("a negative byte limit other than -1 is garbage, not a limit", () => {
  const warnings: string[] = [];
  assert.equal(parseByteLimit("-4096", "x/memory.limit_in_bytes", warnings), undefined);
  assert.match(warnings[0], /x\/memory\.limit_in_bytes.*"-4096"/);
});

Deno.test("cpu.max with a zero period or extra fields is garbage", () => {
  const warnings: string[] = [];
  assert.equal(parseCpuMax("100000 0", "cpu.max", warnings), undefined);
  assert.equal(parseCpuMax("100000 100000 7", "cpu.max", warnings), undefined);
  assert.equal(warnings.length, 2);
});

Deno.test("cpu.max with only a quota uses the default 100 ms period", () => {
  assert.equal(parseCpuMax("50000", "cpu.max", []), 0.5);
});

Deno.test("a v1 CFS quota is divided by its period", () => {
  assert.equal(parseCfsQuota("50000\n", "200000\n", "cpu.cfs_quota_us", []), 0.25);
});

Deno.test("a bind mount whose root contains the process's cgroup is preferred over the host-wide one", () => {
  const files: Record<string, string> = {
    "/host/kubepods/pod1/memory.max": "100\n",
    "/sys/fs/cgroup/memory.max": "200\n",
  };
  const limits = computeCgroupLimits(
    "0::/kubepods/pod1\n",
    "1 0 0:26 / /host rw - cgroup2 cgroup2 rw\n" +
      "2 0 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
    (path) => files[path] ?? null,
  );
  assert.equal(limits?.memoryLimitBytes, 200);
  assert.equal(limits?.path, "/kubepods/pod1");
});

Deno.test("v1 CPU quota falls back to v2 cpu.max when the cpu controller is not in v1", () => {
  const files: Record<string, string> = {
    "/sys/fs/cgroup/memory/memory.limit_in_bytes": "1000\n",
    "/sys/fs/cgroup/unified/cpu.max": "300000 100000\n",
  };
  const limits = computeCgroupLimits(
    "4:memory:/\n0::/\n",
    "1 0 0:1 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
      "2 0 0:2 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
    (path) => files[path] ?? null,
  );
  assert.equal(limits?.version, "v1");
  assert.equal(limits?.memoryLimitBytes, 1000);
  assert.equal(limits?.cpuLimit, 3);
});
