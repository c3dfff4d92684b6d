//! lamella's WebAssembly kernels. This file is the whole `#[wasm_bindgen]`
//! surface: it checks arguments, turns caller-owned regions of linear memory
//! into slices and calls into one module per algorithm. Nothing here
//! allocates per call; the caller (kernels/mod.ts) owns one scratch region
//! and passes pointers into it.

mod cosine;
mod cwt;
mod fft;
mod histogram;
mod labels;
mod peaks_api;
mod profile;
mod reduce;
mod ridges;

use wasm_bindgen::prelude::*;

/// Alignment of every region handed out by [`alloc`]: enough for f64 and v128.
const ALIGN: usize = 16;

/// Reserves `len` bytes of linear memory (16-byte aligned) and returns their
/// address, or 0 when `len` is 0 or memory cannot grow.
#[wasm_bindgen]
pub fn alloc(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    match std::alloc::Layout::from_size_align(len, ALIGN) {
        // SAFETY: the layout has a non-zero size, checked above.
        Ok(layout) => unsafe { std::alloc::alloc(layout) as usize },
        Err(_) => 0,
    }
}

/// Returns a region obtained from [`alloc`] with the same `len`.
#[wasm_bindgen]
pub fn free(ptr: usize, len: usize) {
    if ptr == 0 || len == 0 {
        return;
    }
    if let Ok(layout) = std::alloc::Layout::from_size_align(len, ALIGN) {
        // SAFETY: the caller passes back a pointer that `alloc(len)` returned,
        // so it was allocated with exactly this layout and is freed once.
        unsafe { std::alloc::dealloc(ptr as *mut u8, layout) }
    }
}

/// Number of 8-byte slots every stats kernel writes at `out`.
pub const STATS_SLOTS: usize = 8;

/// Borrows `len` elements of `T` at `ptr`.
///
/// # Safety
/// `ptr` must point to `len` initialised, properly aligned `T`s inside linear
/// memory that nothing else mutates for the lifetime of the slice.
unsafe fn slice<'a, T>(ptr: usize, len: usize) -> &'a [T] {
    if len == 0 {
        return &[];
    }
    std::slice::from_raw_parts(ptr as *const T, len)
}

/// Mutably borrows the `STATS_SLOTS` output slots at `out`.
///
/// # Safety
/// `out` must be 8-byte aligned with `STATS_SLOTS * 8` writable bytes that
/// nothing else borrows.
unsafe fn out_slots<'a>(out: usize) -> &'a mut [u64] {
    std::slice::from_raw_parts_mut(out as *mut u64, STATS_SLOTS)
}

fn write_int(out: usize, s: reduce::IntStats) {
    // SAFETY: kernels/mod.ts passes an aligned 64-byte output region it owns.
    let o = unsafe { out_slots(out) };
    o[0] = s.count;
    o[1] = s.min as u64;
    o[2] = s.max as u64;
    o[3] = s.sum as u64;
    o[4] = (s.sum >> 64) as u64;
    o[5] = s.sum_sq as u64;
    o[6] = (s.sum_sq >> 64) as u64;
    o[7] = 0;
}

fn write_wide(out: usize, s: reduce::WideIntStats) {
    // SAFETY: as in `write_int`.
    let o = unsafe { out_slots(out) };
    o[0] = s.count;
    o[1] = s.min as u64;
    o[2] = s.max as u64;
    o[3] = s.sum as u64;
    o[4] = (s.sum >> 64) as u64;
    o[5] = s.m2.to_bits();
    o[6] = 0;
    o[7] = 0;
}

fn write_float(out: usize, s: reduce::FloatStats) {
    // SAFETY: as in `write_int`.
    let o = unsafe { out_slots(out) };
    o[0] = s.count;
    o[1] = s.nan_count;
    o[2] = s.pos_inf;
    o[3] = s.neg_inf;
    o[4] = s.min.to_bits();
    o[5] = s.max.to_bits();
    o[6] = s.sum.to_bits();
    o[7] = s.m2.to_bits();
}

macro_rules! export_stats {
    ($export:ident, $kernel:path, $t:ty, $write:ident) => {
        /// Statistics of `len` elements at `ptr`, written to the 8 slots at `out`.
        #[wasm_bindgen]
        pub fn $export(ptr: usize, len: usize, out: usize) {
            assert!(ptr % std::mem::align_of::<$t>() == 0, "misaligned input");
            assert!(out % 8 == 0 && out != 0, "misaligned output");
            // SAFETY: kernels/mod.ts copied `len` elements of this type into its
            // scratch region at `ptr` (aligned, checked above) and does not
            // touch it until this call returns.
            let data = unsafe { slice::<$t>(ptr, len) };
            $write(out, $kernel(data));
        }
    };
}

