/**
 * Stores written by the reference libraries (tests/python/write_fixtures.py,
 * run in the pinned `writers` venv from PyPI), and the judge that compares a
 * lamella report with what those libraries read back (check_report.py).
 * Generated once into the test cache, keyed by the scripts and the pinned
 * versions, so a change to any of them regenerates the stores.
 */
import { cacheDir } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WRITER = `${ROOT}tests/python/write_fixtures.py`;
const JUDGE = `${ROOT}tests/python/check_report.py`;
const REQUIREMENTS = `${ROOT}tests/python/writers.txt`;

/** One store of the manifest. */
export interface FixtureStore {
  /** e.g. "zarr-python v3". */
  name: string;
  /** Relative to the fixtures directory. */
  path: string;
  /** The library the judge reads it back with (`zarr`, `tensorstore:n5`, …). */
  reader: string;
  /** Array path -> pattern the error lamella must give for it. */
  expect: Record<string, string>;
  /** Whether the store can be discovered without listing (consolidated or OME-NGFF metadata). */
  http: boolean;
}

/** The generated stores and how to judge reports on them. */
export interface Fixtures {
  dir: string;
  python: string;
  versions: Record<string, string>;
  stores: FixtureStore[];
}

/** What the judge says about one report. */
export interface Verdict {
  checked: number;
  arrays: number;
  problems: string[];
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
  const text = [WRITER, REQUIREMENTS].map((f) => Deno.readTextFileSync(f)).join("\n");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

let cached: Promise<Fixtures | string> | undefined;

/** The fixtures, or why they cannot be made here (no python3 with venv, PyPI unreachable). */
export function fixtures(): Promise<Fixtures | string> {
  cached ??= make();
  return cached;
}

async function make(): Promise<Fixtures | string> {
  let setup;
  try {
    setup = await sh("bash", [`${ROOT}tests/python_setup.sh`, "writers"]);
  } catch (e) {
    return `tests/python_setup.sh could not run: ${(e as Error).message}`;
  }
  if (setup.code !== 0) {
    const tail = setup.err.trim().split("\n").slice(-3).join(" | ");
    return `tests/python_setup.sh writers failed: ${tail}`;
  }
  const python = setup.out.trim();
  const dir = `${cacheDir("fixtures")}/${await key()}`;
  const read = (): Fixtures => {
    const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`));
    return { dir, python, versions: manifest.versions, stores: manifest.stores };
  };
  try {
    return read();
  } catch {
    // Not generated yet.
  }
  const tmp = `${dir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const gen = await sh(python, [WRITER, tmp]);
  if (gen.code !== 0) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw new Error(`write_fixtures.py failed:\n${gen.err}${gen.out}`);
  }
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another test process generated them at the same time; theirs are the same.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return read();
}

/** Runs the judge on `report` (a lamella report of `store`). */
export async function judge(fx: Fixtures, store: FixtureStore, report: unknown): Promise<Verdict> {
  const file = await Deno.makeTempFile({ prefix: "lamella-judge-", suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify(report, (_k, v) => typeof v === "bigint" ? v.toString() : v),
    );
    const r = await sh(fx.python, [JUDGE, fx.dir, store.name, file]);
    if (r.code !== 0) throw new Error(`check_report.py failed:\n${r.err}`);
    return JSON.parse(r.out);
  } finally {
    await Deno.remove(file);
  }
}
