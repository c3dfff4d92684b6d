/**
 * imzML (mass-spectrometry imaging): the `.imzML` XML describes every pixel's
 * spectrum, the `.ibd` file beside it holds the binary arrays. Both storage
 * modes are read: continuous (IMS:1000030, one m/z array shared by every
 * pixel, read once) and processed (IMS:1000031, an m/z array per pixel).
 * Arrays are uncompressed 32/64-bit floats or integers at the external offsets
 * the XML gives (IMS:1000102/1000103). Each spectrum carries its pixel
 * position (IMS:1000050 x, IMS:1000051 y).
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";
import { params, readSpectrumElements } from "./mzml.ts";
import type { RunSpectrum } from "./run_store.ts";

/** One pixel's spectrum. */
export interface ImzmlSpectrum extends RunSpectrum {
  /** Position in the file, from 0. */
  index: number;
  /** `id` attribute. */
  id: string;
  /** Pixel position. */
  x: number;
  /** Pixel position. */
  y: number;
  /** Peak m/z values (in continuous mode one array, shared by every pixel). */
  mz: Float64Array;
  /** Intensities, in the order of `mz`. */
  intensity: Float64Array;
}

type Params = ReturnType<typeof params>;

const DTYPES: Record<string, { size: number; read: (v: DataView, at: number) => number }> = {
  "MS:1000521": { size: 4, read: (v, at) => v.getFloat32(at, true) }, // 32-bit float
  "MS:1000523": { size: 8, read: (v, at) => v.getFloat64(at, true) }, // 64-bit float
  "MS:1000519": { size: 4, read: (v, at) => v.getInt32(at, true) }, // 32-bit integer
  "MS:1000522": { size: 8, read: (v, at) => Number(v.getBigInt64(at, true)) }, // 64-bit integer
  "IMS:1000141": { size: 4, read: (v, at) => v.getFloat32(at, true) }, // 32-bit float (IMS)
  "IMS:1000142": { size: 8, read: (v, at) => v.getFloat64(at, true) }, // 64-bit float (IMS)
};

/** The referenceableParamGroups of the header: id -> its params. */
function paramGroups(header: string): Map<string, Params> {
  const groups = new Map<string, Params>();
  for (
    const m of header.matchAll(
      /<referenceableParamGroup\b[^>]*\bid="([^"]*)"[^>]*>([\s\S]*?)<\/referenceableParamGroup>/g,
    )
  ) {
    groups.set(m[1], params(m[2]));
  }
  return groups;
}

/** The params of `xml` with the groups it references merged in (its own win). */
function withGroups(xml: string, groups: Map<string, Params>): Params {
  const own = params(xml);
  for (const m of xml.matchAll(/<referenceableParamGroupRef\b[^>]*\bref="([^"]*)"/g)) {
    for (const [k, v] of groups.get(m[1]) ?? []) if (!own.has(k)) own.set(k, v);
  }
  return own;
}

/**
 * Streams the pixel spectra of an imzML file and its `.ibd`. Errors name the
 * file, the spectrum and what is wrong (a missing `.ibd`, an array past its
 * end, an unknown data type, compression).
 *
 * @example
 * ```ts ignore
 * import { readImzml } from "./imzml.ts";
 * for await (const s of readImzml("slide.imzML")) console.log(s.x, s.y, s.mz.length);
 * ```
 */
