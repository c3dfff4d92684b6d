/**
 * The labels chart: the largest labels by voxel count.
 *
 * @module
 */
import type { ArrayReport } from "../../model/report.ts";
import { c, esc, num } from "./_text.ts";
import { linearAxis, svg, W } from "./_chart.ts";
import { displayPath, type Labels, type Stats } from "./_fields.ts";

export const TOP_LABELS = 20;

export function labelsChart(a: ArrayReport, l: Labels): { svg: string; notes: string[] } {
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
