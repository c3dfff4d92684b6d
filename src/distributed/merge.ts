/**
 * Merging the shard files of a distributed run into one report: the states
 * of every array are merged in shard order with each stage's `merge` (stage
 * partials are associative) and finalized by the same code as a
 * single-machine run ({@linkcode finalizeArray}), so the report is the same
 * up to float rounding (about 1e-12 relative) and timing.
 *
 * @module
 */
import { chunkCount } from "../run/chunk_reduce.ts";
import { LamellaError } from "../model/errors.ts";
import { decodeState } from "./state_codec.ts";
import type { ArrayReport, Report } from "../model/report.ts";
import type { ShardArray, ShardFile } from "./shard.ts";
import { createStages, finalizeArray } from "../stages/mod.ts";

/** A merged report: report.json plus how many shards it came from. */
export type MergedReport = Report & { shards: number };

/**
 * Merges the shard files of one run (each shard exactly once, any order).
 * Problems with the set of files (shards missing or repeated, different
 * sources, stages or versions) are a `LamellaError`; an array whose shards
 * disagree (its data changed between shard runs) gets an `error` entry.
 *
 * @example
 * ```ts ignore
 * import { mergeShards } from "./merge.ts";
 * import { readShardFiles } from "./shard.ts";
 * const report = mergeShards(await readShardFiles(["out/shards"]));
 * ```
 */
export function mergeShards(files: ShardFile[]): MergedReport {
  if (files.length === 0) throw new LamellaError("merge: no shard files given");
  const first = files[0];
  const count = first.shard.count;
  const byIndex: (ShardFile | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const f of files) {
    const where = `shard ${f.shard.index}/${f.shard.count}`;
    if (f.shard.count !== count) {
      throw new LamellaError(
        `merge: ${where} belongs to a run of ${f.shard.count} shards, the others to ${count}`,
      );
    }
    if (f.source !== first.source) {
      throw new LamellaError(
        `merge: ${where} read ${f.source}, shard ${first.shard.index} read ${first.source}`,
      );
    }
    if (JSON.stringify(f.stages) !== JSON.stringify(first.stages)) {
      throw new LamellaError(
        `merge: ${where} ran different stages from shard ${first.shard.index}`,
      );
    }
    if (byIndex[f.shard.index]) throw new LamellaError(`merge: ${where} is given twice`);
    byIndex[f.shard.index] = f;
  }
  const missing = byIndex.flatMap((f, i) => f ? [] : [i]);
  if (missing.length) {
    throw new LamellaError(
      `merge: shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${count} missing`,
    );
  }
  const shards = byIndex as ShardFile[];
  const paths = shards[0].arrays.map((a) => a.path);
  for (const s of shards) {
    const these = s.arrays.map((a) => a.path);
    if (JSON.stringify(these) !== JSON.stringify(paths)) {
      throw new LamellaError(
        `merge: shard ${s.shard.index} found arrays [${these.join(", ")}], shard 0 found [${
          paths.join(", ")
        }]`,
      );
    }
  }
  const stages = createStages(first.stages, first.stagesSource);
  const arrays = paths.map((_, a) => mergeArray(shards.map((s) => s.arrays[a]), stages));

  const starts = shards.map((s) => Date.parse(s.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...shards.map((s, i) => starts[i] + s.seconds * 1000));
  return {
    version: first.version,
    startedAt: new Date(start).toISOString(),
    seconds: (end - start) / 1000,
    source: first.source,
    environment: shards[0].environment,
    arrays,
    shards: count,
  };
}

/** A shard's array entry without the shard-only keys. */
function planFields(e: ShardArray): ArrayReport {
  const out: ArrayReport = { ...e };
  for (const k of ["info", "stages", "states", "from", "to", "inOtherShards"]) delete out[k];
  return out;
}

function mergeArray(
  all: ShardArray[],
  stages: ReturnType<typeof createStages>,
): ArrayReport {
  const seconds = all.reduce((t, e) => t + e.seconds, 0);
  const failed = all.find((e) => e.error !== undefined);
  if (failed) return { ...planFields(failed), seconds };
  // Shards holding none of the array's chunks have nothing to add.
  const entries = all.filter((e) => !e.inOtherShards);
  if (entries.length === 0) {
    const name = all[0].path || "(root array)";
    return { ...planFields(all[0]), seconds, error: `array ${name}: no shard reduced it` };
  }
  const base = planFields(entries[0]);
  const { info, stages: names, states } = entries[0];
  if (!states || !info || !names) return { ...base, seconds };
  const name = base.path || "(root array)";
  const fail = (why: string): ArrayReport => ({
    ...base,
    seconds,
    error: `array ${name}: shards disagree: ${why}`,
  });
  let next = 0;
  for (const e of entries) {
    const i = all.indexOf(e);
    if (!e.states || !e.info || !e.stages) return fail(`shard ${i} has no states`);
    if (JSON.stringify(e.info) !== JSON.stringify(info)) {
      return fail(
        `shard ${i} saw ${JSON.stringify(e.info)}, shard ${all.indexOf(entries[0])} ${
          JSON.stringify(info)
        } (did the data change between shard runs?)`,
      );
    }
    if (e.from !== next) return fail(`shard ${i} starts at chunk ${e.from}, expected ${next}`);
    next = e.to ?? next;
  }
  const total = chunkCount(info.shape, info.chunks);
  if (next !== total) return fail(`the shards end at chunk ${next}, the array has ${total}`);
  const active = stages.filter((s) => !s.appliesTo || s.appliesTo(info));
  if (JSON.stringify(active.map((s) => s.name)) !== JSON.stringify(names)) {
    return fail(`states of [${names.join(", ")}], expected [${active.map((s) => s.name)}]`);
  }
  const merged = states.map(decodeState);
  for (const e of entries.slice(1)) {
    e.states!.forEach((encoded, s) => {
      merged[s] = active[s].merge(merged[s], decodeState(encoded));
    });
  }
  return {
    ...base,
    seconds,
    chunksTotal: entries.reduce((t, e) => t + (e.chunksTotal ?? 0), 0),
    chunksMissing: entries.reduce((t, e) => t + (e.chunksMissing ?? 0), 0),
    workers: Math.max(...entries.map((e) => Number(e.workers ?? 1))),
    ...finalizeArray(active, merged, info),
  };
}
