/**
 * mzML 1.1 spectra, streamed: the file (plain or `.gz`, indexed or not) is
 * read in pieces and each `<spectrum>` is decoded as soon as it is complete,
 * so memory holds one spectrum, not the run. Binary arrays are base64, with
 * zlib compression or none, 32- or 64-bit floats, or MS-Numpress (linear, pic,
 * slof, each also followed by zlib; src/ms/numpress.ts).
 *
 * A fault (a truncated file, a bad base64 block, an unknown compression) is
 * a {@linkcode LamellaError} naming the file, the spectrum index and the
 * byte offset; the spectra before it have been yielded already.
 *
 * @module
 */
import * as zlib from "node:zlib";
import { Buffer } from "node:buffer";
import { decodeLinear, decodePic, decodeSlof } from "./numpress.ts";
import { LamellaError } from "../model/errors.ts";

/** One spectrum of an mzML run. */
export interface MzmlSpectrum {
  /** `index` attribute (position in the run). */
  index: number;
  /** `id` attribute, e.g. `scan=1011`. */
  id: string;
  /** MS level (MS:1000511). */
  msLevel: number;
  /** Scan start time in seconds (MS:1000016, minutes converted), NaN when absent. */
  rt: number;
  /** Whether the spectrum is centroided (MS:1000127) rather than profile (MS:1000128). */
  centroided: boolean;
  /** Selected ion m/z of the first precursor (MS:1000744), NaN when none. */
  precursorMz: number;
  /** Total ion current (MS:1000285 or the userParam), NaN when absent. */
  tic: number;
  /** Base peak intensity (MS:1000505 or the userParam), NaN when absent. */
  basePeakIntensity: number;
  mz: Float64Array;
  intensity: Float64Array;
}

/** MS-Numpress accessions: the decoder, and whether zlib was applied after it. */
const NUMPRESS: Record<
  string,
  { name: string; decode: (b: Uint8Array) => Float64Array; zlib: boolean }
> = {
  "MS:1002312": { name: "MS-Numpress linear", decode: decodeLinear, zlib: false },
  "MS:1002313": { name: "MS-Numpress positive integer", decode: decodePic, zlib: false },
  "MS:1002314": { name: "MS-Numpress short logged float", decode: decodeSlof, zlib: false },
  "MS:1002746": { name: "MS-Numpress linear followed by zlib", decode: decodeLinear, zlib: true },
  "MS:1002747": {
    name: "MS-Numpress positive integer followed by zlib",
    decode: decodePic,
    zlib: true,
  },
  "MS:1002748": {
    name: "MS-Numpress short logged float followed by zlib",
    decode: decodeSlof,
    zlib: true,
  },
};

interface Where {
  file: string;
  index: number;
  offset: number;
}

const fail = (w: Where, why: string): never => {
  throw new LamellaError(`${w.file}: spectrum ${w.index} (at byte ${w.offset}): ${why}`);
};

/** `accession -> value` of the cvParams (and `name -> value` of the userParams) in `xml`. */
export function params(xml: string): Map<string, { value: string; unit?: string }> {
  const out = new Map<string, { value: string; unit?: string }>();
  for (const m of xml.matchAll(/<(cvParam|userParam)\b([^>]*)\/?>/g)) {
    const attrs = m[2];
    const key = /\baccession="([^"]*)"/.exec(attrs)?.[1] ?? /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!key || out.has(key)) continue;
    out.set(key, {
      value: /\bvalue="([^"]*)"/.exec(attrs)?.[1] ?? "",
      unit: /\bunitAccession="([^"]*)"/.exec(attrs)?.[1],
    });
  }
  return out;
}

