
let wasm;

/**
* Reserves `len` bytes of linear memory (16-byte aligned) and returns their
* address, or 0 when `len` is 0 or memory cannot grow.
* @param {number} len
* @returns {number}
*/
export function alloc(len) {
    const ret = wasm.alloc(len);
    return ret >>> 0;
}

/**
* Returns a region obtained from [`alloc`] with the same `len`.
* @param {number} ptr
* @param {number} len
*/
export function free(ptr, len) {
    wasm.free(ptr, len);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u8(ptr, len, out) {
    wasm.stats_u8(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i8(ptr, len, out) {
    wasm.stats_i8(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u16(ptr, len, out) {
    wasm.stats_u16(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i16(ptr, len, out) {
    wasm.stats_i16(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u32(ptr, len, out) {
    wasm.stats_u32(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i32(ptr, len, out) {
    wasm.stats_i32(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_i64(ptr, len, out) {
    wasm.stats_i64(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_u64(ptr, len, out) {
    wasm.stats_u64(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_f32(ptr, len, out) {
    wasm.stats_f32(ptr, len, out);
}

/**
* Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
* @param {number} ptr
* @param {number} len
* @param {number} out
*/
export function stats_f64(ptr, len, out) {
    wasm.stats_f64(ptr, len, out);
}

/**
* Number of f64 scratch slots `detect_peaks` needs for `n` samples with the flat
* parameters (layout in `peaks_api`) at `params_ptr`, or a negative error code.
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @returns {number}
*/
export function peaks_scratch_len(n, params_ptr, params_len) {
    const ret = wasm.peaks_scratch_len(n, params_ptr, params_len);
    return ret;
}

/**
* The first level a second thread should compute for `n` samples (`levels` when
* splitting does not pay), or a negative error code.
* @param {number} n
* @param {number} params_ptr
* @param {number} params_len
* @returns {number}
*/
export function peaks_split_level(n, params_ptr, params_len) {
    const ret = wasm.peaks_split_level(n, params_ptr, params_len);
    return ret;
}

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
export function peaks_part_len(n, params_ptr, params_len, from, to) {
    const ret = wasm.peaks_part_len(n, params_ptr, params_len, from, to);
    return ret;
}

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
export function peaks_level_maxima(signal_ptr, n, params_ptr, params_len, from, to, scratch_ptr, scratch_len, out_ptr, out_len) {
    const ret = wasm.peaks_level_maxima(signal_ptr, n, params_ptr, params_len, from, to, scratch_ptr, scratch_len, out_ptr, out_len);
    return ret;
}

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
export function detect_peaks(signal_ptr, n, params_ptr, params_len, scratch_ptr, scratch_len, out_ptr, out_cap) {
    const ret = wasm.detect_peaks(signal_ptr, n, params_ptr, params_len, scratch_ptr, scratch_len, out_ptr, out_cap);
    return ret;
}

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
export function peaks_begin(signal_ptr, n, params_ptr, params_len, to, scratch_ptr, scratch_len) {
    const ret = wasm.peaks_begin(signal_ptr, n, params_ptr, params_len, to, scratch_ptr, scratch_len);
    return ret;
}

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
export function peaks_finish(n, params_ptr, params_len, to, parts_ptr, parts_len, scratch_ptr, scratch_len, out_ptr, out_cap) {
    const ret = wasm.peaks_finish(n, params_ptr, params_len, to, parts_ptr, parts_len, scratch_ptr, scratch_len, out_ptr, out_cap);
    return ret;
}

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
export function cosine_scores(lib_ptr, lib_peaks, lib_count, query_ptr, query_peaks, query_norm, query_precursor, settings_ptr, list_ptr, list_len, from, scratch_ptr, pairs_cap, peaks_cap, out_ptr) {
    const ret = wasm.cosine_scores(lib_ptr, lib_peaks, lib_count, query_ptr, query_peaks, query_norm, query_precursor, settings_ptr, list_ptr, list_len, from, scratch_ptr, pairs_cap, peaks_cap, out_ptr);
    return ret;
}

/**
* Width of the bins of [`cosine_top`]'s bound for `tolerance` on m/z up to `max_mz`.
* @param {number} tolerance
* @param {number} max_mz
* @returns {number}
*/
export function cosine_bound_width(tolerance, max_mz) {
    const ret = wasm.cosine_bound_width(tolerance, max_mz);
    return ret;
}

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
export function cosine_units(lib_ptr, lib_peaks, lib_count, width, out_ptr) {
    const ret = wasm.cosine_units(lib_ptr, lib_peaks, lib_count, width, out_ptr);
    return ret;
}

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
export function cosine_top(lib_ptr, lib_peaks, lib_count, units_ptr, width, top_bin, query_ptr, query_peaks, query_norm, query_precursor, settings_ptr, list_ptr, list_len, top, min_matched, scratch_ptr, pairs_cap, peaks_cap, hits_ptr) {
    const ret = wasm.cosine_top(lib_ptr, lib_peaks, lib_count, units_ptr, width, top_bin, query_ptr, query_peaks, query_norm, query_precursor, settings_ptr, list_ptr, list_len, top, min_matched, scratch_ptr, pairs_cap, peaks_cap, hits_ptr);
    return ret;
}

/**
* Exact 256-bin histogram of `len` bytes at `ptr` (u8, or i8 and bool
* reinterpreted by the caller), written as 256 u32 at `out`; `sub` is
* scratch for `histogram::HIST8_SCRATCH` u32.
* @param {number} ptr
* @param {number} len
* @param {number} sub
* @param {number} out
*/
export function hist_u8(ptr, len, sub, out) {
    wasm.hist_u8(ptr, len, sub, out);
}

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
export function count_u16(ptr, len, bias, table) {
    const ret = wasm.count_u16(ptr, len, bias, table);
    return ret >>> 0;
}

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
export function hist_i16(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_i16(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_u16(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_u16(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_i32(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_i32(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_u32(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_u32(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_i64(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_i64(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_u64(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_u64(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_f32(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_f32(ptr, len, lo, hi, bins, sub, out);
}

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
export function hist_f64(ptr, len, lo, hi, bins, sub, out) {
    wasm.hist_f64(ptr, len, lo, hi, bins, sub, out);
}

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
export function profile_u8(ptr, len, geom, acc, cells) {
    wasm.profile_u8(ptr, len, geom, acc, cells);
}

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
export function profile_i8(ptr, len, geom, acc, cells) {
    wasm.profile_i8(ptr, len, geom, acc, cells);
}

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
export function profile_u16(ptr, len, geom, acc, cells) {
    wasm.profile_u16(ptr, len, geom, acc, cells);
}

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
export function profile_i16(ptr, len, geom, acc, cells) {
    wasm.profile_i16(ptr, len, geom, acc, cells);
}

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
export function profile_u32(ptr, len, geom, acc, cells) {
    wasm.profile_u32(ptr, len, geom, acc, cells);
}

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
export function profile_i32(ptr, len, geom, acc, cells) {
    wasm.profile_i32(ptr, len, geom, acc, cells);
}

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
export function profile_u64(ptr, len, geom, acc, cells) {
    wasm.profile_u64(ptr, len, geom, acc, cells);
}

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
export function profile_i64(ptr, len, geom, acc, cells) {
    wasm.profile_i64(ptr, len, geom, acc, cells);
}

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
export function profile_f32(ptr, len, geom, acc, cells) {
    wasm.profile_f32(ptr, len, geom, acc, cells);
}

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
export function profile_f64(ptr, len, geom, acc, cells) {
    wasm.profile_f64(ptr, len, geom, acc, cells);
}

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
export function labels_u8(ptr, len, labels, counts) {
    const ret = wasm.labels_u8(ptr, len, labels, counts);
    return ret >>> 0;
}

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
export function labels_u16(ptr, len, labels, counts) {
    const ret = wasm.labels_u16(ptr, len, labels, counts);
    return ret >>> 0;
}

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
export function labels_u32(ptr, len, labels, counts) {
    const ret = wasm.labels_u32(ptr, len, labels, counts);
    return ret >>> 0;
}

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
export function labels_u64(ptr, len, labels, counts) {
    const ret = wasm.labels_u64(ptr, len, labels, counts);
    return ret >>> 0;
}

async function load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);

            } catch (e) {
                if (module.headers.get('Content-Type') != 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else {
                    throw e;
                }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);

    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };

        } else {
            return instance;
        }
    }
}

function getImports() {
    const imports = {};
    imports.wbg = {};

    return imports;
}

function initMemory(imports, maybe_memory) {

}

function finalizeInit(instance, module) {
    wasm = instance.exports;
    init.__wbindgen_wasm_module = module;


    return wasm;
}

function initSync(module) {
    const imports = getImports();

    initMemory(imports);

    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }

    const instance = new WebAssembly.Instance(module, imports);

    return finalizeInit(instance, module);
}

async function init(input) {
    if (typeof input === 'undefined') {
        input = new URL('lamella_kernels_bg.wasm', import.meta.url);
    }
    const imports = getImports();

    if (typeof input === 'string' || (typeof Request === 'function' && input instanceof Request) || (typeof URL === 'function' && input instanceof URL)) {
        input = fetch(input);
    }

    initMemory(imports);

    const { instance, module } = await load(await input, imports);

    return finalizeInit(instance, module);
}

export { initSync }
export default init;
