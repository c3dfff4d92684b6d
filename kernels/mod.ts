/**
 * Typed wrappers around the WASM SIMD kernels. This is the only module that
 * imports the wasm-bindgen glue or touches linear memory: it instantiates the
 * module once, owns one scratch region (grown geometrically, never per call)
 * and copies each chunk into it before calling a kernel.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stats } from "./mod.ts";
 * const p = stats(new Float32Array([1, 2, NaN]), "float32");
 * assertEquals(p.kind, "float");
 * assertEquals(p.nanCount, 1);
 * ```
 *
 * @module
 */
import * as glue from "./pkg/lamella_kernels.js";
import {
  bytesPerElement,
  type ChunkData,
  type NumericDtype,
  type StatsPartial,
  TYPED_ARRAY_CTORS,
} from "./types.ts";
import {
  encodePeakParams,
  type Peak,
  PEAK_PARAMS_HEADER_LEN,
  peakLevelCount,
  type PeakMode,
  type PeakParams,
} from "./peak_params.ts";

export type { Peak, PeakMode, PeakParams };

export type { ChunkData, NumericDtype, StatsPartial } from "./types.ts";
export { bytesPerElement, NUMERIC_DTYPES, TYPED_ARRAY_CTORS } from "./types.ts";

/** Where the module's bytes live: next to this file (embedded in compiled binaries). */
export const WASM_URL: URL = new URL("./pkg/lamella_kernels_bg.wasm", import.meta.url);

interface Instance {
  memory: WebAssembly.Memory;
  scratchPtr: number;
  scratchLen: number;
  outPtr: number;
  /** The input region ({@linkcode residentInput}): separate from scratch, so kernels' work space never overwrites it. */
  inputPtr: number;
  inputLen: number;
}

let instance: Instance | undefined;
let compiled: WebAssembly.Module | undefined;

/**
 * The kernels' compiled module, compiled on first use. Another thread that
 * instantiates it ({@linkcode useKernelModule}) shares its machine code, including
 * what the engine has already optimised, instead of compiling its own.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { kernelModule } from "./mod.ts";
 * assert(kernelModule() instanceof WebAssembly.Module);
 * ```
 */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Deno.readFileSync(WASM_URL));
  return compiled;
}

/**
 * Makes this thread's kernels an instance of `module` (from {@linkcode kernelModule}
 * on another thread). Call it before any kernel; a thread whose kernels already run
 * keeps them.
 *
 * @returns whether `module` was taken.
 *
 * @example
 * ```ts ignore
 * import { useKernelModule } from "./mod.ts";
 * self.onmessage = (e) => useKernelModule(e.data.module);
 * ```
 */
export function useKernelModule(module: WebAssembly.Module): boolean {
  if (instance || compiled) return false;
  if (!(module instanceof WebAssembly.Module)) {
    throw new TypeError("useKernelModule: expected a WebAssembly.Module");
  }
  compiled = module;
  return true;
}

