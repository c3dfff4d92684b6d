/**
 * The report as one self-contained HTML page: the environment and plan, a
 * table of every array, and per array a histogram with quantile and peak
 * markers, profile line plots and the largest labels. Everything is inline
 * (CSS and SVG; no scripts, fonts or other network resources), so the page
 * can be mailed, archived or opened from a bucket as it is.
 *
 * @module
 */
import type { ArrayReport, Report } from "../model/report.ts";

// --- text ---------------------------------------------------------------------

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * console.assert(escapeHtml(`a<b & "c"`) === "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const esc = escapeHtml;

/** A number for people: integers whole (grouped by thousands), others to 5 or 7 significant digits. */
function num(x: unknown): string {
  if (x === null || x === undefined) return "–";
  if (typeof x === "string") return x;
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "−Inf";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e15) return group(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e9)) return x.toExponential(3);
  const rounded = Number(x.toPrecision(a >= 1e4 ? 7 : 5));
  return Number.isInteger(rounded) ? group(rounded) : String(rounded);
}

function group(n: number): string {
  const s = String(Math.abs(n));
  const out = s.length > 4 ? s.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : s;
  return n < 0 ? `−${out}` : out;
}

/** Bytes in SI units, as the rest of lamella prints them (MB = 10^6 bytes). */
function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let u = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

function mib(n: number): string {
  return `${(Math.round(n / 2 ** 20 * 10) / 10).toLocaleString("en-US")} MiB`;
}

/**
 * A short tick label: an SI suffix chosen from `magnitude` (the largest tick
 * of the axis, so one axis never mixes "5000" and "10k"), decimals from the
 * step.
 */
function tick(v: number, step: number, magnitude = Math.abs(v)): string {
  if (v === 0) return "0";
  if (magnitude >= 1e15 || magnitude < 1e-3) return v.toExponential(1).replace("e+", "e");
  const units = [[1e12, 1e12, "T"], [1e9, 1e9, "G"], [1e6, 1e6, "M"], [1e4, 1e3, "k"]] as const;
  const [, scale, suffix] = units.find(([from]) => magnitude >= from) ?? [1, 1, ""];
  const digits = Math.min(scale === 1 ? 6 : 3, decimals(step / scale));
  return `${trimZeros((v / scale).toFixed(digits))}${suffix}`.replace("-", "−");
}

/** Decimal places needed to write `step` exactly (0.025 -> 3, 5 -> 0). */
function decimals(step: number): number {
  const s = trimZeros(step.toFixed(10));
  return s.includes(".") ? s.length - s.indexOf(".") - 1 : 0;
}

/** "2.50" -> "2.5", "3.0" -> "3", "10" -> "10". */
function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** About `count` round-numbered ticks (1, 2 or 5 times a power of ten) covering [lo, hi]. */
function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let k = 0; first + k * step <= hi + step * 1e-9; k++) {
    const t = first + k * step;
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return { ticks, step };
}

/** The first round tick at or above `max` (1 when `max` is 0), so bars never touch the top. */
function niceTop(max: number): number {
  if (!(max > 0)) return 1;
  const { step } = niceTicks(0, max, 4);
  return Math.ceil(max / step - 1e-9) * step;
}

/** Coordinates with one decimal: enough for a screen, small in the file. */
function c(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

// --- chart frame --------------------------------------------------------------

const W = 600;
const H = 250;
const M = { left: 60, right: 16, top: 40, bottom: 40 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

interface Axis {
  /** Data value to pixel. */
  map: (v: number) => number;
  ticks: { at: number; label: string }[];
}

function linearAxis(lo: number, hi: number, from: number, to: number, n = 5): Axis {
  const { ticks, step } = niceTicks(lo, hi, n);
  const span = hi - lo || 1;
  const map = (v: number) => from + (v - lo) / span * (to - from);
  const magnitude = Math.max(...ticks.map(Math.abs));
  return { map, ticks: ticks.map((t) => ({ at: map(t), label: tick(t, step, magnitude) })) };
}

/** Log axis from 0.5 (so a count of 1 still shows) to the decade above `hi`. */
function logAxis(hi: number, from: number, to: number): Axis {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(hi, 1)) - 1e-9));
  const lo = Math.log10(0.5);
  const map = (v: number) => v <= 0 ? from : from + (Math.log10(v) - lo) / (top - lo) * (to - from);
  const every = top > 8 ? 2 : 1;
  const ticks = [];
  for (let k = 0; k <= top; k += every) {
    ticks.push({ at: map(10 ** k), label: tick(10 ** k, 10 ** k) });
  }
  return { map, ticks };
}

