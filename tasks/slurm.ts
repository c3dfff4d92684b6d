/**
 * `deno task slurm submit|wait|status|retry`: a lamella run as a SLURM job
 * array of shards and a merge job after it. All work happens in
 * src/distributed/slurm.ts; the batch scripts are deploy/slurm/*.sbatch.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runCli } from "../src/run/cli.ts";
import { LamellaError } from "../src/model/errors.ts";
import {
  retryRun,
  type SlurmStatus,
  slurmStatus,
  submitRun,
  waitForRun,
} from "../src/distributed/slurm.ts";

const HELP = `lamella slurm: a run as a SLURM job array of shards plus a merge job

Usage:
  deno task slurm submit --source STORE --out DIR --shards N [options] [-- PROCESS_FLAGS...]
  deno task slurm wait   --out DIR [--timeout S]
  deno task slurm status --out DIR
  deno task slurm retry  --out DIR

submit   sbatch deploy/slurm/shard.sbatch as an array of N tasks (task I runs
         deno task process --shard I/N --out DIR), then deploy/slurm/merge.sbatch
         with --dependency=afterok on it (DIR/report/report.json and report.html).
         DIR must be on a filesystem every node shares. Flags after -- go to
         deno task process (e.g. -- --pipeline pipeline.yaml --arrays 'em/*').
wait     wait until DIR/report/report.json exists; exit 1 naming the shards to
         retry when one failed or was cancelled
status   shards done and missing, jobs queued
retry    resubmit the shards whose files are missing, alone, and a new merge

Options (submit):
  --mem SIZE          memory of each shard, e.g. 4G (default 2G); the job's cgroup
                      limit, which lamella reads and plans within
  --cpus N            --cpus-per-task of each shard (default 2)
  --parallel K        run at most K shards at once (--array=...%K)
  --partition P       sbatch --partition for both jobs
  --time T            sbatch --time for both jobs (e.g. 2:00:00)
  --account A         sbatch --account for both jobs
  --nodelist L        sbatch --nodelist (the nodes the jobs may use)
  --sbatch ARG        one more sbatch flag for both jobs, repeatable
                      (e.g. --sbatch=--partition=short --sbatch=--time=2:00:00)
  --repo DIR          the lamella checkout on the nodes (default: this one)
  --deno PATH         deno on the nodes (default: this deno, ${Deno.execPath()})
  --timeout S         wait: give up after S seconds (default 86400)
  -h, --help          this text

Exit codes: 0 done, 1 failed (the message says what to do).`;

function describe(s: SlurmStatus): string {
  const queued = s.queued.map((j) =>
    `${j.id} ${j.state}${j.reason !== "None" ? ` (${j.reason})` : ""}`
  );
  return `${s.done.length}/${s.run.shards} shards done` +
    (s.missing.length ? `, missing ${s.missing.join(", ")}` : "") +
    (queued.length ? `; queued: ${queued.join(", ")}` : "") +
    (s.merged ? `; merged: ${s.run.out}/report/report.json` : "");
}

async function main(): Promise<number> {
  const split = Deno.args.indexOf("--");
  const own = split < 0 ? Deno.args : Deno.args.slice(0, split);
  const processArgs = split < 0 ? [] : Deno.args.slice(split + 1);
  const { values, positionals } = parseArgs({
    args: own,
    options: {
      source: { type: "string" },
      out: { type: "string" },
      shards: { type: "string" },
      mem: { type: "string", default: "2G" },
      cpus: { type: "string", default: "2" },
      parallel: { type: "string" },
      partition: { type: "string" },
      time: { type: "string" },
      account: { type: "string" },
      nodelist: { type: "string" },
      sbatch: { type: "string", multiple: true, default: [] },
      repo: { type: "string" },
      deno: { type: "string" },
      timeout: { type: "string", default: "86400" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [verb] = positionals;
  if (values.help || !verb) {
    console.log(HELP);
    return values.help ? 0 : 1;
  }
  if (!values.out) throw new LamellaError(`slurm ${verb}: --out DIR is required; see --help`);
  const out = values.out.startsWith("/") ? values.out : `${Deno.cwd()}/${values.out}`;
  switch (verb) {
    case "submit": {
      if (!values.source) throw new LamellaError("slurm submit: --source STORE is required");
      const source = /^[a-z0-9+]+:\/\//i.test(values.source) || values.source.startsWith("/")
        ? values.source
        : `${Deno.cwd()}/${values.source}`;
      const run = await submitRun({
        source,
        out,
        shards: Number(values.shards),
        mem: values.mem!,
        cpus: Number(values.cpus),
        ...(values.parallel ? { parallel: Number(values.parallel) } : {}),
        processArgs,
        sbatchArgs: [
          ...(["partition", "time", "account", "nodelist"] as const)
            .filter((k) => values[k] !== undefined)
            .map((k) => `--${k}=${values[k]}`),
          ...values.sbatch!,
        ],
        repo: values.repo ?? new URL("..", import.meta.url).pathname.replace(/\/$/, ""),
        deno: values.deno ?? Deno.execPath(),
      });
      const { array, merge } = run.submissions[0];
      console.log(
        `submitted shard array ${array} (${run.shards} tasks, --mem ${run.mem}) and merge job ` +
          `${merge} after it; deno task slurm wait --out ${out}`,
      );
      return 0;
    }
    case "wait": {
      let last = "";
      const s = await waitForRun(out, Number(values.timeout), (s) => {
        const line = describe(s);
        if (line !== last) console.error(line);
        last = line;
      });
      console.log(`merged: ${s.run.out}/report/report.json`);
      return 0;
    }
    case "status":
      console.log(describe(await slurmStatus(out)));
      return 0;
    case "retry": {
      const s = await retryRun(out);
      console.log(
        `resubmitted shard${s.tasks.length === 1 ? "" : "s"} ${s.tasks.join(", ")} as job ` +
          `${s.array} and merge job ${s.merge} after it; deno task slurm wait --out ${out}`,
      );
      return 0;
    }
    default:
      throw new LamellaError(`slurm: unknown command "${verb}" (submit, wait, status, retry)`);
  }
}

if (import.meta.main) await runCli(main);
