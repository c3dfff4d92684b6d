/**
 * The ms-run store: a mass-spectrometry run as a Zarr v3 group, written by
 * lamella's own streaming writer and readable by zarr-python, zarrita and
 * TensorStore.
 *
 * Root attribute `lamella` = `{kind: "ms-run", spectra: N, source, format}`.
 * Arrays (1-D, sharded with `sharding_indexed`: zstd inner chunks, a crc32c
 * shard index at the end):
 *
 * - `mz` (float64) and `intensity` (float32): every spectrum's peaks,
 *   concatenated; `offsets` (uint64, N+1): spectrum i is
 *   `[offsets[i], offsets[i+1])`;
 * - per spectrum: `rt` (seconds, float64), `ms_level` (uint8),
 *   `precursor_mz` (float64, NaN when none), `tic` and `base_peak_intensity`
 *   (float64; from the file, else computed from the peaks), `centroided` (bool);
 *   imzML runs also `x` and `y` (uint32).
 *
 * Memory: one shard per array is buffered (8 MiB for `mz`, 4 MiB for `intensity`, 512 KiB or
 * less for each per-spectrum array), whatever the run's size.
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";
import { zstdEncoder } from "../store/decoders.ts";
import { crc32c } from "../store/numcodecs.ts";

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

/** The spectrum fields an ms-run store holds. */
export interface RunSpectrum {
  /** Retention time in seconds (NaN when unknown). */
  rt: number;
  /** MS level (0 when unknown). */
  msLevel: number;
  /** Precursor m/z (NaN when none). */
  precursorMz: number;
  /** Total ion current (NaN: computed from the peaks). */
  tic: number;
  /** Base peak intensity (NaN: computed from the peaks). */
  basePeakIntensity: number;
  /** Whether the peaks are centroids (false: a profile spectrum). */
  centroided: boolean;
  /** Peak m/z values. */
  mz: ArrayLike<number>;
  /** Peak intensities, in the order of `mz`. */
  intensity: ArrayLike<number>;
  /** Pixel coordinates (imzML). */
  x?: number;
  /** Pixel coordinates (imzML). */
  y?: number;
}

type Dtype = "float64" | "float32" | "uint64" | "uint32" | "uint8" | "bool";

