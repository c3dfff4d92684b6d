/**
 * Memory and strategy limits: parsing the environment variables of the Python
 * pipeline lamella replaces, and merging them with flags, the config file and
 * defaults.
 *
 * Units: every `…Mb` setting and `…_MB` variable is in megabytes of 10^6
 * bytes, the unit the planner's reasons and thresholds are written in.
 *
 * @module
 */

import { ConfigError } from "../model/errors.ts";

/** What to do with an array larger than `maxArraySizeMb`. */
export type LargeArrayMode = "stream" | "skip" | "fail";

/** The accepted values of `LARGE_ARRAY_MODE`. */
export const LARGE_ARRAY_MODES: readonly LargeArrayMode[] = ["stream", "skip", "fail"];

/** Limits that decide the memory budget and each array's strategy (MB = 10^6 bytes). */
export interface LimitSettings {
  /** Memory limit to use instead of the detected one (`MEMORY_LIMIT_MB`). */
  memoryLimitMb?: number;
  /** Which layer set `memoryLimitMb` (for the budget line): flags, environment or config. */
  memoryLimitFrom?: "flags" | "environment" | "config";
  /**
   * Largest array processed at all (`MAX_ARRAY_SIZE_MB`); larger ones follow
   * `largeArrayMode`. Default `Infinity`: no maximum.
   */
  maxArraySizeMb: number;
  /** Target decoded bytes per read batch in the chunked strategy (`ZARR_CHUNK_SIZE_MB`, default 16). */
  zarrChunkSizeMb: number;
  /** Decoded bytes in flight when streaming (`STREAMING_CHUNK_MB`, default 8). */
  streamingChunkMb: number;
  /** What to do past `maxArraySizeMb` (`LARGE_ARRAY_MODE`, default `"stream"`). */
  largeArrayMode: LargeArrayMode;
  /** Worker count to use instead of the detected one (`LAMELLA_WORKERS`). */
  workers?: number;
  /**
   * Round-trip latency of remote stores in milliseconds, which sizes their
   * read-ahead (`LAMELLA_REMOTE_LATENCY_MS`; `deno task tune --url` measures
   * it). Default: the planner's 50 ms.
   */
  remoteLatencyMs?: number;
  /**
   * Seconds one remote request may take, body included, before it is retried
   * (`LAMELLA_REQUEST_TIMEOUT_S`, `limits.request_timeout_s`; default 10).
   */
  requestTimeoutS?: number;
  /** Attempts per remote request, the first included (`LAMELLA_REQUEST_ATTEMPTS`; default 3). */
  requestAttempts?: number;
  /**
   * Seconds one array may take; past it the array is an error and the run goes
   * on (`LAMELLA_ARRAY_DEADLINE_S`, `limits.array_deadline_s`; default none).
   */
  arrayDeadlineS?: number;
  /**
   * Seconds the whole run may take; arrays not started by then are reported
   * as skipped (`LAMELLA_RUN_DEADLINE_S`, `--run-deadline-s`; default none).
   */
  runDeadlineS?: number;
  /** Share of the memory limit lamella may use, in (0, 1] (default 0.6). */
  memoryFraction: number;
  /** Arrays smaller than this are processed directly (default 25). */
  directMaxMb: number;
  /** Arrays smaller than this (and at least `directMaxMb`) are chunked (default 100). */
  chunkedMaxMb: number;
}

/** Values supplied by one layer (flags, environment, config file); absent keys defer. */
export type LimitOverrides = Partial<LimitSettings>;

/**
 * The defaults: no memory or worker override, no maximum array size,
 * 16 MB batches, 8 MB in flight when streaming, 60 % of the limit, and the
 * 25 MB / 100 MB strategy thresholds.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * assertEquals(DEFAULT_LIMITS.maxArraySizeMb, Infinity);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<LimitSettings> = Object.freeze({
  maxArraySizeMb: Infinity,
  zarrChunkSizeMb: 16,
  streamingChunkMb: 8,
  largeArrayMode: "stream",
  memoryFraction: 0.6,
  directMaxMb: 25,
  chunkedMaxMb: 100,
});

type NumericKey = Exclude<keyof LimitSettings, "largeArrayMode" | "memoryLimitFrom">;

/** Seconds a remote request may take by default (`requestTimeoutS`). */
export const DEFAULT_REQUEST_TIMEOUT_S = 10;
/** Attempts per remote request by default (`requestAttempts`). */
export const DEFAULT_REQUEST_ATTEMPTS = 3;