function decodeArray(
  xml: string,
  length: number,
  w: Where,
): { kind: string; values: Float64Array } {
  const p = params(xml.slice(0, xml.indexOf("<binary>")));
  const kind = p.has("MS:1000514") ? "mz" : p.has("MS:1000515") ? "intensity" : "other";
  const numpress = Object.entries(NUMPRESS).find(([acc]) => p.has(acc));
  const zlibbed = numpress ? numpress[1].zlib : p.has("MS:1000574");
  if (!numpress && !zlibbed && !p.has("MS:1000576")) {
    const known = [...p.keys()].filter((k) => k.startsWith("MS:100")).join(", ");
    fail(w, `the binary array's compression is neither zlib, MS-Numpress nor none (${known})`);
  }
  const bits = p.has("MS:1000523") ? 64 : p.has("MS:1000521") ? 32 : 0;
  if (!bits && !numpress) fail(w, "the binary array is neither 32- nor 64-bit float");
  let text = /<binary>([^<]*)<\/binary>/.exec(xml)?.[1] ?? "";
  if (/\s/.test(text)) text = text.replace(/\s+/g, "");
  let bytes: Uint8Array = Buffer.from(text, "base64");
  // Node's decoder skips characters outside the alphabet: a damaged block decodes to fewer
  // bytes than its length promises (checked this way, not by a regex over every character).
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (text.length % 4 !== 0 || bytes.length !== (text.length / 4) * 3 - padding) {
    return fail(w, "a binary array is not valid base64");
  }
  if (zlibbed) {
    try {
      bytes = zlib.inflateSync(bytes);
    } catch (e) {
      return fail(w, `a zlib-compressed array does not inflate (${(e as Error).message})`);
    }
  }
  if (numpress) {
    const [acc, { name, decode }] = numpress;
    let values: Float64Array;
    try {
      values = decode(bytes);
    } catch (e) {
      return fail(w, `a ${name} (${acc}) array does not decode (${(e as Error).message})`);
    }
    if (values.length !== length) {
      fail(w, `a ${kind} array holds ${values.length} values, defaultArrayLength says ${length}`);
    }
    return { kind, values };
  }
  const size = bits / 8;
  if (bytes.length !== length * size) {
    fail(
      w,
      `a ${kind} array holds ${bytes.length / size} values, defaultArrayLength says ${length}`,
    );
  }
  // Little-endian floats, viewed in place once aligned (a copy of the bytes when not).
  if (bytes.byteOffset % size !== 0) bytes = new Uint8Array(bytes);
  const floats = bits === 64
    ? new Float64Array(bytes.buffer, bytes.byteOffset, length)
    : new Float32Array(bytes.buffer, bytes.byteOffset, length);
  const values = new Float64Array(length);
  values.set(floats);
  return { kind, values };
}

/** Decodes one complete `<spectrum ...>...</spectrum>` element. */
export function parseSpectrum(xml: string, w: Where): MzmlSpectrum {
  const head = /^<spectrum\b([^>]*)>/.exec(xml)?.[1] ?? "";
  const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(head)?.[1];
  const index = Number(attr("index") ?? w.index);
  const length = Number(attr("defaultArrayLength") ?? 0);
  const where = { ...w, index };
  const arraysAt = xml.indexOf("<binaryDataArrayList");
  const outer = params(arraysAt < 0 ? xml : xml.slice(0, arraysAt));
  const number = (...keys: string[]) => {
    for (const k of keys) {
      const v = outer.get(k);
      if (v && v.value !== "") return Number(v.value);
    }
    return NaN;
  };
  const rtParam = outer.get("MS:1000016");
  const rt = rtParam ? Number(rtParam.value) * (rtParam.unit === "UO:0000031" ? 60 : 1) : NaN;
  const precursor = /<selectedIon\b[\s\S]*?<\/selectedIon>/.exec(xml)?.[0];
  let mz: Float64Array = new Float64Array(0);
  let intensity: Float64Array = new Float64Array(0);
  for (const m of xml.matchAll(/<binaryDataArray\b[\s\S]*?<\/binaryDataArray>/g)) {
    const a = decodeArray(m[0], length, where);
    if (a.kind === "mz") mz = a.values;
    else if (a.kind === "intensity") intensity = a.values;
  }
  if (mz.length !== intensity.length) fail(where, "m/z and intensity arrays differ in length");
  return {
    index,
    id: attr("id") ?? String(index),
    msLevel: number("MS:1000511"),
    rt,
    centroided: outer.has("MS:1000127"),
    precursorMz: precursor ? Number(params(precursor).get("MS:1000744")?.value ?? NaN) : NaN,
    tic: number("MS:1000285", "total ion current"),
    basePeakIntensity: number("MS:1000505", "base peak intensity"),
    mz,
    intensity,
  };
}

