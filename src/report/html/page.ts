/**
 * The page around the charts: style sheet, environment, the table of arrays,
 * and one section per array.
 *
 * @module
 */
import { spectraFigures } from "./ms_run.ts";
import type { ArrayReport, Report } from "../../model/report.ts";
import { bytes, esc, mib, num } from "./_text.ts";
import { W } from "./_chart.ts";
import {
  displayPath,
  histogramOf,
  isObject,
  labelsOf,
  mbPerSec,
  peakSets,
  profilesOf,
  quantilesOf,
  type Stats,
  thumbnailsOf,
} from "./_fields.ts";
import { histogramChart } from "./histogram.ts";
import { profileChart, signalChart, signalPeaksChart } from "./profile.ts";
import type { Thumbnail } from "../../stages/thumbnails.ts";
import { labelsChart } from "./labels.ts";

export const CSS = `
:root{--fg:#1d2430;--muted:#5d6775;--line:#d9dee5;--bg:#fff;--band:#f5f7fa;--accent:#2f6db5;
--bad:#b3261e;--badbg:#fdecea;--warn:#8a5a00;--warnbg:#fff4d6}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 64px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;
border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px;overflow-wrap:anywhere}
code,.mono,td.num,.path{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,
"DejaVu Sans Mono",monospace;font-size:12.5px}
.muted{color:var(--muted)}.sub{color:var(--muted);margin:0 0 12px}
.env{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}
.env dt{color:var(--muted)}.env dd{margin:0}
.warnings{background:var(--warnbg);color:var(--warn);border:1px solid #f0d48a;
border-radius:6px;padding:8px 12px;margin:12px 0}
.warnings ul{margin:4px 0 0;padding-left:20px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);
padding:6px 8px;white-space:nowrap;position:sticky;top:0;background:var(--bg)}
td{padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.num{text-align:right;white-space:nowrap}
tbody:nth-of-type(even) td{background:var(--band)}
td.path{min-width:14em}td.path a{color:var(--accent);text-decoration:none;overflow-wrap:anywhere}
.reason{display:block;color:var(--muted);font-size:11.5px;min-width:16em;max-width:30em}
.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;
background:#e8eef7;color:#24518a}
.badge.chunked{background:#e6f4ea;color:#1e6b34}.badge.streaming{background:#f3e8fd;color:#6a2c9c}
.badge.skip{background:#eceff1;color:#4a5560}.badge.error{background:var(--badbg);color:var(--bad)}
tr.failed td{background:var(--badbg)}
tr.errline td{color:var(--bad);background:var(--badbg);font-weight:600;border-bottom:1px solid #f3b8b2;
padding-top:0}
.error{color:var(--bad);font-weight:600}
section.array{border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:16px 0}
section.array.failed{border-color:#f3b8b2}
.meta{margin:0 0 8px;color:var(--muted);font-size:13px}
.meta b{color:var(--fg);font-weight:600}
.figs{display:flex;flex-wrap:wrap;gap:8px 28px}
figure{margin:8px 0 0}figcaption{font-size:12px;color:var(--muted);max-width:${W}px}
figcaption b{color:var(--fg)}
svg.chart{display:block;max-width:100%;height:auto}
svg .grid{stroke:#eef1f4}svg .axis{stroke:#8a94a3}
svg .tick{font:10.5px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#4a5463}
svg .title{font:11.5px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#4a5463}
svg .bars{fill:#7ea6d8;stroke:#2f6db5;stroke-width:.8}
svg .line{fill:none;stroke:#2f6db5;stroke-width:1.3}
svg .line2{fill:none;stroke:#c0392b;stroke-width:1;opacity:.8}svg .legend{font:11px system-ui,sans-serif;fill:#444}
svg .bar{fill:#7ea6d8}
svg .quantile line{stroke:#c0392b;stroke-dasharray:3 3;stroke-width:1}
svg .quantile line.leader{stroke-dasharray:none;stroke-width:.6;opacity:.6}
svg .quantile text{font:10px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#c0392b}
svg .peak{fill:#e67e22;stroke:#8a4a0f;stroke-width:.6}
svg .stick{fill:none;stroke:#2f6db5;stroke-width:1.2}
.qs{font-size:12px;margin:2px 0 0}
img.thumb { image-rendering: pixelated; background: #000; border: 1px solid #ccc; display: block; }
.overlay { position: relative; display: inline-block; } .overlay img.labels { position: absolute; left: 0; top: 0; opacity: 0.6; background: transparent; border-color: transparent; }
`.trim();