export_stats!(stats_u8, reduce::stats_u8, u8, write_int);
export_stats!(stats_i8, reduce::stats_i8, i8, write_int);
export_stats!(stats_u16, reduce::stats_u16, u16, write_int);
export_stats!(stats_i16, reduce::stats_i16, i16, write_int);
export_stats!(stats_u32, reduce::stats_u32, u32, write_int);
export_stats!(stats_i32, reduce::stats_i32, i32, write_int);
export_stats!(stats_i64, reduce::stats_i64, i64, write_wide);
export_stats!(stats_u64, reduce::stats_u64, u64, write_wide);
export_stats!(stats_f32, reduce::stats_f32, f32, write_float);
export_stats!(stats_f64, reduce::stats_f64, f64, write_float);

// ---- CWT peak detection (MassSpecWavelet `peakDetectionCWT`) ----------------------------
//
// Both exports return an f64: a count (exact up to 2^53) or a negative error code that
// kernels/mod.ts turns into a message:
//   -1            scratch region too small
//   -2            mode is not 0 (the scipy mode lives only in the TypeScript reference)
//   -3            a pointer is misaligned (every region must hold aligned f64)
//   -4            the output of `peaks_level_maxima` is shorter than `peaks_part_len`
//   -(1000 + s)   flat parameter slot `s` is invalid (s = params_len: too few slots)
//   -(1e6 + s)    slot `s` of a part from `peaks_level_maxima` is invalid

/// Error code of a rejected peak-detection call (see the table above).
fn peak_error_code(e: &peaks_api::PeakError) -> f64 {
    match e {
        peaks_api::PeakError::ScratchTooSmall(_, _) => -1.0,
        peaks_api::PeakError::UnsupportedMode(_) => -2.0,
        peaks_api::PeakError::Param(slot, _, _) => -(1000.0 + *slot as f64),
        peaks_api::PeakError::PartTooSmall(_, _) => -4.0,
        peaks_api::PeakError::Part(slot, _) => -(1e6 + *slot as f64),
    }
}

fn aligned_f64(ptr: usize, len: usize) -> bool {
    len == 0 || (ptr != 0 && ptr % std::mem::align_of::<f64>() == 0)
}

/// Number of f64 scratch slots `detect_peaks` needs for `n` samples with the flat
/// parameters (layout in `peaks_api`) at `params_ptr`, or a negative error code.
#[wasm_bindgen]
pub fn peaks_scratch_len(n: usize, params_ptr: usize, params_len: usize) -> f64 {
    if !aligned_f64(params_ptr, params_len) {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts wrote `params_len` f64 at `params_ptr` (aligned, checked
    // above) inside its scratch region and does not touch them during this call.
    let flat = unsafe { slice::<f64>(params_ptr, params_len) };
    match peaks_api::PeakParams::from_flat(flat) {
        Ok(params) => peaks_api::scratch_len(n, &params) as f64,
        Err(e) => peak_error_code(&e),
    }
}

/// Reads the flat parameters at `params_ptr` (see [`peaks_scratch_len`]).
///
/// # Safety
/// As for `slice`: `params_len` aligned f64 at `params_ptr`, untouched during the call.
unsafe fn peak_params<'a>(
    params_ptr: usize,
    params_len: usize,
) -> Result<peaks_api::PeakParams<'a>, f64> {
    if !aligned_f64(params_ptr, params_len) {
        return Err(-3.0);
    }
    peaks_api::PeakParams::from_flat(slice::<f64>(params_ptr, params_len))
        .map_err(|e| peak_error_code(&e))
}

/// The first level a second thread should compute for `n` samples (`levels` when
/// splitting does not pay), or a negative error code.
#[wasm_bindgen]
pub fn peaks_split_level(n: usize, params_ptr: usize, params_len: usize) -> f64 {
    // SAFETY: kernels/mod.ts wrote the parameters inside its scratch region.
    match unsafe { peak_params(params_ptr, params_len) } {
        Ok(params) => peaks_api::split_level(n, &params) as f64,
        Err(code) => code,
    }
}

/// f64 slots `peaks_level_maxima` may write for levels `from..to` of `n` samples, or
/// a negative error code.
#[wasm_bindgen]
pub fn peaks_part_len(
    n: usize,
    params_ptr: usize,
    params_len: usize,
    from: usize,
    to: usize,
) -> f64 {
    // SAFETY: kernels/mod.ts wrote the parameters inside its scratch region.
    match unsafe { peak_params(params_ptr, params_len) } {
        Ok(params) => peaks_api::part_len(n, &params, from, to) as f64,
        Err(code) => code,
    }
}

