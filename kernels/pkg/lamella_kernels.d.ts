/* tslint:disable */
/* eslint-disable */
/**
* Reserves `len` bytes of linear memory (16-byte aligned) and returns their
* address, or 0 when `len` is 0 or memory cannot grow.
* @param {number} len
* @returns {number}
*/
export function alloc(len: number): number;
/**
* Returns a region obtained from [`alloc`] with the same `len`.
* @param {number} ptr
* @param {number} len
*/
export function free(ptr: number, len: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u8(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i8(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u16(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i16(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u32(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i32(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i64(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u64(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_f32(ptr: number, len: number, out: number): void;
/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_f64(ptr: number, len: number, out: number): void;
/**
* Number of f64 scratch slots `detect_peaks` needs for `n` samples with the flat
* parameters (layout in `peaks_api`) at `params_ptr`, or a negative error code.
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @returns {number}
*/
export function peaks_scratch_len(n: number, params_ptr: number, params_len: number): number;
/**
* The first level a second thread should compute for `n` samples (`levels` when
* splitting does not pay), or a negative error code.
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @returns {number}
*/
export function peaks_split_level(n: number, params_ptr: number, params_len: number): number;
/**
* f64 slots `peaks_level_maxima` may write for levels `from..to` of `n` samples, or
* a negative error code.
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @param {number} from
* @param {number} to
* @returns {number}
*/
export function peaks_part_len(n: number, params_ptr: number, params_len: number, from: number, to: number): number;
/**
* Computes levels `from..to` of the `n` samples at `signal_ptr` and writes their
* local maxima at `out_ptr` (`out_len` slots, at least `peaks_part_len`) as a part
* for `detect_peaks`' `parts`. Returns the slots written or a negative error code.
* @param {number} signal_ptr
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @param {number} from
* @param {number} to
* @param {number} scratch_ptr
* @param {number} scratch_len
* @param {number} out_ptr
* @param {number} out_len
* @returns {number}
*/
export function peaks_level_maxima(signal_ptr: number, n: number, params_ptr: number, params_len: number, from: number, to: number, scratch_ptr: number, scratch_len: number, out_ptr: number, out_len: number): number;
/**
* Finds peaks in the `n` f64 samples at `signal_ptr`, writing up to `out_cap` records
* of `peaks_api::PEAK_FIELDS` f64 (index, position, scale, snr, height, fwhm) at
* `out_ptr`. Returns the number of peaks found (retry with a larger `out_cap` if it
* exceeds it) or a negative error code. `scratch_len` must be at least
* `peaks_scratch_len(n, ..)` f64 slots. The four regions must not overlap.
* @param {number} signal_ptr
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @param {number} scratch_ptr
* @param {number} scratch_len
* @param {number} out_ptr
* @param {number} out_cap
* @returns {number}
*/
export function detect_peaks(signal_ptr: number, n: number, params_ptr: number, params_len: number, scratch_ptr: number, scratch_len: number, out_ptr: number, out_cap: number): number;
/**
* First half of a split search: prepares the `n` samples at `signal_ptr` and computes
* levels `..to` into the scratch slots, which must reach `peaks_finish` untouched.
* Returns 0 or a negative error code.
* @param {number} signal_ptr
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @param {number} to
* @param {number} scratch_ptr
* @param {number} scratch_len
* @returns {number}
*/
export function peaks_begin(signal_ptr: number, n: number, params_ptr: number, params_len: number, to: number, scratch_ptr: number, scratch_len: number): number;
/**
* Second half of a split search begun by `peaks_begin(.., to, ..)` on the same
* scratch slots: appends the parts at `parts_ptr` (levels `to..`, from
* `peaks_level_maxima`, in level order) and writes up to `out_cap` peaks as
* `detect_peaks` does. Returns the number found or a negative error code. When the
* number exceeds `out_cap` the search must be begun again (the state is consumed).
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @param {number} to
* @param {number} parts_ptr
* @param {number} parts_len
* @param {number} scratch_ptr
* @param {number} scratch_len
* @param {number} out_ptr
* @param {number} out_cap
* @returns {number}
*/
export function peaks_finish(n: number, params_ptr: number, params_len: number, to: number, parts_ptr: number, parts_len: number, scratch_ptr: number, scratch_len: number, out_ptr: number, out_cap: number): number;
/**
* Scores one query against the library spectra listed at `list_ptr` (`list_len` f64
* indices), from list position `from` on. The library region holds, in f64:
* `mz[lib_peaks] | weight[lib_peaks] | offsets[lib_count + 1] | norm[lib_count] |
* precursor[lib_count]`; the query region `mz[query_peaks] | weight[query_peaks]`. The
* work space at `scratch_ptr` holds `pairs_cap` candidate pairs (20 bytes each), the
* query's m/z index (`4 * (MAX_INDEX_BINS + 2)` bytes) and flags for `peaks_cap` peaks
* per spectrum (2 bytes each). Writes
* `score[list_len] | matched[list_len]` at `out_ptr` (matched -1, score NaN: not a
* candidate). Returns the list positions done: `list_len`, or fewer when the next pair
* needs a larger work space (written to settings slots 4 and 5); or -1 for a library
* region that does not hold together, -3 for a misaligned region.
* @param {number} lib_ptr
* @param {number} lib_peaks
* @param {number} lib_count
* @param {number} query_ptr
* @param {number} query_peaks
* @param {number} query_norm
* @param {number} query_precursor
* @param {number} settings_ptr
* @param {number} list_ptr
* @param {number} list_len
* @param {number} from
* @param {number} scratch_ptr
* @param {number} pairs_cap
* @param {number} peaks_cap
* @param {number} out_ptr
* @returns {number}
*/
export function cosine_scores(lib_ptr: number, lib_peaks: number, lib_count: number, query_ptr: number, query_peaks: number, query_norm: number, query_precursor: number, settings_ptr: number, list_ptr: number, list_len: number, from: number, scratch_ptr: number, pairs_cap: number, peaks_cap: number, out_ptr: number): number;
/**
* Width of the bins of [`cosine_top`]'s bound for `tolerance` on m/z up to `max_mz`.
* @param {number} tolerance
* @param {number} max_mz
* @returns {number}
*/
export function cosine_bound_width(tolerance: number, max_mz: number): number;
/**
* Writes, per library peak, its bin on the bound's grid of `width` (`lib_peaks` f64 at
* `out_ptr`), then its `weight / norm` (`lib_peaks` more), for [`cosine_top`]. Returns
* the highest bin, -1 for a library region that does not hold together, -3 for a
* misaligned region.
* @param {number} lib_ptr
* @param {number} lib_peaks
* @param {number} lib_count
* @param {number} width
* @param {number} out_ptr
* @returns {number}
*/
export function cosine_units(lib_ptr: number, lib_peaks: number, lib_count: number, width: number, out_ptr: number): number;
/**
* The `top` best library spectra of the list for one query, with at least
* `min_matched` matched peaks (see `cosine::top_hits`): pairs whose binned bound
* cannot reach the `top`-th score are not scored. Regions as in [`cosine_scores`],
* plus `units` and `top_bin` from [`cosine_units`] for the same `width`; the work space holds, in
* order, `MAX_BOUND_BINS` f64, `list_len` u64, `pairs_cap` f64, `3 * pairs_cap +
* MAX_INDEX_BINS + 2` u32 and `2 * peaks_cap` bytes. `list_len` is at most 2^20. Writes `3 * found` f64
* (list position, score, matched) at `hits_ptr` and the pairs scored to settings slot
* 6. Returns `found`, -2 when a pair needs a larger work space (settings slots 4 and
* 5), -1 for a region that does not hold together, -3 for a misaligned region.
* @param {number} lib_ptr
* @param {number} lib_peaks
* @param {number} lib_count
* @param {number} units_ptr
* @param {number} width
* @param {number} top_bin
* @param {number} query_ptr
* @param {number} query_peaks
* @param {number} query_norm
* @param {number} query_precursor
* @param {number} settings_ptr
* @param {number} list_ptr
* @param {number} list_len
* @param {number} top
* @param {number} min_matched
* @param {number} scratch_ptr
* @param {number} pairs_cap
* @param {number} peaks_cap
* @param {number} hits_ptr
* @returns {number}
*/
export function cosine_top(lib_ptr: number, lib_peaks: number, lib_count: number, units_ptr: number, width: number, top_bin: number, query_ptr: number, query_peaks: number, query_norm: number, query_precursor: number, settings_ptr: number, list_ptr: number, list_len: number, top: number, min_matched: number, scratch_ptr: number, pairs_cap: number, peaks_cap: number, hits_ptr: number): number;
/**
* Exact 256-bin histogram of `len` bytes at `ptr` (u8, or i8 and bool
* reinterpreted by the caller), written as 256 u32 at `out`; `sub` is
* scratch for `histogram::HIST8_SCRATCH` u32.
* @param {number} ptr
* @param {number} len
* @param {number} sub
* @param {number} out
*/
export function hist_u8(ptr: number, len: number, sub: number, out: number): void;
/**
* Counts the `len` u16 at `ptr` into two full-value tables at `table`
* (`histogram::COUNT16_SCRATCH` u32), indexed by value xor `bias` (0x8000
* for int16). Returns `lo | hi << 16`, the index range written (`lo > hi`
* when `len` is 0); the caller folds both tables over that range.
* @param {number} ptr
* @param {number} len
* @param {number} bias
* @param {number} table
* @returns {number}
*/
export function count_u16(ptr: number, len: number, bias: number, table: number): number;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_i16(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_u16(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_i32(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_u32(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_i64(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_u64(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_f32(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
* `bins` u32 counts then below, above and NaN counts at `out`; `sub`
* is scratch for `WAYS * (bins + 3)` u32.
* @param {number} ptr
* @param {number} len
* @param {number} lo
* @param {number} hi
* @param {number} bins
* @param {number} sub
* @param {number} out
*/
export function hist_f64(ptr: number, len: number, lo: number, hi: number, bins: number, sub: number, out: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_u8(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_i8(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_u16(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_i16(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_u32(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_i32(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_u64(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_i64(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_f32(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Accumulates a chunk into a profile. `geom` points at 12 u32: the
* extent, element strides and output strides of 4 (padded) axes.
* `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
* @param {number} ptr
* @param {number} len
* @param {number} geom
* @param {number} acc
* @param {number} cells
*/
export function profile_f64(ptr: number, len: number, geom: number, acc: number, cells: number): void;
/**
* Distinct non-zero labels of `len` elements at `ptr` and their voxel
* counts, ascending, written as u64 at `labels` and `counts` (each with
* room for `len`). Returns how many.
* @param {number} ptr
* @param {number} len
* @param {number} labels
* @param {number} counts
* @returns {number}
*/
export function labels_u8(ptr: number, len: number, labels: number, counts: number): number;
/**
* Distinct non-zero labels of `len` elements at `ptr` and their voxel
* counts, ascending, written as u64 at `labels` and `counts` (each with
* room for `len`). Returns how many.
* @param {number} ptr
* @param {number} len
* @param {number} labels
* @param {number} counts
* @returns {number}
*/
export function labels_u16(ptr: number, len: number, labels: number, counts: number): number;
/**
* Distinct non-zero labels of `len` elements at `ptr` and their voxel
* counts, ascending, written as u64 at `labels` and `counts` (each with
* room for `len`). Returns how many.
* @param {number} ptr
* @param {number} len
* @param {number} labels
* @param {number} counts
* @returns {number}
*/
export function labels_u32(ptr: number, len: number, labels: number, counts: number): number;
/**
* Distinct non-zero labels of `len` elements at `ptr` and their voxel
* counts, ascending, written as u64 at `labels` and `counts` (each with
* room for `len`). Returns how many.
* @param {number} ptr
* @param {number} len
* @param {number} labels
* @param {number} counts
* @returns {number}
*/
export function labels_u64(ptr: number, len: number, labels: number, counts: number): number;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
  readonly memory: WebAssembly.Memory;
  readonly stats_u8: (a: number, b: number, c: number) => void;
  readonly stats_i8: (a: number, b: number, c: number) => void;
  readonly stats_u16: (a: number, b: number, c: number) => void;
  readonly stats_i16: (a: number, b: number, c: number) => void;
  readonly stats_u32: (a: number, b: number, c: number) => void;
  readonly stats_i32: (a: number, b: number, c: number) => void;
  readonly stats_i64: (a: number, b: number, c: number) => void;
  readonly stats_u64: (a: number, b: number, c: number) => void;
  readonly stats_f32: (a: number, b: number, c: number) => void;
  readonly stats_f64: (a: number, b: number, c: number) => void;
  readonly peaks_scratch_len: (a: number, b: number, c: number) => number;
  readonly peaks_split_level: (a: number, b: number, c: number) => number;
  readonly peaks_part_len: (a: number, b: number, c: number, d: number, e: number) => number;
  readonly peaks_level_maxima: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => number;
  readonly detect_peaks: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => number;
  readonly peaks_begin: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => number;
  readonly peaks_finish: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => number;
  readonly cosine_scores: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => number;
  readonly cosine_units: (a: number, b: number, c: number, d: number, e: number) => number;
  readonly cosine_top: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number) => number;
  readonly hist_u8: (a: number, b: number, c: number, d: number) => void;
  readonly count_u16: (a: number, b: number, c: number, d: number) => number;
  readonly hist_i16: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_u16: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_i32: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_u32: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_i64: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_u64: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_f32: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly hist_f64: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
  readonly profile_u8: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_i8: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_u16: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_i16: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_u32: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_i32: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_u64: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_i64: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_f32: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly profile_f64: (a: number, b: number, c: number, d: number, e: number) => void;
  readonly labels_u8: (a: number, b: number, c: number, d: number) => number;
  readonly labels_u16: (a: number, b: number, c: number, d: number) => number;
  readonly labels_u32: (a: number, b: number, c: number, d: number) => number;
  readonly labels_u64: (a: number, b: number, c: number, d: number) => number;
  readonly cosine_bound_width: (a: number, b: number) => number;
  readonly alloc: (a: number) => number;
  readonly free: (a: number, b: number) => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;
/**
* Instantiates the given `module`, which can either be bytes or
* a precompiled `WebAssembly.Module`.
*
* @param {SyncInitInput} module
*
* @returns {InitOutput}
*/
export function initSync(module: SyncInitInput): InitOutput;

/**
* If `module_or_path` is {RequestInfo} or {URL}, makes a request and
* for everything else, calls `WebAssembly.instantiate` directly.
*
* @param {InitInput | Promise<InitInput>} module_or_path
*
* @returns {Promise<InitOutput>}
*/
export default function init (module_or_path?: InitInput | Promise<InitInput>): Promise<InitOutput>;
