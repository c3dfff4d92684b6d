/**
 * Writing what a run found: report.json (atomically; BigInts as strings,
 * NaN/Inf as null), the self-contained report.html, the table printed on
 * stdout, and the sinks a scheduled run stores its report in (a directory,
 * Deno KV, an S3 bucket).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { reportJson } from "./mod.ts";
 * assertEquals(reportJson({ n: 2n ** 64n, x: NaN }), '{\n  "n": "18446744073709551616",\n  "x": null\n}\n');
 * ```
 *
 * @module
 */
export { formatTable, reportJson, writeReport } from "./json.ts";
export { escapeHtml, renderReportHtml } from "./html/mod.ts";
export { type MatchRow, renderMatchesHtml } from "./html/matches.ts";
export {
  describeDestination,
  KV_PART_BYTES,
  kvStringBytes,
  parseReportTarget,
  readKvReport,
  type ReportDestination,
  type ReportFile,
  type ReportTarget,
  type RunRecord,
  runStamp,
  type StoreContext,
  type Stored,
  storeReport,
} from "./sinks.ts";