/// Computes levels `from..to` of the `n` samples at `signal_ptr` and writes their
/// local maxima at `out_ptr` (`out_len` slots, at least `peaks_part_len`) as a part
/// for `detect_peaks`' `parts`. Returns the slots written or a negative error code.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn peaks_level_maxima(
    signal_ptr: usize,
    n: usize,
    params_ptr: usize,
    params_len: usize,
    from: usize,
    to: usize,
    scratch_ptr: usize,
    scratch_len: usize,
    out_ptr: usize,
    out_len: usize,
) -> f64 {
    if !(aligned_f64(signal_ptr, n)
        && aligned_f64(scratch_ptr, scratch_len)
        && aligned_f64(out_ptr, out_len))
    {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays the signal, the parameters, the scratch slots and the
    // output out as disjoint, f64-aligned (checked above) sections of its scratch region,
    // each of the given length, and touches none of them until this call returns.
    let (params, signal, scratch, out) = unsafe {
        let params = match peak_params(params_ptr, params_len) {
            Ok(p) => p,
            Err(code) => return code,
        };
        (
            params,
            slice::<f64>(signal_ptr, n),
            slice_mut::<f64>(scratch_ptr, scratch_len),
            slice_mut::<f64>(out_ptr, out_len),
        )
    };
    match peaks_api::level_maxima(signal, &params, from, to, scratch, out) {
        Ok(len) => len as f64,
        Err(e) => peak_error_code(&e),
    }
}

/// Finds peaks in the `n` f64 samples at `signal_ptr`, writing up to `out_cap` records
/// of `peaks_api::PEAK_FIELDS` f64 (index, position, scale, snr, height, fwhm) at
/// `out_ptr`. Returns the number of peaks found (retry with a larger `out_cap` if it
/// exceeds it) or a negative error code. `scratch_len` must be at least
/// `peaks_scratch_len(n, ..)` f64 slots. The four regions must not overlap.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn detect_peaks(
    signal_ptr: usize,
    n: usize,
    params_ptr: usize,
    params_len: usize,
    scratch_ptr: usize,
    scratch_len: usize,
    out_ptr: usize,
    out_cap: usize,
) -> f64 {
    let out_len = out_cap.saturating_mul(peaks_api::PEAK_FIELDS);
    if !(aligned_f64(signal_ptr, n)
        && aligned_f64(scratch_ptr, scratch_len)
        && aligned_f64(out_ptr, out_len))
    {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays the signal, the parameters, the scratch slots and the
    // output out as disjoint, f64-aligned (checked above) sections of its scratch region,
    // each of the given length, and touches none of them until this call returns.
    let (params, signal, scratch, out) = unsafe {
        let params = match peak_params(params_ptr, params_len) {
            Ok(p) => p,
            Err(code) => return code,
        };
        (
            params,
            slice::<f64>(signal_ptr, n),
            slice_mut::<f64>(scratch_ptr, scratch_len),
            slice_mut::<f64>(out_ptr, out_len),
        )
    };
    match peaks_api::detect_peaks(signal, &params, scratch, out) {
        Ok(found) => found as f64,
        Err(e) => peak_error_code(&e),
    }
}

/// First half of a split search: prepares the `n` samples at `signal_ptr` and computes
/// levels `..to` into the scratch slots, which must reach `peaks_finish` untouched.
/// Returns 0 or a negative error code.
#[wasm_bindgen]
pub fn peaks_begin(
    signal_ptr: usize,
    n: usize,
    params_ptr: usize,
    params_len: usize,
    to: usize,
    scratch_ptr: usize,
    scratch_len: usize,
) -> f64 {
    if !(aligned_f64(signal_ptr, n) && aligned_f64(scratch_ptr, scratch_len)) {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays the signal, the parameters and the scratch slots out
    // as disjoint, f64-aligned (checked above) regions of the given lengths, and touches
    // none of them until this call returns.
    let (params, signal, scratch) = unsafe {
        let params = match peak_params(params_ptr, params_len) {
            Ok(p) => p,
            Err(code) => return code,
        };
        (
            params,
            slice::<f64>(signal_ptr, n),
            slice_mut::<f64>(scratch_ptr, scratch_len),
        )
    };
    match peaks_api::begin_search(signal, &params, to, scratch) {
        Ok(()) => 0.0,
        Err(e) => peak_error_code(&e),
    }
}

/// Second half of a split search begun by `peaks_begin(.., to, ..)` on the same
/// scratch slots: appends the parts at `parts_ptr` (levels `to..`, from
/// `peaks_level_maxima`, in level order) and writes up to `out_cap` peaks as
/// `detect_peaks` does. Returns the number found or a negative error code. When the
/// number exceeds `out_cap` the search must be begun again (the state is consumed).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn peaks_finish(
    n: usize,
    params_ptr: usize,
    params_len: usize,
    to: usize,
    parts_ptr: usize,
    parts_len: usize,
    scratch_ptr: usize,
    scratch_len: usize,
    out_ptr: usize,
    out_cap: usize,
) -> f64 {
    let out_len = out_cap.saturating_mul(peaks_api::PEAK_FIELDS);
    if !(aligned_f64(parts_ptr, parts_len)
        && aligned_f64(scratch_ptr, scratch_len)
        && aligned_f64(out_ptr, out_len))
    {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays the parameters, the parts, the scratch slots and the
    // output out as disjoint, f64-aligned (checked above) regions of the given lengths,
    // and touches none of them until this call returns.
    let (params, parts, scratch, out) = unsafe {
        let params = match peak_params(params_ptr, params_len) {
            Ok(p) => p,
            Err(code) => return code,
        };
        (
            params,
            slice::<f64>(parts_ptr, parts_len),
            slice_mut::<f64>(scratch_ptr, scratch_len),
            slice_mut::<f64>(out_ptr, out_len),
        )
    };
    match peaks_api::finish_search(n, &params, to, parts, scratch, out) {
        Ok(found) => found as f64,
        Err(e) => peak_error_code(&e),
    }
}

// ---- Spectral similarity (matchms CosineGreedy / ModifiedCosineGreedy) ------------------

/// Slots of the settings block of [`cosine_scores`] and [`cosine_top`]: tolerance,
/// modified (0/1), precursor tolerance (NaN: none), precursor tolerance in ppm (0/1);
/// then slots the calls write: candidate pairs and peaks a pair that did not fit the
/// work space needs, and the pairs `cosine_top` scored exactly.
pub const COSINE_SETTINGS_SLOTS: usize = 8;

/// Scores one query against the library spectra listed at `list_ptr` (`list_len` f64
/// indices), from list position `from` on. The library region holds, in f64:
/// `mz[lib_peaks] | weight[lib_peaks] | offsets[lib_count + 1] | norm[lib_count] |
/// precursor[lib_count]`; the query region `mz[query_peaks] | weight[query_peaks]`. The
/// work space at `scratch_ptr` holds `pairs_cap` candidate pairs (20 bytes each), the
/// query's m/z index (`4 * (MAX_INDEX_BINS + 2)` bytes) and flags for `peaks_cap` peaks
/// per spectrum (2 bytes each). Writes
/// `score[list_len] | matched[list_len]` at `out_ptr` (matched -1, score NaN: not a
/// candidate). Returns the list positions done: `list_len`, or fewer when the next pair
/// needs a larger work space (written to settings slots 4 and 5); or -1 for a library
/// region that does not hold together, -3 for a misaligned region.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn cosine_scores(
    lib_ptr: usize,
    lib_peaks: usize,
    lib_count: usize,
    query_ptr: usize,
    query_peaks: usize,
    query_norm: f64,
    query_precursor: f64,
    settings_ptr: usize,
    list_ptr: usize,
    list_len: usize,
    from: usize,
    scratch_ptr: usize,
    pairs_cap: usize,
    peaks_cap: usize,
    out_ptr: usize,
) -> f64 {
    let lib_len = 2 * lib_peaks + 3 * lib_count + 1;
    if !(aligned_f64(lib_ptr, lib_len)
        && aligned_f64(query_ptr, 2 * query_peaks)
        && aligned_f64(settings_ptr, COSINE_SETTINGS_SLOTS)
        && aligned_f64(list_ptr, list_len)
        && aligned_f64(scratch_ptr, pairs_cap)
        && aligned_f64(out_ptr, 2 * list_len))
    {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays the library, the query, the settings, the list, the
    // work space (20 * pairs_cap + 4 * (MAX_INDEX_BINS + 2) + 2 * peaks_cap bytes, f64-aligned,
    // checked above) and the output out as disjoint regions of the given lengths, and
    // touches none of them until this call returns.
    let (lib, query, settings, list, out) = unsafe {
        (
            slice::<f64>(lib_ptr, lib_len),
            slice::<f64>(query_ptr, 2 * query_peaks),
            slice_mut::<f64>(settings_ptr, COSINE_SETTINGS_SLOTS),
            slice::<f64>(list_ptr, list_len),
            slice_mut::<f64>(out_ptr, 2 * list_len),
        )
    };
    // SAFETY: the work space is the region described above, f64-aligned (checked).
    let (mut scratch, starts) = unsafe { pair_work(scratch_ptr, pairs_cap, peaks_cap) };
    let library = library_of(lib, lib_peaks, lib_count);
    if !holds_together(&library, list) {
        return -1.0;
    }
    let q = query_of(query, query_norm, query_precursor);
    let match_settings = match_settings_of(settings);
    let (score, matched) = out.split_at_mut(list_len);
    let result = cosine::score_list(
        &library,
        &q,
        &match_settings,
        list,
        from,
        &mut scratch,
        starts,
        score,
        matched,
    );
    match result {
        Ok(done) => done as f64,
        Err((done, e)) => {
            note_needs(settings, e, pairs_cap, peaks_cap);
            done as f64
        }
    }
}

/// Width of the bins of [`cosine_top`]'s bound for `tolerance` on m/z up to `max_mz`.
#[wasm_bindgen]
pub fn cosine_bound_width(tolerance: f64, max_mz: f64) -> f64 {
    cosine::bound_width(tolerance, max_mz)
}

/// Writes, per library peak, its bin on the bound's grid of `width` (`lib_peaks` f64 at
/// `out_ptr`), then its `weight / norm` (`lib_peaks` more), for [`cosine_top`]. Returns
/// the highest bin, -1 for a library region that does not hold together, -3 for a
/// misaligned region.
#[wasm_bindgen]
pub fn cosine_units(
    lib_ptr: usize,
    lib_peaks: usize,
    lib_count: usize,
    width: f64,
    out_ptr: usize,
) -> f64 {
    let lib_len = 2 * lib_peaks + 3 * lib_count + 1;
    if !(aligned_f64(lib_ptr, lib_len) && aligned_f64(out_ptr, 2 * lib_peaks)) {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts passes its library region and a disjoint output region of
    // the given lengths (f64-aligned, checked above) and touches neither during the call.
    let (lib, out) = unsafe {
        (
            slice::<f64>(lib_ptr, lib_len),
            slice_mut::<f64>(out_ptr, 2 * lib_peaks),
        )
    };
    let library = library_of(lib, lib_peaks, lib_count);
    if library.check().is_err() {
        return -1.0;
    }
    cosine::library_units(&library, width, out) as f64
}

/// The library region's sections (see [`cosine_scores`]).
fn library_of(lib: &[f64], lib_peaks: usize, lib_count: usize) -> cosine::Library<'_> {
    let (mz, rest) = lib.split_at(lib_peaks);
    let (weight, rest) = rest.split_at(lib_peaks);
    let (offsets, rest) = rest.split_at(lib_count + 1);
    let (norm, precursor) = rest.split_at(lib_count);
    cosine::Library {
        mz,
        weight,
        offsets,
        norm,
        precursor,
    }
}

/// Whether the library region holds together and every list entry indexes it.
fn holds_together(library: &cosine::Library, list: &[f64]) -> bool {
    let count = library.len() as f64;
    library.check().is_ok() && list.iter().all(|&k| k >= 0.0 && k < count)
}

/// The query region (`mz | weight`, equal halves) as a spectrum.
fn query_of(query: &[f64], norm: f64, precursor: f64) -> cosine::Spectrum<'_> {
    let (mz, weight) = query.split_at(query.len() / 2);
    cosine::Spectrum {
        mz,
        weight,
        norm,
        precursor,
    }
}

/// The settings block's first four slots (see [`COSINE_SETTINGS_SLOTS`]).
fn match_settings_of(settings: &[f64]) -> cosine::MatchSettings {
    cosine::MatchSettings {
        tolerance: settings[0],
        modified: settings[1] != 0.0,
        precursor_tolerance: settings[2],
        precursor_ppm: settings[3] != 0.0,
    }
}

/// Writes what a pair that did not fit needs to settings slots 4 (pairs) and 5 (peaks).
fn note_needs(settings: &mut [f64], e: cosine::PairError, pairs_cap: usize, peaks_cap: usize) {
    let (pairs, peaks) = match e {
        cosine::PairError::TooManyPairs(p) => (p, peaks_cap),
        cosine::PairError::TooManyPeaks(p) => (pairs_cap, p),
    };
    settings[4] = pairs as f64;
    settings[5] = peaks as f64;
}

/// The pair work space at `at`, in order: `pairs_cap` f64 values, three `pairs_cap`
/// u32 arrays (pair indices and order), the query's m/z index (`MAX_INDEX_BINS + 2`
/// u32) and two `peaks_cap` byte flag arrays; the index is returned beside.
///
/// # Safety
/// `20 * pairs_cap + 4 * (MAX_INDEX_BINS + 2) + 2 * peaks_cap` bytes at `at`, f64-aligned,
/// that nothing else touches while the slices live.
unsafe fn pair_work<'a>(
    at: usize,
    pairs_cap: usize,
    peaks_cap: usize,
) -> (cosine::PairScratch<'a>, &'a mut [u32]) {
    let bins = cosine::MAX_INDEX_BINS + 2;
    let u32s = at + 8 * pairs_cap;
    let table = u32s + 12 * pairs_cap;
    let flags = table + 4 * bins;
    (
        cosine::PairScratch {
            value: slice_mut::<f64>(at, pairs_cap),
            i1: slice_mut::<u32>(u32s, pairs_cap),
            i2: slice_mut::<u32>(u32s + 4 * pairs_cap, pairs_cap),
            order: slice_mut::<u32>(u32s + 8 * pairs_cap, pairs_cap),
            used1: slice_mut::<u8>(flags, peaks_cap),
            used2: slice_mut::<u8>(flags + peaks_cap, peaks_cap),
        },
        slice_mut::<u32>(table, bins),
    )
}