export async function* readImzml(
  path: string,
  options: { onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<ImzmlSpectrum> {
  const ibdPath = path.replace(/\.imzml$/i, ".ibd");
  let ibd: Deno.FsFile;
  try {
    ibd = await Deno.open(ibdPath);
  } catch (e) {
    throw new LamellaError(
      `${path}: its binary file ${ibdPath} cannot be read (${(e as Error).message})`,
    );
  }
  const ibdSize = (await ibd.stat()).size;
  const shared = new Map<number, Float64Array>(); // continuous mode: the m/z array, read once
  try {
    let groups: Map<string, Params> | undefined;
    let fileCentroided = false;
    for await (const { xml, index, offset, header } of readSpectrumElements(path, options)) {
      if (!groups) {
        groups = paramGroups(header);
        fileCentroided = params(/<fileContent>([\s\S]*?)<\/fileContent>/.exec(header)?.[1] ?? "")
          .has("MS:1000127");
      }
      const where = `${path}: spectrum ${index} (at byte ${offset})`;
      const arraysAt = xml.indexOf("<binaryDataArrayList");
      const outer = withGroups(arraysAt < 0 ? xml : xml.slice(0, arraysAt), groups);
      const position = (acc: string, name: string) => {
        const v = Number(outer.get(acc)?.value ?? NaN);
        if (!Number.isFinite(v)) throw new LamellaError(`${where}: no ${name} (${acc})`);
        return v;
      };
      let mz: Float64Array | undefined;
      let intensity: Float64Array | undefined;
      for (const m of xml.matchAll(/<binaryDataArray\b[\s\S]*?<\/binaryDataArray>/g)) {
        const p = withGroups(m[0], groups);
        const kind = p.has("MS:1000514") ? "mz" : p.has("MS:1000515") ? "intensity" : "other";
        if (kind === "other") continue;
        const values = await readExternal(
          ibd,
          ibdSize,
          p,
          where,
          kind === "mz" ? shared : undefined,
        );
        if (kind === "mz") mz = values;
        else intensity = values;
      }
      if (!mz || !intensity) throw new LamellaError(`${where}: no m/z or no intensity array`);
      if (mz.length !== intensity.length) {
        throw new LamellaError(
          `${where}: ${mz.length} m/z values but ${intensity.length} intensities`,
        );
      }
      const id = /^<spectrum\b[^>]*\bid="([^"]*)"/.exec(xml)?.[1] ?? String(index);
      yield {
        index,
        id,
        x: position("IMS:1000050", "position x"),
        y: position("IMS:1000051", "position y"),
        rt: NaN,
        msLevel: Number(outer.get("MS:1000511")?.value ?? 1),
        precursorMz: NaN,
        tic: Number(outer.get("MS:1000285")?.value ?? NaN),
        basePeakIntensity: Number(outer.get("MS:1000505")?.value ?? NaN),
        centroided: outer.has("MS:1000127") || (fileCentroided && !outer.has("MS:1000128")),
        mz,
        intensity,
      };
    }
  } finally {
    ibd.close();
  }
}

/** One array from the `.ibd` at its external offset (`shared` caches m/z arrays by offset). */
async function readExternal(
  ibd: Deno.FsFile,
  ibdSize: number,
  p: Params,
  where: string,
  shared?: Map<number, Float64Array>,
): Promise<Float64Array> {
  const offset = Number(p.get("IMS:1000102")?.value ?? NaN);
  const length = Number(p.get("IMS:1000103")?.value ?? NaN);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
    throw new LamellaError(`${where}: an array without external offset and length (IMS:1000102/3)`);
  }
  if (!p.has("MS:1000576") && [...p.keys()].some((k) => /^MS:10005(74|7[0-9])$/.test(k))) {
    throw new LamellaError(`${where}: a compressed imzML array; only uncompressed ones are read`);
  }
  const cached = shared?.get(offset);
  if (cached && cached.length === length) return cached;
  const type = Object.keys(DTYPES).find((k) => p.has(k));
  if (!type) throw new LamellaError(`${where}: an array of unknown data type`);
  const { size, read } = DTYPES[type];
  const bytes = length * size;
  if (offset + bytes > ibdSize) {
    throw new LamellaError(
      `${where}: the array at byte ${offset} (${bytes} bytes) runs past the end of the .ibd ` +
        `(${ibdSize} bytes): truncated?`,
    );
  }
  const buf = new Uint8Array(bytes);
  await ibd.seek(offset, Deno.SeekMode.Start);
  for (let at = 0; at < bytes;) {
    const n = await ibd.read(buf.subarray(at));
    if (n === null) throw new LamellaError(`${where}: the .ibd ends at byte ${offset + at}`);
    at += n;
  }
  const view = new DataView(buf.buffer);
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = read(view, i * size);
  shared?.set(offset, values);
  return values;
}
