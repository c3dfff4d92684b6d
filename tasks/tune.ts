/**
 * `deno task tune [--url URL] [--out FILE]`: measures this machine (decode
 * rates per codec and decoder, kernel rates, local reads, a remote store's
 * latency) and writes the settings `process` then uses by default (it names
 * the file in its log). All measuring happens in src/plan/tune.ts.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { runCli } from "../src/run/cli.ts";
import { writeFileAtomic } from "../src/store/atomic.ts";
import { DEFAULT_TUNE_FILE, tune } from "../src/plan/tune.ts";

const HELP = `lamella tune: measure this machine and save the settings process will use

Usage: deno task tune [--url URL] [--out FILE]

Measures decode rates (zstd, gzip; libzstd/libdeflate through FFI and node:zlib),
the stats and histogram kernels, local chunk reads and, with --url, the median
latency of a remote store (any small object in it, e.g. URL/.zattrs). Writes
FILE (default ${DEFAULT_TUNE_FILE}, or LAMELLA_TUNE_FILE); deno task process
reads it on later runs and says so in its log. Environment variables, the
pipeline file and flags still override it; LAMELLA_TUNE_FILE=none ignores it.

Options:
  --url URL     a remote store object to time
  --out FILE    where to write (default ${DEFAULT_TUNE_FILE})
  -h, --help    this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      url: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = values.out ?? Deno.env.get("LAMELLA_TUNE_FILE") ?? DEFAULT_TUNE_FILE;
  const result = await tune({ url: values.url });
  await Deno.mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, new TextEncoder().encode(JSON.stringify(result, null, 2) + "\n"));
  for (const [k, v] of Object.entries(result.measurements)) console.log(`${k.padEnd(28)} ${v}`);
  console.log(`decoder: ${result.decoder}; limits: ${JSON.stringify(result.limits)}`);
  console.log(`wrote ${out}; deno task process uses it from now on`);
  return 0;
}

if (import.meta.main) await runCli(main);