/// The `top` best library spectra of the list for one query, with at least
/// `min_matched` matched peaks (see `cosine::top_hits`): pairs whose binned bound
/// cannot reach the `top`-th score are not scored. Regions as in [`cosine_scores`],
/// plus `units` and `top_bin` from [`cosine_units`] for the same `width`; the work space holds, in
/// order, `MAX_BOUND_BINS` f64, `list_len` u64, `pairs_cap` f64, `3 * pairs_cap +
/// MAX_INDEX_BINS + 2` u32 and `2 * peaks_cap` bytes. `list_len` is at most 2^20. Writes `3 * found` f64
/// (list position, score, matched) at `hits_ptr` and the pairs scored to settings slot
/// 6. Returns `found`, -2 when a pair needs a larger work space (settings slots 4 and
/// 5), -1 for a region that does not hold together, -3 for a misaligned region.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn cosine_top(
    lib_ptr: usize,
    lib_peaks: usize,
    lib_count: usize,
    units_ptr: usize,
    width: f64,
    top_bin: usize,
    query_ptr: usize,
    query_peaks: usize,
    query_norm: f64,
    query_precursor: f64,
    settings_ptr: usize,
    list_ptr: usize,
    list_len: usize,
    top: usize,
    min_matched: usize,
    scratch_ptr: usize,
    pairs_cap: usize,
    peaks_cap: usize,
    hits_ptr: usize,
) -> f64 {
    let lib_len = 2 * lib_peaks + 3 * lib_count + 1;
    if !(aligned_f64(lib_ptr, lib_len)
        && aligned_f64(units_ptr, 2 * lib_peaks)
        && aligned_f64(query_ptr, 2 * query_peaks)
        && aligned_f64(settings_ptr, COSINE_SETTINGS_SLOTS)
        && aligned_f64(list_ptr, list_len)
        && aligned_f64(scratch_ptr, cosine::MAX_BOUND_BINS)
        && aligned_f64(hits_ptr, 3 * top))
    {
        return -3.0;
    }
    // SAFETY: kernels/mod.ts lays every region out disjoint, f64-aligned (checked above)
    // and of the lengths given (the work space's sections follow each other in the order
    // documented above), and touches none of them until this call returns.
    let (lib, units, query, settings, list, hits) = unsafe {
        (
            slice::<f64>(lib_ptr, lib_len),
            slice::<f64>(units_ptr, 2 * lib_peaks),
            slice::<f64>(query_ptr, 2 * query_peaks),
            slice_mut::<f64>(settings_ptr, COSINE_SETTINGS_SLOTS),
            slice::<f64>(list_ptr, list_len),
            slice_mut::<f64>(hits_ptr, 3 * top),
        )
    };
    // SAFETY: as above: the bound's spread, the keys, then the pair work space.
    let (spread, keys, (mut pair_scratch, starts)) = unsafe {
        let keys_at = scratch_ptr + 8 * cosine::MAX_BOUND_BINS;
        (
            slice_mut::<f64>(scratch_ptr, cosine::MAX_BOUND_BINS),
            slice_mut::<u64>(keys_at, list_len),
            pair_work(keys_at + 8 * list_len, pairs_cap, peaks_cap),
        )
    };
    let library = library_of(lib, lib_peaks, lib_count);
    if list_len > 1 << cosine::KEY_POSITION_BITS || !holds_together(&library, list) {
        return -1.0;
    }
    let q = query_of(query, query_norm, query_precursor);
    let match_settings = match_settings_of(settings);
    let mut top_scratch = cosine::TopScratch { keys, spread };
    match cosine::top_hits(
        &library,
        units,
        width,
        top_bin,
        &q,
        &match_settings,
        list,
        top,
        min_matched,
        &mut top_scratch,
        &mut pair_scratch,
        starts,
        hits,
    ) {
        Ok(found) => {
            settings[6] = found.scored as f64;
            found.found as f64
        }
        Err(e) => {
            note_needs(settings, e, pairs_cap, peaks_cap);
            -2.0
        }
    }
}