/**
 * Streams the spectra of an mzML file (`.gz` is decompressed on the fly).
 * `options.onBytes` is called with the bytes of the file read so far.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readMzml } from "./mzml.ts";
 * const bin = (xs: number[]) => btoa(String.fromCharCode(...new Uint8Array(Float64Array.from(xs).buffer)));
 * const array = (acc: string, xs: number[]) =>
 *   `<binaryDataArray><cvParam accession="${acc}"/><cvParam accession="MS:1000523"/>` +
 *   `<cvParam accession="MS:1000576"/><binary>${bin(xs)}</binary></binaryDataArray>`;
 * const file = Deno.makeTempFileSync({ suffix: ".mzML" });
 * Deno.writeTextFileSync(file, `<mzML><run><spectrumList>
 *   <spectrum index="0" id="scan=1" defaultArrayLength="2"><cvParam accession="MS:1000511" value="1"/>
 *   <binaryDataArrayList>${array("MS:1000514", [100, 200])}${array("MS:1000515", [5, 7])}</binaryDataArrayList>
 *   </spectrum></spectrumList></run></mzML>`);
 * const spectra = await Array.fromAsync(readMzml(file));
 * assertEquals([spectra[0].id, spectra[0].msLevel, [...spectra[0].mz]], ["scan=1", 1, [100, 200]]);
 * ```
 */
export async function* readMzml(
  path: string,
  options: { onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<MzmlSpectrum> {
  for await (const { xml, index, offset } of readSpectrumElements(path, options)) {
    yield parseSpectrum(xml, { file: path, index, offset });
  }
}

/** One `<spectrum>` element as text, with where it is. */
export interface SpectrumElement {
  /** The element, `<spectrum ...>` to `</spectrum>`. */
  xml: string;
  /** Its position among the file's spectra, from 0. */
  index: number;
  /** Its offset in the decoded text (bytes for ASCII files). */
  offset: number;
  /** Everything before the first spectrum (the header: param groups, file content). */
  header: string;
}

/** Most of the header kept for {@linkcode SpectrumElement.header}. */
const MAX_HEADER = 16 << 20;

/**
 * Streams the `<spectrum>` elements of an mzML-like file (mzML, imzML; `.gz`
 * decompressed on the fly), holding one element at a time. A file that ends
 * inside an element is an error naming it, after the ones before it were
 * yielded. `options.onBytes` is called with the bytes of the file read so far.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readSpectrumElements } from "./mzml.ts";
 * const file = Deno.makeTempFileSync({ suffix: ".mzML" });
 * Deno.writeTextFileSync(file, '<mzML><x a="1"/><spectrum id="a"></spectrum><spectrum id="b"></spectrum></mzML>');
 * const all = await Array.fromAsync(readSpectrumElements(file));
 * assertEquals(all.map((e) => [e.index, e.header]), [[0, '<mzML><x a="1"/>'], [1, '<mzML><x a="1"/>']]);
 * ```
 */
export async function* readSpectrumElements(
  path: string,
  options: { onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<SpectrumElement> {
  const file = await Deno.open(path);
  let stream: ReadableStream<Uint8Array> = file.readable;
  if (options.onBytes) {
    // Bytes of the file itself (compressed, for .gz), for progress against its size.
    let read = 0;
    const report = options.onBytes;
    stream = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          read += chunk.length;
          report(read);
          out.enqueue(chunk);
        },
      }),
    );
  }
  if (/\.gz$/i.test(path)) {
    stream = stream.pipeThrough(
      new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
  }
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let header = "";
  let consumed = 0; // characters before `buffer` (an offset in the decoded text)
  let count = 0;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (value) buffer += value;
      for (;;) {
        const start = buffer.indexOf("<spectrum ");
        if (start < 0) {
          // Keep a tail that could hold the start of a tag.
          const keep = Math.max(0, buffer.length - 16);
          if (count === 0 && header.length < MAX_HEADER) header += buffer.slice(0, keep);
          consumed += keep;
          buffer = buffer.slice(keep);
          break;
        }
        if (count === 0 && header.length < MAX_HEADER && consumed + start > header.length) {
          header += buffer.slice(0, start);
        }
        const end = buffer.indexOf("</spectrum>", start);
        if (end < 0) {
          consumed += start;
          buffer = buffer.slice(start);
          break;
        }
        const xml = buffer.slice(start, end + "</spectrum>".length);
        yield { xml, index: count, offset: consumed + start, header };
        count++;
        consumed += end + "</spectrum>".length;
        buffer = buffer.slice(end + "</spectrum>".length);
      }
      if (done) break;
    }
  } catch (e) {
    if (e instanceof LamellaError) throw e;
    throw new LamellaError(
      `${path}: spectrum ${count} (at byte ${consumed}): cannot read (${(e as Error).message})`,
    );
  } finally {
    await reader.cancel().catch(() => {}); // closes the file, also when the caller stops early
  }
  if (buffer.includes("<spectrum ")) {
    throw new LamellaError(
      `${path}: spectrum ${count} (at byte ${consumed}): the file ends inside the spectrum: ` +
        `truncated? (the ${count} spectra before it were read)`,
    );
  }
}
