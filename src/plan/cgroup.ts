/**
 * The memory and CPU limits of the cgroup this process runs in.
 *
 * The process's cgroup is resolved from `/proc/self/cgroup` and
 * `/proc/self/mountinfo`, which covers nested paths (Kubernetes'
 * `/kubepods/burstable/pod…/…`), cgroup namespaces (`0::/` while the mount's
 * root is a deeper path) and hybrid hosts (v1 controllers beside a v2 unified
 * mount without controllers). Limits are read at every level from the
 * process's cgroup up to the mount point and the tightest one wins.
 *
 * Parsing is pure (functions take file contents); {@linkcode readCgroupLimits}
 * is the thin I/O wrapper and takes a root directory so tests can point it at
 * a fixture tree. Unreadable or garbled files never throw: they are skipped
 * and described in `warnings`.
 *
 * @module
 */

/** Limits of the process's cgroup; `null` fields mean "no limit" or "unknown". */
export interface CgroupLimits {
  /** Hierarchy the memory controller (or, failing that, the CPU controller) lives in. */
  version: "v1" | "v2";
  /** The process's cgroup path in that hierarchy, e.g. `/kubepods/burstable/pod1/abc`. */
  path: string;
  /** Hard limit: v2 `memory.max`, v1 `memory.limit_in_bytes` (tightest up the tree). */
  memoryLimitBytes: number | null;
  /** v2 `memory.high`, where the kernel starts throttling (tightest up the tree). */
  memoryHighBytes: number | null;
  /** v1 `memory.soft_limit_in_bytes` (tightest up the tree). */
  memorySoftLimitBytes: number | null;
  /** Current usage of the process's own cgroup: v2 `memory.current`, v1 `memory.usage_in_bytes`. */
  memoryUsageBytes: number | null;
  /** CPU quota in cores (`cpu.max` or `cfs_quota_us / cfs_period_us`), e.g. 1.5. */
  cpuLimit: number | null;
  /** Files that were present but could not be understood, and other oddities. */
  warnings: string[];
}

/** One line of `/proc/self/cgroup`. */
export interface CgroupMembership {
  /** Hierarchy ID; 0 is the v2 unified hierarchy. */
  hierarchyId: number;
  /** Controllers bound to the hierarchy (`["cpu", "cpuacct"]`); empty for v2. */
  controllers: string[];
  /** The cgroup path inside the hierarchy (relative to the cgroup namespace root). */
  path: string;
}

/** A cgroup filesystem mount found in `/proc/self/mountinfo`. */
export interface CgroupMount {
  /** `cgroup` (v1) or `cgroup2`. */
  fsType: "cgroup" | "cgroup2";
  /** The directory of the hierarchy that is mounted (field 4 of mountinfo). */
  root: string;
  /** Where it is mounted (field 5 of mountinfo). */
  mountPoint: string;
  /** v1 controllers from the super options (`["memory"]`); empty for v2. */
  controllers: string[];
}

/** Reads a text file, returning `null` when it does not exist or cannot be read. */
export type ReadText = (path: string) => string | null;

/** Limits at or above 2^62 are the kernel's way of saying "unlimited". */
const UNLIMITED_THRESHOLD = 2n ** 62n;

/**
 * Parses `/proc/self/cgroup`. Malformed lines are skipped.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseProcSelfCgroup } from "./cgroup.ts";
 * const [memory, unified] = parseProcSelfCgroup("4:memory:/kubepods/pod1\n0::/\n");
 * assertEquals(memory.controllers[0], "memory");
 * assertEquals(memory.path, "/kubepods/pod1");
 * assertEquals(unified.hierarchyId, 0);
 * assertEquals(unified.path, "/");
 * ```
 */
export function parseProcSelfCgroup(text: string): CgroupMembership[] {
  const entries: CgroupMembership[] = [];
  for (const line of text.split("\n")) {
    // hierarchy-ID:controller-list:cgroup-path; the path itself may contain ':'.
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const path = line.slice(second + 1);
    if (!/^\d+$/.test(id) || !path.startsWith("/")) continue;
    const controllers = line.slice(first + 1, second).split(",").filter((c) => c !== "");
    entries.push({ hierarchyId: Number(id), controllers, path });
  }
  return entries;
}

/**
 * Parses the cgroup mounts out of `/proc/self/mountinfo`, decoding octal
 * escapes (`\040` for a space) in paths. Other filesystems are ignored.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { parseMountInfo } from "./cgroup.ts";
 * const [m] = parseMountInfo(
 *   "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n",
 * );
 * assertEquals(m.fsType, "cgroup");
 * assert(m.controllers.includes("memory"));
 * assertEquals(m.mountPoint, "/sys/fs/cgroup/memory");
 * assertEquals(m.root, "/");
 * ```
 */