/// Mutably borrows `len` elements of `T` at `ptr`.
///
/// # Safety
/// `ptr` must point to `len` initialised, properly aligned `T`s inside linear memory
/// that nothing else borrows for the lifetime of the slice.
unsafe fn slice_mut<'a, T>(ptr: usize, len: usize) -> &'a mut [T] {
    if len == 0 {
        return &mut [];
    }
    std::slice::from_raw_parts_mut(ptr as *mut T, len)
}

// ---- Histograms, profiles, labels ---------------------------------------------------------

/// Exact 256-bin histogram of `len` bytes at `ptr` (u8, or i8 and bool
/// reinterpreted by the caller), written as 256 u32 at `out`; `sub` is
/// scratch for `histogram::HIST8_SCRATCH` u32.
#[wasm_bindgen]
pub fn hist_u8(ptr: usize, len: usize, sub: usize, out: usize) {
    assert!(sub % 4 == 0 && out % 4 == 0, "misaligned histogram buffers");
    // SAFETY: kernels/mod.ts placed `len` bytes at `ptr`, HIST8_SCRATCH u32 of
    // scratch at `sub` and 256 u32 at `out`, disjoint sections of its scratch
    // region (aligned, checked above), untouched until this call returns.
    let (data, sub, out) = unsafe {
        (
            slice::<u8>(ptr, len),
            slice_mut::<u32>(sub, histogram::HIST8_SCRATCH),
            slice_mut::<u32>(out, 256),
        )
    };
    histogram::hist_u8(data, sub, out);
}

