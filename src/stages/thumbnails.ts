/**
 * The `thumbnails` stage: pictures of the data for report.html, read with
 * bounded memory after the chunk pass.
 *
 * - An array of 2 or more dimensions: its central slice (for 3-D, the three
 *   orthogonal central slices), read every n-th element so no side exceeds
 *   `size` pixels; grey levels from the slice's own 0.1 % and 99.9 %
 *   quantiles (NaN black). A label array (integers under `labels/`) is drawn
 *   in colours, one per id, on a transparent background, so report.html can
 *   lay it over the image it segments (an OME-NGFF image's `labels/`).
 * - A 1-D signal: its minimum and maximum per pixel column (`width` columns),
 *   read a block at a time, for a line plot under its peaks.
 *
 * Coarser levels of a multiscale pyramid (paths ending in `s1`, `s2`, `1`,
 * `2`, ...) are left out: the first level shows the same picture. Images are
 * PNG data URLs, so the page needs nothing from the network.
 *
 * @module
 */
import * as zlib from "node:zlib";
import { ConfigError } from "../model/errors.ts";
import { isLabelArray } from "./histogram.ts";
import { collectGarbage } from "./_collect.ts";
import type { ArrayInfo, RegionReader, Stage } from "./stage.ts";

/** One picture of a slice. */
export interface Thumbnail {
  /** What the slice is, e.g. `"axis 0 = 32 (of 64)"`. */
  slice: string;
  /** The array axes along the picture's rows and columns. */
  axes: [number, number];
  /** Elements of the array per pixel along each picture axis. */
  step: [number, number];
  /** Picture width in pixels. */
  width: number;
  /** Picture height in pixels. */
  height: number;
  /** The values mapped to black and white (grey pictures). */
  range?: [number, number];
  /** `data:image/png;base64,...` */
  png: string;
}

/** The report's `thumbnails` object. */
export interface ThumbnailsResult {
  /** Pictures of central slices (arrays of 2 or more dimensions). */
  slices?: Thumbnail[];
  /** A 1-D signal's envelope: minimum and maximum per column (null where all NaN). */
  signal?: { step: number; min: (number | null)[]; max: (number | null)[] };
}

/** What the stage keeps: nothing from the chunk pass; the result once read. */
export type ThumbnailsState = { result?: ThumbnailsResult };

const COARSER_LEVEL = /(^|\/)s?[1-9]\d*$/;

/**
 * Builds the thumbnails stage. Options: `size` (longest side in pixels,
 * default 128), `width` (columns of a 1-D envelope, default 600).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { thumbnailsStage } from "./thumbnails.ts";
 * const stage = thumbnailsStage({}, "pipeline.yaml");
 * const info = { path: "img", dtype: "uint8" as const, shape: [4, 4], chunks: [4, 4] };
 * const data = Uint8Array.from({ length: 16 }, (_, i) => i * 16);
 * const read = () => Promise.resolve({ data, shape: [4, 4], stride: [4, 1] });
 * const state = await stage.readArray!(stage.init(info), read, info);
 * const [slice] = stage.finalize(state, info).slices!;
 * assertEquals([slice.width, slice.height, slice.png.startsWith("data:image/png;base64,")], [4, 4, true]);
 * ```
 */
export function thumbnailsStage(
  options: unknown,
  source: string,
): Stage<ThumbnailsState, ThumbnailsResult> {
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["size", "width"].includes(k)) {
      throw new ConfigError(`unknown option ${k}; expected size, width`, {
        source,
        key: "stages.thumbnails",
      });
    }
  }
  const size = o.size ?? 128;
  const width = o.width ?? 600;
  for (const [k, v] of [["size", size], ["width", width]] as const) {
    if (!(Number.isInteger(v) && (v as number) >= 8 && (v as number) <= 4096)) {
      throw new ConfigError(`${k}: expected a whole number of pixels from 8 to 4096`, {
        source,
        key: "stages.thumbnails",
      });
    }
  }
  return {
    name: "thumbnails",
    appliesTo: (a) => a.shape.length >= 1 && !COARSER_LEVEL.test(a.path) && a.dtype !== "bool",
    init: () => ({}),
    consume: (state) => state,
    merge: (a, b) => (a.result ? a : b),
    async readArray(_state, read, array) {
      const result = array.shape.length === 1
        ? { signal: await envelope(read, array, width as number) }
        : { slices: await slices(read, array, size as number) };
      return { result };
    },
    finalize: (state) => state.result ?? {},
  };
}

/** Central slices: the last two axes at the middle of the others; for 3-D, all three planes. */
async function slices(read: RegionReader, array: ArrayInfo, size: number): Promise<Thumbnail[]> {
  const n = array.shape.length;
  const planes: [number, number][] = n === 3 ? [[1, 2], [0, 2], [0, 1]] : [[n - 2, n - 1]];
  const out: Thumbnail[] = [];
  for (const axes of planes) {
    if (array.shape[axes[0]] === 0 || array.shape[axes[1]] === 0) continue;
    out.push(await plane(read, array, axes, size));
  }
  return out;
}

/**
 * One central plane, read a band of one chunk-row at a time (so memory stays
 * at one chunk-row however large the array), every `step`-th element.
 */
