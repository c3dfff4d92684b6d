/**
 * A lamella run on SLURM: a job array of shards (deploy/slurm/shard.sbatch)
 * and a merge job (deploy/slurm/merge.sbatch) that starts when every shard
 * succeeded (`--dependency=afterok`). The run is remembered in
 * `OUT/slurm-run.json`, so {@linkcode slurmStatus}, {@linkcode waitForRun}
 * and {@linkcode retryRun} need only the output directory; a retry resubmits
 * the shards whose files are missing, alone, and a new merge after them.
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";
import { writeFileAtomic } from "../store/atomic.ts";

/** Marks `slurm-run.json`. */
export const SLURM_RUN_FORMAT = "lamella-slurm/1";

/** What `deno task slurm submit` is asked for. */
export interface SlurmRequest {
  /** The store to process. */
  source: string;
  /** A directory every node can write: shard files, logs, `report/`. */
  out: string;
  /** N, the shards of the run. */
  shards: number;
  /** `--mem` of each shard (e.g. "4G"); it becomes the shard's cgroup limit. */
  mem: string;
  /** `--cpus-per-task` of each shard. */
  cpus: number;
  /** At most this many shards at once (`--array=...%K`). */
  parallel?: number;
  /** More flags for `deno task process` (e.g. ["--pipeline", "pipeline.yaml"]). */
  processArgs: string[];
  /** More flags for both `sbatch` calls (e.g. ["--partition=short", "--time=2:00:00"]). */
  sbatchArgs: string[];
  /** The lamella checkout the jobs run in. */
  repo: string;
  /** The deno binary the jobs run. */
  deno: string;
}

/** One submission: the shard array (all shards, or a retry of some) and its merge job. */
export interface SlurmSubmission {
  /** Job id of the shard array. */
  array: string;
  /** Job id of the merge job. */
  merge: string;
  /** The shards in this array. */
  tasks: number[];
  /** When it was submitted (ISO 8601). */
  submittedAt: string;
}

/** `OUT/slurm-run.json`. */
export interface SlurmRun extends SlurmRequest {
  /** Always {@linkcode SLURM_RUN_FORMAT}. */
  format: typeof SLURM_RUN_FORMAT;
  /** Every submission, the current one last. */
  submissions: SlurmSubmission[];
}

/** A job (or array task) still in the queue. */
export interface QueuedJob {
  /** e.g. "1234_2" for task 2 of array 1234, "1235" for a job. */
  id: string;
  /** PENDING, RUNNING, ... */
  state: string;
  /** Why it is pending ("Dependency", "DependencyNeverSatisfied", "None"). */
  reason: string;
}

/** Where a run stands. */
export interface SlurmStatus {
  /** The run as submitted. */
  run: SlurmRun;
  /** Shards whose files exist. */
  done: number[];
  /** Shards whose files do not exist (yet). */
  missing: number[];
  /** The current submission's jobs still in the queue. */
  queued: QueuedJob[];
  /** True once `OUT/report/report.json` exists. */
  merged: boolean;
}

const RUN_FILE = "slurm-run.json";