/// Counts the `len` u16 at `ptr` into two full-value tables at `table`
/// (`histogram::COUNT16_SCRATCH` u32), indexed by value xor `bias` (0x8000
/// for int16). Returns `lo | hi << 16`, the index range written (`lo > hi`
/// when `len` is 0); the caller folds both tables over that range.
#[wasm_bindgen]
pub fn count_u16(ptr: usize, len: usize, bias: u16, table: usize) -> u32 {
    assert!(ptr % 2 == 0 && table % 4 == 0, "misaligned input");
    // SAFETY: kernels/mod.ts wrote `len` u16 at `ptr` (its input region or
    // scratch) and reserved COUNT16_SCRATCH u32 at `table` in scratch,
    // disjoint aligned regions, untouched until this call returns.
    let (data, t) = unsafe {
        (
            slice::<u16>(ptr, len),
            slice_mut::<u32>(table, histogram::COUNT16_SCRATCH),
        )
    };
    let (lo, hi) = histogram::count_u16(data, bias, t);
    (lo as u32) | ((hi as u32) << 16)
}

macro_rules! export_hist {
    ($export:ident, $kernel:path, $t:ty) => {
        /// Histogram of `len` elements at `ptr` in `bins` bins over `[lo, hi)`:
        /// `bins` u32 counts then below, above and NaN counts at `out`; `sub`
        /// is scratch for `WAYS * (bins + 3)` u32.
        #[wasm_bindgen]
        pub fn $export(
            ptr: usize,
            len: usize,
            lo: f64,
            hi: f64,
            bins: usize,
            sub: usize,
            out: usize,
        ) {
            assert!(ptr % std::mem::align_of::<$t>() == 0, "misaligned input");
            assert!(sub % 4 == 0 && out % 4 == 0, "misaligned histogram buffers");
            assert!(bins > 0 && hi > lo, "empty histogram range");
            let width = bins + histogram::EXTRA;
            // SAFETY: as in `hist_u8`: disjoint, aligned sections of the caller's
            // scratch region of exactly these lengths.
            let (data, sub, out) = unsafe {
                (
                    slice::<$t>(ptr, len),
                    slice_mut::<u32>(sub, histogram::WAYS * width),
                    slice_mut::<u32>(out, width),
                )
            };
            $kernel(data, lo, hi, bins, sub, out);
        }
    };
}

