/**
 * `deno task cron`: registers one `Deno.cron` per job in the config's
 * `schedules` list. Each run processes its source, stores the report at the
 * job's `report` destination (Deno KV by default; a directory or an
 * S3-compatible bucket when configured) and records where it went in KV under
 * `["runs", job, startedAt]`. `--once NAME` runs one job now.
 *
 * ```yaml
 * schedules:
 *   - { name: nightly-hela, cron: "0 3 * * *", source: "s3://bucket/x.zarr", config: config/pipeline.yaml }
 *   - name: weekly
 *     cron: "0 4 * * 1"
 *     report: { url: "s3://reports/lamella", endpoint: "https://minio.example.org" }
 * ```
 *
 * On Deno Deploy (`DENO_DEPLOYMENT_ID` set) the memory limit is the
 * platform's, nothing is written to local disk, and chunks are reduced on the
 * main thread unless `LAMELLA_WORKERS` asks for workers and they start.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parse } from "yaml";
import {
  detectBudget,
  detectPlatform,
  type EnvironmentProbe,
  formatMiB,
  platformProbe,
  probeEnvironment,
} from "../src/plan/budget.ts";
import { loadPipelineConfig } from "../src/plan/config.ts";
import { ConfigError, LamellaError } from "../src/model/errors.ts";
import { runCli } from "../src/run/cli.ts";
import { runPipeline } from "../src/run/pipeline.ts";
import { reportJson } from "../src/report/json.ts";
import { renderReportHtml } from "../src/report/html/mod.ts";
import {
  describeDestination,
  parseReportTarget,
  type ReportFile,
  type ReportTarget,
  type RunRecord,
  storeReport,
} from "../src/report/sinks.ts";
import { mergeLimits, parseLimitEnv } from "../src/plan/settings_env.ts";

/** One scheduled job. */
export interface Schedule {
  name: string;
  cron: string;
  source?: string;
  config?: string;
  /** Where the report goes: `kv` (default), a directory or `file://` URL, `s3://` or `https://`. */
  report?: ReportTarget;
}

const SCHEDULE_KEYS = ["name", "cron", "source", "config", "report"];

/**
 * Reads the `schedules` list of a pipeline file, checking each job's keys and
 * report destination (so a bad destination fails at start, not at 3 am).
 */