function frame(x: Axis, y: Axis, xTitle: string, yTitle: string): string {
  const bottom = M.top + PH;
  const parts: string[] = [];
  for (const t of y.ticks) {
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${c(t.at)}" y2="${c(t.at)}"/>`,
      `<text class="tick" x="${M.left - 6}" y="${c(t.at + 3.5)}" text-anchor="end">${
        esc(t.label)
      }</text>`,
    );
  }
  for (const t of x.ticks) {
    parts.push(
      `<line class="axis" x1="${c(t.at)}" x2="${c(t.at)}" y1="${bottom}" y2="${bottom + 4}"/>`,
      `<text class="tick" x="${c(t.at)}" y="${bottom + 16}" text-anchor="middle">${
        esc(t.label)
      }</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${M.left}" x2="${M.left + PW}" y1="${bottom}" y2="${bottom}"/>`,
    `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${bottom}"/>`,
    `<text class="title" x="${M.left + PW / 2}" y="${H - 6}" text-anchor="middle">${
      esc(xTitle)
    }</text>`,
    `<text class="title" transform="translate(13 ${
      M.top + PH / 2
    }) rotate(-90)" text-anchor="middle">${esc(yTitle)}</text>`,
  );
  return parts.join("");
}

function svg(kind: string, label: string, body: string, height = H): string {
  return `<svg class="chart ${kind}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" ` +
    `role="img" aria-label="${esc(label)}">` +
    `<title>${esc(label)}</title>${body}</svg>`;
}

// --- report fields, read defensively (stage results are `unknown` in the type) --

interface Histogram {
  bins: number;
  min: number;
  max: number;
  binWidth: number;
  counts: number[];
  rangeSource?: string;
  below?: number;
  above?: number;
}

interface PeakMark {
  index: number;
  position: number;
  scale?: number;
  snr?: number;
  height?: number;
  fwhm?: number;
  /** Histogram peaks: the data value at the bin centre. */
  value?: number;
}

interface Profile {
  axes: number[];
  reduce: string;
  shape: number[];
  values: (number | null)[];
}

interface Labels {
  distinct: number;
  labelledVoxels: number;
  voxels: Record<string, number>;
  capped?: boolean;
  cap?: number;
}

type Stats = Record<string, number | null | undefined>;

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

function histogramOf(a: ArrayReport): Histogram | undefined {
  const h = a.histogram;
  if (!isObject(h) || !Array.isArray(h.counts) || h.counts.length === 0) return undefined;
  if (typeof h.min !== "number" || typeof h.binWidth !== "number") return undefined;
  return h as unknown as Histogram;
}

function peakList(p: unknown): PeakMark[] {
  if (!Array.isArray(p)) return [];
  return p.filter((x): x is PeakMark => isObject(x) && typeof (x.position ?? x.index) === "number")
    .map((x) => ({ ...x, position: x.position ?? x.index, index: x.index ?? x.position }));
}

/**
 * Sorts an array's peaks by what they index. The `peaks` stage writes `peaks`
 * (and, when a signal stage already took that key, `histogramPeaks` or
 * `profilePeaks`); histogram peaks carry the data `value` of their bin, signal
 * peaks exist only for 1-D arrays, and the rest index the first 1-D profile.
 */
function peakSets(
  a: ArrayReport,
): { histogram: PeakMark[]; profile: PeakMark[]; signal: PeakMark[] } {
  const generic = peakList(a.peaks);
  const onHistogram = generic.length > 0 && generic.every((p) => typeof p.value === "number");
  const rest = onHistogram ? [] : generic;
  const oneD = a.shape.length === 1;
  return {
    histogram: "histogramPeaks" in a ? peakList(a.histogramPeaks) : onHistogram ? generic : [],
    profile: "profilePeaks" in a ? peakList(a.profilePeaks) : oneD ? [] : rest,
    signal: oneD ? rest : [],
  };
}