const SECONDS_VARIABLES: ReadonlyArray<[string, NumericKey]> = [
  ["LAMELLA_REQUEST_TIMEOUT_S", "requestTimeoutS"],
  ["LAMELLA_ARRAY_DEADLINE_S", "arrayDeadlineS"],
  ["LAMELLA_RUN_DEADLINE_S", "runDeadlineS"],
];

const SIZE_VARIABLES: ReadonlyArray<[string, NumericKey]> = [
  ["MEMORY_LIMIT_MB", "memoryLimitMb"],
  ["MAX_ARRAY_SIZE_MB", "maxArraySizeMb"],
  ["ZARR_CHUNK_SIZE_MB", "zarrChunkSizeMb"],
  ["STREAMING_CHUNK_MB", "streamingChunkMb"],
];

/**
 * Reads the limit variables from an environment. Unset or blank variables are
 * left out. `*_MB` variables take a positive decimal number of megabytes
 * (10^6 bytes), `LARGE_ARRAY_MODE` one of `stream`, `skip`, `fail`
 * (case-insensitive) and `LAMELLA_WORKERS` a positive integer.
 *
 * @throws {ConfigError} naming the variable, the accepted values and what was found.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseLimitEnv } from "./settings_env.ts";
 * const limits = parseLimitEnv({ MAX_ARRAY_SIZE_MB: "2048", LARGE_ARRAY_MODE: "skip" });
 * assertEquals(limits.maxArraySizeMb, 2048);
 * assertEquals(limits.largeArrayMode, "skip");
 * ```
 */
export function parseLimitEnv(env: Record<string, string | undefined>): LimitOverrides {
  const limits: LimitOverrides = {};
  for (const [name, key] of SIZE_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || Number(value) <= 0) {
      throw new ConfigError(
        `expected a positive number of megabytes (MB = 10^6 bytes), e.g. 512; found ${
          JSON.stringify(env[name])
        }`,
        { source: name },
      );
    }
    limits[key] = Number(value);
  }
  const mode = env.LARGE_ARRAY_MODE?.trim().toLowerCase();
  if (mode) {
    if (!(LARGE_ARRAY_MODES as readonly string[]).includes(mode)) {
      throw new ConfigError(
        `expected one of ${LARGE_ARRAY_MODES.join(", ")}; found ${
          JSON.stringify(env.LARGE_ARRAY_MODE)
        }`,
        { source: "LARGE_ARRAY_MODE" },
      );
    }
    limits.largeArrayMode = mode as LargeArrayMode;
  }
  const workers = env.LAMELLA_WORKERS?.trim();
  if (workers) {
    if (!/^\d+$/.test(workers) || Number(workers) < 1) {
      throw new ConfigError(
        `expected a positive whole number of workers, e.g. 4; found ${
          JSON.stringify(env.LAMELLA_WORKERS)
        }`,
        { source: "LAMELLA_WORKERS" },
      );
    }
    limits.workers = Number(workers);
  }
  for (const [name, key] of SECONDS_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (!(Number(value) > 0 && Number.isFinite(Number(value)))) {
      throw new ConfigError(
        `expected a positive number of seconds, e.g. 10; found ${JSON.stringify(env[name])}`,
        { source: name },
      );
    }
    limits[key] = Number(value);
  }
  const attempts = env.LAMELLA_REQUEST_ATTEMPTS?.trim();
  if (attempts) {
    if (!/^\d+$/.test(attempts) || Number(attempts) < 1) {
      throw new ConfigError(
        `expected a whole number of attempts >= 1, e.g. 3; found ${
          JSON.stringify(env.LAMELLA_REQUEST_ATTEMPTS)
        }`,
        { source: "LAMELLA_REQUEST_ATTEMPTS" },
      );
    }
    limits.requestAttempts = Number(attempts);
  }
  const latency = env.LAMELLA_REMOTE_LATENCY_MS?.trim();
  if (latency) {
    if (!(Number(latency) >= 0 && Number.isFinite(Number(latency)))) {
      throw new ConfigError(
        `expected milliseconds >= 0, e.g. 20; found ${
          JSON.stringify(env.LAMELLA_REMOTE_LATENCY_MS)
        }`,
        { source: "LAMELLA_REMOTE_LATENCY_MS" },
      );
    }
    limits.remoteLatencyMs = Number(latency);
  }
  return limits;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The environment variable behind each limit, for messages. */
