/**
 * The report as one self-contained HTML page: the environment and plan, a
 * table of every array, and per array a histogram with quantile and peak
 * markers, profile line plots and the largest labels. Everything is inline
 * (CSS and SVG; no scripts, fonts or other network resources), so the page
 * can be mailed, archived or opened from a bucket as it is.
 *
 * @module
 */
import type { ArrayReport, Report } from "../../model/report.ts";
import { esc } from "./_text.ts";
import {
  arraySection,
  CSS,
  envSection,
  IMAGE_BUDGET,
  type ImageBudget,
  tableSection,
} from "./page.ts";

export { escapeHtml } from "./_text.ts";

/**
 * Renders a report as one self-contained HTML page (inline CSS and SVG, no
 * scripts or network resources). Pure: no I/O; writing the file is the
 * caller's.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { renderReportHtml } from "./mod.ts";
 * const html = renderReportHtml({
 *   version: "0.1.0", startedAt: "2026-01-01T00:00:00.000Z", seconds: 1, source: "a<b>.zarr",
 *   environment: {
 *     memoryLimitBytes: 2 ** 30, memorySource: "system", cgroupPath: null, budgetBytes: 6e8,
 *     cpuLimit: null, workers: 1, runtime: "deno", os: "linux", cores: 1, limits: {}, warnings: [],
 *   },
 *   arrays: [],
 * });
 * assert(html.startsWith("<!doctype html>"));
 * assert(html.includes("a&lt;b&gt;.zarr"));
 * ```
 */
export function renderReportHtml(report: Report): string {
  const failed = report.arrays.filter((a) => a.error).length;
  const summary = `${report.arrays.length} array${report.arrays.length === 1 ? "" : "s"}` +
    (failed ? `, <span class="error">${failed} failed</span>` : ", all processed") +
    ` in ${esc(report.seconds.toFixed(2))} s · started ${esc(report.startedAt)} · lamella ${
      esc(report.version)
    }`;
  const images: ImageBudget = { left: IMAGE_BUDGET, skipped: 0 };
  const byPath = new Map(report.arrays.map((a) => [a.path, a]));
  // An OME-NGFF label image `X/labels/NAME/LEVEL` segments the image level `X/LEVEL`.
  const imageOf = (a: ArrayReport) => {
    const m = /^(.*?)\/?labels\/[^/]+\/([^/]+)$/.exec(a.path);
    return m ? byPath.get(m[1] ? `${m[1]}/${m[2]}` : m[2]) : undefined;
  };
  const sections = report.arrays.map((a, i) => arraySection(a, i, images, imageOf)).join("\n");
  const omitted = images.skipped
    ? `<p class="sub">${images.skipped} slice picture${
      images.skipped === 1 ? "" : "s"
    } left out: the page holds ${IMAGE_BUDGET / 1000} kB of images at most.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lamella report: ${esc(report.source)}</title>
<style>${CSS}</style></head>
<body>
<h1>lamella report: <span class="path">${esc(report.source)}</span></h1>
<p class="sub">${summary}</p>
${envSection(report)}
${tableSection(report)}
<h2>Per array</h2>
${omitted}
${sections}
</body></html>
`;
}
