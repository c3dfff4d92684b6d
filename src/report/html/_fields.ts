/**
 * Stage results read from a report entry: typed by the stages' own result
 * types, and checked, since a report read back from JSON may hold anything.
 *
 * @module
 */
import type { ArrayReport } from "../../model/report.ts";
import type { HistogramResult } from "../../stages/histogram.ts";
import type { LabelsResult } from "../../stages/labels.ts";
import type { PeakResult } from "../../stages/peaks.ts";
import type { ProfileResult } from "../../stages/profile.ts";
import type { StatsResult } from "../../stages/stats.ts";
import type { Thumbnail, ThumbnailsResult } from "../../stages/thumbnails.ts";

/** The `histogram` stage's result. */
export type Histogram = HistogramResult;

/**
 * A peak as the `peaks` stage reports it; a report read back from JSON may
 * lack the CWT fields (hand-made or older reports), so only the place is sure.
 */
export type PeakMark = Pick<PeakResult, "index" | "position"> & Partial<PeakResult>;

/** One entry of the `profile` stage's `profiles`. */
export type Profile = ProfileResult;

/** The `labels` stage's result. */
export type Labels = LabelsResult;

/** The `stats` stage's result, each field possibly absent in a report read back. */
export type Stats = Partial<StatsResult>;

export const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

export function histogramOf(a: ArrayReport): Histogram | undefined {
  const h = a.histogram;
  if (!isObject(h) || !Array.isArray(h.counts) || h.counts.length === 0) return undefined;
  if (typeof h.min !== "number" || typeof h.binWidth !== "number") return undefined;
  return h as unknown as Histogram;
}

export function peakList(p: unknown): PeakMark[] {
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
export function peakSets(
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

export function profilesOf(a: ArrayReport): Profile[] {
  const p = a.profiles;
  if (!Array.isArray(p)) return [];
  return p.filter((x): x is Profile =>
    isObject(x) && Array.isArray(x.values) && Array.isArray(x.shape)
  );
}

export function labelsOf(a: ArrayReport): Labels | undefined {
  const l = a.labels;
  return isObject(l) && isObject(l.voxels) ? l as unknown as Labels : undefined;
}

export function quantilesOf(a: ArrayReport): { q: string; value: number }[] {
  const q = a.quantiles;
  if (!isObject(q)) return [];
  return Object.entries(q)
    .filter(([k, v]) => k !== "maxError" && typeof v === "number" && Number.isFinite(v))
    .map(([k, v]) => ({ q: k, value: v as number }))
    .sort((x, y) => Number(x.q) - Number(y.q));
}

export function displayPath(a: ArrayReport): string {
  return a.path === "" ? "(root array)" : a.path;
}

export function mbPerSec(a: ArrayReport): number | undefined {
  if (a.chunksTotal === undefined || !(a.seconds > 0) || a.bytes <= 0) return undefined;
  return a.bytes / a.seconds / 1e6;
}

/** The `thumbnails` stage's result, when present and well formed. */
export function thumbnailsOf(a: ArrayReport): ThumbnailsResult | undefined {
  const t = a.thumbnails;
  if (!isObject(t)) return undefined;
  const slices = Array.isArray(t.slices)
    ? t.slices.filter((s): s is Thumbnail =>
      isObject(s) && typeof s.png === "string" && s.png.startsWith("data:image/png;base64,")
    )
    : undefined;
  const sig = t.signal as ThumbnailsResult["signal"];
  const signal = isObject(sig) && Array.isArray(sig.min) && Array.isArray(sig.max)
    ? sig
    : undefined;
  return { ...(slices ? { slices } : {}), ...(signal ? { signal } : {}) };
}
