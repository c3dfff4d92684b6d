/**
 * Writing the report: report.json atomically (temporary file + rename, so a
 * crash never leaves half a file) and a readable table for stdout.
 *
 * @module
 */
import type { Report } from "../model/report.ts";
import { writeFileAtomic } from "../store/atomic.ts";

/**
 * Serialises a report: BigInts as decimal strings, NaN/Inf as null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { reportJson } from "./json.ts";
 * assertEquals(reportJson({ a: 1n, b: NaN }), '{\n  "a": "1",\n  "b": null\n}\n');
 * ```
 */
export function reportJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v, 2) + "\n";
}

/** Writes `dir/report.json` atomically and returns its path. */
export async function writeReport(dir: string, report: Report): Promise<string> {
  const path = `${dir.replace(/\/+$/, "")}/report.json`;
  await writeFileAtomic(path, reportJson(report));
  return path;
}

function fmt(x: unknown): string {
  if (x === null || x === undefined) return "-";
  if (typeof x !== "number") return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e9) ? x.toExponential(4) : x.toFixed(4);
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * A plain-text table of the arrays in a report, for stdout.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatTable } from "./json.ts";
 * assert(formatTable([]).startsWith("array"));
 * ```
 */
export function formatTable(arrays: Report["arrays"]): string {
  const header = [
    "array",
    "dtype",
    "shape",
    "size",
    "strategy",
    "s",
    "min",
    "max",
    "mean",
    "std",
    "NaN",
  ];
  const rows = arrays.map((a) => {
    const s = (a.stats ?? {}) as Record<string, unknown>;
    return [
      a.path || "(root array)",
      a.dtype,
      a.shape.join("x") || "()",
      mb(a.bytes),
      a.error ? "ERROR" : a.strategy,
      a.seconds.toFixed(2),
      fmt(s.min),
      fmt(s.max),
      fmt(s.mean),
      fmt(s.std),
      fmt(s.nanCount),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  for (const a of arrays) if (a.error) out.push(`error: ${a.error}`);
  return out.join("\n");
}