export function envSection(r: Report): string {
  const e = r.environment;
  const l = e.limits ?? {};
  const source = {
    "cgroup-v1": "cgroup v1",
    "cgroup-v2": "cgroup v2",
    cgroup: "cgroup, via process.constrainedMemory()",
    system: "system memory",
    override: "override (MEMORY_LIMIT_MB or --memory-limit-mb)",
    platform: `the ${e.platform ?? "platform"} isolate limit`,
  }[e.memorySource] ?? e.memorySource;
  const mb = (v: unknown) => typeof v === "number" ? `${num(v)} MB` : "none";
  const rows: [string, string][] = [
    [
      "Memory limit",
      `${esc(bytes(e.memoryLimitBytes))} <span class="muted">(${
        esc(mib(e.memoryLimitBytes))
      })</span> from ${esc(source)}${
        e.cgroupPath ? `; cgroup <code>${esc(e.cgroupPath)}</code>` : ""
      }`,
    ],
    [
      "Budget",
      `${esc(bytes(e.budgetBytes))} <span class="muted">(${esc(mib(e.budgetBytes))}; ${
        esc(num(l.memoryFraction))
      } of what the limit leaves after the runtime's own memory)</span>`,
    ],
    [
      "Workers",
      `${esc(num(e.workers))} <span class="muted">(${esc(num(e.cores))} cores${
        e.cpuLimit === null || e.cpuLimit === undefined
          ? ", no CPU quota"
          : `, CPU limit ${esc(num(e.cpuLimit))}`
      })</span>`,
    ],
    [
      "Thresholds",
      `direct &lt; ${esc(mb(l.directMaxMb))}, chunked &lt; ${esc(mb(l.chunkedMaxMb))}, ` +
      `streaming ≥ ${esc(mb(l.chunkedMaxMb))}; max array size ${esc(mb(l.maxArraySizeMb))} ` +
      `(LARGE_ARRAY_MODE=${esc(l.largeArrayMode ?? "?")})`,
    ],
    [
      "Batches",
      `${esc(mb(l.zarrChunkSizeMb))} per batch (chunked), ${
        esc(mb(l.streamingChunkMb))
      } in flight (streaming)`,
    ],
    ["Runtime", `${esc(e.runtime)} on ${esc(e.os)}`],
  ];
  const warnings = e.warnings?.length
    ? `<div class="warnings"><b>${e.warnings.length} warning${
      e.warnings.length === 1 ? "" : "s"
    }</b><ul>${e.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></div>`
    : `<p class="muted">No warnings.</p>`;
  return `<h2>Environment and plan</h2><dl class="env">${
    rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")
  }</dl>${warnings}`;
}

export const COLUMNS = [
  ["array", ""],
  ["dtype", ""],
  ["shape", ""],
  ["chunks", ""],
  ["size", "num"],
  ["strategy", ""],
  ["s", "num"],
  ["MB/s", "num"],
  ["min", "num"],
  ["max", "num"],
  ["mean", "num"],
  ["std", "num"],
  ["NaN", "num"],
  ["missing", "num"],
] as const;

export function dims(xs: number[]): string {
  return xs.length ? xs.join("×") : "()";
}

/** Escaped path text that may wrap after a slash but not inside a name. */
export function breakable(path: string): string {
  return path.split("/").map(esc).join("/<wbr>");
}

/** The planner's reason without the strategy it starts with (the badge says it). */
export function reasonText(a: ArrayReport): string {
  const prefix = `${a.strategy}: `;
  return a.reason.startsWith(prefix) ? a.reason.slice(prefix.length) : a.reason;
}