function peakDetail(p: PeakMark, where: string, unit: string): string {
  return [
    `peak at ${where}`,
    p.snr !== undefined ? `SNR ${num(p.snr)}` : "",
    p.height !== undefined ? `height ${num(p.height)}` : "",
    p.scale !== undefined ? `scale ${num(p.scale)}` : "",
    p.fwhm !== undefined ? `FWHM ${num(p.fwhm)} ${unit}` : "",
  ].filter(Boolean).join(", ");
}

/** Most peaks drawn on one chart; the strongest (by SNR) are kept. */
const MAX_PEAK_MARKS = 300;

function strongest(peaks: PeakMark[]): PeakMark[] {
  if (peaks.length <= MAX_PEAK_MARKS) return peaks;
  return [...peaks].sort((p, q) => (q.snr ?? 0) - (p.snr ?? 0)).slice(0, MAX_PEAK_MARKS);
}

function peakNote(total: number, drawn: number, how: string): string {
  const n = `${num(total)} peak${total === 1 ? "" : "s"}`;
  return drawn < total ? `${n}, the ${drawn} strongest marked ${how}` : `${n} marked ${how}`;
}

function profilesOf(a: ArrayReport): Profile[] {
  const p = a.profiles;
  if (!Array.isArray(p)) return [];
  return p.filter((x): x is Profile =>
    isObject(x) && Array.isArray(x.values) && Array.isArray(x.shape)
  );
}

function labelsOf(a: ArrayReport): Labels | undefined {
  const l = a.labels;
  return isObject(l) && isObject(l.voxels) ? l as unknown as Labels : undefined;
}

function quantilesOf(a: ArrayReport): { q: string; value: number }[] {
  const q = a.quantiles;
  if (!isObject(q)) return [];
  return Object.entries(q)
    .filter(([k, v]) => k !== "maxError" && typeof v === "number" && Number.isFinite(v))
    .map(([k, v]) => ({ q: k, value: v as number }))
    .sort((x, y) => Number(x.q) - Number(y.q));
}

function displayPath(a: ArrayReport): string {
  return a.path === "" ? "(root array)" : a.path;
}

function mbPerSec(a: ArrayReport): number | undefined {
  if (a.chunksTotal === undefined || !(a.seconds > 0) || a.bytes <= 0) return undefined;
  return a.bytes / a.seconds / 1e6;
}

// --- histogram ----------------------------------------------------------------

/** Largest count per pixel column, so 1024+ bins never make more than PW path segments. */
function columns(
  counts: number[],
  from: number,
  to: number,
): { b0: number; b1: number; v: number }[] {
  const n = to - from;
  const per = Math.max(1, Math.ceil(n / PW));
  const out = [];
  for (let b = from; b < to; b += per) {
    let v = 0;
    const end = Math.min(to, b + per);
    for (let i = b; i < end; i++) if (counts[i] > v) v = counts[i];
    out.push({ b0: b, b1: end, v });
  }
  return out;
}

/** Median of the non-zero counts. */
function medianNonZero(counts: number[]): number {
  const nz = counts.filter((x) => x > 0).sort((a, b) => a - b);
  return nz.length ? nz[Math.floor((nz.length - 1) / 2)] : 0;
}

/** Lays labels out in rows so none overlaps its neighbour; returns the row of each. */
function labelRows(xs: number[], widths: number[], maxRows: number): number[] {
  const ends: number[] = [];
  return xs.map((x, i) => {
    const left = x - widths[i] / 2;
    let row = ends.findIndex((end) => end + 4 <= left);
    if (row < 0) row = ends.length < maxRows ? ends.length : ends.indexOf(Math.min(...ends));
    ends[row] = x + widths[i] / 2;
    return row;
  });
}