export function parseMountInfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const dash = fields.indexOf("-", 6);
    if (dash < 0 || fields.length < dash + 3) continue;
    const fsType = fields[dash + 1];
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const superOptions = (fields[dash + 3] ?? "").split(",");
    mounts.push({
      fsType,
      root: unescapeMountPath(fields[3]),
      mountPoint: unescapeMountPath(fields[4]),
      controllers: fsType === "cgroup"
        ? superOptions.filter((o) => o !== "rw" && o !== "ro" && !o.includes("="))
        : [],
    });
  }
  return mounts;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
}

/** Where a controller's files are, and how the process's cgroup path reads. */
interface ResolvedHierarchy {
  /** Directories from the process's cgroup up to the mount point, innermost first. */
  dirs: string[];
  /** The process's cgroup path in the hierarchy. */
  path: string;
}

/**
 * Finds the directories holding a controller's files for the process's cgroup,
 * innermost first, ending at the mount point: `/sys/fs/cgroup/memory/a/b`,
 * `/sys/fs/cgroup/memory/a`, `/sys/fs/cgroup/memory`. Returns `null` when the
 * hierarchy is not mounted.
 *
 * When the cgroup path does not lie under the mount's root, the process is in
 * a cgroup namespace (`0::/` while the mount root is `/kubepods/…`): its path is
 * then relative to the mount point.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolveHierarchy } from "./cgroup.ts";
 * const mount = { fsType: "cgroup2" as const, root: "/", mountPoint: "/sys/fs/cgroup", controllers: [] };
 * const r = resolveHierarchy({ hierarchyId: 0, controllers: [], path: "/a/b" }, [mount]);
 * assertEquals(r?.dirs.join(" "), "/sys/fs/cgroup/a/b /sys/fs/cgroup/a /sys/fs/cgroup");
 * ```
 */
export function resolveHierarchy(
  membership: CgroupMembership,
  mounts: CgroupMount[],
  fsRoot = "/",
): ResolvedHierarchy | null {
  const candidates = mounts.filter((m) =>
    membership.hierarchyId === 0
      ? m.fsType === "cgroup2"
      : m.fsType === "cgroup" && membership.controllers.every((c) => m.controllers.includes(c))
  );
  if (candidates.length === 0) return null;
  // Prefer the mount whose root contains the process's cgroup, deepest root first:
  // bind mounts of sub-trees are common in containers.
  const containing = candidates
    .filter((m) => isWithin(membership.path, m.root))
    .sort((a, b) => b.root.length - a.root.length);
  let mount: CgroupMount;
  let relative: string;
  let path: string;
  if (containing.length > 0) {
    mount = containing[0];
    relative = membership.path.slice(trimSlash(mount.root).length);
    path = membership.path;
  } else {
    // Namespaced: the path is relative to the namespace root, which is the mount.
    mount = candidates[0];
    relative = membership.path === "/" ? "" : membership.path;
    path = mount.root.includes("/..") ? membership.path : trimSlash(mount.root) + relative || "/";
  }
  const base = trimSlash(fsRoot) + trimSlash(mount.mountPoint);
  const segments = relative.split("/").filter((s) => s !== "");
  const dirs: string[] = [];
  for (let n = segments.length; n >= 0; n--) {
    dirs.push(segments.slice(0, n).reduce((dir, s) => `${dir}/${s}`, base) || "/");
  }
  return { dirs, path };
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, "");
}

function isWithin(path: string, root: string): boolean {
  const r = trimSlash(root);
  return r === "" || path === r || path.startsWith(`${r}/`);
}

/**
 * Parses a byte limit such as `memory.max` or `memory.limit_in_bytes`.
 * Returns `null` for "no limit" (`max`, `-1`, or anything >= 2^62, which
 * includes v1's 9223372036854771712), a number of bytes otherwise, and
 * `undefined` (with a warning pushed) when the text is not a limit.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseByteLimit } from "./cgroup.ts";
 * const warnings: string[] = [];
 * assertEquals(parseByteLimit("268435456\n", "memory.max", warnings), 268435456);
 * assertEquals(parseByteLimit("max\n", "memory.max", warnings), null);
 * assertEquals(parseByteLimit("9223372036854771712", "memory.limit_in_bytes", warnings), null);
 * assertEquals(parseByteLimit("lots", "memory.max", warnings), undefined);
 * assertEquals(warnings.length, 1);
 * ```
 */
export function parseByteLimit(
  text: string,
  file: string,
  warnings: string[],
): number | null | undefined {
  const value = text.trim();
  if (value === "max" || value === "-1") return null;
  if (!/^\d+$/.test(value)) {
    warnings.push(`ignored ${file}: expected a byte count or "max", found ${quote(value)}`);
    return undefined;
  }
  const bytes = BigInt(value);
  return bytes >= UNLIMITED_THRESHOLD ? null : Number(bytes);
}

