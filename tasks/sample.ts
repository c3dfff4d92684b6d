/**
 * `deno task sample [--out data] [--scale 1] [--force]`: writes the
 * deterministic sample store `<out>/sample.zarr` and prints what it wrote.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { generateSample, SAMPLE_STORE, sampleIsComplete } from "../tools/sample/sample.ts";

const USAGE = `usage: deno task sample [--out DIR] [--scale S] [--force]

  --out DIR    directory that receives ${SAMPLE_STORE} (default: data)
  --scale S    linear size factor of the volumes (default: 1, s0 = 256^3 int16)
  --force      regenerate even if a complete sample exists
  --help       this text`;

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "data" },
        scale: { type: "string", default: "1" },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 8)) {
    console.error(`--scale must be a number in (0, 8], got ${values.scale}\n\n${USAGE}`);
    Deno.exit(2);
  }

  const root = join(values.out, SAMPLE_STORE);
  const reused = !values.force && await sampleIsComplete(values.out, { scale });
  const started = performance.now();
  const manifest = await generateSample(values.out, { scale, force: values.force });
  const seconds = (performance.now() - started) / 1000;

  const mib = (n: number) => (n / 2 ** 20).toFixed(2).padStart(7);
  console.log(
    reused
      ? `${root} is complete (version ${manifest.version}, scale ${manifest.scale}); use --force to rewrite`
      : `wrote ${root} (version ${manifest.version}, scale ${manifest.scale})`,
  );
  console.log(
    "v  dtype    shape            chunks           chunks stored/total  decoded MiB  stored MiB  path",
  );
  let stored = 0;
  for (const a of manifest.arrays) {
    stored += a.storedBytes;
    console.log(
      [
        String(a.format),
        a.dtype.padEnd(7),
        `[${a.shape}]`.padEnd(16),
        `[${a.chunks}]`.padEnd(16),
        `${a.chunksWritten}/${a.chunksTotal}`.padStart(20),
        mib(a.decodedBytes).padStart(11),
        mib(a.storedBytes).padStart(10),
        a.path,
      ].join(" "),
    );
  }
  console.log(
    `${manifest.arrays.length} arrays, ${mib(stored).trim()} MiB stored, ${seconds.toFixed(2)} s`,
  );
}