export async function loadSchedules(
  path: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<Schedule[]> {
  const doc = parse(await Deno.readTextFile(path)) ?? {};
  const list = doc.schedules ?? [];
  if (!Array.isArray(list)) {
    throw new ConfigError("expected a list", { source: path, key: "schedules" });
  }
  const names = new Set<string>();
  return list.map((s: Record<string, unknown>, i: number) => {
    const key = `schedules[${i}]`;
    if (typeof s?.name !== "string" || typeof s?.cron !== "string") {
      throw new ConfigError("each schedule needs a name and a cron string", { source: path, key });
    }
    for (const k of Object.keys(s)) {
      if (!SCHEDULE_KEYS.includes(k)) {
        throw new ConfigError(`unknown key "${k}"; expected ${SCHEDULE_KEYS.join(", ")}`, {
          source: path,
          key,
        });
      }
    }
    if (names.has(s.name)) {
      throw new ConfigError(`a second schedule named "${s.name}"`, { source: path, key });
    }
    names.add(s.name);
    parseReportTarget(s.report, { source: path, key: `${key}.report` }, env);
    return s as unknown as Schedule;
  });
}

/** What a run may take from outside instead of the process (tests pass these). */
export interface JobOptions {
  /** Environment variables (default `Deno.env`): limits, Deploy detection, AWS settings. */
  env?: Record<string, string | undefined>;
  /** Operator log (default `console.log`, each line prefixed with the job's name). */
  log?: (line: string) => void;
  /** Measured environment (default: the platform's, on Deploy, else probed). */
  probe?: EnvironmentProbe;
  /** Whether Workers can start here (default: start a tiny one and see). */
  workersAvailable?: () => Promise<boolean>;
}

/**
 * Runs one job, stores its report at the job's destination and records the
 * run in KV under `["runs", job, startedAt]`; returns that record.
 *
 * @throws {ConfigError} for a file destination on Deno Deploy (no local disk).
 * @throws {StoreError} when the report cannot be stored; Deno.cron retries.
 * @example
 * ```ts ignore
 * import { loadSchedules, runScheduledJob } from "./cron.ts";
 * const [job] = await loadSchedules("config/jobs.yaml");
 * const kv = await Deno.openKv(":memory:");
 * const record = await runScheduledJob(job, kv, "config/jobs.yaml", { env: { DENO_DEPLOYMENT_ID: "sim" } });
 * console.log(record.destination, record.location);
 * ```
 */
export async function runScheduledJob(
  job: Schedule,
  kv: Deno.Kv,
  defaultConfig: string,
  options: JobOptions = {},
): Promise<RunRecord> {
  const env = options.env ?? Deno.env.toObject();
  const log = options.log ?? ((line: string) => console.log(`[${job.name}] ${line}`));
  const configPath = job.config ?? defaultConfig;
  const dest = parseReportTarget(job.report, {
    source: configPath,
    key: `schedules.${job.name}.report`,
  }, env);
  const platform = detectPlatform(env);
  if (platform && dest.kind === "file") {
    throw new ConfigError(
      `${platform.name} has no local disk to write ${dest.dir}; use kv or an s3:// or https:// URL`,
      { source: configPath, key: `schedules.${job.name}.report` },
    );
  }
  const config = await loadPipelineConfig(configPath);
  let limits = mergeLimits({}, parseLimitEnv(env), config.limits);
  const probe = options.probe ?? (platform ? platformProbe(platform) : probeEnvironment());
  log(
    platform
      ? `Platform: ${platform.name} (${platform.detectedBy}): memory limit ${
        formatMiB(platform.memoryLimitBytes)
      } from the platform${
        limits.memoryLimitMb !== undefined ? ", overridden by MEMORY_LIMIT_MB" : ""
      }; no local disk`
      : "Platform: local",
  );
  if (detectBudget(limits, probe).workers > 1) {
    const available = await (options.workersAvailable ?? workersAvailable)();
    if (!available) {
      log("Workers cannot start here: reducing chunks on the main thread");
      limits = { ...limits, workers: 1 };
    }
  }
  log(`Report to ${describeDestination(dest)}`);

  const report = await runPipeline({
    source: job.source ?? config.source ?? "",
    arrays: config.arrays,
    stages: config.stages.length ? config.stages : [{ name: "stats", options: {} }],
    stagesSource: configPath,
    limits,
    s3: config.s3,
    probe,
    log,
  });

  // Built in memory: nothing touches the disk unless the destination is a directory.
  const json = dest.kind === "kv"
    // KV values are limited in size: compact JSON, BigInts as decimal strings.
    ? JSON.stringify(report, (_k, v) => typeof v === "bigint" ? String(v) : v)
    : reportJson(report);
  const files: ReportFile[] = [{
    name: "report.json",
    text: json,
    contentType: "application/json",
  }];
  if (config.output.formats.includes("html")) {
    files.push({
      name: "report.html",
      text: renderReportHtml(report),
      contentType: "text/html; charset=utf-8",
    });
  }
  const stored = await storeReport(dest, files, {
    kv,
    job: job.name,
    startedAt: report.startedAt,
    env,
  });
  const record: RunRecord = {
    job: job.name,
    startedAt: report.startedAt,
    finishedAt: new Date().toISOString(),
    seconds: report.seconds,
    destination: dest.kind,
    ...stored,
    bytes: new TextEncoder().encode(json).length,
    arrays: report.arrays.length,
    failed: report.arrays.filter((a) => a.error).length,
  };
  await kv.set(["runs", job.name, report.startedAt], record);
  log(`Stored ${stored.files.join(" and ")} at ${stored.location}`);
  return record;
}

/**
 * Runs one job (see {@linkcode runScheduledJob}) and returns the KV key of
 * its report (`["reports", job, startedAt]`) when it is stored whole in KV,
 * else the key of its run record (`["runs", job, startedAt]`).
 */
export async function runJob(
  job: Schedule,
  kv: Deno.Kv,
  defaultConfig: string,
  options: JobOptions = {},
): Promise<Deno.KvKey> {
  const record = await runScheduledJob(job, kv, defaultConfig, options);
  return record.reportKey ?? ["runs", record.job, record.startedAt];
}

/**
 * Whether a Worker can start here: some hosts (Deno Deploy among them) have
 * no `Worker` or refuse to spawn one. Starts a one-line worker and waits for
 * its message.
 *
 * @example
 * ```ts ignore
 * import { workersAvailable } from "./cron.ts";
 * console.log(await workersAvailable() ? "workers" : "main thread only");
 * ```
 */
export async function workersAvailable(timeoutMs = 10_000): Promise<boolean> {
  if (typeof Worker !== "function") return false;
  let url: string | undefined;
  let worker: Worker | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    url = URL.createObjectURL(
      new Blob(["postMessage('ready')"], { type: "application/javascript" }),
    );
    const w = new Worker(url, { type: "module" });
    worker = w;
    return await new Promise<boolean>((resolve) => {
      w.onmessage = () => resolve(true);
      w.onerror = (e) => {
        e.preventDefault();
        resolve(false);
      };
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    worker?.terminate();
    if (url) URL.revokeObjectURL(url);
  }
}

/**
 * The function a `Deno.cron` runs for `job`: runs it unless the previous run
 * is still going (then it logs and skips). Errors propagate, so Deno.cron's
 * backoff schedule retries the job.
 */
export function cronHandler(
  job: Schedule,
  kv: Deno.Kv,
  defaultConfig: string,
  log: (line: string) => void = console.log,
  options: JobOptions = {},
): () => Promise<RunRecord | undefined> {
  let running = false;
  return async () => {
    if (running) {
      log(`[${job.name}] previous run still going: skipped`);
      return undefined;
    }
    running = true;
    try {
      return await runScheduledJob(job, kv, defaultConfig, options);
    } catch (e) {
      log(`[${job.name}] failed: ${(e as Error).message}`);
      throw e;
    } finally {
      running = false;
    }
  };
}

const HELP = `lamella: scheduled runs (Deno.cron) of the config's \`schedules\`.

Usage: deno task cron [--config FILE] [--once NAME] [--kv PATH]

Options:
  --config FILE   pipeline YAML with a \`schedules:\` list (default: config/pipeline.yaml)
  --once NAME     run the job NAME now, store its report, print its run record, and exit
  --kv PATH       Deno KV database (default: the platform's; ":memory:" for a throwaway one)
  -h, --help      this text

Each job stores its report at its \`report\` destination (Deno KV by default; a
directory, or an s3:// URL) and a run record in KV under ["runs", job, startedAt].`;

if (import.meta.main) {
  await runCli(async () => {
    const { values } = parseArgs({
      options: {
        config: { type: "string", default: "config/pipeline.yaml" },
        once: { type: "string" },
        kv: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    return await cronMain(values);
  });
}

async function cronMain(
  values: { config?: string; once?: string; kv?: string },
): Promise<number> {
  const schedules = await loadSchedules(values.config!);
  // On Deploy the project's KV; locally the default database, or --kv PATH (":memory:" too).
  const kv = await Deno.openKv(values.kv);
  if (values.once) {
    const job = schedules.find((s) => s.name === values.once);
    if (!job) {
      kv.close();
      throw new LamellaError(
        `no schedule named ${values.once}; known: ${schedules.map((s) => s.name).join(", ")}`,
      );
    }
    try {
      const record = await runScheduledJob(job, kv, values.config!);
      console.log(`run ${JSON.stringify(record)}`);
      return 0;
    } catch (e) {
      throw new LamellaError(`[${job.name}] ${(e as Error).message}`, { cause: e });
    } finally {
      kv.close();
    }
  } else {
    if (schedules.length === 0) console.error(`${values.config} declares no schedules`);
    for (const job of schedules) {
      const handler = cronHandler(job, kv, values.config!);
      Deno.cron(job.name, job.cron, { backoffSchedule: [60_000, 300_000, 900_000] }, async () => {
        await handler();
      });
    }
    // Deno.cron keeps the process alive; this promise never settles.
    return await new Promise<number>(() => {});
  }
}