export_hist!(hist_i16, histogram::hist_i16, i16);
export_hist!(hist_u16, histogram::hist_u16, u16);
export_hist!(hist_i32, histogram::hist_i32, i32);
export_hist!(hist_u32, histogram::hist_u32, u32);
export_hist!(hist_i64, histogram::hist_i64, i64);
export_hist!(hist_u64, histogram::hist_u64, u64);
export_hist!(hist_f32, histogram::hist_f32, f32);
export_hist!(hist_f64, histogram::hist_f64, f64);

macro_rules! export_profile {
    ($export:ident, $kernel:path, $t:ty) => {
        /// Accumulates a chunk into a profile. `geom` points at 12 u32: the
        /// extent, element strides and output strides of 4 (padded) axes.
        /// `acc` points at 4 * `cells` f64: sums, counts, maxima, minima.
        #[wasm_bindgen]
        pub fn $export(ptr: usize, len: usize, geom: usize, acc: usize, cells: usize) {
            assert!(ptr % std::mem::align_of::<$t>() == 0, "misaligned input");
            assert!(geom % 4 == 0 && acc % 8 == 0, "misaligned profile buffers");
            // SAFETY: kernels/mod.ts wrote `len` elements at `ptr`, 12 u32 at `geom`
            // and 4 * `cells` f64 at `acc`, disjoint aligned sections of its scratch
            // region, untouched until this call returns.
            let (data, g, acc) = unsafe {
                (
                    slice::<$t>(ptr, len),
                    slice::<u32>(geom, 12),
                    slice_mut::<f64>(acc, 4 * cells),
                )
            };
            let e = [g[0] as usize, g[1] as usize, g[2] as usize, g[3] as usize];
            let s = [g[4] as usize, g[5] as usize, g[6] as usize, g[7] as usize];
            let o = [g[8] as usize, g[9] as usize, g[10] as usize, g[11] as usize];
            // Bounds: the farthest element and output cell must lie inside the regions.
            if e.iter().any(|&x| x == 0) {
                return;
            }
            let last: usize = (0..4).map(|d| (e[d] - 1) * s[d]).sum();
            let last_out: usize = (0..4).map(|d| (e[d] - 1) * o[d]).sum();
            assert!(
                last < len && last_out < cells,
                "profile geometry out of bounds"
            );
            let (sum, rest) = acc.split_at_mut(cells);
            let (count, rest) = rest.split_at_mut(cells);
            let (max, min) = rest.split_at_mut(cells);
            let mut out = profile::ProfileOut {
                sum,
                count,
                max,
                min,
            };
            $kernel(data, e, s, o, &mut out);
        }
    };
}

