/**
 * `deno task process`: parses flags, environment and the pipeline file, runs
 * the pipeline and writes the report. All work happens in src/.
 *
 * Exit codes: 0 every array succeeded, 2 some arrays failed, 1 bad
 * configuration or an unusable source.
 *
 * @module
 */
import { runCli } from "../src/run/cli.ts";
import { parseArgs } from "node:util";
import { loadPipelineConfig, type StageSpec } from "../src/plan/config.ts";
import { LamellaError } from "../src/model/errors.ts";
import { runPipeline } from "../src/run/pipeline.ts";
import { createProgress } from "../src/run/progress.ts";
import { renderReportHtml } from "../src/report/html/mod.ts";
import { NULL_TRACE, Trace } from "../src/run/trace.ts";
import { formatTable, writeReport } from "../src/report/json.ts";
import { checkWritable, writeFileAtomic } from "../src/store/atomic.ts";
import { dirname } from "node:path";
import {
  checkpointKey,
  clearCheckpoints,
  readCheckpoints,
  saveCheckpoint,
} from "../src/run/checkpoint.ts";
import { generateSample, sampleIsComplete } from "../tools/sample/sample.ts";
import { toShardFile, writeShardFile } from "../src/distributed/shard.ts";
import { parseShardSpec } from "../src/plan/shard_range.ts";
import {
  DEFAULT_LIMITS,
  type LimitOverrides,
  mergeLimits,
  parseLimitEnv,
} from "../src/plan/settings_env.ts";
import { DEFAULT_TUNE_FILE, readTuneFile } from "../src/plan/tune.ts";

const DEFAULT_CONFIG = new URL("../config/pipeline.yaml", import.meta.url).pathname;
const SAMPLE_DIR = "data";
const DEFAULT_SAMPLE = `${SAMPLE_DIR}/sample.zarr`;

const HELP = `lamella process: statistics of every array in a Zarr store

Usage: deno task process [options]

Options:
  --config FILE           pipeline YAML (default: config/pipeline.yaml)
  --source PATH_OR_URL    Zarr store or group: a path, file://, http(s):// or s3://bucket/key
                          (overrides the config's source)
  --arrays GLOB[,GLOB]    only arrays whose path matches (overrides the config's arrays)
  --out DIR               output directory (default: the config's output.dir, else out/)
  --stages a,b,...        stages to run (overrides the config's stages)
  --plan                  print the plan for every array and exit without processing
  --resume                keep the arrays an interrupted run already finished in --out
  --shard I/N             reduce shard I (0-based) of N of every array's chunks and write
                          --out/shard-I-of-N.json for deno task merge (distributed runs)
  --s3-region REGION      region of an s3:// source's bucket (default us-east-1)
  --s3-endpoint URL       S3-compatible endpoint, path-style (e.g. http://127.0.0.1:9000)
  --memory-limit-mb N     memory limit to plan with instead of the detected one
  --max-array-size-mb N   largest array processed at all
  --large-array-mode M    stream | skip | fail, for arrays over the maximum
  --workers N             worker count instead of the detected one
  --request-timeout-s S   seconds one remote request may take before a retry (default 10)
  --run-deadline-s S      seconds the whole run may take; arrays not started by then are skipped
  --quiet                 print only errors and the final table
  --verbose               more detail while running
  --trace FILE            write a Chrome trace-event JSON (open in Perfetto) of arrays and workers
  -h, --help              this text

Environment (overridden by flags, overriding the config): MEMORY_LIMIT_MB,
MAX_ARRAY_SIZE_MB, ZARR_CHUNK_SIZE_MB, STREAMING_CHUNK_MB, LARGE_ARRAY_MODE,
LAMELLA_WORKERS, LAMELLA_REQUEST_TIMEOUT_S, LAMELLA_REQUEST_ATTEMPTS,
LAMELLA_ARRAY_DEADLINE_S, LAMELLA_RUN_DEADLINE_S.

Exit codes: 0 all arrays processed, 2 some arrays failed, 1 configuration error.`;

function positiveFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new LamellaError(`--${name}: expected a non-negative number; found "${value}"`);
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      config: { type: "string" },
      source: { type: "string" },
      arrays: { type: "string" },
      out: { type: "string" },
      stages: { type: "string" },
      plan: { type: "boolean" },
      resume: { type: "boolean" },
      shard: { type: "string" },
      "s3-region": { type: "string" },
      "s3-endpoint": { type: "string" },
      "memory-limit-mb": { type: "string" },
      "max-array-size-mb": { type: "string" },
      "large-array-mode": { type: "string" },
      workers: { type: "string" },
      "request-timeout-s": { type: "string" },
      "run-deadline-s": { type: "string" },
      quiet: { type: "boolean" },
      verbose: { type: "boolean" },
      trace: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const shard = values.shard === undefined ? undefined : parseShardSpec(values.shard, "--shard");
  if (shard && values.resume) {
    throw new LamellaError("--resume: not available with --shard; rerun the whole shard instead");
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  const config = await loadPipelineConfig(configPath);
  const source = values.source ?? config.source ?? DEFAULT_SAMPLE;
  const stages: StageSpec[] = values.stages
    ? values.stages.split(",").filter(Boolean).map((name) => ({ name: name.trim(), options: {} }))
    : config.stages.length
    ? config.stages
    : [{ name: "stats", options: {} }];
  const mode = values["large-array-mode"];
  const flags: LimitOverrides = {
    memoryLimitMb: positiveFlag("memory-limit-mb", values["memory-limit-mb"]),
    maxArraySizeMb: positiveFlag("max-array-size-mb", values["max-array-size-mb"]),
    workers: positiveFlag("workers", values.workers),
    requestTimeoutS: positiveFlag("request-timeout-s", values["request-timeout-s"]),
    runDeadlineS: positiveFlag("run-deadline-s", values["run-deadline-s"]),
    ...(mode ? { largeArrayMode: mode as LimitOverrides["largeArrayMode"] } : {}),
  };
  // Settings measured by `deno task tune`, when present, replace the built-in defaults.
  const tuneFile = Deno.env.get("LAMELLA_TUNE_FILE") ?? DEFAULT_TUNE_FILE;
  const tuned = tuneFile === "none" ? undefined : await readTuneFile(tuneFile);
  if (tuned && !Deno.env.get("LAMELLA_DECODER")) Deno.env.set("LAMELLA_DECODER", tuned.decoder);
  const limits = mergeLimits(
    flags,
    parseLimitEnv(Deno.env.toObject()),
    config.limits,
    tuned ? { ...DEFAULT_LIMITS, ...tuned.limits } : DEFAULT_LIMITS,
  );
  const encoder = new TextEncoder();
  let columns: number | undefined;
  try {
    columns = Deno.consoleSize().columns;
  } catch {
    columns = undefined;
  }
  // Live lines on a terminal, JSON lines otherwise (for log collectors).
  const progress = createProgress({
    tty: Deno.stderr.isTerminal(),
    quiet: values.quiet,
    verbose: values.verbose,
    columns,
    write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
  });
  const log = (line: string) =>
    line.startsWith("warning: ") ? progress.warn(line.slice(9)) : progress.log(line);
  const trace = values.trace ? new Trace() : NULL_TRACE;

  if (source === DEFAULT_SAMPLE && !(await sampleIsComplete(SAMPLE_DIR))) {
    log(`${source} is missing: generating the sample dataset first`);
    await generateSample(SAMPLE_DIR);
  }

  const outDir = values.out ?? config.output.dir ?? "out";
  // Fail now, not after the first array's work, when the results cannot be written.
  if (!values.plan) await checkWritable(outDir, "--out directory");
  if (values.trace) await checkWritable(dirname(values.trace) || ".", "--trace file's directory");
  const checkpoint = checkpointKey(source, stages);
  const saved = values.resume ? await readCheckpoints(outDir, checkpoint) : undefined;
  const completed = saved?.kept;
  if (saved?.stale.length) {
    log(
      `--resume: ${saved.stale.length} array(s) in ${outDir} were saved by a run with another ` +
        `source or stage set; they are recomputed`,
    );
  }
  if (tuned) {
    log(
      `using tuned settings from ${tuneFile} (deno task tune, ${tuned.measuredAt}): decoder ${tuned.decoder}${
        Object.keys(tuned.limits).length ? `, ${JSON.stringify(tuned.limits)}` : ""
      }`,
    );
  }
  if (completed?.size) log(`--resume: ${completed.size} array(s) already complete in ${outDir}`);
  const report = await runPipeline({
    source,
    arrays: values.arrays ? values.arrays.split(",") : config.arrays,
    stages,
    stagesSource: values.stages ? "--stages" : configPath,
    limits,
    s3: {
      region: values["s3-region"] ?? config.s3.region,
      endpoint: values["s3-endpoint"] ?? config.s3.endpoint,
    },
    log,
    planOnly: values.plan,
    completed,
    progress: values.plan ? undefined : progress,
    trace,
    shard,
    partials: shard !== undefined,
    onArrayDone: values.plan || shard
      ? undefined
      : (result) => saveCheckpoint(outDir, checkpoint, result),
  });
  progress.close();
  if (values.plan) {
    for (const a of report.arrays) {
      console.log(`${a.path || "(root array)"}\t${a.strategy}\t${a.reason}`);
    }
    return 0;
  }
  if (shard) {
    const stagesSource = values.stages ? "--stages" : configPath;
    const file = await writeShardFile(outDir, toShardFile(report, { shard, stages, stagesSource }));
    const ok = report.arrays.filter((a) => !a.error).length;
    for (const a of report.arrays) if (a.error) console.error(`error: ${a.error}`);
    console.error(
      `shard ${shard.index}/${shard.count}: ${ok}/${report.arrays.length} arrays reduced in ` +
        `${report.seconds.toFixed(2)} s; partial results: ${file}`,
    );
    return ok < report.arrays.length ? 2 : 0;
  }
  const path = await writeReport(outDir, report);
  if (config.output.formats.includes("html")) {
    await writeFileAtomic(`${outDir}/report.html`, renderReportHtml(report));
  }
  if (values.trace) await writeFileAtomic(values.trace, JSON.stringify(trace));
  await clearCheckpoints(outDir);
  console.log(formatTable(report.arrays));
  const failed = report.arrays.filter((a) => a.error).length;
  console.error(
    `${report.arrays.length - failed}/${report.arrays.length} arrays processed in ${
      report.seconds.toFixed(2)
    } s; report: ${path}`,
  );
  return failed ? 2 : 0;
}

if (import.meta.main) await runCli(main);
