/**
 * MSP (NIST MS Search) spectral libraries, as matchms reads them: blocks of
 * `Key: value` lines, `Num Peaks: N`, then N peaks written one or several
 * to a line (`mz intensity`, `mz intensity; mz intensity;`, `mz:intensity`,
 * optionally followed by a quoted annotation), blocks separated by blank
 * lines. Peaks are sorted by m/z.
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";
import type { MsSpectrum } from "./mgf.ts";

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const PAIR = new RegExp(`(${NUMBER})[\\s:,]+(${NUMBER})`, "g");

/** The peaks on one peak line: annotations in quotes are dropped. */
function peaksOfLine(line: string): [number, number][] {
  const bare = line.replace(/"[^"]*"/g, " ");
  return Array.from(bare.matchAll(PAIR), (m) => [Number(m[1]), Number(m[2])]);
}

/**
 * Parses MSP text. A block whose peak lines hold fewer peaks than its
 * `Num Peaks`, or a peak line outside a block, is a
 * {@linkcode LamellaError} naming `file`, the line and the spectrum.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseMsp } from "./msp.ts";
 * const [s] = parseMsp("Name: ADP\nPrecursorMZ: 428.31\nNum Peaks: 3\n136 999; 135.0 83\n50:7\n", "x.msp");
 * assertEquals([s.id, s.precursorMz, [...s.mz], [...s.intensity]], ["ADP", 428.31, [50, 135, 136], [7, 83, 999]]);
 * ```
 */
export function parseMsp(text: string, file: string): MsSpectrum[] {
  const out: MsSpectrum[] = [];
  const lines = text.split(/\r?\n/);
  let params: Record<string, string> = {};
  let peaks: [number, number][] = [];
  let expected = -1;
  let start = 0;
  const finish = (line: number) => {
    if (expected < 0 && Object.keys(params).length === 0) return;
    const where = `${file}: spectrum ${out.length} (line ${start + 1})`;
    if (expected < 0) throw new LamellaError(`${where}: no "Num Peaks" line`);
    if (peaks.length < expected) {
      throw new LamellaError(
        `${where}: "Num Peaks: ${expected}" but ${peaks.length} peaks before line ${line + 1}`,
      );
    }
    peaks.sort((a, b) => a[0] - b[0]);
    const precursor = params.precursormz ?? params.precursor_mz ?? params.pepmass;
    out.push({
      index: out.length,
      id: params.name ?? params.title ?? String(out.length),
      // As matchms: any number given (0 included) is the precursor m/z.
      ...(precursor !== undefined && Number.isFinite(Number(precursor.trim().split(/\s+/)[0]))
        ? { precursorMz: Number(precursor.trim().split(/\s+/)[0]) }
        : {}),
      mz: Float64Array.from(peaks, (p) => p[0]),
      intensity: Float64Array.from(peaks, (p) => p[1]),
      params,
    });
    params = {};
    peaks = [];
    expected = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") {
      finish(i); // a blank line ends the block (and its peaks must be complete)
      continue;
    }
    if (expected >= 0 && peaks.length < expected) {
      const found = peaksOfLine(line);
      if (found.length === 0) {
        throw new LamellaError(
          `${file}: spectrum ${out.length}, line ${i + 1}: expected peaks ("mz intensity"), ` +
            `found "${line.slice(0, 60)}"`,
        );
      }
      peaks.push(...found);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new LamellaError(`${file}: line ${i + 1}: expected "Key: value", found "${line}"`);
    }
    if (expected >= 0) finish(i); // a new block right after the peaks, without a blank line
    if (Object.keys(params).length === 0) start = i;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "num peaks") {
      expected = Number(value);
      if (!Number.isInteger(expected) || expected < 0) {
        throw new LamellaError(`${file}: line ${i + 1}: "Num Peaks: ${value}" is not a count`);
      }
    } else if (!(key in params)) {
      params[key] = value;
    }
  }
  finish(lines.length);
  return out;
}
