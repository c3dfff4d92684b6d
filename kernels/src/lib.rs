//! lamella's WebAssembly kernels. This file is the whole `#[wasm_bindgen]`
//! surface: it checks arguments, turns caller-owned regions of linear memory
//! into slices and calls into one module per algorithm. Nothing here
//! allocates per call; the caller (kernels/mod.ts) owns one scratch region
//! and passes pointers into it.

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
