/**
 * MGF (Mascot Generic Format) spectra, the format of GNPS and many spectral
 * libraries: `BEGIN IONS` ... `END IONS` blocks of `KEY=value` lines and
 * `m/z intensity` peak lines. Read as pyteomics and matchms read it: keys
 * are case-insensitive, `PEPMASS` gives the precursor m/z (its first value),
 * comment lines start with `#`, `;`, `!` or `/`, and peaks are sorted by m/z.
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";

/** One spectrum. */
export interface MsSpectrum {
  /** Position in its file, from 0. */
  index: number;
  /** `TITLE`, else `SPECTRUMID`, else `NAME`, else the index. */
  id: string;
  /** Precursor m/z (`PEPMASS`), when given. */
  precursorMz?: number;
  /** Peak m/z values, ascending. */
  mz: Float64Array;
  /** Peak intensities, in the order of `mz`. */
  intensity: Float64Array;
  /** Every `KEY=value` of the block, keys in lower case. */
  params: Record<string, string>;
}

/**
 * Parses MGF text. A malformed peak line, a block without `END IONS` or a
 * peak outside a block is a {@linkcode LamellaError} naming `file`, the line
 * and the spectrum.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseMgf } from "./mgf.ts";
 * const [s] = parseMgf("BEGIN IONS\nTITLE=a\nPEPMASS=183.05 100\n72 5\n70.5 10\nEND IONS\n", "x.mgf");
 * assertEquals([s.id, s.precursorMz, [...s.mz], [...s.intensity]], ["a", 183.05, [70.5, 72], [10, 5]]);
 * ```
 */
export function parseMgf(text: string, file: string): MsSpectrum[] {
  const out: MsSpectrum[] = [];
  let block:
    | { params: Record<string, string>; peaks: [number, number][]; line: number }
    | undefined;
  const lines = text.split(/\r?\n/);
  const fail = (n: number, why: string): never => {
    throw new LamellaError(
      `${file}:${n + 1}: ${why}${
        block ? ` (spectrum ${out.length}, from line ${block.line + 1})` : ""
      }`,
    );
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === "" || /^[#;!/]/.test(line)) continue;
    if (/^BEGIN IONS$/i.test(line)) {
      if (block) fail(n, "BEGIN IONS inside a spectrum: a missing END IONS before it");
      block = { params: {}, peaks: [], line: n };
      continue;
    }
    if (/^END IONS$/i.test(line)) {
      if (!block) fail(n, "END IONS without BEGIN IONS");
      out.push(finish(block!, out.length));
      block = undefined;
      continue;
    }
    if (!block) continue; // global parameters before the first block
    const eq = line.indexOf("=");
    if (eq > 0 && !/^[\d.+-]/.test(line)) {
      block.params[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
      continue;
    }
    const parts = line.split(/\s+/);
    const mz = Number(parts[0]);
    const intensity = parts.length > 1 ? Number(parts[1]) : NaN;
    if (!Number.isFinite(mz) || !Number.isFinite(intensity)) {
      fail(n, `expected a peak line "m/z intensity"; found ${JSON.stringify(line.slice(0, 80))}`);
    }
    block.peaks.push([mz, intensity]);
  }
  if (block) fail(lines.length - 1, "the file ends inside a spectrum (no END IONS): truncated?");
  return out;
}

function finish(
  block: { params: Record<string, string>; peaks: [number, number][] },
  index: number,
): MsSpectrum {
  const peaks = block.peaks.map((p, i) => [p[0], p[1], i] as const)
    .sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  const pepmass = Number(block.params.pepmass?.split(/\s+/)[0]);
  const p = block.params;
  return {
    index,
    id: p.title ?? p.spectrumid ?? p.name ?? String(index),
    ...(Number.isFinite(pepmass) ? { precursorMz: pepmass } : {}),
    mz: Float64Array.from(peaks, (x) => x[0]),
    intensity: Float64Array.from(peaks, (x) => x[1]),
    params: p,
  };
}
