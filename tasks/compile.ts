/**
 * `deno task compile`: builds `dist/lamella`, a single binary that behaves
 * like `deno task process`, with the kernels' .wasm and the default pipeline
 * embedded.
 *
 * `deno compile` downloads its runtime (denort) unless `DENORT_BIN` names a
 * local copy; on machines without internet access set it, e.g.
 * `DENORT_BIN=/opt/denort deno task compile`.
 *
 * Usage: deno task compile [--target TRIPLE] [--output PATH] [--dry-run]
 *
 * @module
 */
import { parseArgs } from "node:util";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** Files the binary embeds: read at run time through `import.meta.url`. */
export const EMBEDDED = [
  "kernels/pkg/lamella_kernels_bg.wasm",
  "config/pipeline.yaml",
  // Workers are started from their module URLs; the binary must carry them.
  "src/run/_chunk_worker.ts",
  "src/stages/_spectra_worker.ts",
  "kernels/_levels_worker.ts",
];

/**
 * The `deno compile` argument list for the binary.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { compileArgs } from "./compile.ts";
 * const args = compileArgs({ output: "dist/lamella" });
 * assert(args.includes("--include"));
 * assertEquals(args.at(-1), "tasks/process.ts");
 * ```
 */
export function compileArgs(opts: { output: string; target?: string }): string[] {
  return [
    "compile",
    // Reading /proc and /sys (the cgroup limits) needs --allow-all in Deno 2.x.
    "--allow-all",
    // Decoded chunks are collected explicitly in small containers (src/run/pipeline.ts).
    "--v8-flags=--expose-gc",
    "--no-check",
    "--output",
    opts.output,
    ...(opts.target ? ["--target", opts.target] : []),
    ...EMBEDDED.flatMap((f) => ["--include", f]),
    "tasks/process.ts",
  ];
}

const HELP = `lamella: build dist/lamella, a single binary that behaves like \`deno task process\`.

Usage: deno task compile [--target TRIPLE] [--output PATH] [--dry-run]

Options:
  --target TRIPLE  cross-compile, e.g. x86_64-unknown-linux-gnu, aarch64-apple-darwin
  --output PATH    where the binary goes (default: dist/lamella)
  --dry-run        print the deno compile command and exit
  -h, --help       this text

deno compile downloads its runtime (denort) unless DENORT_BIN names a local copy
of the same Deno version; set it on machines without internet access.`;

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      output: { type: "string", default: "dist/lamella" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    Deno.exit(0);
  }
  const args = compileArgs({ output: values.output!, target: values.target });
  const denort = Deno.env.get("DENORT_BIN");
  console.error(`${denort ? `DENORT_BIN=${denort} ` : ""}deno ${args.join(" ")}`);
  if (!denort) {
    console.error(
      "note: DENORT_BIN is not set, so deno compile will download its runtime; offline, set DENORT_BIN to a denort binary of the same Deno version",
    );
  }
  if (!values["dry-run"]) {
    await Deno.mkdir(`${ROOT}/dist`, { recursive: true });
    const { code } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    Deno.exit(code);
  }
}
