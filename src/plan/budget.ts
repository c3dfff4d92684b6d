/**
 * The memory budget and worker count lamella works within, from the cgroup
 * limits (or the machine's memory and cores) and the operator's overrides.
 *
 * {@linkcode detectBudget} is pure; {@linkcode probeEnvironment} gathers what
 * it needs from the running process.
 *
 * @module
 */

import type { BudgetEnvironment, MemorySource } from "../model/plan.ts";
import process from "node:process";
import { type CgroupLimits, readCgroupLimits } from "./cgroup.ts";
import type { LimitSettings } from "./settings_env.ts";

export type { BudgetEnvironment, MemorySource };

/** The memory and CPU lamella may use: the report's environment and the operator's warnings. */
export interface Budget extends BudgetEnvironment {
  /** Things the operator should know (garbled cgroup files, a tiny budget, …). */
  warnings: string[];
}

/** What {@linkcode detectBudget} needs to know about the running process. */
export interface EnvironmentProbe {
  /** The process's cgroup limits, or `null` outside cgroups. */
  cgroup: CgroupLimits | null;
  /** Physical memory of the machine in bytes (0 when unknown). */
  systemMemoryBytes: number;
  /** Logical cores available. */
  cores: number;
  /** The runtime's resident memory measured at start, in bytes. */
  rssBytes: number;
  /**
   * The cgroup memory limit from `process.constrainedMemory()`, used only when
   * `cgroup` is `null` (the cgroup files could not be read).
   */
  constrainedMemoryBytes?: number | null;
  /** Problems met while probing. */
  warnings?: string[];
  /** The hosting platform, when lamella runs on one without cgroup files (Deno Deploy). */
  platform?: PlatformLimits | null;
}

/** A hosting platform's documented limits, for where no cgroup files can be read. */
export interface PlatformLimits {
  /** The platform's name, for the log and the report, e.g. `"Deno Deploy"`. */
  name: string;
  /** The platform's memory limit per isolate, in bytes. */
  memoryLimitBytes: number;
  /** How it was recognised, e.g. `"DENO_DEPLOYMENT_ID is set"`. */
  detectedBy: string;
}

/**
 * Deno Deploy's documented memory limit per isolate: 512 MB ("Applications
 * have a maximum memory allocation of 512MB", docs.deno.com/deploy pricing and
 * limits), taken as 512 × 10^6 bytes, the smaller reading. `MEMORY_LIMIT_MB`
 * overrides it when the platform's figure changes.
 */
export const DENO_DEPLOY_MEMORY_BYTES = 512e6;

/**
 * Recognises Deno Deploy from its environment: it sets `DENO_DEPLOYMENT_ID` in
 * every deployment. Returns `null` elsewhere.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DENO_DEPLOY_MEMORY_BYTES, detectPlatform } from "./budget.ts";
 * assertEquals(detectPlatform({ DENO_DEPLOYMENT_ID: "abc123" })?.memoryLimitBytes, DENO_DEPLOY_MEMORY_BYTES);
 * assertEquals(detectPlatform({ HOME: "/root" }), null);
 * ```
 */
export function detectPlatform(env: Record<string, string | undefined>): PlatformLimits | null {
  if (env.DENO_DEPLOYMENT_ID?.trim()) {
    return {
      name: "Deno Deploy",
      memoryLimitBytes: DENO_DEPLOY_MEMORY_BYTES,
      detectedBy: "DENO_DEPLOYMENT_ID is set",
    };
  }
  return null;
}

const MB = 1e6;
const MIB = 1024 * 1024;

