/**
 * Writing files so that a reader sees the old file or the whole new one,
 * never half of one: every output lamella writes goes through here.
 *
 * @module
 */
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
