/**
 * Zarr stores written by zarr-python (tests/python/write_zarr_fixtures.py, run
 * in the pinned `writers` venv from PyPI) with the statistics zarr-python and
 * NumPy read from them. Generated once into the test cache, keyed by the
 * script and the pinned versions, so a change to either regenerates them.
 */
import { cacheDir } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SCRIPT = `${ROOT}tests/python/write_zarr_fixtures.py`;
const REQUIREMENTS = `${ROOT}tests/python/writers.txt`;

/** One array's expected statistics, or its refusal. */
export interface ExpectedArray {
  dtype: string;
  shape?: number[];
  unsupported?: true;
  count?: number;
  nanCount?: number;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  std?: number | null;
}

/** Where the stores are (`<dir>/v2/data.zarr`, `<dir>/v3/data.zarr`) and what they hold. */
export interface ZarrFixtures {
  dir: string;
  writer: string;
  /** By `v2/<path>` or `v3/<path>`. */
  arrays: Record<string, ExpectedArray>;
}

async function sh(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { code: r.code, out: text.decode(r.stdout), err: text.decode(r.stderr) };
}

async function key(): Promise<string> {
  const bytes = new TextEncoder().encode(
    Deno.readTextFileSync(SCRIPT) + Deno.readTextFileSync(REQUIREMENTS),
  );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

let cached: Promise<ZarrFixtures | string> | undefined;

/** The fixtures, or why they cannot be made here (no python3, PyPI unreachable, …). */
export function zarrFixtures(): Promise<ZarrFixtures | string> {
  cached ??= make();
  return cached;
}

async function make(): Promise<ZarrFixtures | string> {
  const dir = `${cacheDir("zarr-fixtures")}/${await key()}`;
  const read = (): ZarrFixtures => {
    const meta = JSON.parse(Deno.readTextFileSync(`${dir}/expected.json`));
    return { dir, writer: meta.writer, arrays: meta.arrays };
  };
  try {
    return read();
  } catch {
    // Not generated yet.
  }
  let setup;
  try {
    setup = await sh("bash", [`${ROOT}tests/python_setup.sh`, "writers"]);
  } catch (e) {
    return `tests/python_setup.sh could not run: ${(e as Error).message}`;
  }
  if (setup.code !== 0) {
    return `tests/python_setup.sh writers failed: ${
      setup.err.trim().split("\n").slice(-3).join(" | ")
    }`;
  }
  const python = setup.out.trim();
  const tmp = `${dir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const gen = await sh(python, [SCRIPT, tmp]);
  if (gen.code !== 0) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw new Error(`write_zarr_fixtures.py failed:\n${gen.err}`);
  }
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another test process generated them at the same time; theirs are the same.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return read();
}
