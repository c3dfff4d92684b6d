/**
 * Checkpoints for `--resume`: each finished array's result is saved in the
 * output directory as soon as it is done, read back by a resumed run, and
 * removed once the whole report is written.
 *
 * @module
 */
import type { Report } from "../model/report.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { reportJson } from "../report/json.ts";

/** Folder of per-array results inside an output directory (for --resume). */
export const CHECKPOINT_DIR = ".lamella-checkpoint";

/** The file one array's finished result is kept in while a run is under way. */
function checkpointPath(dir: string, arrayPath: string): string {
  const safe = (arrayPath || "(root)").replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `%${c.charCodeAt(0).toString(16)}`,
  );
  return `${dir.replace(/\/+$/, "")}/${CHECKPOINT_DIR}/${safe}.json`;
}

/**
 * Saves one finished array's result (atomically) so an interrupted run can
 * be resumed; the whole report is written at the end.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { readCheckpoints, saveCheckpoint } from "./checkpoint.ts";
 * const dir = Deno.makeTempDirSync();
 * await saveCheckpoint(dir, "source.zarr", { path: "a/s0" } as never);
 * assert((await readCheckpoints(dir, "source.zarr")).has("a/s0"));
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  source: string,
  result: Report["arrays"][number],
): Promise<void> {
  if (result.error) return; // failed arrays are retried on resume
  await writeFileAtomic(checkpointPath(dir, result.path), reportJson({ source, result }));
}

/** Finished array results of an earlier run of the same source in `dir`. */
export async function readCheckpoints(
  dir: string,
  source: string,
): Promise<Map<string, Report["arrays"][number]>> {
  const out = new Map<string, Report["arrays"][number]>();
  const folder = `${dir.replace(/\/+$/, "")}/${CHECKPOINT_DIR}`;
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      try {
        const saved = JSON.parse(await Deno.readTextFile(`${folder}/${entry.name}`));
        if (saved.source === source && saved.result?.path !== undefined) {
          out.set(saved.result.path, saved.result);
        }
      } catch {
        // A checkpoint is written atomically; anything unreadable is ignored.
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/** Removes the per-array results once the whole report is written. */
export async function clearCheckpoints(dir: string): Promise<void> {
  await Deno.remove(`${dir.replace(/\/+$/, "")}/${CHECKPOINT_DIR}`, { recursive: true }).catch(
    () => {},
  );
}