/**
 * Computes the budget. The memory limit is, in order: `limits.memoryLimitMb`,
 * the platform's documented limit (`probe.platform`, e.g. Deno Deploy), the cgroup's tightest of `memory.max`/`memory.limit_in_bytes` and
 * `memory.high` when it is below the machine's memory, else
 * `constrainedMemoryBytes` when the cgroup files could not be read, else the
 * machine's memory. The budget is `memoryFraction` of what that limit leaves
 * once the runtime's own memory (`rssBytes`) is taken out: in a small
 * container the runtime is most of the limit, and a fraction of the whole
 * limit would leave nothing. Workers are `limits.workers`, else the floor of the CPU
 * quota (at least 1) capped by the cores present.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectBudget } from "./budget.ts";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * const budget = detectBudget(DEFAULT_LIMITS, {
 *   cgroup: {
 *     version: "v1", path: "/kubepods/pod1", memoryLimitBytes: 512 * 2 ** 20,
 *     memoryHighBytes: null, memorySoftLimitBytes: null, memoryUsageBytes: null,
 *     cpuLimit: 2.5, warnings: [],
 *   },
 *   systemMemoryBytes: 16 * 2 ** 30, cores: 8, rssBytes: 50 * 2 ** 20,
 * });
 * assertEquals(budget.memorySource, "cgroup-v1");
 * assertEquals(budget.workers, 2);
 * assertEquals(budget.budgetBytes, Math.floor((512 - 50) * 2 ** 20 * 0.6));
 * ```
 */
export function detectBudget(limits: LimitSettings, probe: EnvironmentProbe): Budget {
  const { cgroup } = probe;
  const warnings = [...(probe.warnings ?? []), ...(cgroup?.warnings ?? [])];
  const cgroupLimit = tightest(cgroup?.memoryLimitBytes, cgroup?.memoryHighBytes);

  let memoryLimitBytes: number;
  let memorySource: MemorySource;
  if (limits.memoryLimitMb !== undefined) {
    memoryLimitBytes = Math.round(limits.memoryLimitMb * MB);
    memorySource = "override";
    if (cgroupLimit !== null && memoryLimitBytes > cgroupLimit) {
      warnings.push(
        `memory limit override ${formatMiB(memoryLimitBytes)} is above the cgroup limit ${
          formatMiB(cgroupLimit)
        }: the kernel will kill lamella before it reaches its budget`,
      );
    }
  } else if (probe.platform) {
    memoryLimitBytes = probe.platform.memoryLimitBytes;
    memorySource = "platform";
  } else if (cgroupLimit !== null && belowSystem(cgroupLimit, probe.systemMemoryBytes)) {
    memoryLimitBytes = cgroupLimit;
    memorySource = cgroup?.version === "v1" ? "cgroup-v1" : "cgroup-v2";
  } else if (
    cgroup === null && probe.constrainedMemoryBytes &&
    probe.constrainedMemoryBytes < UNLIMITED &&
    belowSystem(probe.constrainedMemoryBytes, probe.systemMemoryBytes)
  ) {
    memoryLimitBytes = probe.constrainedMemoryBytes;
    memorySource = "cgroup";
  } else {
    memoryLimitBytes = Math.max(0, probe.systemMemoryBytes);
    memorySource = "system";
    if (memoryLimitBytes === 0) {
      warnings.push(
        "could not learn the memory limit or the machine's memory; set MEMORY_LIMIT_MB",
      );
    }
  }

  const left = Math.max(0, memoryLimitBytes - probe.rssBytes);
  const budgetBytes = Math.floor(left * limits.memoryFraction);
  if (budgetBytes === 0 && memoryLimitBytes > 0) {
    warnings.push(
      `no memory left: the runtime already holds ${formatMiB(probe.rssBytes)} of the ${
        formatMiB(memoryLimitBytes)
      } limit; raise the memory limit`,
    );
  }

  const cores = Math.max(1, Math.floor(probe.cores) || 1);
  const cpuLimit = cgroup?.cpuLimit ?? null;
  let workers: number;
  if (limits.workers !== undefined) {
    workers = limits.workers;
    if (workers > cores) {
      warnings.push(`${workers} workers requested but only ${cores} cores are present`);
    }
  } else {
    workers = Math.min(cores, cpuLimit === null ? cores : Math.max(1, Math.floor(cpuLimit)));
  }

  return {
    memoryLimitBytes,
    memorySource,
    ...(probe.platform ? { platform: probe.platform.name } : {}),
    cgroupPath: cgroup?.path ?? null,
    budgetBytes,
    cpuLimit,
    workers,
    warnings,
  };
}

