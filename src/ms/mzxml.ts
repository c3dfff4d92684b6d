/**
 * mzXML 2.x/3.x, streamed scan by scan: `<scan>` attributes (`num`,
 * `msLevel`, `retentionTime` as an xs:duration, `centroided`,
 * `totIonCurrent`, `basePeakIntensity`), the first `<precursorMz>`, and the
 * `<peaks>` block (base64, network byte order, 32- or 64-bit, m/z and
 * intensity interleaved, zlib or no compression). MS2 scans nested inside
 * their MS1 scan (older writers) are read in document order.
 *
 * @module
 */
import * as zlib from "node:zlib";
import { Buffer } from "node:buffer";
import { LamellaError } from "../model/errors.ts";
import type { MzmlSpectrum } from "./mzml.ts";

interface Where {
  file: string;
  index: number;
  offset: number;
}

const fail = (w: Where, why: string): never => {
  throw new LamellaError(`${w.file}: scan ${w.index} (at byte ${w.offset}): ${why}`);
};

/** Seconds of an xs:duration such as `PT348.146S` or `PT5M48.1S` (NaN when absent). */
function seconds(duration: string | undefined): number {
  if (!duration) return NaN;
  const m =
    /^-?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/
      .exec(duration.trim());
  if (!m) return Number(duration); // some writers put plain seconds
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

/** Decodes one `<scan ...> ... </peaks>` span (its nested scans excluded). */
export function parseScan(xml: string, w: Where, dataCentroided: boolean): MzmlSpectrum {
  const head = /^<scan\b([^>]*)>/.exec(xml)?.[1] ?? "";
  const attr = (s: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(s)?.[1];
  const peaksTag = /<peaks\b([^>]*)>([^<]*)<\/peaks>/.exec(xml);
  if (!peaksTag) fail(w, "no <peaks> element");
  const [, peakAttrs, body] = peaksTag!;
  const count = Number(attr(head, "peaksCount") ?? NaN);
  const precision = Number(attr(peakAttrs, "precision") ?? 32);
  if (precision !== 32 && precision !== 64) fail(w, `peaks precision ${precision} is not 32 or 64`);
  const order = attr(peakAttrs, "pairOrder") ?? attr(peakAttrs, "contentType") ?? "m/z-int";
  if (!/^m\/z-int/.test(order)) fail(w, `peaks pairOrder "${order}" is not m/z-int`);
  const compression = attr(peakAttrs, "compressionType") ?? "none";
  if (compression !== "none" && compression !== "zlib") {
    fail(w, `peaks compressionType "${compression}" is neither zlib nor none`);
  }
  const text = body.replace(/\s+/g, "");
  let bytes: Uint8Array = Buffer.from(text, "base64");
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (text.length % 4 !== 0 || bytes.length !== (text.length / 4) * 3 - padding) {
    fail(w, "the peaks are not valid base64");
  }
  if (compression === "zlib" && bytes.length > 0) {
    try {
      bytes = zlib.inflateSync(bytes);
    } catch (e) {
      fail(w, `zlib-compressed peaks do not inflate (${(e as Error).message})`);
    }
  }
  const size = precision / 8;
  const n = bytes.length / (2 * size);
  if (!Number.isInteger(n)) fail(w, `${bytes.length} bytes of peaks are not whole m/z-int pairs`);
  if (Number.isFinite(count) && count !== n) {
    fail(w, `peaksCount says ${count}, the peaks hold ${n}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mz = new Float64Array(n);
  const intensity = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Network byte order (big-endian).
    mz[i] = size === 8 ? view.getFloat64(16 * i) : view.getFloat32(8 * i);
    intensity[i] = size === 8 ? view.getFloat64(16 * i + 8) : view.getFloat32(8 * i + 4);
  }
  const precursor = /<precursorMz\b[^>]*>\s*([^<\s]+)\s*<\/precursorMz>/.exec(xml)?.[1];
  const centroided = attr(head, "centroided");
  const num = attr(head, "num");
  return {
    index: w.index,
    id: num !== undefined ? `scan=${num}` : String(w.index),
    msLevel: Number(attr(head, "msLevel") ?? 1),
    rt: seconds(attr(head, "retentionTime")),
    centroided: centroided !== undefined ? centroided === "1" : dataCentroided,
    precursorMz: precursor !== undefined ? Number(precursor) : NaN,
    tic: Number(attr(head, "totIonCurrent") ?? NaN),
    basePeakIntensity: Number(attr(head, "basePeakIntensity") ?? NaN),
    mz,
    intensity,
  };
}

/**
 * Streams the scans of an mzXML file (`.gz` is decompressed on the fly).
 * A file that ends inside a scan is an error naming the scan and offset,
 * after the scans before it were yielded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readMzxml } from "./mzxml.ts";
 * const be = new DataView(new ArrayBuffer(8));
 * be.setFloat32(0, 100.5); be.setFloat32(4, 7);
 * const peaks = btoa(String.fromCharCode(...new Uint8Array(be.buffer)));
 * const file = Deno.makeTempFileSync({ suffix: ".mzXML" });
 * Deno.writeTextFileSync(file, `<mzXML><msRun><scan num="3" msLevel="1" peaksCount="1" ` +
 *   `retentionTime="PT1M30S"><peaks precision="32" byteOrder="network" pairOrder="m/z-int">` +
 *   `${peaks}</peaks></scan></msRun></mzXML>`);
 * const [s] = await Array.fromAsync(readMzxml(file));
 * assertEquals([s.id, s.rt, [...s.mz], [...s.intensity]], ["scan=3", 90, [100.5], [7]]);
 * ```
 */
export async function* readMzxml(
  path: string,
  options: { onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<MzmlSpectrum> {
  const file = await Deno.open(path);
  let stream: ReadableStream<Uint8Array> = file.readable;
  let read = 0;
  stream = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        read += chunk.length;
        options.onBytes?.(read);
        out.enqueue(chunk);
      },
    }),
  );
  if (/\.gz$/i.test(path)) {
    stream = stream.pipeThrough(
      new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
  }
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let consumed = 0;
  let count = 0;
  let dataCentroided = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (value) buffer += value;
      for (;;) {
        const start = buffer.indexOf("<scan ");
        if (count === 0) {
          const dp = /<dataProcessing\b[^>]*\bcentroided="1"/.exec(buffer);
          if (dp && (start < 0 || dp.index < start)) dataCentroided = true;
        }
        if (start < 0) {
          const keep = Math.max(0, buffer.length - 256);
          consumed += keep;
          buffer = buffer.slice(keep);
          break;
        }
        const end = buffer.indexOf("</peaks>", start);
        if (end < 0) {
          consumed += start;
          buffer = buffer.slice(start);
          break;
        }
        const xml = buffer.slice(start, end + "</peaks>".length);
        yield parseScan(
          xml,
          { file: path, index: count, offset: consumed + start },
          dataCentroided,
        );
        count++;
        consumed += end + "</peaks>".length;
        buffer = buffer.slice(end + "</peaks>".length);
      }
      if (done) break;
    }
  } catch (e) {
    if (e instanceof LamellaError) throw e;
    throw new LamellaError(
      `${path}: scan ${count} (at byte ${consumed}): cannot read (${(e as Error).message})`,
    );
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (buffer.includes("<scan ")) {
    throw new LamellaError(
      `${path}: scan ${count} (at byte ${consumed}): the file ends inside the scan: ` +
        `truncated? (the ${count} scans before it were read)`,
    );
  }
}