export function tableSection(r: Report): string {
  const head = `<tr>${COLUMNS.map(([h, k]) => `<th class="${k}">${esc(h)}</th>`).join("")}</tr>`;
  const rows = r.arrays.map((a, i) => {
    const s = (isObject(a.stats) ? a.stats : {}) as Stats;
    const rate = mbPerSec(a);
    const strategy = a.error && a.strategy !== "error" ? `${a.strategy}, failed` : a.strategy;
    const cells = [
      `<td class="path"><a href="#a${i}">${breakable(displayPath(a))}</a></td>`,
      `<td><code>${esc(a.dtype)}</code></td>`,
      `<td class="mono">${esc(dims(a.shape))}</td>`,
      `<td class="mono">${esc(dims(a.chunks))}</td>`,
      `<td class="num">${esc(bytes(a.bytes))}</td>`,
      `<td><span class="badge ${a.error ? "error" : esc(a.strategy)}">${esc(strategy)}</span>` +
      (a.reason ? `<span class="reason">${esc(reasonText(a))}</span>` : "") + `</td>`,
      `<td class="num">${esc(a.seconds.toFixed(2))}</td>`,
      `<td class="num">${rate === undefined ? "–" : esc(rate.toFixed(1))}</td>`,
      ...(["min", "max", "mean", "std", "nanCount"] as const).map((k) =>
        `<td class="num">${esc(num(s[k]))}</td>`
      ),
      `<td class="num">${
        a.chunksTotal === undefined
          ? "–"
          : `${esc(num(a.chunksMissing ?? 0))} / ${esc(num(a.chunksTotal))}`
      }</td>`,
    ];
    const err = a.error
      ? `<tr class="errline"><td colspan="${COLUMNS.length}">error: ${esc(a.error)}</td></tr>`
      : "";
    // A tbody per array keeps an error line inside its array's stripe.
    return `<tbody><tr${a.error ? ' class="failed"' : ""}>${cells.join("")}</tr>${err}</tbody>`;
  });
  return `<h2>Arrays</h2><div class="scroll"><table><thead>${head}</thead>${
    rows.join("")
  }</table></div><p class="muted">missing: chunks absent from the store (read as the fill value) / all chunks.</p>`;
}

/**
 * How many characters of images a page may still embed: thumbnails past
 * {@linkcode IMAGE_BUDGET} are left out (and the page says how many), so a
 * store of many arrays still makes a page of a few hundred kB.
 */
export interface ImageBudget {
  left: number;
  skipped: number;
}

/** Characters of embedded images one page holds at most. */
export const IMAGE_BUDGET = 600_000;

export function arraySection(
  a: ArrayReport,
  i: number,
  images: ImageBudget = { left: IMAGE_BUDGET, skipped: 0 },
  imageOf: (labels: ArrayReport) => ArrayReport | undefined = () => undefined,
): string {
  const s = (isObject(a.stats) ? a.stats : undefined) as Stats | undefined;
  const meta = [
    `<b>${esc(a.dtype)}</b> ${esc(dims(a.shape))} in chunks of ${esc(dims(a.chunks))}`,
    esc(bytes(a.bytes)),
    `${esc(a.strategy)} in ${esc(a.seconds.toFixed(2))} s`,
  ];
  const rate = mbPerSec(a);
  if (rate !== undefined) meta.push(`${esc(rate.toFixed(1))} MB/s`);
  if (a.chunksTotal !== undefined) {
    meta.push(`${esc(num(a.chunksTotal))} chunks, ${esc(num(a.chunksMissing ?? 0))} missing`);
  }
  const ms = a.multiscale;
  if (isObject(ms) && Array.isArray(ms.scale)) {
    meta.push(
      `scale ${esc(ms.scale.join(", "))}` +
        (Array.isArray(ms.translation) ? `, translation ${esc(ms.translation.join(", "))}` : ""),
    );
  }
  const lines = [`<p class="meta">${meta.join(" · ")}</p>`];
  if (a.reason) lines.push(`<p class="meta">${esc(a.reason)}</p>`);
  if (s) {
    const parts = [
      `count ${num(s.count)}`,
      `min ${num(s.min)}`,
      `max ${num(s.max)}`,
      `mean ${num(s.mean)}`,
      `std ${num(s.std)}`,
    ];
    if (s.nanCount) parts.push(`NaN ${num(s.nanCount)}`);
    if (s.infCount) parts.push(`±Inf ${num(s.infCount)}`);
    lines.push(`<p class="meta">${esc(parts.join(" · "))}</p>`);
  }
  const profiles = profilesOf(a);
  const scalars = profiles.filter((p) => p.shape.length === 0);
  if (scalars.length) {
    lines.push(
      `<p class="meta">${
        esc(scalars.map((p) => `${p.reduce} over every axis ${num(p.values[0])}`).join(" · "))
      }</p>`,
    );
  }
  if (a.error) lines.push(`<p class="error">error: ${esc(a.error)}</p>`);

  const figs: string[] = [];
  const h = histogramOf(a);
  if (h) {
    const { svg, notes } = histogramChart(a, h);
    const qs = quantilesOf(a);
    const maxError = isObject(a.quantiles) ? a.quantiles.maxError : undefined;
    const qline = qs.length
      ? `<p class="qs mono">${esc(qs.map((q) => `q${q.q} = ${num(q.value)}`).join(" · "))}${
        typeof maxError === "number" ? esc(` (each ± ${num(maxError)})`) : ""
      }</p>`
      : "";
    figs.push(
      `<figure>${svg}<figcaption><b>Histogram.</b> ${
        esc(notes.join("; "))
      }.${qline}</figcaption></figure>`,
    );
  }
  const peaks = peakSets(a);
  const lines1d = profiles.filter((p) => p.shape.length === 1);
  // A 1-D array's identity profile (no axes reduced) is the signal itself.
  const signalOnProfile = peaks.signal.length > 0 &&
    lines1d.some((p) => p.axes.length === 0);
  for (const p of profiles.filter((p) => p.shape.length > 0)) {
    const marks = p === lines1d[0]
      ? (peaks.profile.length ? peaks.profile : signalOnProfile ? peaks.signal : [])
      : [];
    const { svg, notes } = profileChart(a, p, marks);
    figs.push(
      `<figure>${svg ?? ""}<figcaption><b>Profile</b> (${
        p.axes.length ? `${esc(p.reduce)} over axes [${esc(p.axes.join(", "))}]` : "the values"
      }).${notes.length ? ` ${esc(notes.join("; "))}.` : ""}</figcaption></figure>`,
    );
  }
  const thumbs = thumbnailsOf(a);
  if (thumbs?.signal) {
    const { svg, notes } = signalChart(a, thumbs.signal, signalOnProfile ? [] : peaks.signal);
    figs.push(
      `<figure>${svg}<figcaption><b>Signal.</b> ${esc(notes.join("; "))}.</figcaption></figure>`,
    );
  } else if (peaks.signal.length && !signalOnProfile) {
    const { svg, notes } = signalPeaksChart(a, peaks.signal);
    figs.push(
      `<figure>${svg}<figcaption><b>Peaks.</b> ${esc(notes.join("; "))}.</figcaption></figure>`,
    );
  }
  figs.push(...spectraFigures(a));
  const host = imageOf(a);
  for (const t of thumbs?.slices ?? []) {
    const under = host ? matchingSlice(thumbnailsOf(host)?.slices ?? [], t) : undefined;
    const cost = t.png.length + (under?.png.length ?? 0);
    if (images.left < cost) {
      images.skipped++;
      continue;
    }
    images.left -= cost;
    figs.push(thumbnailFigure(a, t, under && host ? { image: host, slice: under } : undefined));
  }
  const l = labelsOf(a);
  if (l) {
    const { svg, notes } = labelsChart(a, l);
    figs.push(
      `<figure>${svg}<figcaption><b>Labels.</b> ${esc(notes.join("; "))}.</figcaption></figure>`,
    );
  }
  return `<section class="array${a.error ? " failed" : ""}" id="a${i}"><h3 class="path">${
    esc(displayPath(a))
  }</h3>${lines.join("")}${
    figs.length ? `<div class="figs">${figs.join("")}</div>` : ""
  }</section>`;
}