/** v1's "unlimited" is 9223372036854771712; anything from 2^62 up means no limit. */
const UNLIMITED = 2 ** 62;

function belowSystem(limit: number, systemMemoryBytes: number): boolean {
  return systemMemoryBytes <= 0 || limit < systemMemoryBytes;
}

function tightest(...values: (number | null | undefined)[]): number | null {
  const set = values.filter((v): v is number => typeof v === "number");
  return set.length === 0 ? null : Math.min(...set);
}

/**
 * The fields of a budget that go into the report's `environment`.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { budgetEnvironment } from "./budget.ts";
 * const env = budgetEnvironment({
 *   memoryLimitBytes: 2 ** 28, memorySource: "cgroup-v2", cgroupPath: "/app",
 *   budgetBytes: 10 ** 8, cpuLimit: 1.5, workers: 1, warnings: [],
 * });
 * assert(!("warnings" in env));
 * assertEquals(env.memorySource, "cgroup-v2");
 * ```
 */
export function budgetEnvironment(budget: Budget): BudgetEnvironment {
  const { memoryLimitBytes, memorySource, cgroupPath, budgetBytes, cpuLimit, workers } = budget;
  return {
    memoryLimitBytes,
    memorySource,
    ...(budget.platform ? { platform: budget.platform } : {}),
    cgroupPath,
    budgetBytes,
    cpuLimit,
    workers,
  };
}

/**
 * Formats bytes in mebibytes, the unit container limits are set in:
 * whole numbers bare, others with one decimal.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatMiB } from "./budget.ts";
 * assertEquals(formatMiB(512 * 2 ** 20), "512 MiB");
 * assertEquals(formatMiB(1.5 * 2 ** 20), "1.5 MiB");
 * ```
 */
export function formatMiB(bytes: number): string {
  const mib = Math.round((bytes / MIB) * 10) / 10;
  return `${mib} MiB`;
}

/**
 * The operator log lines: the limit with its source, the budget and workers,
 * then the strategy thresholds (in MB of 10^6 bytes, as configured), e.g.
 *
 * ```text
 * Memory limit: 512 MiB (cgroup v1 /kubepods/pod1); budget 300 MiB; 2 workers (CPU limit 2.5)
 * Thresholds: direct < 25 MB, chunked < 100 MB, streaming >= 100 MB; …
 * ```
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { describeBudget } from "./budget.ts";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * const text = describeBudget({
 *   memoryLimitBytes: 512 * 2 ** 20, memorySource: "cgroup-v1", cgroupPath: "/kubepods/pod1",
 *   budgetBytes: 300 * 2 ** 20, cpuLimit: null, workers: 2, warnings: [],
 * }, DEFAULT_LIMITS);
 * assert(text.startsWith("Memory limit: 512 MiB (cgroup v1 /kubepods/pod1); budget 300 MiB; 2 workers"));
 * ```
 */
