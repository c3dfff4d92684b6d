/**
 * Comparing a merged (sharded) report with a single run's: the same arrays,
 * the same keys, integers, counts, histograms, quantiles, labels and peaks
 * exactly, float statistics and profiles within 1e-12 relative. Timing and
 * the worker count are not compared.
 */
import assert from "node:assert/strict";

/** Report keys that depend on the run, not the data. */
const IGNORED = new Set(["seconds", "workers", "timing"]);

/** Keys whose numbers are floating-point results of merges: compared within `rel`. */
function tolerant(path: string[], dtype: string): boolean {
  const key = path.join(".");
  if (/^profiles\./.test(key)) return true;
  if (key === "stats.std") return true;
  return /^stats\.(sum|mean)$/.test(key) && /float/.test(dtype);
}

function compare(
  a: unknown,
  b: unknown,
  path: string[],
  dtype: string,
  where: string,
  ignored: Set<string> = IGNORED,
): void {
  const here = `${where} ${path.join(".")}`;
  if (typeof a === "number" && typeof b === "number" && tolerant(path, dtype)) {
    if (a === b) return;
    const err = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
    assert.ok(err <= 1e-12, `${here}: ${a} vs ${b} (relative error ${err})`);
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    assert.equal(Array.isArray(a), Array.isArray(b), `${here}: array vs object`);
    const ka = Object.keys(a).filter((k) => !(path.length === 0 && ignored.has(k)));
    const kb = Object.keys(b).filter((k) => !(path.length === 0 && ignored.has(k)));
    assert.deepEqual([...kb].sort(), [...ka].sort(), `${here}: keys`);
    for (const k of ka) {
      compare(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        [...path, k],
        dtype,
        where,
        ignored,
      );
    }
    return;
  }
  assert.deepEqual(b, a, here);
}

/**
 * Asserts that `merged` is `single` up to float rounding and timing. `alsoIgnore`
 * names more array keys to leave out, e.g. `reason` when the runs planned within
 * different budgets (the plan's sentence states the budget).
 */
export function assertSameReport(
  single: { source: string; arrays: Record<string, unknown>[] },
  merged: { source: string; arrays: Record<string, unknown>[] },
  what: string,
  alsoIgnore: string[] = [],
): void {
  const ignored = new Set([...IGNORED, ...alsoIgnore]);
  assert.equal(merged.source, single.source, `${what}: source`);
  assert.deepEqual(
    merged.arrays.map((a) => a.path),
    single.arrays.map((a) => a.path),
    `${what}: arrays`,
  );
  single.arrays.forEach((a, i) =>
    compare(a, merged.arrays[i], [], String(a.dtype), `${what}: ${a.path}`, ignored)
  );
}