function kernels(): Instance {
  if (instance) return instance;
  const exports = glue.initSync(kernelModule()) as unknown as {
    memory: WebAssembly.Memory;
  };
  const outPtr = glue.alloc(64);
  instance = {
    memory: exports.memory,
    scratchPtr: 0,
    scratchLen: 0,
    outPtr,
    inputPtr: 0,
    inputLen: 0,
  };
  return instance;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Returns the address of a scratch region of at least `bytes` bytes. */
function scratch(bytes: number): number {
  const k = kernels();
  if (bytes > k.scratchLen) {
    if (k.scratchPtr) glue.free(k.scratchPtr, k.scratchLen);
    const len = Math.max(bytes, Math.ceil(k.scratchLen * 1.5), 1 << 16);
    k.scratchPtr = glue.alloc(len);
    if (k.scratchPtr === 0) {
      k.scratchLen = 0;
      throw new RangeError(`WASM kernels: cannot allocate ${len} bytes of linear memory`);
    }
    k.scratchLen = len;
  }
  return k.scratchPtr;
}

/** Bytes of linear memory the kernels hold (for memory accounting). */
export function kernelMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/**
 * A typed array of `length` elements in the kernels' input region: fill it
 * (for example, decode a chunk straight into it) and pass it to any kernel,
 * which then reads it in place, without a copy. The region is separate from
 * the kernels' work space, so a kernel never overwrites it; it is reused by
 * the next call to this function (grown only when `length` needs more). A
 * kernel whose work space grows linear memory detaches the returned view
 * (its contents stay in place): call this again, or pass `reserveBytes` (the
 * work space the coming kernel calls need) so that growth happens here.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { residentInput, stats } from "./mod.ts";
 * const a = residentInput("uint8", 4) as Uint8Array;
 * a.set([1, 2, 3, 4]);
 * const p = stats(a, "uint8");
 * assertEquals(p.kind, "exact");
 * assertEquals(p.sum, 10n);
 * ```
 */
export function residentInput(
  dtype: Exclude<NumericDtype, "float16">,
  length: number,
  reserveBytes = 0,
): ChunkData {
  const k = kernels();
  const bytes = Math.max(16, align16(length * bytesPerElement(dtype)));
  if (bytes > k.inputLen) {
    if (k.inputPtr) glue.free(k.inputPtr, k.inputLen);
    k.inputPtr = glue.alloc(bytes);
    if (k.inputPtr === 0) {
      k.inputLen = 0;
      throw new RangeError(`WASM kernels: cannot allocate ${bytes} bytes of linear memory`);
    }
    k.inputLen = bytes;
  }
  if (reserveBytes > 0) scratch(reserveBytes);
  return new TYPED_ARRAY_CTORS[dtype](k.memory.buffer as ArrayBuffer, k.inputPtr, length);
}

/** True when `data` is a live view inside the input region. */
function isResident(data: ChunkData, dtype: NumericDtype): boolean {
  const k = instance;
  return !!k && dtype !== "float16" && k.inputPtr !== 0 && data.buffer === k.memory.buffer &&
    data.byteOffset >= k.inputPtr &&
    data.byteOffset + data.length * bytesPerElement(dtype) <= k.inputPtr + k.inputLen;
}

type StatsExport = (ptr: number, len: number, out: number) => void;

const STATS_EXPORTS: Record<Exclude<NumericDtype, "float16" | "bool">, StatsExport> = {
  int8: glue.stats_i8,
  uint8: glue.stats_u8,
  int16: glue.stats_i16,
  uint16: glue.stats_u16,
  int32: glue.stats_i32,
  uint32: glue.stats_u32,
  int64: glue.stats_i64,
  uint64: glue.stats_u64,
  float32: glue.stats_f32,
  float64: glue.stats_f64,
};

/**
 * Copies `data` into scratch memory and returns its address. Float16 chunks
 * are widened to float32 on the way in, bool chunks copied as bytes.
 */
function stage(data: ChunkData, dtype: NumericDtype): number {
  const n = data.length;
  if (isResident(data, dtype)) return data.byteOffset;
  if (dtype === "float16") {
    const ptr = scratch(n * 4);
    new Float32Array(kernels().memory.buffer, ptr, n).set(data as unknown as ArrayLike<number>);
    return ptr;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, n * bytesPerElement(dtype));
  const ptr = scratch(bytes.length);
  new Uint8Array(kernels().memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/**
 * Statistics partial of one chunk, computed by the WASM SIMD kernel.
 * Agrees with {@linkcode statsReference} (exactly for integers).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stats } from "./mod.ts";
 * const p = stats(new Int16Array([-5, 7]), "int16");
 * assertEquals(p.kind, "exact");
 * assertEquals(p.sum, 2n);
 * assertEquals(p.min, -5);
 * ```
 */
export function stats(data: ChunkData, dtype: NumericDtype): StatsPartial {
  const n = data.length;
  const ptr = stage(data, dtype);
  const kernelDtype = dtype === "float16" ? "float32" : dtype === "bool" ? "uint8" : dtype;
  const k = kernels();
  STATS_EXPORTS[kernelDtype](ptr, n, k.outPtr);
  const u = new BigUint64Array(k.memory.buffer, k.outPtr, 8);
  const f = new Float64Array(k.memory.buffer, k.outPtr, 8);
  const i = new BigInt64Array(k.memory.buffer, k.outPtr, 8);
  switch (kernelDtype) {
    case "float32":
    case "float64": {
      const count = Number(u[0]);
      const nanCount = Number(u[1]);
      const posInfCount = Number(u[2]);
      const negInfCount = Number(u[3]);
      return {
        kind: "float",
        count,
        nanCount,
        posInfCount,
        negInfCount,
        min: f[4],
        max: f[5],
        finiteCount: count - posInfCount - negInfCount,
        sum: f[6],
        sumComp: 0,
        m2: f[7],
      };
    }
    case "int64":
    case "uint64": {
      const signed = kernelDtype === "int64";
      return {
        kind: "wide",
        count: Number(u[0]),
        min: n === 0 ? 0n : signed ? i[1] : u[1],
        max: n === 0 ? 0n : signed ? i[2] : u[2],
        sum: (i[4] << 64n) + u[3],
        m2: f[5],
      };
    }
    default: {
      return {
        kind: "exact",
        count: Number(u[0]),
        min: n === 0 ? Infinity : Number(i[1]),
        max: n === 0 ? -Infinity : Number(i[2]),
        sum: (i[4] << 64n) + u[3],
        sumSq: (u[6] << 64n) + u[5],
      };
    }
  }
}

/** f64 slots per peak record written by the kernel. */
const PEAK_FIELDS = 6;
/** Most scales the kernel accepts (its level tables live on the stack). */
const MAX_KERNEL_SCALES = 512;
/** Names of the flat parameter slots, for error messages. */
const PEAK_SLOT_NAMES = [
  "layout version",
  "mode",
  "snr",
  "ridgeLength",
  "gapTh",
  "scaleRange[0]",
  "scaleRange[1]",
  "ampTh",
  "minNoiseLevel",
  "minNoiseRelative",
  "nearbyPeak",
  "nearbyWinSize",
  "noiseWinSize",
  "noiseQuantile",
  "excludeBoundariesSize",
  "minWinSize",
  "skipSmallestScale",
  "includeRawLevel",
  "tuneIn",
  "scales.length",
];
/** Output records reserved per call; grows when a signal has more peaks. */
let peakCapacity = 256;

/** Turns a negative code of the peak exports into an error (codes in kernels/src/lib.rs). */
function peakError(code: number, flat: Float64Array): Error {
  if (code === -1) return new RangeError("detectPeaks: scratch region too small (kernel bug)");
  if (code === -2) {
    return new RangeError(`detectPeaks: expected mode "massspecwavelet", found mode ${flat[1]}`);
  }
  if (code === -3) return new RangeError("detectPeaks: misaligned region (kernel bug)");
  if (code === -4) return new RangeError("peakLevelMaxima: output region too small (kernel bug)");
  if (code <= -1e6) {
    return new RangeError(
      `detectPeaks: slot ${-code - 1e6} of the level parts is invalid (parts must come from ` +
        `peakLevelMaxima for the same signal and parameters, in level order)`,
    );
  }
  const slot = -code - 1000;
  const name = slot < PEAK_PARAMS_HEADER_LEN
    ? PEAK_SLOT_NAMES[slot]
    : `scales[${slot - PEAK_PARAMS_HEADER_LEN}]`;
  return new RangeError(`detectPeaks: invalid PeakParams.${name}, found ${flat[slot]}`);
}

/**
 * Finds peaks in a 1-D signal with the WASM CWT kernel (MassSpecWavelet's
 * `peakDetectionCWT`); same result as {@linkcode detectPeaksReference} in
 * kernels/peak_reference.ts for `mode: "massspecwavelet"` (the scipy mode is
 * reference-only). Non-finite samples are interpolated; fewer than 3 samples or
 * an all-NaN signal give no peaks. Peaks come sorted by index. The signal, the
 * parameters, the kernel's work space and its output share the module's one
 * scratch region, so repeated calls allocate no linear memory.
 *
 * @throws {TypeError} if `signal` is not a Float64Array.
 * @throws {RangeError} on invalid parameters, naming the field, or for the scipy mode.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectPeaks } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * const signal = new Float64Array(1000);
 * for (let i = 0; i < signal.length; i++) signal[i] = 100 * Math.exp(-((i - 500) ** 2) / 50);
 * const peaks = detectPeaks(signal, DEFAULT_PEAK_PARAMS);
 * assertEquals(peaks.length, 1);
 * assertEquals(peaks[0].index, 500);
 * ```
 */
export function detectPeaks(signal: Float64Array, params: Readonly<PeakParams>): Peak[] {
  const flat = flatPeakParams("detectPeaks", signal, params);
  const n = signal.length;
  const k = kernels();
  // Sections of the scratch region, in f64 slots: params | signal | output | work space.
  const p = flat.length;
  let base = placeParams(flat);
  const work = glue.peaks_scratch_len(n, base, p);
  if (work < 0) throw peakError(work, flat);
  for (;;) {
    const cap = peakCapacity;
    const slots = p + n + cap * PEAK_FIELDS + work;
    const grown = slots * 8 > k.scratchLen;
    base = scratch(slots * 8);
    const mem = new Float64Array(k.memory.buffer, base, slots);
    if (grown) mem.set(flat);
    mem.set(signal, p);
    const outPtr = base + (p + n) * 8;
    const workPtr = outPtr + cap * PEAK_FIELDS * 8;
    const found = glue.detect_peaks(base + p * 8, n, base, p, workPtr, work, outPtr, cap);
    if (found < 0) throw peakError(found, flat);
    if (found > cap) {
      peakCapacity = Math.max(found, Math.ceil(cap * 1.5));
      continue;
    }
    return readPeaks(outPtr, found);
  }
}

/** The flat parameters, after the checks every peak export shares. */
function flatPeakParams(
  name: string,
  signal: Float64Array,
  params: Readonly<PeakParams>,
): Float64Array {
  if (!(signal instanceof Float64Array)) {
    throw new TypeError(
      `${name}: expected the signal as a Float64Array, found ${
        Object.prototype.toString.call(signal)
      }`,
    );
  }
  if (params.mode !== "massspecwavelet") {
    throw new RangeError(
      `${name}: expected mode "massspecwavelet", found "${params.mode}" (the scipy mode is only in detectPeaksReference)`,
    );
  }
  if (params.scales.length > MAX_KERNEL_SCALES) {
    throw new RangeError(
      `${name}: expected at most ${MAX_KERNEL_SCALES} scales, found ${params.scales.length}`,
    );
  }
  return encodePeakParams(params); // validates, throwing a RangeError naming the field
}

/** Writes `flat` at the start of the scratch region; returns its address. */
function placeParams(flat: Float64Array): number {
  const base = scratch(flat.length * 8);
  new Float64Array(kernels().memory.buffer, base, flat.length).set(flat);
  return base;
}

/** The `found` peak records at `outPtr` in linear memory. */
function readPeaks(outPtr: number, found: number): Peak[] {
  const out = new Float64Array(kernels().memory.buffer, outPtr, found * PEAK_FIELDS);
  const peaks: Peak[] = new Array(found);
  for (let i = 0; i < found; i++) {
    const o = i * PEAK_FIELDS;
    peaks[i] = {
      index: out[o],
      position: out[o + 1],
      scale: out[o + 2],
      snr: out[o + 3],
      height: out[o + 4],
      fwhm: out[o + 5],
    };
  }
  return peaks;
}

/**
 * A search in two halves with other work in between: {@linkcode SplitPeakSearch.begin}
 * computes the CWT levels below a split, {@linkcode SplitPeakSearch.finish} takes the
 * levels above it as parts ({@linkcode peakLevelMaxima}, typically computed by another
 * thread meanwhile) and traces and selects. The half-done search lives in a region of
 * linear memory of its own, so other kernel calls in between cannot disturb it; one
 * search at a time per object. `free()` returns the region.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectPeaks, peakLevelMaxima, SplitPeakSearch } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * const x = new Float64Array(5000);
 * for (let i = 0; i < x.length; i++) x[i] = 100 * Math.exp(-((i - 2000) ** 2) / 60);
 * const search = new SplitPeakSearch();
 * search.begin(x, DEFAULT_PEAK_PARAMS, 10);
 * const rest = peakLevelMaxima(x, DEFAULT_PEAK_PARAMS, 10, 26);
 * assertEquals(search.finish(rest), detectPeaks(x, DEFAULT_PEAK_PARAMS));
 * search.free();
 * ```
 */
export class SplitPeakSearch {
  #ptr = 0;
  #bytes = 0;
  #begun:
    | { signal: Float64Array; params: Readonly<PeakParams>; flat: Float64Array; to: number }
    | undefined;

  /**
   * Prepares `signal` and computes its levels `[0, to)` (a level is a scale, after the
   * raw signal when `includeRawLevel`).
   *
   * @throws {RangeError} on invalid parameters or `to` beyond the levels.
   */
  begin(signal: Float64Array, params: Readonly<PeakParams>, to: number): void {
    const flat = flatPeakParams("SplitPeakSearch.begin", signal, params);
    const levels = peakLevelCount(params);
    if (!(Number.isInteger(to) && to >= 0 && to <= levels)) {
      throw new RangeError(
        `SplitPeakSearch.begin: expected a split level 0..${levels}, found ${to}`,
      );
    }
    const n = signal.length;
    const k = kernels();
    const p = flat.length;
    const work = glue.peaks_scratch_len(n, placeParams(flat), p);
    if (work < 0) throw peakError(work, flat);
    // The private region: params | signal | work.
    const bytes = (p + n + work) * 8;
    if (bytes > this.#bytes) {
      if (this.#ptr) glue.free(this.#ptr, this.#bytes);
      this.#ptr = glue.alloc(bytes);
      this.#bytes = this.#ptr ? bytes : 0;
      if (!this.#ptr) throw new RangeError(`SplitPeakSearch: cannot allocate ${bytes} bytes`);
    }
    const mem = new Float64Array(k.memory.buffer, this.#ptr, p + n);
    mem.set(flat);
    mem.set(signal, p);
    const signalPtr = this.#ptr + p * 8;
    const begun = glue.peaks_begin(signalPtr, n, this.#ptr, p, to, signalPtr + n * 8, work);
    if (begun < 0) throw peakError(begun, flat);
    this.#begun = { signal, params, flat, to };
  }

  /**
   * The peaks of the begun search, given `parts` for its levels from the split on
   * (none if it computed every level): equal to {@linkcode detectPeaks} on the signal.
   *
   * @throws {Error} if no search was begun; {@linkcode RangeError} if the parts do not fit it.
   */
  finish(...parts: Float64Array[]): Peak[] {
    const begun = this.#begun;
    if (!begun) throw new Error("SplitPeakSearch.finish: no search was begun");
    this.#begun = undefined;
    const { signal, flat, to } = begun;
    const n = signal.length;
    const k = kernels();
    const p = flat.length;
    const work = this.#bytes / 8 - p - n;
    const q = parts.reduce((sum, part) => sum + part.length, 0);
    const cap = peakCapacity;
    // Parts and output in the shared scratch region.
    const base = scratch((q + cap * PEAK_FIELDS) * 8);
    const mem = new Float64Array(k.memory.buffer, base, q);
    let at = 0;
    for (const part of parts) {
      mem.set(part, at);
      at += part.length;
    }
    const outPtr = base + q * 8;
    const signalPtr = this.#ptr + p * 8;
    const found = glue.peaks_finish(
      n,
      this.#ptr,
      p,
      to,
      base,
      q,
      signalPtr + n * 8,
      work,
      outPtr,
      cap,
    );
    if (found < 0) throw peakError(found, flat);
    if (found > cap) {
      // More peaks than the output holds: the state is spent, search again in one go.
      peakCapacity = Math.max(found, Math.ceil(cap * 1.5));
      return detectPeaks(signal, begun.params);
    }
    return readPeaks(outPtr, found);
  }

  /** Returns the private region to the kernels' allocator. */
  free(): void {
    if (this.#ptr) glue.free(this.#ptr, this.#bytes);
    this.#ptr = 0;
    this.#bytes = 0;
    this.#begun = undefined;
  }
}

/**
 * The level at which {@linkcode detectPeaks}' CWT levels are best split between two
 * threads for a signal of `n` samples: this thread computes levels `[0, split)` and
 * then traces and selects, another computes `[split, levels)`. A level is a scale,
 * plus the raw signal first when `includeRawLevel`. Returns the number of levels when
 * the other thread's share would not pay for handing it over.
 *
 * @throws {RangeError} on invalid parameters, naming the field.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { peakSplitLevel } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * const split = peakSplitLevel(40_000, DEFAULT_PEAK_PARAMS);
 * assert(split > 2 && split < 26);
 * ```
 */
export function peakSplitLevel(n: number, params: Readonly<PeakParams>): number {
  const flat = flatPeakParams("peakSplitLevel", new Float64Array(0), params);
  const level = glue.peaks_split_level(n, placeParams(flat), flat.length);
  if (level < 0) throw peakError(level, flat);
  return level;
}

/**
 * Computes CWT levels `[from, to)` of `signal` and returns their local maxima (and the
 * noise row when the range holds the smallest scale) as a part for
 * {@linkcode detectPeaksFromParts}; any thread with the kernels can compute any
 * part. The result is a copy, so it can be transferred to another thread.
 *
 * @throws {RangeError} on invalid parameters or an empty or out-of-range level range.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectPeaks, detectPeaksFromParts, peakLevelMaxima } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * const x = new Float64Array(2000);
 * for (let i = 0; i < x.length; i++) x[i] = 100 * Math.exp(-((i - 900) ** 2) / 60);
 * const a = peakLevelMaxima(x, DEFAULT_PEAK_PARAMS, 0, 12);
 * const b = peakLevelMaxima(x, DEFAULT_PEAK_PARAMS, 12, 26);
 * const parts = new Float64Array([...a, ...b]);
 * assertEquals(detectPeaksFromParts(x, DEFAULT_PEAK_PARAMS, parts), detectPeaks(x, DEFAULT_PEAK_PARAMS));
 * ```
 */
export function peakLevelMaxima(
  signal: Float64Array,
  params: Readonly<PeakParams>,
  from: number,
  to: number,
): Float64Array {
  const flat = flatPeakParams("peakLevelMaxima", signal, params);
  const levels = peakLevelCount(params);
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= levels)) {
    throw new RangeError(
      `peakLevelMaxima: expected 0 <= from < to <= ${levels} (integers), found ${from}..${to}`,
    );
  }
  const n = signal.length;
  const k = kernels();
  const p = flat.length;
  let base = placeParams(flat);
  const work = glue.peaks_scratch_len(n, base, p);
  if (work < 0) throw peakError(work, flat);
  const cap = glue.peaks_part_len(n, base, p, from, to);
  if (cap < 0) throw peakError(cap, flat);
  const slots = p + n + cap + work;
  const grown = slots * 8 > k.scratchLen;
  base = scratch(slots * 8);
  const mem = new Float64Array(k.memory.buffer, base, slots);
  if (grown) mem.set(flat);
  mem.set(signal, p);
  const outPtr = base + (p + n) * 8;
  const workPtr = outPtr + cap * 8;
  const written = glue.peaks_level_maxima(
    base + p * 8,
    n,
    base,
    p,
    from,
    to,
    workPtr,
    work,
    outPtr,
    cap,
  );
  if (written < 0) throw peakError(written, flat);
  return new Float64Array(k.memory.buffer, outPtr, written).slice();
}

/**
 * {@linkcode detectPeaks} with the CWT levels taken from `parts` (what
 * {@linkcode peakLevelMaxima} returned for the same signal and parameters, concatenated
 * in level order, covering every level once) instead of computed: the same peaks.
 * Parts of a signal with fewer than 3 or no finite samples are empty, and so is the
 * result.
 *
 * @throws {RangeError} on invalid parameters, or parts that do not fit them, naming the slot.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { detectPeaksFromParts, peakLevelMaxima } from "./mod.ts";
 * import { DEFAULT_PEAK_PARAMS } from "./peak_params.ts";
 * const x = new Float64Array(2000);
 * for (let i = 0; i < x.length; i++) x[i] = 100 * Math.exp(-((i - 900) ** 2) / 60);
 * const parts = peakLevelMaxima(x, DEFAULT_PEAK_PARAMS, 0, 26);
 * assertEquals(detectPeaksFromParts(x, DEFAULT_PEAK_PARAMS, parts).map((p) => p.index), [900]);
 * ```
 */
export function detectPeaksFromParts(
  signal: Float64Array,
  params: Readonly<PeakParams>,
  parts: Float64Array,
): Peak[] {
  if (!(parts instanceof Float64Array)) {
    throw new TypeError("detectPeaksFromParts: expected the parts as a Float64Array");
  }
  // Empty parts: the signal has no finite sample or is too short (no peaks either way).
  if (parts.length === 0) return detectPeaks(signal, params);
  const search = new SplitPeakSearch();
  try {
    search.begin(signal, params, 0);
    return search.finish(parts);
  } finally {
    search.free();
  }
}

// ---- Spectral similarity (matchms CosineGreedy / ModifiedCosineGreedy) ---------------------

/** A spectrum as the similarity kernel takes it (see src/ms/cosine.ts `prepareSpectrum`). */
export interface ScoringSpectrum {
  /** Peak m/z, ascending. */
  mz: Float64Array;
  /** `mz^mzPower * intensity^intensityPower` of each peak. */
  weight: Float64Array;
  /** Euclidean norm of `weight`. */
  norm: number;
  /** Precursor m/z, NaN when none. */
  precursorMz: number;
}

/** How {@linkcode SpectralLibrary.score} scores and which library spectra are candidates. */
export interface KernelMatchSettings {
  /** Peaks pair within this many Da. */
  tolerance: number;
  /** ModifiedCosineGreedy (also pairs shifted by the precursor difference); else CosineGreedy. */
  modified: boolean;
  /** Only library spectra whose precursor is within this of the query's (default: all). */
  precursorTolerance?: number;
  /** `precursorTolerance` in ppm of the two precursors' mean (else Da). */
  precursorPpm?: boolean;
}

/** u32 slots of the query's m/z index in the similarity work space (kernels/src/cosine.rs). */
const COSINE_INDEX_SLOTS = (1 << 16) + 2;
/** f64 slots of the query's spread over the bound's grid (kernels/src/cosine.rs `MAX_BOUND_BINS`). */
const COSINE_BOUND_BINS = 1 << 18;
/** Most list positions of one top-k call (kernels/src/cosine.rs `KEY_POSITION_BITS`). */
const COSINE_MAX_LIST = 1 << 20;
/** Slots of the similarity settings block (kernels/src/lib.rs `COSINE_SETTINGS_SLOTS`). */
const COSINE_SETTINGS_SLOTS = 8;

/**
 * Grows the scratch region to `slots` f64 and writes the sections every similarity
 * call starts with: settings block | list | query m/z | query weights. Returns the
 * region's address; the next free slot is `COSINE_SETTINGS_SLOTS + list.length + 2 *
 * query.mz.length`.
 */
function placeQuery(
  slots: number,
  settings: Readonly<KernelMatchSettings>,
  list: Float64Array,
  query: ScoringSpectrum,
): number {
  const base = scratch(slots * 8);
  const [S, m, q] = [COSINE_SETTINGS_SLOTS, list.length, query.mz.length];
  const mem = new Float64Array(kernels().memory.buffer, base, S + m + 2 * q);
  mem.set([
    settings.tolerance,
    settings.modified ? 1 : 0,
    settings.precursorTolerance ?? NaN,
    settings.precursorPpm ? 1 : 0,
    0,
    0,
    0,
    0,
  ]);
  mem.set(list, S);
  mem.set(query.mz, S + m);
  mem.set(query.weight, S + m + q);
  return base;
}

/** Candidate pairs the similarity work space holds; grows when a pair needs more. */
let pairsCapacity = 4096;

/**
 * Library spectra held in linear memory for the similarity kernel, which scores a
 * query against any list of them with matchms' greedy cosine (score for score the
 * same as src/ms/cosine.ts `PairScorer`). `free()` returns the memory.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { SpectralLibrary } from "./mod.ts";
 * const spectrum = (mz: number[], w: number[]) => ({
 *   mz: Float64Array.from(mz),
 *   weight: Float64Array.from(w),
 *   norm: Math.hypot(...w),
 *   precursorMz: NaN,
 * });
 * const library = new SpectralLibrary([spectrum([100, 200, 300], [1, 2, 1])]);
 * const { score, matched } = library.score(spectrum([100.05, 200, 400], [1, 2, 5]), {
 *   tolerance: 0.1,
 *   modified: false,
 * });
 * assertEquals(matched[0], 2);
 * assertAlmostEquals(score[0], 5 / (Math.sqrt(6) * Math.sqrt(30)), 1e-15);
 * library.free();
 * ```
 */
export class SpectralLibrary {
  #ptr = 0;
  #bytes = 0;
  readonly #peaks: number;
  readonly #count: number;
  readonly #maxPeaks: number;
  readonly #maxMz: number;
  readonly #all: Float64Array;
  #units: { ptr: number; bytes: number; width: number; topBin: number } | undefined;

  /** Copies `spectra` into linear memory. */
  constructor(spectra: readonly ScoringSpectrum[]) {
    spectra.forEach((s, k) => {
      if (s.weight.length !== s.mz.length) {
        throw new RangeError(
          `SpectralLibrary: spectrum ${k} has ${s.mz.length} m/z and ${s.weight.length} weights`,
        );
      }
    });
    const count = spectra.length;
    const peaks = spectra.reduce((sum, s) => sum + s.mz.length, 0);
    this.#count = count;
    this.#peaks = peaks;
    this.#maxPeaks = spectra.reduce((m, s) => Math.max(m, s.mz.length), 0);
    this.#maxMz = spectra.reduce(
      (m, s) => (s.mz.length && s.mz[s.mz.length - 1] > m ? s.mz[s.mz.length - 1] : m),
      1,
    );
    this.#all = Float64Array.from({ length: count }, (_, k) => k);
    const slots = 2 * peaks + 3 * count + 1;
    this.#bytes = Math.max(8, slots * 8);
    const k = kernels();
    this.#ptr = glue.alloc(this.#bytes);
    if (!this.#ptr) throw new RangeError(`SpectralLibrary: cannot allocate ${this.#bytes} bytes`);
    const mem = new Float64Array(k.memory.buffer, this.#ptr, slots);
    let at = 0;
    const offsets = 2 * peaks;
    spectra.forEach((s, k) => {
      mem.set(s.mz, at);
      mem.set(s.weight, peaks + at);
      mem[offsets + k] = at;
      mem[offsets + count + 1 + k] = s.norm;
      mem[offsets + 2 * count + 1 + k] = s.precursorMz;
      at += s.mz.length;
    });
    mem[offsets + count] = at;
  }

  /** Number of spectra. */
  get size(): number {
    return this.#count;
  }

  /**
   * Scores `query` against the library spectra at the indices in `list` (default:
   * all, in order): `score[p]` and `matched[p]` for list position `p`; a spectrum that
   * is not a candidate (no precursor where one is needed, or outside the precursor
   * window) has matched -1 and score NaN.
   *
   * @throws {Error} after `free()`; {@linkcode RangeError} for an index outside the library.
   */
  score(
    query: ScoringSpectrum,
    settings: Readonly<KernelMatchSettings>,
    list: Float64Array = this.#all,
  ): { score: Float64Array; matched: Float64Array } {
    if (!this.#ptr) throw new Error("SpectralLibrary: used after free()");
    const k = kernels();
    const m = list.length;
    const q = query.mz.length;
    const peaksCap = Math.max(this.#maxPeaks, q, 1);
    const score = new Float64Array(m);
    const matched = new Float64Array(m);
    let from = 0;
    for (;;) {
      const pairs = pairsCapacity;
      // Scratch sections (f64 slots): settings | list | query | output | work space.
      const workSlots = Math.ceil((20 * pairs + 4 * COSINE_INDEX_SLOTS + 2 * peaksCap) / 8);
      const S = COSINE_SETTINGS_SLOTS;
      const base = placeQuery(S + m + 2 * q + 2 * m + workSlots, settings, list, query);
      const outPtr = base + (S + m + 2 * q) * 8;
      const workPtr = outPtr + 2 * m * 8;
      const done = glue.cosine_scores(
        this.#ptr,
        this.#peaks,
        this.#count,
        base + (S + m) * 8,
        q,
        query.norm,
        query.precursorMz,
        base,
        base + S * 8,
        m,
        from,
        workPtr,
        pairs,
        peaksCap,
        outPtr,
      );
      if (done === -1) {
        throw new RangeError(
          `SpectralLibrary.score: a list index outside 0..${
            this.#count - 1
          }, or a query whose m/z and weights differ in length`,
        );
      }
      if (done < 0) throw new RangeError("SpectralLibrary.score: misaligned region (kernel bug)");
      const out = new Float64Array(k.memory.buffer, outPtr, 2 * m);
      score.set(out.subarray(from, done), from);
      matched.set(out.subarray(m + from, m + done), from);
      if (done === m) return { score, matched };
      const needed = new Float64Array(k.memory.buffer, base, S)[4];
      pairsCapacity = Math.max(needed, Math.ceil(pairs * 1.5));
      from = done;
    }
  }

  /**
   * The `top` best library spectra for `query` among those at the indices in `list`
   * (default: all): by score, then list position, with at least `minMatched` matched
   * peaks and a score above 0 — the same hits as {@linkcode SpectralLibrary.score} on
   * every pair, but a pair whose binned upper bound cannot reach the `top`-th score
   * found so far is not scored. `scored` counts the pairs scored exactly.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { SpectralLibrary } from "./mod.ts";
   * const spectrum = (mz: number[]) => ({
   *   mz: Float64Array.from(mz),
   *   weight: Float64Array.from(mz, () => 1),
   *   norm: Math.sqrt(mz.length),
   *   precursorMz: NaN,
   * });
   * const library = new SpectralLibrary([spectrum([100, 200]), spectrum([100, 300]), spectrum([500])]);
   * const { hits } = library.top(spectrum([100, 300]), { tolerance: 0.1, modified: false }, 2, 1);
   * assertEquals(hits.map((h) => h.position), [1, 0]);
   * library.free();
   * ```
   */
  top(
    query: ScoringSpectrum,
    settings: Readonly<KernelMatchSettings>,
    top: number,
    minMatched: number,
    list: Float64Array = this.#all,
  ): { hits: { position: number; score: number; matched: number }[]; scored: number } {
    if (!this.#ptr) throw new Error("SpectralLibrary: used after free()");
    if (list.length > COSINE_MAX_LIST) {
      // The kernel's sort keys hold 2^20 positions: search pieces, keep the best.
      let scored = 0;
      const all: { position: number; score: number; matched: number }[] = [];
      for (let from = 0; from < list.length; from += COSINE_MAX_LIST) {
        const piece = list.subarray(from, from + COSINE_MAX_LIST);
        const r = this.top(query, settings, top, minMatched, piece);
        scored += r.scored;
        all.push(...r.hits.map((h) => ({ ...h, position: h.position + from })));
      }
      all.sort((a, b) => b.score - a.score || a.position - b.position);
      return { hits: all.slice(0, top), scored };
    }
    if (!(Number.isInteger(top) && top >= 0) || !(minMatched >= 0)) {
      throw new RangeError(
        `SpectralLibrary.top: expected top >= 0 and minMatched >= 0, found ${top}, ${minMatched}`,
      );
    }
    const k = kernels();
    const units = this.#unitsFor(settings.tolerance);
    const m = list.length;
    const q = query.mz.length;
    const peaksCap = Math.max(this.#maxPeaks, q, 1);
    const S = COSINE_SETTINGS_SLOTS;
    for (;;) {
      const pairs = pairsCapacity;
      const workBytes = 8 * COSINE_BOUND_BINS + 8 * m + 20 * pairs + 4 * COSINE_INDEX_SLOTS +
        2 * peaksCap;
      // Scratch sections (f64 slots): settings | list | query | hits | work space.
      const slots = S + m + 2 * q + 3 * top + Math.ceil(workBytes / 8);
      const base = placeQuery(slots, settings, list, query);
      const hitsPtr = base + (S + m + 2 * q) * 8;
      const workPtr = hitsPtr + 3 * top * 8;
      const found = glue.cosine_top(
        this.#ptr,
        this.#peaks,
        this.#count,
        units.ptr,
        units.width,
        units.topBin,
        base + (S + m) * 8,
        q,
        query.norm,
        query.precursorMz,
        base,
        base + S * 8,
        m,
        top,
        Math.ceil(minMatched),
        workPtr,
        pairs,
        peaksCap,
        hitsPtr,
      );
      const block = new Float64Array(k.memory.buffer, base, S);
      if (found === -2) {
        pairsCapacity = Math.max(block[4], Math.ceil(pairs * 1.5));
        continue;
      }
      if (found === -1) {
        throw new RangeError(`SpectralLibrary.top: a list index outside 0..${this.#count - 1}`);
      }
      if (found < 0) throw new RangeError("SpectralLibrary.top: misaligned region (kernel bug)");
      const out = new Float64Array(k.memory.buffer, hitsPtr, 3 * found);
      const hits = Array.from({ length: found }, (_, h) => ({
        position: out[3 * h],
        score: out[3 * h + 1],
        matched: out[3 * h + 2],
      }));
      return { hits, scored: block[6] };
    }
  }

  /** The per-peak bins and unit weights of the bound for `tolerance` (computed once). */
  #unitsFor(tolerance: number): { ptr: number; width: number; topBin: number } {
    const width = glue.cosine_bound_width(tolerance, this.#maxMz);
    if (this.#units?.width === width) return this.#units;
    if (this.#units) glue.free(this.#units.ptr, this.#units.bytes);
    this.#units = undefined;
    const bytes = Math.max(8, 16 * this.#peaks);
    const ptr = glue.alloc(bytes);
    if (!ptr) throw new RangeError(`SpectralLibrary: cannot allocate ${bytes} bytes`);
    const code = glue.cosine_units(this.#ptr, this.#peaks, this.#count, width, ptr);
    if (code < 0) {
      glue.free(ptr, bytes);
      throw new RangeError("SpectralLibrary: library region does not hold together (kernel bug)");
    }
    this.#units = { ptr, bytes, width, topBin: code };
    return this.#units;
  }

  /** Returns the library's memory to the kernels' allocator. */
  free(): void {
    if (this.#ptr) glue.free(this.#ptr, this.#bytes);
    if (this.#units) glue.free(this.#units.ptr, this.#units.bytes);
    this.#ptr = 0;
    this.#units = undefined;
  }
}

// ---- Histograms, profiles, labels ----------------------------------------------------------

/** Bins of a histogram: `bins` equal bins over `[lo, hi)`. */
export interface HistogramSpec {
  /** Number of equal bins. */
  bins: number;
  /** Lower edge of the first bin (inclusive). */
  lo: number;
  /** Upper edge of the last bin (exclusive). */
  hi: number;
}

/** Interleaved sub-histograms the kernels count into (kernels/src/histogram.rs). */
const HIST_WAYS = 4;
/** u32 of scratch the 8-bit histogram kernel needs (`histogram::HIST8_SCRATCH`). */
const HIST8_SCRATCH = 1 << 16;
/** Counts after the bins: below range, at or above range, NaN. */
export const HIST_EXTRA = 3;

type HistExport = (
  ptr: number,
  len: number,
  lo: number,
  hi: number,
  bins: number,
  sub: number,
  out: number,
) => void;

const HIST_EXPORTS: Partial<Record<NumericDtype, HistExport>> = {
  int16: glue.hist_i16,
  uint16: glue.hist_u16,
  int32: glue.hist_i32,
  uint32: glue.hist_u32,
  int64: glue.hist_i64,
  uint64: glue.hist_u64,
  float16: glue.hist_f32,
  float32: glue.hist_f32,
  float64: glue.hist_f64,
};

/**
 * Copies `data` to the start of the scratch region with `extra` more bytes
 * after it (16-byte aligned); returns both addresses.
 */
function stageWith(data: ChunkData, dtype: NumericDtype, extra: number) {
  const n = data.length;
  if (isResident(data, dtype)) {
    // The data already sits in the input region: only the work space goes to scratch.
    const dataPtr = data.byteOffset;
    return { dataPtr, extraPtr: scratch(Math.max(16, extra)) };
  }
  const dataBytes = align16(n * (dtype === "float16" ? 4 : bytesPerElement(dtype)));
  const base = scratch(dataBytes + extra);
  const memory = kernels().memory.buffer;
  if (dtype === "float16") {
    new Float32Array(memory, base, n).set(data as unknown as ArrayLike<number>);
  } else {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, n * bytesPerElement(dtype));
    new Uint8Array(memory, base, bytes.length).set(bytes);
  }
  return { dataPtr: base, extraPtr: base + dataBytes };
}

/** Index of `x` in `spec` the way the kernels compute it (or -1..-3 for below/above/NaN). */
export function histogramBin(x: number, spec: HistogramSpec): number {
  if (Number.isNaN(x)) return spec.bins + 2;
  if (x < spec.lo) return spec.bins;
  if (x >= spec.hi) return spec.bins + 1;
  const i = Math.floor((x - spec.lo) * (spec.bins / (spec.hi - spec.lo)));
  return i >= spec.bins ? spec.bins - 1 : i;
}

/** Entries of the kernels' full 16-bit value table. */
const TABLE16 = 1 << 16;
/** u32 of work space `count_u16` needs: two full-value tables. */
const COUNT16_SCRATCH = 2 * TABLE16;
let cachedMap: { key: string; map: Uint32Array } | undefined;

/** For each biased 16-bit index (`bits ^ 0x8000` for int16), the bin its value falls in (cached). */
function binMap16(dtype: "int16" | "uint16", spec: HistogramSpec): Uint32Array {
  const key = `${dtype}:${spec.bins}:${spec.lo}:${spec.hi}`;
  if (cachedMap?.key === key) return cachedMap.map;
  const map = new Uint32Array(TABLE16);
  const offset = dtype === "int16" ? -0x8000 : 0;
  for (let b = 0; b < TABLE16; b++) map[b] = histogramBin(b + offset, spec);
  cachedMap = { key, map };
  return map;
}

/**
 * Histogram of one chunk: `spec.bins` counts, then the below-range,
 * at-or-above-range and NaN counts. 8-bit data is counted exactly (256
 * values) and folded into `spec`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogram } from "./mod.ts";
 * const h = histogram(new Uint8Array([0, 1, 1, 255]), "uint8", { bins: 256, lo: 0, hi: 256 });
 * assertEquals(h[1], 2);
 * assertEquals(h[255], 1);
 * ```
 */
export function histogram(data: ChunkData, dtype: NumericDtype, spec: HistogramSpec): Uint32Array {
  if (!(spec.bins >= 1 && Number.isInteger(spec.bins) && spec.hi > spec.lo)) {
    throw new RangeError(
      `histogram: expected bins >= 1 and hi > lo, found ${JSON.stringify(spec)}`,
    );
  }
  const n = data.length;
  const out = new Uint32Array(spec.bins + HIST_EXTRA);
  if (dtype === "uint8" || dtype === "bool" || dtype === "int8") {
    // Exact counts of the 256 byte patterns, folded into `spec` (int8 as two's complement).
    const { dataPtr, extraPtr } = stageWith(data, dtype, (HIST8_SCRATCH + 256) * 4);
    const outPtr = extraPtr + HIST8_SCRATCH * 4;
    glue.hist_u8(dataPtr, n, extraPtr, outPtr);
    const exact = new Uint32Array(kernels().memory.buffer, outPtr, 256);
    const signed = dtype === "int8";
    for (let v = 0; v < 256; v++) {
      if (exact[v]) out[histogramBin(signed ? (v << 24) >> 24 : v, spec)] += exact[v];
    }
    return out;
  }
  if ((dtype === "int16" || dtype === "uint16") && n >= TABLE16 / 4) {
    // Count every value into full-value tables, then fold the range of values seen
    // through a cached value->bin map.
    const { dataPtr, extraPtr } = stageWith(data, dtype, COUNT16_SCRATCH * 4);
    const range = glue.count_u16(dataPtr, n, dtype === "int16" ? 0x8000 : 0, extraPtr);
    const table = new Uint32Array(kernels().memory.buffer, extraPtr, COUNT16_SCRATCH);
    const map = binMap16(dtype, spec);
    for (let b = range & 0xffff, hi = range >>> 16; b <= hi; b++) {
      const c = table[b] + table[TABLE16 + b];
      if (c !== 0) out[map[b]] += c;
    }
    return out;
  }
  const width = spec.bins + HIST_EXTRA;
  const { dataPtr, extraPtr } = stageWith(data, dtype, (HIST_WAYS + 1) * width * 4);
  const outPtr = extraPtr + HIST_WAYS * width * 4;
  HIST_EXPORTS[dtype]!(dataPtr, n, spec.lo, spec.hi, spec.bins, extraPtr, outPtr);
  out.set(new Uint32Array(kernels().memory.buffer, outPtr, width));
  return out;
}

type ProfileExport = (ptr: number, len: number, geom: number, acc: number, cells: number) => void;

const PROFILE_EXPORTS: Record<NumericDtype, ProfileExport> = {
  bool: glue.profile_u8,
  uint8: glue.profile_u8,
  int8: glue.profile_i8,
  uint16: glue.profile_u16,
  int16: glue.profile_i16,
  uint32: glue.profile_u32,
  int32: glue.profile_i32,
  uint64: glue.profile_u64,
  int64: glue.profile_i64,
  float16: glue.profile_f32,
  float32: glue.profile_f32,
  float64: glue.profile_f64,
};

/**
 * Accumulates the `extent` region of a chunk into a profile. `acc` holds
 * four equal sections (sums, non-NaN counts, maxima, minima) of `cells`
 * each; the chunk touches cells `first ..` with the given output strides (0
 * on reduced axes). Rank at most 4.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { profileAccumulate } from "./mod.ts";
 * const acc = new Float64Array(8).fill(0);
 * acc.fill(-Infinity, 4, 6); acc.fill(Infinity, 6, 8);
 * // A 2x3 chunk, keeping axis 0: two cells.
 * profileAccumulate(new Uint8Array([1, 2, 3, 4, 5, 6]), "uint8", [2, 3], [3, 1], [1, 0], acc, 0);
 * assertEquals(acc[0], 6);
 * assertEquals(acc[1], 15);
 * ```
 */
export function profileAccumulate(
  data: ChunkData,
  dtype: NumericDtype,
  extent: number[],
  stride: number[],
  outStride: number[],
  acc: Float64Array,
  first: number,
): void {
  const rank = extent.length;
  if (rank > 4) throw new RangeError(`profile: arrays of rank ${rank} > 4 are not supported`);
  if (extent.some((e) => e === 0)) return;
  const cells = acc.length / 4;
  const pad = (xs: number[], fill: number) => [...new Array(4 - rank).fill(fill), ...xs];
  const geom = Uint32Array.from([...pad(extent, 1), ...pad(stride, 0), ...pad(outStride, 0)]);
  const span = extent.reduce((s, e, d) => s + (e - 1) * outStride[d], 0) + 1;
  if (first + span > cells) throw new RangeError("profile: chunk maps outside the profile");
  const { dataPtr, extraPtr } = stageWith(data, dtype, 64 + 4 * span * 8);
  const accPtr = extraPtr + 64;
  const memory = kernels().memory.buffer;
  new Uint32Array(memory, extraPtr, 12).set(geom);
  const view = new Float64Array(memory, accPtr, 4 * span);
  for (let k = 0; k < 4; k++) {
    view.set(acc.subarray(k * cells + first, k * cells + first + span), k * span);
  }
  PROFILE_EXPORTS[dtype](dataPtr, data.length, extraPtr, accPtr, span);
  const back = new Float64Array(kernels().memory.buffer, accPtr, 4 * span);
  for (let k = 0; k < 4; k++) acc.set(back.subarray(k * span, (k + 1) * span), k * cells + first);
}

type LabelExport = (ptr: number, len: number, labels: number, counts: number) => number;

const LABEL_EXPORTS: Partial<Record<NumericDtype, [LabelExport, NumericDtype]>> = {
  uint8: [glue.labels_u8, "uint8"],
  int8: [glue.labels_u8, "uint8"],
  uint16: [glue.labels_u16, "uint16"],
  int16: [glue.labels_u16, "uint16"],
  uint32: [glue.labels_u32, "uint32"],
  int32: [glue.labels_u32, "uint32"],
  uint64: [glue.labels_u64, "uint64"],
  int64: [glue.labels_u64, "uint64"],
};

/**
 * Distinct non-zero labels of a chunk and their voxel counts, ascending.
 * Signed labels are read as the unsigned integers of the same bits.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { labelCounts } from "./mod.ts";
 * const { labels, counts } = labelCounts(new Uint32Array([0, 7, 7, 3]), "uint32");
 * assertEquals(labels[0], 3n);
 * assertEquals(counts[1], 2n);
 * ```
 */
export function labelCounts(
  data: ChunkData,
  dtype: NumericDtype,
): { labels: BigUint64Array; counts: BigUint64Array } {
  const entry = LABEL_EXPORTS[dtype];
  if (!entry) throw new TypeError(`labels: expected an integer dtype, found ${dtype}`);
  const n = data.length;
  const { dataPtr, extraPtr } = stageWith(data, entry[1], 2 * n * 8);
  const count = entry[0](dataPtr, n, extraPtr, extraPtr + n * 8);
  const memory = kernels().memory.buffer;
  return {
    labels: new BigUint64Array(memory, extraPtr, count).slice(),
    counts: new BigUint64Array(memory, extraPtr + n * 8, count).slice(),
  };
}
