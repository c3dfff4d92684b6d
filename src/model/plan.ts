/**
 * The plan and budget types: what the planner decides for an array and the
 * memory and CPU it decided from. Types only; the logic is in `src/plan/`.
 *
 * @module
 */

/** How an array is processed: all at once, in batches, streamed, not at all, or refused. */
export type Strategy = "direct" | "chunked" | "streaming" | "skip" | "error";

/**
 * Where the memory limit came from. `"cgroup"` is a cgroup limit of unknown
 * version, learnt through `process.constrainedMemory()` because Deno only lets
 * a program read `/proc` and `/sys` with `--allow-all`. `"platform"` is the
 * documented limit of a hosting platform without cgroup files (Deno Deploy).
 */
export type MemorySource =
  | "cgroup-v1"
  | "cgroup-v2"
  | "cgroup"
  | "system"
  | "override"
  | "platform";

/** The memory and CPU lamella may use, as the report's `environment` states them. */
export interface BudgetEnvironment {
  /** The memory limit the budget is a fraction of, in bytes. */
  memoryLimitBytes: number;
  /** Where `memoryLimitBytes` came from. */
  memorySource: MemorySource;
  /** The hosting platform whose limit applies, e.g. `"Deno Deploy"` (with `memorySource: "platform"`). */
  platform?: string;
  /** The process's cgroup path, when it runs in one. */
  cgroupPath: string | null;
  /** Bytes lamella may hold for chunks and stage state: fraction of the limit minus the runtime's own. */
  budgetBytes: number;
  /** The cgroup's CPU quota in cores, when one is set. */
  cpuLimit: number | null;
  /** Worker threads to run. */
  workers: number;
}

/** How one array will be processed. */
export interface Plan {
  /** `error` means the array cannot be processed as configured; `reason` says why and what to do. */
  strategy: Strategy;
  /** One line for operators, e.g. "streaming: 879.7 MB array >= 100 MB threshold; …". */
  reason: string;
  /**
   * Chunk requests each worker keeps in flight: 1 for local stores (read,
   * decode and reduce one chunk at a time); for remote stores all of the
   * worker's chunks (`direct`), a `ZARR_CHUNK_SIZE_MB` batch (`chunked`) or
   * enough to cover the latency within the budget (`streaming`). 0 for
   * `skip`/`error`.
   */
  batchChunks: number;
  /** Decoded bytes held at once, across workers: one chunk per worker. */
  inFlightBytes: number;
  /** Encoded bytes held at once at most, across workers (requests in flight). */
  encodedInFlightBytes: number;
  /** Kernel work space reserved per worker. */
  workspaceBytes: number;
  /** Workers to run for this array (0 for `skip`/`error`). */
  workers: number;
}