async function command(
  name: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(name, { args, env, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new LamellaError(
      `${name}: cannot run it (${(e as Error).message}); is SLURM installed and on PATH?`,
    );
  }
  const text = new TextDecoder();
  if (!out.success) {
    throw new LamellaError(
      `${name} ${args.join(" ")}: exit ${out.code}: ${text.decode(out.stderr).trim()}`,
    );
  }
  return text.decode(out.stdout);
}

/** `sbatch --parsable ...` and the job id it prints ("id" or "id;cluster"). */
async function sbatch(args: string[], env: Record<string, string>): Promise<string> {
  const printed = (await command("sbatch", ["--parsable", ...args], env)).trim();
  const id = printed.split(";")[0];
  if (!/^\d+$/.test(id)) throw new LamellaError(`sbatch printed "${printed}", not a job id`);
  return id;
}

/**
 * The `--array` value for `tasks`: ranges where they are consecutive, then
 * `%K` when at most K may run at once.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { arraySpec } from "./slurm.ts";
 * assertEquals(arraySpec([0, 1, 2, 3]), "0-3");
 * assertEquals(arraySpec([1, 4, 5, 6], 2), "1,4-6%2");
 * ```
 */
export function arraySpec(tasks: number[], parallel?: number): string {
  const parts: string[] = [];
  for (let i = 0; i < tasks.length;) {
    let j = i;
    while (j + 1 < tasks.length && tasks[j + 1] === tasks[j] + 1) j++;
    parts.push(j > i ? `${tasks[i]}-${tasks[j]}` : `${tasks[i]}`);
    i = j + 1;
  }
  return parts.join(",") + (parallel ? `%${parallel}` : "");
}

/** Submits shards `tasks` of `run` and a merge job after them. */
async function submitTasks(run: SlurmRequest, tasks: number[]): Promise<SlurmSubmission> {
  // The jobs get their settings from the environment sbatch passes on (--export=ALL), not
  // from --export=K=V lists, which cannot hold commas.
  const env = {
    LAMELLA_SOURCE: run.source,
    LAMELLA_OUT: run.out,
    LAMELLA_SHARDS: String(run.shards),
    LAMELLA_PROCESS_ARGS: run.processArgs.map(shellQuote).join(" "),
    LAMELLA_REPO: run.repo,
    LAMELLA_DENO: run.deno,
  };
  const array = await sbatch([
    `--array=${arraySpec(tasks, run.parallel)}`,
    `--mem=${run.mem}`,
    `--cpus-per-task=${run.cpus}`,
    `--output=${run.out}/logs/shard-%a.log`,
    "--export=ALL",
    ...run.sbatchArgs,
    `${run.repo}/deploy/slurm/shard.sbatch`,
  ], env);
  const merge = await sbatch([
    `--dependency=afterok:${array}`,
    `--output=${run.out}/logs/merge.log`,
    "--export=ALL",
    ...run.sbatchArgs,
    `${run.repo}/deploy/slurm/merge.sbatch`,
  ], env);
  return { array, merge, tasks, submittedAt: new Date().toISOString() };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Submits a run: the shard array and the merge job after it. Writes
 * `OUT/slurm-run.json` and returns the run.
 *
 * @example
 * ```ts ignore
 * import { submitRun } from "./slurm.ts";
 * const run = await submitRun({ source: "/data/x.zarr", out: "/shared/run1", shards: 8,
 *   mem: "4G", cpus: 2, processArgs: [], sbatchArgs: [], repo: Deno.cwd(),
 *   deno: Deno.execPath() });
 * ```
 */
export async function submitRun(request: SlurmRequest): Promise<SlurmRun> {
  if (!Number.isInteger(request.shards) || request.shards < 1) {
    throw new LamellaError(`--shards: expected a whole number >= 1; found ${request.shards}`);
  }
  await Deno.mkdir(`${request.out}/logs`, { recursive: true });
  const tasks = Array.from({ length: request.shards }, (_, i) => i);
  const submission = await submitTasks(request, tasks);
  const run: SlurmRun = { format: SLURM_RUN_FORMAT, ...request, submissions: [submission] };
  await writeFileAtomic(`${request.out}/${RUN_FILE}`, JSON.stringify(run, null, 2) + "\n");
  return run;
}

async function readRun(out: string): Promise<SlurmRun> {
  let run: SlurmRun;
  try {
    run = JSON.parse(await Deno.readTextFile(`${out}/${RUN_FILE}`));
  } catch (e) {
    throw new LamellaError(
      `${out}/${RUN_FILE}: cannot read it (${(e as Error).message}); ` +
        "was the run submitted with deno task slurm submit --out to this directory?",
    );
  }
  if (run.format !== SLURM_RUN_FORMAT) {
    throw new LamellaError(`${out}/${RUN_FILE}: not a lamella SLURM run`);
  }
  return run;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the run in `out` stands: which shard files exist, which of its jobs
 * are queued, whether the merged report exists.
 *
 * @example
 * ```ts ignore
 * import { slurmStatus } from "./slurm.ts";
 * const s = await slurmStatus("/shared/run1");
 * console.log(`${s.done.length}/${s.run.shards} shards, merged: ${s.merged}`);
 * ```
 */
export async function slurmStatus(out: string): Promise<SlurmStatus> {
  const run = await readRun(out);
  const done: number[] = [];
  const missing: number[] = [];
  for (let i = 0; i < run.shards; i++) {
    (await exists(`${out}/shard-${i}-of-${run.shards}.json`) ? done : missing).push(i);
  }
  const current = run.submissions[run.submissions.length - 1];
  const listing = await command("squeue", [
    "-h",
    "-r",
    `--jobs=${current.array},${current.merge}`,
    "-o",
    "%i|%T|%r",
  ]).catch((e) => {
    // squeue refuses ids it no longer knows (all ended); that is an empty queue.
    if (/Invalid job id/i.test((e as Error).message)) return "";
    throw e;
  });
  const queued = listing.split("\n").filter((l) => l.includes("|")).map((l) => {
    const [id, state, reason] = l.trim().split("|");
    return { id, state, reason };
  });
  return { run, done, missing, queued, merged: await exists(`${out}/report/report.json`) };
}

/**
 * Waits for the run in `out` to end: resolves with its status when the
 * merged report exists; throws, naming the missing shards and the retry
 * command, when the merge cannot run (a shard failed or was cancelled) or
 * ended without a report, or when `timeoutS` passes.
 *
 * @example
 * ```ts ignore
 * import { waitForRun } from "./slurm.ts";
 * await waitForRun("/shared/run1", 3600, (s) => console.log(`${s.done.length} shards done`));
 * ```
 */
export async function waitForRun(
  out: string,
  timeoutS: number,
  onPoll?: (status: SlurmStatus) => void,
  pollMs = 1000,
): Promise<SlurmStatus> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await slurmStatus(out);
    onPoll?.(s);
    const current = s.run.submissions[s.run.submissions.length - 1];
    const mergeQueued = s.queued.find((j) => j.id === current.merge);
    const shardsQueued = s.queued.filter((j) => j.id !== current.merge);
    const retry = `deno task slurm retry --out ${out}`;
    if (s.merged && !mergeQueued) return s;
    if (!mergeQueued && shardsQueued.length === 0) {
      throw new LamellaError(
        `the merge job ${current.merge} ended without ${out}/report/report.json` +
          (s.missing.length ? `; shards ${s.missing.join(", ")} have no file: ${retry}` : "") +
          `; see ${out}/logs/`,
      );
    }
    if (mergeQueued?.reason === "DependencyNeverSatisfied" && shardsQueued.length === 0) {
      throw new LamellaError(
        `shard${s.missing.length === 1 ? "" : "s"} ${s.missing.join(", ")} of ${s.run.shards} ` +
          `failed or were cancelled (logs: ${out}/logs/shard-I.log), so merge job ` +
          `${current.merge} cannot start; resubmit them alone: ${retry}`,
      );
    }
    if (Date.now() > deadline) {
      throw new LamellaError(
        `${out}: still running after ${timeoutS} s (${s.done.length}/${s.run.shards} shards done)`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Resubmits the shards of the run in `out` whose files are missing, alone,
 * and a new merge job after them (cancelling the merge that waits for the
 * failed array). Refuses while shards of the current submission are queued.
 *
 * @example
 * ```ts ignore
 * import { retryRun } from "./slurm.ts";
 * const s = await retryRun("/shared/run1");
 * console.log(`resubmitted shards ${s.tasks.join(", ")} as job ${s.array}`);
 * ```
 */
export async function retryRun(out: string): Promise<SlurmSubmission> {
  const s = await slurmStatus(out);
  const current = s.run.submissions[s.run.submissions.length - 1];
  const shardsQueued = s.queued.filter((j) => j.id !== current.merge);
  if (shardsQueued.length) {
    throw new LamellaError(
      `shards still queued or running (${
        shardsQueued.map((j) => `${j.id} ${j.state}`).join(", ")
      }); ` +
        "wait for them (deno task slurm wait) or scancel them first",
    );
  }
  if (s.missing.length === 0) {
    throw new LamellaError(
      s.merged
        ? `${out}: every shard file and the report exist; nothing to retry`
        : `${out}: every shard file exists; the merge job ${current.merge} makes the report`,
    );
  }
  if (s.queued.some((j) => j.id === current.merge)) await command("scancel", [current.merge]);
  const submission = await submitTasks(s.run, s.missing);
  s.run.submissions.push(submission);
  await writeFileAtomic(`${out}/${RUN_FILE}`, JSON.stringify(s.run, null, 2) + "\n");
  return submission;
}
