/**
 * The SVG chart frame shared by every chart: size, axes, ticks, peak markers.
 *
 * @module
 */
import { c, esc, niceTicks, num, tick } from "./_text.ts";
import type { PeakMark } from "./_fields.ts";

export const W = 600;
export const H = 250;
export const M = { left: 60, right: 16, top: 40, bottom: 40 };
export const PW = W - M.left - M.right;
export const PH = H - M.top - M.bottom;

export interface Axis {
  /** Data value to pixel. */
  map: (v: number) => number;
  ticks: { at: number; label: string }[];
}

export function linearAxis(lo: number, hi: number, from: number, to: number, n = 5): Axis {
  const { ticks, step } = niceTicks(lo, hi, n);
  const span = hi - lo || 1;
  const map = (v: number) => from + (v - lo) / span * (to - from);
  const magnitude = Math.max(...ticks.map(Math.abs));
  return { map, ticks: ticks.map((t) => ({ at: map(t), label: tick(t, step, magnitude) })) };
}

/** Log axis from 0.5 (so a count of 1 still shows) to the decade above `hi`. */
export function logAxis(hi: number, from: number, to: number): Axis {
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

export function frame(x: Axis, y: Axis, xTitle: string, yTitle: string): string {
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

export function svg(kind: string, label: string, body: string, height = H): string {
  return `<svg class="chart ${kind}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" ` +
    `role="img" aria-label="${esc(label)}">` +
    `<title>${esc(label)}</title>${body}</svg>`;
}

export function peakDetail(p: PeakMark, where: string, unit: string): string {
  return [
    `peak at ${where}`,
    p.snr !== undefined ? `SNR ${num(p.snr)}` : "",
    p.height !== undefined ? `height ${num(p.height)}` : "",
    p.scale !== undefined ? `scale ${num(p.scale)}` : "",
    p.fwhm !== undefined ? `FWHM ${num(p.fwhm)} ${unit}` : "",
  ].filter(Boolean).join(", ");
}

/** Most peaks drawn on one chart; the strongest (by SNR) are kept. */
export const MAX_PEAK_MARKS = 300;

export function strongest(peaks: PeakMark[]): PeakMark[] {
  if (peaks.length <= MAX_PEAK_MARKS) return peaks;
  return [...peaks].sort((p, q) => (q.snr ?? 0) - (p.snr ?? 0)).slice(0, MAX_PEAK_MARKS);
}

export function peakNote(total: number, drawn: number, how: string): string {
  const n = `${num(total)} peak${total === 1 ? "" : "s"}`;
  return drawn < total ? `${n}, the ${drawn} strongest marked ${how}` : `${n} marked ${how}`;
}

/** A downward triangle just above (x, top), with the peak's details as its tooltip. */
export function peakMarker(x: number, top: number, detail: string): string {
  const ty = Math.max(M.top + 2, top - 3);
  return `<path class="peak" d="M${c(x)} ${c(ty)}l-4 -7h8z"><title>${esc(detail)}</title></path>`;
}
