/**
 * `deno task bench --compare BASELINE.json`: the change of every case
 * against an earlier run, with regressions beyond the noise flagged, and the
 * plain-text table helper the bench task prints with.
 *
 * @module
 */

/** Any record of a bench document; the sections add their own fields. */
export interface AnyRecord {
  section?: string;
  name: string;
  [key: string]: unknown;
}

/** One case present in both runs. */
export interface Change {
  key: string;
  /** What is compared: `seconds` (median), `s/GiB` for kernels, or `ratio` (lamella/peer) for peers. */
  metric: string;
  baseline: number;
  current: number;
  /** (current - baseline) / baseline: positive is slower (or a worse ratio). */
  change: number;
  /** The noise band: max(10%, 2 x the larger run-to-run spread of the two). */
  band: number;
  verdict: "regression" | "faster" | "within noise";
}

/** What {@linkcode compareRuns} found. */
export interface Comparison {
  changes: Change[];
  /** Keys only in the baseline, and only in the current run. */
  onlyBaseline: string[];
  onlyCurrent: string[];
  /** The smallest band used (see {@link MIN_BAND}). */
  minBand: number;
}

/** Default smallest relative change that can count as a regression, whatever the spread. */
export const MIN_BAND = 0.1;

/** The identity of a record across runs, and the number compared; undefined: not compared. */
function keyOf(r: AnyRecord): { key: string; metric: string; value: number } | undefined {
  const section = r.section ?? "kernels"; // the old bench JSON: a bare list of kernel records
  const num = (k: string) => typeof r[k] === "number" ? r[k] as number : undefined;
  const seconds = num("seconds");
  switch (section) {
    case "kernels": {
      // Per GiB: runs with a different --mib stay comparable.
      const bytes = num("bytes");
      return seconds === undefined || !bytes ? undefined : {
        key: `kernels ${r.name} ${r.dtype}`,
        metric: "s/GiB",
        value: seconds / (bytes / 2 ** 30),
      };
    }
    case "pipeline":
    case "cgroup":
      return r.name === "skipped" || seconds === undefined
        ? undefined
        : { key: `${section} ${r.case}`, metric: "seconds", value: seconds };
    case "peers": {
      const ratio = num("ratio");
      return r.name !== "peer" || ratio === undefined
        ? undefined
        : { key: `peers ${r.case} vs ${r.peer}`, metric: "ratio", value: ratio };
    }
    case "peaks":
      return seconds === undefined
        ? undefined
        : { key: `peaks ${r.name} n=${r.signalLength}`, metric: "seconds", value: seconds };
    default:
      return undefined;
  }
}

/**
 * Compares two runs case by case. A change counts as a regression when it is
 * more than `minBand` ({@link MIN_BAND} unless given) slower and also more
 * than twice the run-to-run spread (`spread` of either record; 0 when a record
 * has none).
 *
 * @example
 * ```ts
 * import { compareRuns } from "./bench_compare.ts";
 * const rec = (seconds: number) => ({ section: "pipeline", name: "pipeline", case: "a", seconds, spread: 0.02 });
 * const c = compareRuns([rec(1)], [rec(1.3)]);
 * console.assert(c.changes[0].verdict === "regression");
 * console.assert(compareRuns([rec(1)], [rec(1.05)]).changes[0].verdict === "within noise");
 * ```
 */
export function compareRuns(
  baseline: readonly AnyRecord[],
  current: readonly AnyRecord[],
  minBand = MIN_BAND,
): Comparison {
  const index = (records: readonly AnyRecord[]) => {
    const m = new Map<string, { metric: string; value: number; spread: number }>();
    for (const r of records) {
      const k = keyOf(r);
      if (k) m.set(k.key, { ...k, spread: typeof r.spread === "number" ? r.spread : 0 });
    }
    return m;
  };
  const before = index(baseline);
  const after = index(current);
  const changes: Change[] = [];
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was || !(was.value > 0)) continue;
    const change = (now.value - was.value) / was.value;
    const band = Math.max(minBand, 2 * Math.max(was.spread, now.spread));
    changes.push({
      key,
      metric: now.metric,
      baseline: was.value,
      current: now.value,
      change,
      band,
      verdict: change > band ? "regression" : change < -band ? "faster" : "within noise",
    });
  }
  return {
    changes,
    onlyBaseline: [...before.keys()].filter((k) => !after.has(k)),
    onlyCurrent: [...after.keys()].filter((k) => !before.has(k)),
    minBand,
  };
}

/**
 * The records of a bench JSON file: `{ records: [...] }` as `deno task bench`
 * writes it, or a bare list (the kernel-only format it wrote before).
 */
export async function readBenchRecords(path: string): Promise<AnyRecord[]> {
  const doc = JSON.parse(await Deno.readTextFile(path));
  if (Array.isArray(doc)) return doc;
  if (doc && Array.isArray(doc.records)) return doc.records;
  throw new TypeError(`${path}: expected a bench JSON document with "records"; found neither`);
}

/**
 * A plain-text table: the first column left-aligned, the others right-aligned.
 *
 * @example
 * ```ts
 * import { textTable } from "./bench_compare.ts";
 * const t = textTable(["case", "s"], [["a", "1.00"]]);
 * console.assert(t.split("\n").length === 3 && t.includes("----"));
 * ```
 */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((cell, i) => i === 0 ? (cell ?? "").padEnd(widths[i]) : (cell ?? "").padStart(widths[i]))
      .join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The comparison as a table, regressions first, then a one-line verdict. */
export function formatRunComparison(c: Comparison, baselinePath: string): string {
  const order = { regression: 0, faster: 1, "within noise": 2 };
  const rows = [...c.changes].sort((a, b) =>
    order[a.verdict] - order[b.verdict] || Math.abs(b.change) - Math.abs(a.change)
  ).map((x) => [
    x.key,
    x.metric,
    x.metric === "ratio" ? x.baseline.toFixed(3) : x.baseline.toPrecision(3),
    x.metric === "ratio" ? x.current.toFixed(3) : x.current.toPrecision(3),
    `${x.change >= 0 ? "+" : ""}${(100 * x.change).toFixed(1)}%`,
    `±${(100 * x.band).toFixed(0)}%`,
    x.verdict === "regression" ? "REGRESSION" : x.verdict,
  ]);
  const regressions = c.changes.filter((x) => x.verdict === "regression").length;
  const out = [
    `compared with ${baselinePath}: ${c.changes.length} cases, ${regressions} regressions ` +
    `beyond the noise band (> ${100 * c.minBand}% and > 2x the run-to-run spread)`,
    textTable(["case", "metric", "baseline", "now", "change", "band", "verdict"], rows),
  ];
  const list = (keys: string[]) =>
    keys.length <= 8
      ? keys.join(", ")
      : `${keys.length} cases (${keys.slice(0, 4).join(", ")}, ...)`;
  if (c.onlyBaseline.length) out.push(`only in the baseline: ${list(c.onlyBaseline)}`);
  if (c.onlyCurrent.length) out.push(`new in this run: ${list(c.onlyCurrent)}`);
  return out.join("\n");
}
