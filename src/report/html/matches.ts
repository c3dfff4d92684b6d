/**
 * The spectral matches of `deno task match` as one self-contained HTML page:
 * per query its best library hits, with their scores as bars.
 *
 * @module
 */
import { esc, num } from "./_text.ts";
import { CSS } from "./page.ts";

/** One query's hits, as `deno task match` writes them. */
export interface MatchRow {
  /** Query index in its file. */
  index: number;
  /** Query id. */
  id: string;
  /** Best hits first. */
  hits: { index: number; id: string; score: number; matched: number }[];
}

/** At most this many queries are listed (all are in matches.json). */
const MAX_QUERIES = 500;

/**
 * Renders matches as an HTML page; pure, no I/O.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { renderMatchesHtml } from "./matches.ts";
 * const html = renderMatchesHtml([{ index: 0, id: "q<1>", hits: [{ index: 3, id: "lib", score: 0.9, matched: 4 }] }],
 *   { library: "lib.mgf", queries: "q.mgf", score: "cosine", seconds: 0.1 });
 * assert(html.includes("q&lt;1&gt;") && html.includes("0.9000"));
 * ```
 */
export function renderMatchesHtml(
  rows: MatchRow[],
  meta: { library: string; queries: string; score: string; seconds: number },
): string {
  const shown = rows.slice(0, MAX_QUERIES);
  const withHits = rows.filter((q) => q.hits.length).length;
  const body = shown.map((q) => {
    const hits = q.hits.length
      ? q.hits.map((h, rank) =>
        `<tr><td class="num">${rank + 1}</td><td class="mono">${esc(h.id)}</td>` +
        `<td class="num">${h.index}</td><td><span class="bar" style="width:${
          Math.max(1, Math.round(h.score * 160))
        }px"></span> ${h.score.toFixed(4)}</td><td class="num">${h.matched}</td></tr>`
      ).join("")
      : `<tr><td colspan="5" class="sub">no hit</td></tr>`;
    return `<h3 class="mono">query ${q.index}: ${esc(q.id)}</h3>` +
      `<table><thead><tr><th>rank</th><th>library spectrum</th><th>index</th><th>score</th>` +
      `<th>matched peaks</th></tr></thead><tbody>${hits}</tbody></table>`;
  }).join("\n");
  const more = rows.length > shown.length
    ? `<p class="sub">The first ${shown.length} of ${num(rows.length)} queries are listed; ` +
      "every query is in matches.json and matches.csv.</p>"
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lamella matches: ${esc(meta.queries)}</title>
<style>${CSS}
.bar{display:inline-block;height:9px;background:#7ea6d8;border:1px solid #2f6db5;vertical-align:middle}
h3{font-size:14px;margin:18px 0 4px}</style></head>
<body>
<h1>lamella matches</h1>
<p class="sub">${esc(meta.queries)} against ${esc(meta.library)} · ${esc(meta.score)} · ${
    num(rows.length)
  } queries, ${num(withHits)} with hits · scored in ${esc(meta.seconds.toFixed(2))} s</p>
${more}
${body}
</body></html>
`;
}
