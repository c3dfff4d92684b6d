/**
 * MS-Numpress decoders (Teleman et al., 2014), the compressions ProteoWizard
 * and OpenMS write into mzML: `linear` (MS:1002312; m/z and retention times,
 * a fixed-point linear prediction with the residuals packed into half-bytes),
 * `pic` (MS:1002313; positive integers such as ion counts) and `slof`
 * (MS:1002314; intensities as 16-bit logarithms). Each decoder takes the
 * bytes after base64 (and after zlib, for the `...followed by zlib` variants)
 * and throws on a corrupt stream.
 *
 * @module
 */

/** The 8-byte fixed point that starts `linear` and `slof` data (a big-endian double). */
function fixedPoint(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, 8).getFloat64(0, false);
}

/** Reads packed half-bytes: a count nibble, then the integer's low-order nibbles. */
class HalfBytes {
  at = 0;
  half = 0;
  constructor(readonly data: Uint8Array) {}
  private nibble(): number {
    const b = this.data[this.at];
    if (this.half === 0) {
      this.half = 1;
      return b >> 4;
    }
    this.half = 0;
    this.at++;
    return b & 0xf;
  }
  /** One integer (32-bit two's complement, as MSNumpress's `decodeInt`). */
  int(): number {
    const head = this.nibble();
    let n: number;
    let res = 0;
    if (head <= 8) {
      n = head;
    } else {
      // Leading 0xf nibbles (a negative number), then the rest.
      n = head - 8;
      for (let i = 0; i < n; i++) res |= 0xf0000000 >>> (4 * i);
    }
    if (n === 8) return res | 0;
    if (this.at + ((8 - n) - (1 - this.half)) / 2 >= this.data.length) {
      throw new Error("corrupt input data: an integer runs past the end");
    }
    for (let i = n; i < 8; i++) res |= this.nibble() << ((i - n) * 4);
    return res | 0;
  }
  /** True at the last byte's padding nibble (0), which ends the stream. */
  atPadding(): boolean {
    return this.at === this.data.length - 1 && this.half === 1 &&
      (this.data[this.at] & 0xf) === 0;
  }
}

/**
 * Decodes MS-Numpress `linear` data.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeLinear } from "./numpress.ts";
 * // pynumpress.encode_linear([100, 100.5, 101.25, 250.125, 999.999]) with its optimal fixed point.
 * const hex = "414b3748000000004030431588675e1534ab9d0219be7f1012289cf7";
 * const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
 * assertEquals(Array.from(decodeLinear(bytes), (x) => Math.round(x * 1e4) / 1e4), [100, 100.5, 101.25, 250.125, 999.999]);
 * ```
 */
export function decodeLinear(data: Uint8Array): Float64Array {
  if (data.length === 0) return new Float64Array(0);
  if (data.length < 8) throw new Error("corrupt input data: shorter than its fixed point");
  const fp = fixedPoint(data);
  if (data.length === 8) return new Float64Array(0);
  if (data.length < 12) throw new Error("corrupt input data: no room for the first value");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  let prev2 = 0;
  let prev = view.getUint32(8, true);
  out.push(prev / fp);
  if (data.length === 12) return Float64Array.from(out);
  if (data.length < 16) throw new Error("corrupt input data: no room for the second value");
  let cur = view.getUint32(12, true);
  out.push(cur / fp);
  const reader = new HalfBytes(data);
  reader.at = 16;
  while (reader.at < data.length) {
    if (reader.atPadding()) break;
    prev2 = prev;
    prev = cur;
    const diff = reader.int();
    const extrapolated = prev + (prev - prev2);
    cur = extrapolated + diff;
    out.push(cur / fp);
  }
  return Float64Array.from(out);
}

/**
 * Decodes MS-Numpress `pic` data (positive integers).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodePic } from "./numpress.ts";
 * // pynumpress.encode_pic([0, 5, 123456, 7])
 * assertEquals([...decodePic(Uint8Array.of(0x87, 0x53, 0x04, 0x2e, 0x17, 0x70))], [0, 5, 123456, 7]);
 * ```
 */
export function decodePic(data: Uint8Array): Float64Array {
  const out: number[] = [];
  const reader = new HalfBytes(data);
  while (reader.at < data.length) {
    if (reader.atPadding()) break;
    out.push(reader.int() >>> 0);
  }
  return Float64Array.from(out);
}

/**
 * Decodes MS-Numpress `slof` data (short logged floats).
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { decodeSlof } from "./numpress.ts";
 * const hex = "40b5d5000000000000001e27f3ff662d"; // pynumpress.encode_slof([0, 5, 123456, 7], ...)
 * const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
 * assertAlmostEquals(decodeSlof(bytes)[2], 123445.624, 1e-3);
 * ```
 */
export function decodeSlof(data: Uint8Array): Float64Array {
  if (data.length === 0) return new Float64Array(0);
  if (data.length < 8 || (data.length - 8) % 2 !== 0) {
    throw new Error("corrupt input data: not a fixed point and whole 16-bit values");
  }
  const fp = fixedPoint(data);
  const out = new Float64Array((data.length - 8) / 2);
  for (let i = 0; i < out.length; i++) {
    const x = data[8 + 2 * i] | (data[9 + 2 * i] << 8);
    out[i] = Math.exp(x / fp) - 1;
  }
  return out;
}