function histogramChart(a: ArrayReport, h: Histogram): { svg: string; notes: string[] } {
  const counts = h.counts;
  const bins = counts.length;
  let first = counts.findIndex((x) => x > 0);
  let last = bins - 1;
  while (last > 0 && !(counts[last] > 0)) last--;
  const notes: string[] = [];
  if (first < 0) {
    first = 0;
    last = bins - 1;
    notes.push("every bin is empty");
  }
  // Zoom to the occupied bins when most of the range is empty (dtype ranges, outliers).
  let from = 0;
  let to = bins;
  if (last - first + 1 < 0.6 * bins) {
    const pad = Math.max(1, Math.ceil((last - first + 1) * 0.03));
    from = Math.max(0, first - pad);
    to = Math.min(bins, last + 1 + pad);
    notes.push(`bins ${from}–${to - 1} of ${bins} shown; the others are empty`);
  }
  let max = 0;
  for (let i = from; i < to; i++) if (counts[i] > max) max = counts[i];
  const median = medianNonZero(counts);
  const useLog = max > 0 && median > 0 && max / median >= 100;
  notes.push(
    useLog
      ? `log y-axis: the tallest bin holds ${num(max)}, ${
        num(Math.round(max / median))
      }× the median non-empty bin`
      : "linear y-axis",
  );

  const xv = (b: number) => h.min + b * h.binWidth;
  const x = linearAxis(xv(from), xv(to), M.left, M.left + PW, 6);
  const xb = (b: number) => x.map(xv(b));
  const y = useLog
    ? logAxis(max, M.top + PH, M.top)
    : linearAxis(0, niceTop(max), M.top + PH, M.top, 4);

  const base = M.top + PH;
  // A step outline: a vertex pair only where the height changes.
  const path: string[] = [`M${c(xb(from))} ${base}`];
  let level = String(base);
  for (const col of columns(counts, from, to)) {
    const yy = col.v > 0 ? c(y.map(col.v)) : String(base);
    if (yy === level) continue;
    const x0 = c(xb(col.b0));
    path.push(`L${x0} ${level}L${x0} ${yy}`);
    level = yy;
  }
  path.push(`L${c(xb(to))} ${level}L${c(xb(to))} ${base}Z`);

  const marks: string[] = [];
  // Quantiles: dashed lines; those on the same pixel share one line and label,
  // and labels are staggered in rows so close ones stay readable.
  const qs = quantilesOf(a).filter((q) => q.value >= xv(from) && q.value <= xv(to));
  const exactBins = h.binWidth === 1 && Number.isInteger(h.min);
  const groups: { x: number; qs: typeof qs }[] = [];
  for (const q of qs) {
    const qx = x.map(q.value + (exactBins && Number.isInteger(q.value) ? 0.5 : 0));
    const last = groups.at(-1);
    if (last && Math.abs(qx - last.x) < 2) last.qs.push(q);
    else groups.push({ x: qx, qs: [q] });
  }
  const labels = groups.map((g) => `q${g.qs.map((q) => q.q).join(", ")}`);
  const widths = labels.map((l) => l.length * 5.6 + 2);
  const lx = groups.map((g, i) =>
    Math.min(W - widths[i] / 2, Math.max(M.left - 24 + widths[i] / 2, g.x))
  );
  const rows = labelRows(lx, widths, 3);
  groups.forEach((g, i) => {
    const ly = M.top - 7 - rows[i] * 11;
    const title = g.qs.map((q) => `quantile ${q.q} = ${num(q.value)}`).join("; ");
    marks.push(
      `<g class="quantile"><title>${esc(title)}</title>` +
        `<line x1="${c(g.x)}" x2="${c(g.x)}" y1="${M.top}" y2="${base}"/>` +
        `<line class="leader" x1="${c(g.x)}" x2="${c(lx[i])}" y1="${M.top}" y2="${ly + 2}"/>` +
        `<text x="${c(lx[i])}" y="${ly}" text-anchor="middle">${esc(labels[i])}</text></g>`,
    );
  });
  // Peaks: positions are bin indices; a triangle above the bar at each.
  const peaks = peakSets(a).histogram;
  const drawn = strongest(peaks);
  for (const p of drawn) {
    if (p.position < from || p.position >= to) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.round(p.index)));
    const top = counts[bin] > 0 ? y.map(counts[bin]) : base;
    const where = `bin ${num(p.position)} (value ${num(p.value ?? xv(p.position + 0.5))})`;
    marks.push(peakMarker(xb(p.position + 0.5), top, peakDetail(p, where, "bins")));
  }
  if (peaks.length) notes.push(peakNote(peaks.length, drawn.length, "▼"));
  if (h.below || h.above) {
    notes.push(`${num(h.below ?? 0)} values below the range, ${num(h.above ?? 0)} above`);
  }

  const body = frame(
    x,
    y,
    `value (bin width ${num(h.binWidth)}, ${num(h.bins)} bins, range from ${h.rangeSource ?? "?"})`,
    useLog ? "count (log)" : "count",
  ) +
    `<path class="bars" d="${path.join("")}"/>` + marks.join("");
  return { svg: svg("hist", `histogram of ${displayPath(a)}`, body), notes };
}

