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
import type { StageSpec } from "../stages/stage.ts";

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
 * What makes a checkpoint reusable: the same source and the same stages with
 * the same options (a run with other stages must not mix its results in).
 */
export function checkpointKey(source: string, stages: StageSpec[]): string {
  return JSON.stringify({ source, stages: stages.map(({ name, options }) => ({ name, options })) });
}

/**
 * Saves one finished array's result (atomically) so an interrupted run can
 * be resumed; the whole report is written at the end. `key` is
 * {@linkcode checkpointKey} of the run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { checkpointKey, readCheckpoints, saveCheckpoint } from "./checkpoint.ts";
 * const dir = Deno.makeTempDirSync();
 * const stats = checkpointKey("source.zarr", [{ name: "stats", options: {} }]);
 * await saveCheckpoint(dir, stats, { path: "a/s0" } as never);
 * assertEquals([...(await readCheckpoints(dir, stats)).kept.keys()], ["a/s0"]);
 * // Another stage set: nothing is kept, and the stale checkpoint is counted.
 * const other = checkpointKey("source.zarr", [{ name: "histogram", options: {} }]);
 * assertEquals((await readCheckpoints(dir, other)).stale, ["a/s0"]);
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  key: string,
  result: Report["arrays"][number],
): Promise<void> {
  if (result.error) return; // failed arrays are retried on resume
  await writeFileAtomic(checkpointPath(dir, result.path), reportJson({ key, result }));
}

/**
 * Finished array results of an earlier run with the same `key` in `dir`
 * (`kept`), and the paths of checkpoints from a run of another source or
 * stage set (`stale`: recomputed, never mixed in).
 */
export async function readCheckpoints(
  dir: string,
  key: string,
): Promise<{ kept: Map<string, Report["arrays"][number]>; stale: string[] }> {
  const out = new Map<string, Report["arrays"][number]>();
  const stale: string[] = [];
  const folder = `${dir.replace(/\/+$/, "")}/${CHECKPOINT_DIR}`;
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      try {
        const saved = JSON.parse(await Deno.readTextFile(`${folder}/${entry.name}`));
        if (saved.result?.path === undefined) continue;
        if (saved.key === key) out.set(saved.result.path, saved.result);
        else stale.push(saved.result.path);
      } catch {
        // A checkpoint is written atomically; anything unreadable is ignored.
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return { kept: out, stale: stale.sort() };
}

/** Removes the per-array results once the whole report is written. */
export async function clearCheckpoints(dir: string): Promise<void> {
  await Deno.remove(`${dir.replace(/\/+$/, "")}/${CHECKPOINT_DIR}`, { recursive: true }).catch(
    () => {},
  );
}