async function plane(
  read: RegionReader,
  array: ArrayInfo,
  [ay, ax]: [number, number],
  size: number,
): Promise<Thumbnail> {
  const step = array.shape.map(() => 1);
  step[ay] = Math.max(1, Math.ceil(array.shape[ay] / size));
  step[ax] = Math.max(1, Math.ceil(array.shape[ax] / size));
  const h = Math.ceil(array.shape[ay] / step[ay]);
  const w = Math.ceil(array.shape[ax] / step[ax]);
  const values = new Float64Array(h * w);
  // Tiles of at most one chunk-row by four chunks: zarrita decodes a read's chunks at once.
  const band = Math.ceil(Math.max(array.chunks[ay], step[ay]) / step[ay]) * step[ay];
  const across = Math.ceil(Math.max(4 * array.chunks[ax], step[ax]) / step[ax]) * step[ax];
  for (let r0 = 0; r0 < array.shape[ay]; r0 += band) {
    for (let c0 = 0; c0 < array.shape[ax]; c0 += across) {
      const start = array.shape.map((len) => Math.floor(len / 2));
      const stop = start.map((s) => s + 1);
      start[ay] = r0;
      stop[ay] = Math.min(array.shape[ay], r0 + band);
      start[ax] = c0;
      stop[ax] = Math.min(array.shape[ax], c0 + across);
      const region = await read(start, stop, step);
      collectGarbage();
      const data = region.data as unknown as ArrayLike<number | bigint>;
      for (let y = 0; y < region.shape[ay]; y++) {
        for (let x = 0; x < region.shape[ax]; x++) {
          values[(r0 / step[ay] + y) * w + c0 / step[ax] + x] = Number(
            data[y * region.stride[ay] + x * region.stride[ax]],
          );
        }
      }
    }
  }
  const fixed = array.shape
    .map((len, d) => (d === ay || d === ax ? "" : `axis ${d} = ${Math.floor(len / 2)} (of ${len})`))
    .filter(Boolean).join(", ");
  return picture(values, w, h, isLabelArray(array), {
    slice: fixed || "whole array",
    axes: [ay, ax],
    step: [step[ay], step[ax]],
  });
}

function picture(
  values: Float64Array,
  w: number,
  h: number,
  labels: boolean,
  where: Pick<Thumbnail, "slice" | "axes" | "step">,
): Thumbnail {
  if (labels) {
    // Colours with the background (id 0) transparent, to lay over the image they segment.
    const rgba = new Uint8Array(w * h * 4);
    values.forEach((v, i) =>
      rgba.set([...labelColour(v), v && Number.isFinite(v) ? 255 : 0], 4 * i)
    );
    return { ...where, width: w, height: h, png: pngDataUrl(rgba, w, h, 6) };
  }
  const finite = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = finite.length ? finite[Math.floor(0.001 * (finite.length - 1))] : 0;
  const hi = finite.length ? finite[Math.ceil(0.999 * (finite.length - 1))] : 1;
  const span = hi > lo ? hi - lo : 1;
  const grey = new Uint8Array(w * h);
  values.forEach((v, i) => {
    grey[i] = Number.isFinite(v)
      ? Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)))
      : 0;
  });
  return { ...where, width: w, height: h, range: [lo, hi], png: pngDataUrl(grey, w, h, 0) };
}

/** A colour per label id (0 black), well spread over hues. */
function labelColour(id: number): [number, number, number] {
  if (!id || !Number.isFinite(id)) return [0, 0, 0];
  const hue = ((id * 0.6180339887) % 1 + 1) % 1;
  const [r, g, b] = [0, 2 / 3, 1 / 3].map((o) => {
    const t = ((hue + o) % 1) * 6;
    return Math.round(255 * Math.max(0, Math.min(1, Math.abs(t - 3) - 1)));
  });
  return [r, g, b];
}

/** Minimum and maximum per column of a 1-D signal, read a block of chunks at a time. */
async function envelope(
  read: RegionReader,
  array: ArrayInfo,
  width: number,
): Promise<ThumbnailsResult["signal"]> {
  const n = array.shape[0];
  const step = Math.max(1, Math.ceil(n / width));
  const columns = Math.ceil(n / step);
  const min = new Array<number | null>(columns).fill(null);
  const max = new Array<number | null>(columns).fill(null);
  const block = Math.max(array.chunks[0], Math.ceil(2 ** 20 / step) * step);
  for (let from = 0; from < n; from += block) {
    const to = Math.min(n, from + block);
    const region = await read([from], [to]);
    collectGarbage();
    const data = region.data as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < to - from; i++) {
      const v = Number(data[i * region.stride[0]]);
      if (!Number.isFinite(v)) continue;
      const c = Math.floor((from + i) / step);
      if (min[c] === null || v < min[c]!) min[c] = v;
      if (max[c] === null || v > max[c]!) max[c] = v;
    }
  }
  return { step, min, max };
}

const PNG_CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = PNG_CRC[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An 8-bit PNG (colour type 0 grey, 2 RGB or 6 RGBA) as a data URL. */
function pngDataUrl(pixels: Uint8Array, width: number, height: number, colour: 0 | 2 | 6): string {
  const channels = colour === 6 ? 4 : colour === 2 ? 3 : 1;
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++) {
    raw.set(
      pixels.subarray(y * width * channels, (y + 1) * width * channels),
      y * (1 + width * channels) + 1,
    );
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, colour, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(zlib.deflateSync(raw, { level: 9 }))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  let binary = "";
  for (let i = 0; i < png.length; i += 0x8000) {
    binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  }
  return `data:image/png;base64,${btoa(binary)}`;
}
