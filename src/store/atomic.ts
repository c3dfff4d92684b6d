/**
 * Writing files so that a reader sees the old file or the whole new one,
 * never half of one: every output lamella writes goes through here.
 *
 * @module
 */
import { dirname } from "node:path";
import { StoreError } from "../model/errors.ts";

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory,
 * then a rename over the target. Creates the directory; a failure is a
 * {@linkcode StoreError} naming `path`, and leaves no temporary file behind.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = Deno.makeTempDirSync();
 * await writeFileAtomic(`${dir}/a.json`, "{}");
 * assertEquals(Deno.readTextFileSync(`${dir}/a.json`), "{}");
 * ```
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    if (typeof text === "string") await Deno.writeTextFile(tmp, text);
    else await Deno.writeFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new StoreError(path, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Checks, before any work, that files can be written in `dir` (creating it):
 * a read-only directory, a path under a regular file or a directory of
 * another user fails here, not after the first array's work.
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { checkWritable } from "./atomic.ts";
 * const dir = Deno.makeTempDirSync();
 * await checkWritable(`${dir}/out`);
 * Deno.writeTextFileSync(`${dir}/file`, "");
 * await assertRejects(() => checkWritable(`${dir}/file/out`), Error, "cannot write");
 * ```
 */
export async function checkWritable(dir: string, what = "output directory"): Promise<void> {
  const probe = `${dir.replace(/\/+$/, "") || "."}/.lamella-write-check-${
    crypto.randomUUID().slice(0, 8)
  }`;
  // The first directory on the way that does not exist yet: removed again after the check,
  // so a run that fails later (no arrays, say) leaves nothing behind.
  let created: string | undefined;
  for (let d = dir.replace(/\/+$/, "") || "."; d && d !== "." && d !== "/"; d = dirname(d)) {
    try {
      await Deno.stat(d);
      break;
    } catch {
      created = d;
    }
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
    if (created) await Deno.remove(created, { recursive: true });
  } catch (e) {
    throw new StoreError(
      dir,
      `cannot write the ${what} here (${(e as Error).message}); choose another directory`,
      { cause: e },
    );
  }
}