const CTORS = {
  float64: Float64Array,
  float32: Float32Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

const FILL: Record<Dtype, number | string | boolean> = {
  float64: "NaN",
  float32: "NaN",
  uint64: 0,
  uint32: 0,
  uint8: 0,
  bool: false,
};

/** Elements per inner chunk and inner chunks per shard, for peaks and for per-spectrum values. */
const PEAK_LAYOUT = { inner: 65536, perShard: 16 };
const SPECTRUM_LAYOUT = { inner: 16384, perShard: 4 };

/**
 * One 1-D sharded array written front to back: values are appended, a shard
 * file is written each time one fills, and `zarr.json` (which needs the final
 * length) last.
 */
class ColumnWriter {
  private readonly buffer: Float64Array | Float32Array | BigUint64Array | Uint32Array | Uint8Array;
  private filled = 0;
  private shard = 0;
  length = 0;

  private readonly inner: number;
  private readonly perShard: number;
  private scratch?: Uint8Array;
  private readonly encoder = zstdEncoder(1);

  constructor(
    readonly dir: string,
    readonly dtype: Dtype,
    layout: { inner: number; perShard: number },
  ) {
    this.inner = layout.inner;
    this.perShard = layout.perShard;
    this.buffer = new CTORS[dtype](layout.inner * layout.perShard);
  }

  async append(values: ArrayLike<number> | number): Promise<void> {
    const one = typeof values === "number";
    const n = one ? 1 : values.length;
    for (let i = 0; i < n;) {
      const take = Math.min(n - i, this.buffer.length - this.filled);
      if (this.buffer instanceof BigUint64Array) {
        for (let k = 0; k < take; k++) {
          this.buffer[this.filled + k] = BigInt(
            one ? values : (values as ArrayLike<number>)[i + k],
          );
        }
      } else if (one) {
        this.buffer[this.filled] = values as number;
      } else if (ArrayBuffer.isView(values)) {
        // Typed arrays are copied (and converted) natively.
        const src = values as unknown as Float64Array;
        (this.buffer as Float64Array).set(src.subarray(i, i + take), this.filled);
      } else {
        const src = values as ArrayLike<number>;
        for (let k = 0; k < take; k++) this.buffer[this.filled + k] = src[i + k];
      }
      this.filled += take;
      this.length += take;
      i += take;
      if (this.filled === this.buffer.length) await this.flush();
    }
  }

  /** Writes the buffered shard: encoded inner chunks, then the index and its crc32c. */
  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.buffer.byteLength);
    const size = this.buffer.BYTES_PER_ELEMENT;
    const inner = this.inner;
    // One scratch chunk, reused: only the compressed output is allocated per chunk.
    this.scratch ??= new Uint8Array(inner * size);
    const index = new BigUint64Array(2 * this.perShard).fill(0xffffffffffffffffn);
    await Deno.mkdir(`${this.dir}/c`, { recursive: true });
    const file = await Deno.open(`${this.dir}/c/${this.shard}`, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      let offset = 0;
      for (let c = 0; c * inner < this.filled; c++) {
        const end = Math.min(this.filled, (c + 1) * inner);
        let chunk = bytes.subarray(c * inner * size, (c + 1) * inner * size);
        if (end < (c + 1) * inner) {
          // The last inner chunk is padded to full size with the fill value.
          this.scratch.set(bytes.subarray(c * inner * size, end * size));
          this.pad(this.scratch, end - c * inner);
          chunk = this.scratch;
        }
        const encoded = this.encoder.encode(chunk);
        await writeAll(file, encoded);
        index[2 * c] = BigInt(offset);
        index[2 * c + 1] = BigInt(encoded.length);
        offset += encoded.length;
      }
      const indexBytes = new Uint8Array(index.buffer);
      const crc = new Uint8Array(4);
      new DataView(crc.buffer).setUint32(0, crc32c(indexBytes), true);
      await writeAll(file, indexBytes);
      await writeAll(file, crc);
    } finally {
      file.close();
    }
    this.shard++;
    this.filled = 0;
  }

  private pad(chunk: Uint8Array, from: number): void {
    if (this.dtype !== "float64" && this.dtype !== "float32") {
      chunk.fill(0, from * this.buffer.BYTES_PER_ELEMENT); // integer and bool fill is 0
      return;
    }
    const view = this.dtype === "float64"
      ? new Float64Array(chunk.buffer)
      : new Float32Array(chunk.buffer);
    view.fill(NaN, from);
  }

  /** Writes the last shard and the array's metadata. */
  async finish(attributes: Record<string, unknown> = {}): Promise<void> {
    await this.flush();
    await Deno.mkdir(this.dir, { recursive: true });
    const meta = {
      zarr_format: 3,
      node_type: "array",
      shape: [this.length],
      data_type: this.dtype,
      chunk_grid: {
        name: "regular",
        configuration: { chunk_shape: [this.inner * this.perShard] },
      },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: FILL[this.dtype],
      codecs: [{
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [this.inner],
          codecs: [
            { name: "bytes", configuration: { endian: "little" } },
            { name: "zstd", configuration: { level: 1, checksum: false } },
          ],
          index_codecs: [
            { name: "bytes", configuration: { endian: "little" } },
            { name: "crc32c" },
          ],
          index_location: "end",
        },
      }],
      attributes,
    };
    await Deno.writeTextFile(`${this.dir}/zarr.json`, JSON.stringify(meta, null, 2) + "\n");
  }
}

/** What {@linkcode MsRunWriter.finish} reports. */
export interface MsRunSummary {
  /** Spectra written. */
  spectra: number;
  /** Peaks written (the length of `mz`). */
  peaks: number;
}

/**
 * Writes an ms-run store at `path`, spectrum by spectrum. The store is built
 * in a sibling directory and renamed into place by {@linkcode finish}, so
 * `path` never holds half a run; {@linkcode abort} removes the partial one.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MsRunWriter } from "./run_store.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await MsRunWriter.create(`${dir}/run.zarr`, { source: "x.mgf", format: "mgf" });
 * await w.add({ rt: 1.5, msLevel: 2, precursorMz: 300.1, tic: NaN, basePeakIntensity: NaN,
 *   centroided: true, mz: [100, 200], intensity: [5, 7] });
 * assertEquals(await w.finish(), { spectra: 1, peaks: 2 });
 * const root = JSON.parse(await Deno.readTextFile(`${dir}/run.zarr/zarr.json`));
 * assertEquals(root.attributes.lamella.kind, "ms-run");
 * ```
 */
