/**
 * The pictures of a mass-spectrometry run (`peaks: {on: spectra}` on an
 * ms-run store): the TIC and base-peak chromatogram, and one spectrum (the
 * highest TIC) with its peaks marked in m/z.
 *
 * @module
 */
import type { ArrayReport } from "../../model/report.ts";
import { c, esc, niceTop, num } from "./_text.ts";
import { frame, linearAxis, M, peakMarker, PH, PW, svg } from "./_chart.ts";
import { isObject } from "./_fields.ts";
import type { SpectraPeaks } from "../../stages/mod.ts";

function spectraPeaksOf(a: ArrayReport): SpectraPeaks | undefined {
  const p = a.peaks;
  return isObject(p) && p.on === "spectra" ? p as unknown as SpectraPeaks : undefined;
}

function line(xs: number[], ys: number[], x: (v: number) => number, y: (v: number) => number) {
  return xs.map((v, i) => `${i ? "L" : "M"}${c(x(v))} ${c(y(ys[i]))}`).join("");
}

function chromatogramChart(a: ArrayReport, ch: NonNullable<SpectraPeaks["chromatogram"]>) {
  const useRt = ch.rt.every((v) => v !== null);
  const xs = useRt ? ch.rt as number[] : ch.tic.map((_, i) => i);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const top = niceTop(Math.max(0, ...ch.tic));
  const x = linearAxis(lo, hi === lo ? lo + 1 : hi, M.left, M.left + PW, 6);
  const y = linearAxis(0, top, M.top + PH, M.top, 4);
  const body = frame(x, y, useRt ? "retention time (s)" : "spectrum", "intensity") +
    `<path class="line" d="${line(xs, ch.tic, x.map, y.map)}"/>` +
    `<path class="line2" d="${line(xs, ch.basePeak, x.map, y.map)}"/>` +
    `<text class="legend" x="${M.left + PW - 150}" y="${M.top - 12}">— TIC</text>` +
    `<text class="legend" x="${M.left + PW - 90}" y="${
      M.top - 12
    }" fill="#c0392b">— base peak</text>`;
  const notes = [
    `TIC and base peak of ${num(ch.of)} spectra over retention time`,
    ch.of > ch.tic.length ? `${ch.tic.length} points: the highest TIC of each bucket` : "",
  ].filter(Boolean);
  return {
    svg: svg("chromatogram", `TIC and base peak chromatogram of ${a.path}`, body),
    notes,
  };
}

function spectrumChart(a: ArrayReport, p: SpectraPeaks) {
  const ex = p.example!;
  const rows = new Map(p.bySpectrum).get(ex.spectrum) ?? [];
  const lo = Math.min(...ex.mz);
  const hi = Math.max(...ex.mz);
  const top = niceTop(Math.max(0, ...ex.intensity));
  const x = linearAxis(lo, hi === lo ? lo + 1 : hi, M.left, M.left + PW, 6);
  const y = linearAxis(0, top, M.top + PH, M.top, 4);
  const drawing = ex.centroided
    ? `<path class="stick" d="${
      ex.mz.map((m, i) => `M${c(x.map(m))} ${c(y.map(0))}V${c(y.map(ex.intensity[i]))}`).join("")
    }"/>`
    : `<path class="line" d="${line(ex.mz, ex.intensity, x.map, y.map)}"/>`;
  // The 40 most intense peaks are marked (more overlap at this width); all are in report.json.
  const marked = [...rows].sort((p, q) => q[1] - p[1]).slice(0, 40);
  const marks = marked
    .map((r) => {
      return peakMarker(
        x.map(r[0]),
        y.map(r[1]),
        `peak at m/z ${num(r[0])}, intensity ${num(r[1])}, area ${num(r[2])}, ` +
          `FWHM ${num(r[3])} m/z, SNR ${num(r[4])}`,
      );
    });
  const body = frame(x, y, "m/z", "intensity") + drawing + marks.join("");
  const notes = [
    `spectrum ${ex.spectrum} (the highest TIC${ex.centroided ? ", centroided" : ""})`,
    ex.of > ex.mz.length ? `${num(ex.of)} points drawn as a min/max envelope` : "",
    rows.length
      ? `${rows.length} peaks, the ${marked.length} most intense marked ▼ (hover for m/z, area, FWHM)`
      : "",
  ].filter(Boolean);
  return { svg: svg("spectrum", `spectrum ${ex.spectrum} of ${a.path}`, body), notes };
}

/**
 * The figures of an ms-run's spectrum peaks (none when `a` has no `peaks: {on: spectra}`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { spectraFigures } from "./ms_run.ts";
 * assertEquals(spectraFigures({ path: "x", peaks: [] } as never), []);
 * ```
 */
export function spectraFigures(a: ArrayReport): string[] {
  const p = spectraPeaksOf(a);
  if (!p) return [];
  const figs: string[] = [];
  const summary = `${num(p.count)} peaks in ${num(p.profile)} profile spectra` +
    (p.centroided ? `; ${num(p.centroided)} centroided spectra passed through` : "");
  // A chromatogram needs more than one spectrum (a MALDI run is often one).
  if (p.chromatogram && p.chromatogram.of > 1) {
    const { svg, notes } = chromatogramChart(a, p.chromatogram);
    figs.push(
      `<figure>${svg}<figcaption><b>Chromatogram.</b> ${
        esc(notes.join("; "))
      }.</figcaption></figure>`,
    );
  }
  if (p.example) {
    const { svg, notes } = spectrumChart(a, p);
    figs.push(
      `<figure>${svg}<figcaption><b>Spectrum.</b> ${esc(notes.join("; "))}. ${
        esc(summary)
      }.</figcaption></figure>`,
    );
  }
  return figs;
}