export function describeBudget(budget: Budget, limits: LimitSettings): string {
  const source = {
    "cgroup-v1": `cgroup v1 ${budget.cgroupPath}`,
    "cgroup-v2": `cgroup v2 ${budget.cgroupPath}`,
    cgroup: "cgroup, via process.constrainedMemory()",
    system: "system memory",
    override: `override ${
      {
        flags: "--memory-limit-mb",
        environment: "MEMORY_LIMIT_MB",
        config: "limits.memory_limit_mb",
      }[limits.memoryLimitFrom ?? "environment"]
    }`,
    platform: `${budget.platform ?? "platform"} isolate limit`,
  }[budget.memorySource];
  const cpu = budget.cpuLimit === null ? "" : ` (CPU limit ${round(budget.cpuLimit, 2)})`;
  const workers = `${budget.workers} worker${budget.workers === 1 ? "" : "s"}`;
  const max = Number.isFinite(limits.maxArraySizeMb) ? `${limits.maxArraySizeMb} MB` : "none";
  const lines = [
    `Memory limit: ${formatMiB(budget.memoryLimitBytes)} (${source}); budget ${
      formatMiB(budget.budgetBytes)
    }; ${workers}${cpu}`,
    `Thresholds: direct < ${limits.directMaxMb} MB, chunked < ${limits.chunkedMaxMb} MB, streaming >= ${limits.chunkedMaxMb} MB; ` +
    `max array size ${max} (LARGE_ARRAY_MODE=${limits.largeArrayMode}); ` +
    `batches of ${limits.zarrChunkSizeMb} MB; ${limits.streamingChunkMb} MB in flight when streaming; ` +
    `memory fraction ${limits.memoryFraction}`,
  ];
  return [...lines, ...budget.warnings.map((w) => `Warning: ${w}`)].join("\n");
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Gathers what {@linkcode detectBudget} needs from the running process: its
 * cgroup limits (under `fsRoot`), the machine's memory
 * (`Deno.systemMemoryInfo()`), `navigator.hardwareConcurrency` and the
 * resident memory now. Never throws for missing permissions: it says in
 * `warnings` what it could not learn.
 *
 * Deno lets a program read `/proc` and `/sys` only with `--allow-all`
 * (`--allow-read` is not enough). Without it the cgroup files cannot be read,
 * and the memory limit falls back to `process.constrainedMemory()` (needs
 * `--allow-sys`), which reads the process's own cgroup only: no `memory.high`,
 * no tighter parent, no CPU quota. `navigator.hardwareConcurrency` already
 * counts a CPU quota (rounded down).
 *
 * @example
 * ```ts ignore
 * import { detectBudget, probeEnvironment } from "./budget.ts";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * const budget = detectBudget(DEFAULT_LIMITS, probeEnvironment());
 * console.log(budget.budgetBytes);
 * ```
 */
export function probeEnvironment(fsRoot = "/"): EnvironmentProbe {
  const rssBytes = Deno.memoryUsage().rss;
  const warnings: string[] = [];
  let cgroup: CgroupLimits | null = null;
  let constrainedMemoryBytes: number | null = null;
  try {
    cgroup = readCgroupLimits(fsRoot);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    constrainedMemoryBytes = constrainedMemory();
    warnings.push(
      "cgroup files not read: Deno allows reading /proc and /sys only with --allow-all; " +
        (constrainedMemoryBytes === null
          ? "no cgroup limit known (process.constrainedMemory() needs --allow-sys)"
          : "using process.constrainedMemory() (own cgroup only, no parents, no CPU quota)"),
    );
  }
  let systemMemoryBytes = 0;
  try {
    systemMemoryBytes = Deno.systemMemoryInfo().total;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    warnings.push("machine memory unknown: Deno.systemMemoryInfo() needs --allow-sys");
  }
  return {
    cgroup,
    systemMemoryBytes,
    cores: navigator.hardwareConcurrency,
    rssBytes,
    constrainedMemoryBytes,
    warnings,
  };
}

function constrainedMemory(): number | null {
  try {
    const bytes = process.constrainedMemory();
    return bytes > 0 ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * What {@linkcode detectBudget} needs on a platform without cgroup files or a
 * machine to ask (Deno Deploy): the platform's limit, one core (an isolate
 * runs on one thread; `LAMELLA_WORKERS` asks for more) and the resident memory
 * when the runtime reports it. Reads no files.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectBudget, detectPlatform, platformProbe } from "./budget.ts";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * const probe = platformProbe(detectPlatform({ DENO_DEPLOYMENT_ID: "x" })!);
 * const budget = detectBudget(DEFAULT_LIMITS, probe);
 * assertEquals(budget.memorySource, "platform");
 * assertEquals(budget.workers, 1);
 * ```
 */
export function platformProbe(platform: PlatformLimits): EnvironmentProbe {
  let rssBytes = 0;
  const warnings: string[] = [];
  try {
    rssBytes = Deno.memoryUsage().rss;
  } catch {
    warnings.push(`resident memory unknown on ${platform.name}; budgeting from the limit alone`);
  }
  return { cgroup: null, systemMemoryBytes: 0, cores: 1, rssBytes, platform, warnings };
}