/** The image slice a label slice of the same size lies on (the last two axes of both). */
function matchingSlice(slices: Thumbnail[], label: Thumbnail): Thumbnail | undefined {
  return slices.find((s) =>
    s.width === label.width && s.height === label.height && s.step.join() === label.step.join()
  );
}

/**
 * A slice picture, scaled up to at least 192 pixels without smoothing; a
 * label slice over the image slice it segments, when there is one.
 */
function thumbnailFigure(
  a: ArrayReport,
  t: Thumbnail,
  under?: { image: ArrayReport; slice: Thumbnail },
): string {
  const zoom = Math.max(1, Math.floor(192 / Math.max(t.width, t.height)));
  const size = `width="${t.width * zoom}" height="${t.height * zoom}"`;
  const what = `${displayPath(a)}: axes [${t.axes.join(", ")}], ${t.slice}`;
  const range = t.range
    ? `; black ${num(t.range[0])}, white ${num(t.range[1])} (0.1 % and 99.9 % of the slice)`
    : under
    ? `; one colour per label, over ${displayPath(under.image)} (${under.slice.slice})`
    : "; one colour per label";
  const sampled = t.step.some((s) => s > 1) ? `; every ${t.step.join(" × ")}-th element` : "";
  const img = under
    ? `<div class="overlay"><img class="thumb" src="${under.slice.png}" ${size} alt="${
      esc(`${displayPath(under.image)}: ${under.slice.slice}`)
    }"><img class="thumb labels" src="${t.png}" ${size} alt="${esc(what)}"></div>`
    : `<img class="thumb" src="${t.png}" ${size} alt="${esc(what)}">`;
  return `<figure>${img}<figcaption><b>Slice</b> ${esc(`axes [${t.axes.join(", ")}], ${t.slice}`)}${
    esc(sampled + range)
  }.</figcaption></figure>`;
}