/** A downward triangle just above (x, top), with the peak's details as its tooltip. */
function peakMarker(x: number, top: number, detail: string): string {
  const ty = Math.max(M.top + 2, top - 3);
  return `<path class="peak" d="M${c(x)} ${c(ty)}l-4 -7h8z"><title>${esc(detail)}</title></path>`;
}

// --- profiles -----------------------------------------------------------------

/** Min and max per pixel column, in order, so spikes survive downsampling. */
function envelope(values: (number | null)[]): { i: number; v: number | null }[] {
  const n = values.length;
  if (n <= PW * 2) return values.map((v, i) => ({ i, v }));
  const per = n / PW;
  const out: { i: number; v: number | null }[] = [];
  for (let col = 0; col < PW; col++) {
    const start = Math.floor(col * per);
    const end = Math.min(n, Math.floor((col + 1) * per));
    let lo = Infinity;
    let hi = -Infinity;
    let loI = start;
    let hiI = start;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) {
        lo = v;
        loI = i;
      }
      if (v > hi) {
        hi = v;
        hiI = i;
      }
    }
    if (lo === Infinity) out.push({ i: start, v: null });
    else if (loI <= hiI) out.push({ i: loI, v: lo }, { i: hiI, v: hi });
    else out.push({ i: hiI, v: hi }, { i: loI, v: lo });
  }
  return out;
}