/**
 * Parses v2 `cpu.max` (`"<quota> <period>"` or `"max <period>"`) into cores.
 * Returns `null` for no quota and `undefined` (with a warning) for garbage.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCpuMax } from "./cgroup.ts";
 * const warnings: string[] = [];
 * assertEquals(parseCpuMax("150000 100000\n", "cpu.max", warnings), 1.5);
 * assertEquals(parseCpuMax("max 100000\n", "cpu.max", warnings), null);
 * ```
 */
export function parseCpuMax(
  text: string,
  file: string,
  warnings: string[],
): number | null | undefined {
  const [quota, period = "100000", ...rest] = text.trim().split(/\s+/);
  if (quota === "max" && /^\d+$/.test(period) && rest.length === 0) return null;
  return cpuQuota(quota, period, file, warnings, rest.length === 0);
}

/**
 * Parses v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` into cores. A quota of
 * `-1` means no quota (`null`); garbage gives `undefined` and a warning.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCfsQuota } from "./cgroup.ts";
 * const warnings: string[] = [];
 * assertEquals(parseCfsQuota("150000\n", "100000\n", "cpu.cfs_quota_us", warnings), 1.5);
 * assertEquals(parseCfsQuota("-1\n", "100000\n", "cpu.cfs_quota_us", warnings), null);
 * ```
 */
export function parseCfsQuota(
  quotaText: string,
  periodText: string,
  file: string,
  warnings: string[],
): number | null | undefined {
  const quota = quotaText.trim();
  if (quota === "-1") return null;
  return cpuQuota(quota, periodText.trim(), file, warnings, true);
}

