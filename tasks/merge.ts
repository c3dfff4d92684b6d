/**
 * `deno task merge --out DIR SHARD_DIR...`: merges the `shard-I-of-N.json`
 * files that `deno task process --shard I/N` wrote into DIR/report.json, the
 * report a single run would have written. All work happens in src/distributed/merge.ts.
 *
 * Exit codes: 0 every array succeeded, 2 some arrays failed, 1 the shard
 * files are missing, repeated or from different runs.
 *
 * @module
 */
import { runCli } from "../src/run/cli.ts";
import { parseArgs } from "node:util";
import { LamellaError } from "../src/model/errors.ts";
import { mergeShards } from "../src/distributed/merge.ts";
import { importStageModules } from "../src/stages/mod.ts";
import { formatTable, writeReport } from "../src/report/json.ts";
import { writeFileAtomic } from "../src/store/atomic.ts";
import { renderReportHtml } from "../src/report/html/mod.ts";
import { readShardFiles } from "../src/distributed/shard.ts";

const HELP = `lamella merge: one report from the shard files of a distributed run

Usage: deno task merge [--out DIR] SHARD_DIR_OR_FILE...

Reads every shard-I-of-N.json in the given directories (or the given files),
checks that shards 0..N-1 of one run are all there exactly once, merges each
array's stage states and writes DIR/report.json (default DIR: out).

Options:
  --out DIR     where report.json goes (default: out)
  --html        also write report.html beside it
  --quiet       print only errors
  -h, --help    this text

Exit codes: 0 all arrays processed, 2 some arrays failed, 1 missing or mismatched shards.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string" },
      html: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new LamellaError("merge: expected one or more shard directories or files; see --help");
  }
  const files = await readShardFiles(positionals);
  await importStageModules(files.flatMap((f) => f.stageModules ?? []));
  const report = mergeShards(files);
  const outDir = values.out ?? "out";
  const path = await writeReport(outDir, report);
  if (values.html) await writeFileAtomic(`${outDir}/report.html`, renderReportHtml(report));
  if (!values.quiet) console.log(formatTable(report.arrays));
  const failed = report.arrays.filter((a) => a.error).length;
  console.error(
    `${
      report.arrays.length - failed
    }/${report.arrays.length} arrays merged from ${report.shards} shard${
      report.shards === 1 ? "" : "s"
    }; report: ${path}`,
  );
  return failed ? 2 : 0;
}

if (import.meta.main) await runCli(main);