function profileChart(
  a: ArrayReport,
  p: Profile,
  peaks: PeakMark[],
): { svg?: string; notes: string[] } {
  const rank = a.shape.length;
  const kept = [...Array(rank).keys()].filter((d) => !p.axes.includes(d));
  const axisName = (d: number) => {
    const names = a.multiscale?.axes;
    return Array.isArray(names) && typeof names[d] === "string"
      ? `${names[d]} (axis ${d})`
      : `axis ${d}`;
  };
  const notes: string[] = [];
  if (p.shape.length === 0) {
    return { notes: [`${p.reduce} over every axis: ${num(p.values[0])}`] };
  }
  let values = p.values;
  if (p.shape.length > 1) {
    const row = p.shape[p.shape.length - 1];
    values = values.slice(0, row);
    notes.push(
      `${p.shape.join("×")} profile: the first row is shown (index 0 along ${
        kept.slice(0, -1).map(axisName).join(", ")
      })`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return { notes: [...notes, "no finite values to plot"] };
  if (hi === lo) [lo, hi] = [lo - Math.abs(lo || 1) * 0.05, hi + Math.abs(hi || 1) * 0.05];
  // Widen to whole ticks so the top and bottom of the line have a label.
  const { step } = niceTicks(lo, hi, 4);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const x = linearAxis(0, Math.max(1, values.length - 1), M.left, M.left + PW, 6);
  const y = linearAxis(lo, hi, M.top + PH, M.top, 4);
  const path: string[] = [];
  let pen = false;
  for (const pt of envelope(values)) {
    if (pt.v === null || !Number.isFinite(pt.v)) {
      pen = false;
      continue;
    }
    path.push(`${pen ? "L" : "M"}${c(x.map(pt.i))} ${c(y.map(pt.v))}`);
    pen = true;
  }
  if (values.length > PW * 2) {
    notes.push(`${num(values.length)} points drawn as a min/max envelope`);
  }
  const marks: string[] = [];
  const drawn = strongest(peaks);
  for (const pk of drawn) {
    const i = Math.round(pk.index);
    const v = values[i];
    if (i < 0 || i >= values.length || v === null || !Number.isFinite(v)) continue;
    marks.push(
      peakMarker(
        x.map(pk.position),
        y.map(v),
        peakDetail(pk, `index ${num(pk.position)}`, "samples"),
      ),
    );
  }
  if (peaks.length) notes.push(peakNote(peaks.length, drawn.length, "▼"));
  const along = kept.length ? axisName(kept[kept.length - 1]) : "index";
  const yTitle = p.axes.length ? `${p.reduce} over axes [${p.axes.join(", ")}]` : "value";
  const body = frame(x, y, `index along ${along}`, yTitle) +
    `<path class="line" d="${path.join("")}"/>` + marks.join("");
  return {
    svg: svg("profile", `${p.reduce} profile of ${displayPath(a)} along ${along}`, body),
    notes,
  };
}

/**
 * Peaks of a 1-D signal as sticks at their positions, as high as the signal
 * there: a centroided spectrum when the array is one.
 */
function signalPeaksChart(a: ArrayReport, peaks: PeakMark[]): { svg: string; notes: string[] } {
  const n = a.shape[0] ?? 0;
  const drawn = strongest(peaks);
  const heights = drawn.map((p) => p.height ?? p.snr ?? 1).filter(Number.isFinite);
  const hi = niceTop(Math.max(0, ...heights));
  const lo = Math.min(0, ...heights);
  const x = linearAxis(0, Math.max(1, n - 1), M.left, M.left + PW, 6);
  const y = linearAxis(lo, hi, M.top + PH, M.top, 4);
  const base = y.map(Math.max(lo, 0));
  const sticks: string[] = [];
  const marks: string[] = [];
  for (const p of drawn) {
    const h = p.height ?? p.snr ?? 1;
    if (!Number.isFinite(h)) continue;
    const px = c(x.map(p.position));
    sticks.push(`M${px} ${c(base)}V${c(y.map(h))}`);
    marks.push(
      peakMarker(x.map(p.position), y.map(h), peakDetail(p, `index ${num(p.position)}`, "samples")),
    );
  }
  const along = a.multiscale?.axes?.[0] ? `${a.multiscale.axes[0]} (axis 0)` : "axis 0";
  const body = frame(
    x,
    y,
    `index along ${along}`,
    drawn.some((p) => p.height !== undefined) ? "signal at the peak" : "SNR",
  ) +
    `<path class="stick" d="${sticks.join("")}"/>` + marks.join("");
  const bySnr = [...peaks].sort((p, q) => (q.snr ?? 0) - (p.snr ?? 0)).slice(0, 5);
  const notes = [
    peakNote(peaks.length, drawn.length, "as sticks"),
    `strongest: ${bySnr.map((p) => `${num(p.position)} (SNR ${num(p.snr)})`).join(", ")}`,
  ];
  return { svg: svg("peaks", `peaks of ${displayPath(a)}`, body), notes };
}

// --- labels -------------------------------------------------------------------

const TOP_LABELS = 20;

function labelsChart(a: ArrayReport, l: Labels): { svg: string; notes: string[] } {
  // JSON objects reorder integer-like keys, so "largest first" must be restored here.
  const top = Object.entries(l.voxels)
    .filter(([, v]) => typeof v === "number")
    .sort((x, y) => y[1] - x[1])
    .slice(0, TOP_LABELS);
  const rowH = 18;
  const idWidth = Math.min(170, Math.max(40, ...top.map(([k]) => k.length * 6.6 + 14)));
  const left = idWidth + 10;
  const right = 70;
  const top0 = 10;
  const height = top0 + top.length * rowH + 44;
  const max = Math.max(1, ...top.map(([, v]) => v));
  const x = linearAxis(0, max, left, W - right, 5);
  const parts: string[] = [];
  const bottom = top0 + top.length * rowH;
  for (const t of x.ticks) {
    parts.push(
      `<line class="grid" x1="${c(t.at)}" x2="${c(t.at)}" y1="${top0}" y2="${bottom}"/>`,
      `<text class="tick" x="${c(t.at)}" y="${bottom + 16}" text-anchor="middle">${
        esc(t.label)
      }</text>`,
    );
  }
  top.forEach(([id, v], i) => {
    const yy = top0 + i * rowH;
    const w = x.map(v) - left;
    parts.push(
      `<text class="tick" x="${left - 6}" y="${yy + 13}" text-anchor="end">${esc(id)}</text>`,
      `<rect class="bar" x="${left}" y="${yy + 3}" width="${c(Math.max(1, w))}" height="${
        rowH - 6
      }"><title>label ${esc(id)}: ${esc(num(v))} voxels</title></rect>`,
      `<text class="tick" x="${c(left + w + 4)}" y="${yy + 13}">${esc(num(v))}</text>`,
    );
  });
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${top0}" y2="${bottom}"/>`,
    `<line class="axis" x1="${left}" x2="${W - right}" y1="${bottom}" y2="${bottom}"/>`,
    `<text class="title" x="${(left + W - right) / 2}" y="${height - 6}" text-anchor="middle">` +
      `voxels per label</text>`,
  );
  const count = (a.stats as Stats | undefined)?.count;
  const share = typeof count === "number" && count > 0
    ? ` (${(100 * l.labelledVoxels / count).toPrecision(3)}% of the voxels)`
    : "";
  const notes = [
    `${num(l.distinct)} distinct non-zero labels; ${
      num(l.labelledVoxels)
    } labelled voxels${share}` +
    (l.distinct > top.length ? `; the ${top.length} largest shown` : ""),
  ];
  if (l.capped) notes.push(`the report lists only the ${num(l.cap)} largest labels`);
  return {
    svg: svg("labels", `largest labels of ${displayPath(a)}`, parts.join(""), height),
    notes,
  };
}

// --- page ---------------------------------------------------------------------

const CSS = `
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
svg .bar{fill:#7ea6d8}
svg .quantile line{stroke:#c0392b;stroke-dasharray:3 3;stroke-width:1}
svg .quantile line.leader{stroke-dasharray:none;stroke-width:.6;opacity:.6}
svg .quantile text{font:10px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#c0392b}
svg .peak{fill:#e67e22;stroke:#8a4a0f;stroke-width:.6}
svg .stick{fill:none;stroke:#2f6db5;stroke-width:1.2}
.qs{font-size:12px;margin:2px 0 0}
`.trim();

function envSection(r: Report): string {
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
      } of the limit minus the runtime's own memory)</span>`,
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

const COLUMNS = [
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

function dims(xs: number[]): string {
  return xs.length ? xs.join("×") : "()";
}

/** Escaped path text that may wrap after a slash but not inside a name. */
function breakable(path: string): string {
  return path.split("/").map(esc).join("/<wbr>");
}

/** The planner's reason without the strategy it starts with (the badge says it). */
function reasonText(a: ArrayReport): string {
  const prefix = `${a.strategy}: `;
  return a.reason.startsWith(prefix) ? a.reason.slice(prefix.length) : a.reason;
}

function tableSection(r: Report): string {
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
      ...["min", "max", "mean", "std", "nanCount"].map((k) =>
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

function arraySection(a: ArrayReport, i: number): string {
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
  if (peaks.signal.length && !signalOnProfile) {
    const { svg, notes } = signalPeaksChart(a, peaks.signal);
    figs.push(
      `<figure>${svg}<figcaption><b>Peaks.</b> ${esc(notes.join("; "))}.</figcaption></figure>`,
    );
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

/**
 * Renders a report as one self-contained HTML page (inline CSS and SVG, no
 * scripts or network resources). Pure: no I/O; writing the file is the
 * caller's.
 *
 * @example
 * ```ts
 * import { renderReportHtml } from "./html.ts";
 * const html = renderReportHtml({
 *   version: "0.1.0", startedAt: "2026-01-01T00:00:00.000Z", seconds: 1, source: "a<b>.zarr",
 *   environment: {
 *     memoryLimitBytes: 2 ** 30, memorySource: "system", cgroupPath: null, budgetBytes: 6e8,
 *     cpuLimit: null, workers: 1, runtime: "deno", os: "linux", cores: 1, limits: {}, warnings: [],
 *   },
 *   arrays: [],
 * });
 * console.assert(html.startsWith("<!doctype html>") && html.includes("a&lt;b&gt;.zarr"));
 * ```
 */
export function renderReportHtml(report: Report): string {
  const failed = report.arrays.filter((a) => a.error).length;
  const summary = `${report.arrays.length} array${report.arrays.length === 1 ? "" : "s"}` +
    (failed ? `, <span class="error">${failed} failed</span>` : ", all processed") +
    ` in ${esc(report.seconds.toFixed(2))} s · started ${esc(report.startedAt)} · lamella ${
      esc(report.version)
    }`;
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
${report.arrays.map(arraySection).join("\n")}
</body></html>
`;
}
