/**
 * The histogram chart: bars on a linear or log scale, quantile lines and
 * histogram peaks.
 *
 * @module
 */
import type { ArrayReport } from "../../model/report.ts";
import { c, esc, niceTop, num } from "./_text.ts";
import {
  frame,
  linearAxis,
  logAxis,
  M,
  peakDetail,
  peakMarker,
  peakNote,
  PH,
  PW,
  strongest,
  svg,
  W,
} from "./_chart.ts";
import { displayPath, type Histogram, peakSets, quantilesOf } from "./_fields.ts";

/** Largest count per pixel column, so 1024+ bins never make more than PW path segments. */
export function columns(
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
export function medianNonZero(counts: number[]): number {
  const nz = counts.filter((x) => x > 0).sort((a, b) => a - b);
  return nz.length ? nz[Math.floor((nz.length - 1) / 2)] : 0;
}

/** Lays labels out in rows so none overlaps its neighbour; returns the row of each. */
export function labelRows(xs: number[], widths: number[], maxRows: number): number[] {
  const ends: number[] = [];
  return xs.map((x, i) => {
    const left = x - widths[i] / 2;
    let row = ends.findIndex((end) => end + 4 <= left);
    if (row < 0) row = ends.length < maxRows ? ends.length : ends.indexOf(Math.min(...ends));
    ends[row] = x + widths[i] / 2;
    return row;
  });
}

export function histogramChart(a: ArrayReport, h: Histogram): { svg: string; notes: string[] } {
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