function cpuQuota(
  quota: string,
  period: string,
  file: string,
  warnings: string[],
  wellFormed: boolean,
): number | undefined {
  if (!wellFormed || !/^\d+$/.test(quota) || !/^\d+$/.test(period) || Number(period) === 0) {
    warnings.push(
      `ignored ${file}: expected "<quota> <period>" in microseconds or "max", found ${
        quote(`${quota} ${period}`)
      }`,
    );
    return undefined;
  }
  return Number(quota) / Number(period);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** The tightest (smallest) of the limits found; `null` when none is set. */
function tightest(values: (number | null | undefined)[]): number | null {
  const set = values.filter((v): v is number => typeof v === "number");
  return set.length === 0 ? null : Math.min(...set);
}

/**
 * Computes the process's cgroup limits from the contents of
 * `/proc/self/cgroup` and `/proc/self/mountinfo`, reading limit files through
 * `read` (paths are under `fsRoot`). Returns `null` when the process is not in
 * a mounted cgroup hierarchy (not Linux, or `/sys/fs/cgroup` not mounted).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { computeCgroupLimits } from "./cgroup.ts";
 * const files: Record<string, string> = { "/sys/fs/cgroup/app/memory.max": "268435456\n" };
 * const limits = computeCgroupLimits(
 *   "0::/app\n",
 *   "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
 *   (path) => files[path] ?? null,
 * );
 * assertEquals(limits?.version, "v2");
 * assertEquals(limits.memoryLimitBytes, 268435456);
 * ```
 */
export function computeCgroupLimits(
  procSelfCgroup: string,
  mountinfo: string,
  read: ReadText,
  fsRoot = "/",
): CgroupLimits | null {
  const memberships = parseProcSelfCgroup(procSelfCgroup);
  const mounts = parseMountInfo(mountinfo);
  const warnings: string[] = [];
  const resolve = (m: CgroupMembership | undefined) => m && resolveHierarchy(m, mounts, fsRoot);
  const unified = memberships.find((m) => m.hierarchyId === 0);
  const v1 = (controller: string) =>
    resolve(memberships.find((m) => m.hierarchyId !== 0 && m.controllers.includes(controller)));
  const v2 = resolve(unified);

  // A controller is bound to one hierarchy only: on hybrid hosts memory and cpu
  // live in v1 and the unified mount has no controllers.
  const memV1 = v1("memory");
  const cpuV1 = v1("cpu");
  const memory = memV1
    ? readV1Memory(memV1, read, warnings)
    : v2 && readV2Memory(v2, read, warnings);
  const cpuLimit = cpuV1
    ? readV1Cpu(cpuV1, read, warnings)
    : v2
    ? readV2Cpu(v2, read, warnings)
    : null;

  const version = memV1 ? "v1" : v2 ? "v2" : cpuV1 ? "v1" : null;
  if (version === null) return null;
  const path = (memV1 ?? v2 ?? cpuV1)!.path;
  return {
    version,
    path,
    memoryLimitBytes: memory?.limit ?? null,
    memoryHighBytes: memory?.high ?? null,
    memorySoftLimitBytes: memory?.soft ?? null,
    memoryUsageBytes: memory?.usage ?? null,
    cpuLimit,
    warnings,
  };
}

interface MemoryReadings {
  limit: number | null;
  high: number | null;
  soft: number | null;
  usage: number | null;
}

function readLimits(
  dirs: string[],
  name: string,
  read: ReadText,
  warnings: string[],
): (number | null | undefined)[] {
  return dirs.map((dir) => {
    const file = `${dir}/${name}`;
    const text = read(file);
    return text === null ? undefined : parseByteLimit(text, file, warnings);
  });
}

function readUsage(dir: string, name: string, read: ReadText, warnings: string[]): number | null {
  const file = `${dir}/${name}`;
  const text = read(file);
  if (text === null) return null;
  const value = text.trim();
  if (!/^\d+$/.test(value)) {
    warnings.push(`ignored ${file}: expected a byte count, found ${quote(value)}`);
    return null;
  }
  return Number(value);
}

function readV2Memory(h: ResolvedHierarchy, read: ReadText, warnings: string[]): MemoryReadings {
  return {
    limit: tightest(readLimits(h.dirs, "memory.max", read, warnings)),
    high: tightest(readLimits(h.dirs, "memory.high", read, warnings)),
    soft: null,
    usage: readUsage(h.dirs[0], "memory.current", read, warnings),
  };
}

function readV1Memory(h: ResolvedHierarchy, read: ReadText, warnings: string[]): MemoryReadings {
  return {
    limit: tightest([
      ...readLimits(h.dirs, "memory.limit_in_bytes", read, warnings),
      hierarchicalLimit(h.dirs[0], read, warnings),
    ]),
    high: null,
    soft: tightest(readLimits(h.dirs, "memory.soft_limit_in_bytes", read, warnings)),
    usage: readUsage(h.dirs[0], "memory.usage_in_bytes", read, warnings),
  };
}

/**
 * v1 `memory.stat` carries the tightest limit of all ancestors, including
 * those above the mount point that a container cannot see.
 */
function hierarchicalLimit(
  dir: string,
  read: ReadText,
  warnings: string[],
): number | null | undefined {
  const file = `${dir}/memory.stat`;
  const line = read(file)?.split("\n").find((l) => l.startsWith("hierarchical_memory_limit "));
  return line === undefined ? undefined : parseByteLimit(line.split(" ")[1] ?? "", file, warnings);
}

function readV2Cpu(h: ResolvedHierarchy, read: ReadText, warnings: string[]): number | null {
  return tightest(h.dirs.map((dir) => {
    const file = `${dir}/cpu.max`;
    const text = read(file);
    return text === null ? undefined : parseCpuMax(text, file, warnings);
  }));
}

function readV1Cpu(h: ResolvedHierarchy, read: ReadText, warnings: string[]): number | null {
  return tightest(h.dirs.map((dir) => {
    const file = `${dir}/cpu.cfs_quota_us`;
    const quota = read(file);
    if (quota === null) return undefined;
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (period === null) {
      warnings.push(`ignored ${file}: ${dir}/cpu.cfs_period_us is missing`);
      return undefined;
    }
    return parseCfsQuota(quota, period, file, warnings);
  }));
}

/**
 * Reads the limits of this process's cgroup. `fsRoot` re-roots every path
 * (`${fsRoot}/proc/self/cgroup`, `${fsRoot}/proc/self/mountinfo` and the mount
 * points found there), so tests can point it at a fixture tree. Returns `null`
 * when there is no cgroup information (not Linux, or no cgroupfs mounted).
 * Never throws for missing or garbled files.
 *
 * @throws {Deno.errors.NotCapable} without read permission. On Linux Deno
 * lets a program read anything under `/proc` or `/sys` only with
 * `--allow-all`; `--allow-read` is not enough for the real root.
 * @example
 * ```ts
 * import { readCgroupLimits } from "./cgroup.ts";
 * try {
 *   const limits = readCgroupLimits();
 *   console.log(limits?.memoryLimitBytes ?? "no cgroup memory limit");
 * } catch (error) {
 *   if (!(error instanceof Deno.errors.NotCapable)) throw error;
 *   console.log("run with --allow-all to read /proc and /sys");
 * }
 * ```
 */
export function readCgroupLimits(fsRoot = "/"): CgroupLimits | null {
  const root = trimSlash(fsRoot);
  const read: ReadText = (path) => {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      // Missing permission (Deno wants --allow-all for /proc and /sys) is not "no cgroup".
      if (error instanceof Deno.errors.NotCapable) throw error;
      return null;
    }
  };
  const procSelfCgroup = read(`${root}/proc/self/cgroup`);
  const mountinfo = read(`${root}/proc/self/mountinfo`);
  if (procSelfCgroup === null || mountinfo === null) return null;
  return computeCgroupLimits(procSelfCgroup, mountinfo, read, fsRoot);
}
