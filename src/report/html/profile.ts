/**
 * Profile line plots (with their peaks) and the 1-D signal with its CWT peaks.
 *
 * @module
 */
import type { ArrayReport } from "../../model/report.ts";
import { c, niceTicks, niceTop, num } from "./_text.ts";
import {
  frame,
  linearAxis,
  M,
  peakDetail,
  peakMarker,
  peakNote,
  PH,
  PW,
  strongest,
  svg,
} from "./_chart.ts";
import { displayPath, type PeakMark, type Profile } from "./_fields.ts";

/** Min and max per pixel column, in order, so spikes survive downsampling. */
export function envelope(values: (number | null)[]): { i: number; v: number | null }[] {
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

export function profileChart(
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
export function signalPeaksChart(
  a: ArrayReport,
  peaks: PeakMark[],
): { svg: string; notes: string[] } {
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

/**
 * A 1-D signal drawn from its thumbnail envelope (minimum and maximum per
 * column of `step` samples), with its peaks marked where the stage found them.
 */
export function signalChart(
  a: ArrayReport,
  signal: { step: number; min: (number | null)[]; max: (number | null)[] },
  peaks: PeakMark[],
): { svg: string; notes: string[] } {
  const n = a.shape[0] ?? 0;
  const finite = [...signal.min, ...signal.max].filter((v): v is number =>
    v !== null && Number.isFinite(v)
  );
  const lo = Math.min(0, ...finite);
  const hi = niceTop(Math.max(0, ...finite));
  const x = linearAxis(0, Math.max(1, n - 1), M.left, M.left + PW, 6);
  const y = linearAxis(lo, hi, M.top + PH, M.top, 4);
  const band: string[] = [];
  signal.min.forEach((v, col) => {
    const w = signal.max[col];
    if (v === null || w === null) return;
    const px = c(x.map(col * signal.step));
    band.push(`M${px} ${c(y.map(v))}V${c(y.map(w))}`);
  });
  const drawn = strongest(peaks);
  const marks = drawn.map((p) =>
    peakMarker(
      x.map(p.position),
      y.map(p.height ?? hi),
      peakDetail(p, `index ${num(p.position)}`, "samples"),
    )
  );
  const body = frame(x, y, "index along axis 0", "value") +
    `<path class="line" d="${band.join("")}"/>` + marks.join("");
  const notes = [
    signal.step > 1 ? `each column spans ${num(signal.step)} samples (min to max)` : "every sample",
    ...(peaks.length ? [peakNote(peaks.length, drawn.length, "at their positions")] : []),
  ];
  return { svg: svg("signal", `signal of ${displayPath(a)}`, body), notes };
}
