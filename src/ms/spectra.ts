/**
 * Spectra from any file lamella reads, one at a time: mzML and mzXML (also
 * `.gz`), imzML with its `.ibd`, MGF and MSP libraries, and ms-run stores
 * written by `deno task ingest`.
 *
 * @module
 */
import * as zarr from "zarrita";
import { LamellaError } from "../model/errors.ts";
import { parseMgf } from "./mgf.ts";
import { readMzml } from "./mzml.ts";
import { readMzxml } from "./mzxml.ts";
import { readImzml } from "./imzml.ts";
import { parseMsp } from "./msp.ts";
import type { RunSpectrum } from "./run_store.ts";
import { openStore } from "../store/store.ts";

/** One spectrum with where it came from. */
export interface SourceSpectrum extends RunSpectrum {
  /** Position in its file, from 0. */
  index: number;
  /** The file's id or title for it. */
  id: string;
}

/** The formats {@linkcode readSpectra} understands, by file name. */
export function spectrumFormat(
  path: string,
): "mzml" | "mzxml" | "imzml" | "mgf" | "msp" | "ms-run" {
  if (/\.mzml(\.gz)?$/i.test(path)) return "mzml";
  if (/\.mzxml(\.gz)?$/i.test(path)) return "mzxml";
  if (/\.imzml$/i.test(path)) return "imzml";
  if (/\.mgf$/i.test(path)) return "mgf";
  if (/\.msp$/i.test(path)) return "msp";
  if (/\.zarr\/?$/i.test(path)) return "ms-run";
  throw new LamellaError(
    `${path}: unknown spectrum format (expected .mzML, .mzXML (or either .gz), .imzML, .mgf, ` +
      ".msp, or an ms-run .zarr store from deno task ingest)",
  );
}

/**
 * Streams the spectra of `path`. `onBytes` reports the bytes of the file
 * read so far (mzML; MGF reports its size once read).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readSpectra } from "./spectra.ts";
 * const file = await Deno.makeTempFile({ suffix: ".mgf" });
 * await Deno.writeTextFile(file, "BEGIN IONS\nTITLE=a\nPEPMASS=200\n100 5\nEND IONS\n");
 * const [s] = await Array.fromAsync(readSpectra(file));
 * assertEquals([s.id, s.precursorMz, s.msLevel, Array.from(s.mz)], ["a", 200, 2, [100]]);
 * ```
 */
export async function* readSpectra(
  path: string,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<SourceSpectrum> {
  const format = spectrumFormat(path);
  if (format === "mzml") {
    yield* readMzml(path, { onBytes });
  } else if (format === "mzxml") {
    yield* readMzxml(path, { onBytes });
  } else if (format === "imzml") {
    yield* readImzml(path, { onBytes });
  } else if (format === "mgf" || format === "msp") {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new LamellaError(`${path}: cannot read (${(e as Error).message})`);
    }
    onBytes?.(text.length);
    for (const s of format === "mgf" ? parseMgf(text, path) : parseMsp(text, path)) {
      const rt = Number(s.params.rtinseconds ?? NaN);
      const level = Number(s.params.mslevel ?? 2);
      yield {
        index: s.index,
        id: s.id,
        rt,
        msLevel: Number.isFinite(level) ? level : 2,
        precursorMz: s.precursorMz ?? NaN,
        tic: NaN,
        basePeakIntensity: NaN,
        centroided: true,
        mz: s.mz,
        intensity: s.intensity,
      };
    }
  } else {
    yield* readRunStore(path);
  }
}

/** Spectra of an ms-run store, read column by column (the store is not held whole). */
async function* readRunStore(path: string): AsyncGenerator<SourceSpectrum> {
  const store = await openStore(path, {});
  const root = zarr.root(store);
  const group = await zarr.open(root, { kind: "group" }).catch(() => null);
  const attrs = (group?.attrs as { lamella?: { kind?: string; spectra?: number } })?.lamella;
  if (attrs?.kind !== "ms-run") {
    throw new LamellaError(`${path}: not an ms-run store (no "lamella": {"kind": "ms-run"})`);
  }
  const open = (name: string) => zarr.open(root.resolve(name), { kind: "array" });
  const whole = async (name: string) => (await zarr.get(await open(name))).data;
  const offsets = await whole("offsets") as BigUint64Array;
  const [rt, level, precursor, tic, base, centroided] = await Promise.all([
    whole("rt"),
    whole("ms_level"),
    whole("precursor_mz"),
    whole("tic"),
    whole("base_peak_intensity"),
    whole("centroided"),
  ]) as [
    Float64Array,
    Uint8Array,
    Float64Array,
    Float64Array,
    Float64Array,
    ArrayLike<unknown> & { get?: (i: number) => boolean },
  ];
  // zarrita reads bool arrays as a BoolArray (with get), not as indexable bytes.
  const isCentroided = (k: number) => Boolean(centroided.get ? centroided.get(k) : centroided[k]);
  const mz = await open("mz");
  const intensity = await open("intensity");
  // Peaks are read a block of spectra at a time (about 1M peaks), not spectrum by spectrum:
  // a slice decodes whole inner chunks.
  const n = offsets.length - 1;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && Number(offsets[j + 1] - offsets[i]) <= 1 << 20) j++;
    const from = Number(offsets[i]);
    const range = zarr.slice(from, Number(offsets[j]));
    const [m, it] = await Promise.all([zarr.get(mz, [range]), zarr.get(intensity, [range])]);
    const mzBlock = m.data as Float64Array;
    const intensityBlock = it.data as Float32Array;
    for (let k = i; k < j; k++) {
      const a = Number(offsets[k]) - from;
      const b = Number(offsets[k + 1]) - from;
      yield {
        index: k,
        id: String(k),
        rt: rt[k],
        msLevel: level[k],
        precursorMz: precursor[k],
        tic: tic[k],
        basePeakIntensity: base[k],
        centroided: isCentroided(k),
        mz: mzBlock.slice(a, b),
        intensity: Float64Array.from(intensityBlock.subarray(a, b)),
      };
    }
    i = j;
  }
}