const ENV_NAMES: Partial<Record<keyof LimitSettings, string>> = {
  memoryLimitMb: "MEMORY_LIMIT_MB",
  maxArraySizeMb: "MAX_ARRAY_SIZE_MB",
  zarrChunkSizeMb: "ZARR_CHUNK_SIZE_MB",
  streamingChunkMb: "STREAMING_CHUNK_MB",
  largeArrayMode: "LARGE_ARRAY_MODE",
  workers: "LAMELLA_WORKERS",
  remoteLatencyMs: "LAMELLA_REMOTE_LATENCY_MS",
  requestTimeoutS: "LAMELLA_REQUEST_TIMEOUT_S",
  requestAttempts: "LAMELLA_REQUEST_ATTEMPTS",
  arrayDeadlineS: "LAMELLA_ARRAY_DEADLINE_S",
  runDeadlineS: "LAMELLA_RUN_DEADLINE_S",
};

/**
 * Merges the layers, highest precedence first: CLI flags, environment
 * variables, config file, then `defaults`. A layer's `undefined` values defer
 * to the next layer. The result is checked as a whole.
 *
 * @throws {ConfigError} when a value is out of range (`source` names the layer
 * that supplied it: `"flags"`, `"environment"`, `"config"` or `"defaults"`).
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mergeLimits } from "./settings_env.ts";
 * const limits = mergeLimits({ workers: 2 }, { workers: 8, streamingChunkMb: 4 }, { streamingChunkMb: 32 });
 * assertEquals(limits.workers, 2);
 * assertEquals(limits.streamingChunkMb, 4);
 * assertEquals(limits.zarrChunkSizeMb, 16);
 * ```
 */
export function mergeLimits(
  flags: LimitOverrides,
  env: LimitOverrides,
  config: LimitOverrides,
  defaults: LimitSettings = DEFAULT_LIMITS,
): LimitSettings {
  const layers: [string, LimitOverrides][] = [
    ["defaults", defaults],
    ["config", config],
    ["environment", env],
    ["flags", flags],
  ];
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [name, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      merged[key] = value;
      origin[key] = name;
    }
  }
  const limits = merged as unknown as LimitSettings;
  if (limits.memoryLimitMb !== undefined) {
    limits.memoryLimitFrom = origin.memoryLimitMb as LimitSettings["memoryLimitFrom"];
  }
  const fail = (key: keyof LimitSettings, expected: string): never => {
    const layer = origin[key] ?? "defaults";
    const where = layer === "flags"
      ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
      : layer === "environment"
      ? ENV_NAMES[key] ?? "environment"
      : layer === "config"
      ? "the pipeline file"
      : "defaults";
    throw new ConfigError(`expected ${expected}; found ${String(limits[key])}`, {
      source: where,
      key: layer === "config" ? `limits.${snake(key)}` : layer === "defaults" ? key : undefined,
    });
  };
  const positive = (key: NumericKey, optional = false) => {
    const value = limits[key];
    if (optional && value === undefined) return;
    if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
      fail(key, "a positive number of megabytes");
    }
  };
  positive("memoryLimitMb", true);
  positive("maxArraySizeMb");
  positive("zarrChunkSizeMb");
  positive("streamingChunkMb");
  positive("directMaxMb");
  positive("chunkedMaxMb");
  const finite = [
    "memoryLimitMb",
    "zarrChunkSizeMb",
    "streamingChunkMb",
    "directMaxMb",
    "chunkedMaxMb",
  ] as const;
  for (const key of finite) {
    const value = limits[key];
    if (value !== undefined && !Number.isFinite(value)) fail(key, "a finite number of megabytes");
  }
  if (limits.chunkedMaxMb < limits.directMaxMb) {
    fail("chunkedMaxMb", `at least directMaxMb (${limits.directMaxMb})`);
  }
  if (!(LARGE_ARRAY_MODES as readonly unknown[]).includes(limits.largeArrayMode)) {
    fail("largeArrayMode", `one of ${LARGE_ARRAY_MODES.join(", ")}`);
  }
  const fraction = limits.memoryFraction;
  if (typeof fraction !== "number" || !(fraction > 0 && fraction <= 1)) {
    fail("memoryFraction", "a fraction in (0, 1], e.g. 0.6");
  }
  if (limits.workers !== undefined && !(Number.isInteger(limits.workers) && limits.workers >= 1)) {
    fail("workers", "a positive whole number");
  }
  return limits;
}