export class MsRunWriter {
  private readonly columns: Record<string, ColumnWriter>;
  private spectra = 0;
  private peaks = 0;
  private imaging = false;

  private constructor(
    readonly path: string,
    private readonly staging: string,
    private readonly attrs: Record<string, unknown>,
  ) {
    const col = (name: string, dtype: Dtype) =>
      new ColumnWriter(`${staging}/${name}`, dtype, SPECTRUM_LAYOUT);
    this.columns = {
      mz: new ColumnWriter(`${staging}/mz`, "float64", PEAK_LAYOUT),
      intensity: new ColumnWriter(`${staging}/intensity`, "float32", PEAK_LAYOUT),
      offsets: col("offsets", "uint64"),
      rt: col("rt", "float64"),
      ms_level: col("ms_level", "uint8"),
      precursor_mz: col("precursor_mz", "float64"),
      tic: col("tic", "float64"),
      base_peak_intensity: col("base_peak_intensity", "float64"),
      centroided: col("centroided", "bool"),
      x: col("x", "uint32"),
      y: col("y", "uint32"),
    };
  }

  /** Starts a run at `path` (which must not exist); `attrs` go into the root's `lamella`. */
  static async create(path: string, attrs: Record<string, unknown>): Promise<MsRunWriter> {
    const clean = path.replace(/\/+$/, "");
    try {
      await Deno.stat(clean);
      throw new LamellaError(`${clean}: already exists; remove it or choose another --out`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const slash = clean.lastIndexOf("/");
    const parent = slash > 0 ? clean.slice(0, slash) : ".";
    await Deno.mkdir(parent, { recursive: true });
    const staging = await Deno.makeTempDir({
      dir: parent,
      prefix: `.${clean.slice(slash + 1)}.partial-`,
    });
    const w = new MsRunWriter(clean, staging, attrs);
    await w.columns.offsets.append(0);
    return w;
  }

  /** Appends one spectrum. */
  async add(s: RunSpectrum): Promise<void> {
    if (s.mz.length !== s.intensity.length) {
      throw new LamellaError(
        `spectrum ${this.spectra}: ${s.mz.length} m/z values but ${s.intensity.length} intensities`,
      );
    }
    let tic = 0;
    let base = 0;
    for (let i = 0; i < s.intensity.length; i++) {
      tic += s.intensity[i];
      if (s.intensity[i] > base) base = s.intensity[i];
    }
    const c = this.columns;
    await c.mz.append(s.mz);
    await c.intensity.append(s.intensity);
    this.peaks += s.mz.length;
    await c.offsets.append(this.peaks);
    await c.rt.append(s.rt);
    await c.ms_level.append(s.msLevel);
    await c.precursor_mz.append(s.precursorMz);
    await c.tic.append(Number.isNaN(s.tic) ? tic : s.tic);
    await c.base_peak_intensity.append(
      Number.isNaN(s.basePeakIntensity) ? base : s.basePeakIntensity,
    );
    await c.centroided.append(s.centroided ? 1 : 0);
    if (s.x !== undefined || s.y !== undefined) this.imaging = true;
    await c.x.append(s.x ?? 0);
    await c.y.append(s.y ?? 0);
    this.spectra++;
  }

  /** Writes the metadata and moves the run into place. */
  async finish(): Promise<MsRunSummary> {
    for (const [name, column] of Object.entries(this.columns)) {
      if ((name === "x" || name === "y") && !this.imaging) {
        await Deno.remove(column.dir, { recursive: true }).catch(() => {});
        continue;
      }
      await column.finish();
    }
    const root = {
      zarr_format: 3,
      node_type: "group",
      attributes: { lamella: { kind: "ms-run", spectra: this.spectra, ...this.attrs } },
    };
    await Deno.writeTextFile(`${this.staging}/zarr.json`, JSON.stringify(root, null, 2) + "\n");
    await Deno.rename(this.staging, this.path);
    return { spectra: this.spectra, peaks: this.peaks };
  }

  /** Removes the partial run. */
  async abort(): Promise<void> {
    await Deno.remove(this.staging, { recursive: true }).catch(() => {});
  }
}