export_profile!(profile_u8, profile::profile_u8, u8);
export_profile!(profile_i8, profile::profile_i8, i8);
export_profile!(profile_u16, profile::profile_u16, u16);
export_profile!(profile_i16, profile::profile_i16, i16);
export_profile!(profile_u32, profile::profile_u32, u32);
export_profile!(profile_i32, profile::profile_i32, i32);
export_profile!(profile_u64, profile::profile_u64, u64);
export_profile!(profile_i64, profile::profile_i64, i64);
export_profile!(profile_f32, profile::profile_f32, f32);
export_profile!(profile_f64, profile::profile_f64, f64);

macro_rules! export_labels {
    ($export:ident, $t:ty) => {
        /// Distinct non-zero labels of `len` elements at `ptr` and their voxel
        /// counts, ascending, written as u64 at `labels` and `counts` (each with
        /// room for `len`). Returns how many.
        #[wasm_bindgen]
        pub fn $export(ptr: usize, len: usize, labels: usize, counts: usize) -> usize {
            assert!(ptr % std::mem::align_of::<$t>() == 0, "misaligned input");
            assert!(
                labels % 8 == 0 && counts % 8 == 0,
                "misaligned label buffers"
            );
            // SAFETY: kernels/mod.ts wrote `len` elements at `ptr` and reserved `len`
            // u64 at each of `labels` and `counts`, disjoint aligned sections of its
            // scratch region, untouched until this call returns.
            let (data, l, c) = unsafe {
                (
                    slice::<$t>(ptr, len),
                    slice_mut::<u64>(labels, len),
                    slice_mut::<u64>(counts, len),
                )
            };
            labels::label_counts(data, l, c)
        }
    };
}

export_labels!(labels_u8, u8);
export_labels!(labels_u16, u16);
export_labels!(labels_u32, u32);
export_labels!(labels_u64, u64);
