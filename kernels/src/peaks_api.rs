//! CWT peak detection (MassSpecWavelet `peakDetectionCWT`) over caller-owned buffers.
//! Plain Rust: `lib.rs` wraps these for wasm-bindgen.
//!
//! # Flat parameter layout
//!
//! `PeakParams::from_flat` reads a `&[f64]` laid out as (same as `src/peaks/params.ts`):
//!
//! | slot | field                                                      |
//! |------|------------------------------------------------------------|
//! | 0    | layout version, must be 1                                  |
//! | 1    | mode: 0 = MassSpecWavelet (1 = scipy, not in the kernel)   |
//! | 2    | snr: SNR threshold (peaks need SNR > snr)                  |
//! | 3    | ridgeLength: smallest top scale of a long ridge            |
//! | 4    | gapTh                                                      |
//! | 5, 6 | scaleRange min, max (max may be +inf)                      |
//! | 7    | ampTh (fraction of the largest coefficient)                |
//! | 8    | minNoiseLevel                                              |
//! | 9    | minNoiseRelative: 1 = fraction of the largest coefficient  |
//! | 10   | nearbyPeak (0/1)                                           |
//! | 11   | nearbyWinSize                                              |
//! | 12   | noiseWinSize (half-width, samples)                         |
//! | 13   | noiseQuantile (0..1)                                       |
//! | 14   | excludeBoundariesSize                                      |
//! | 15   | minWinSize                                                 |
//! | 16   | skipSmallestScale (0/1)                                    |
//! | 17   | includeRawLevel (0/1)                                      |
//! | 18   | tuneIn (0/1)                                               |
//! | 19   | S, number of scales                                        |
//! | 20.. | S scales, positive and strictly increasing                 |
//!
//! # Output
//!
//! Each peak is 6 f64: index, position, scale, snr, height, fwhm (see `ridges`).
//! `detect_peaks` returns the number of peaks found; if that exceeds `out.len() / 6`
//! only the first ones are written and the caller can retry with a larger `out`.

// `!(a < b)` is used on purpose where NaN must take the "reject" branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::cwt;
use crate::fft;
use crate::ridges;

/// Fixed slots before the scales.
pub const HEADER_LEN: usize = 20;
/// Value of slot 0.
pub const LAYOUT_VERSION: f64 = 1.0;
/// f64 slots per peak in `out`.
pub const PEAK_FIELDS: usize = ridges::PEAK_FIELDS;
/// Most scales accepted (level tables live on the stack).
pub const MAX_SCALES: usize = 512;
/// Scales at or above this (and >= `cwt::FFT_MIN_SCALE`) use the FFT path.
pub const FFT_FROM_SCALE: f64 = 4.0;
/// Most groups of FFT scales sharing one block size.
const MAX_FFT_GROUPS: usize = 24;

/// Consecutive FFT scales `from..to` (indices into the scales) that share one
/// overlap-save geometry, sized for the largest of them.
#[derive(Clone, Copy, Debug, Default)]
struct FftGroup {
    plan: cwt::BlockPlan,
    from: usize,
    to: usize,
}

/// Why parameters or buffers were rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum PeakError {
    /// A parameter slot is out of range: slot, value, expectation.
    Param(usize, f64, &'static str),
    /// `scratch` is shorter than `scratch_len`: found, needed.
    ScratchTooSmall(usize, usize),
    /// The scipy mode is only in the TypeScript reference.
    UnsupportedMode(f64),
    /// A part from `level_maxima` is malformed: slot, expectation.
    Part(usize, &'static str),
    /// The output of `level_maxima` is shorter than `part_len`: found, needed.
    PartTooSmall(usize, usize),
}

impl core::fmt::Display for PeakError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PeakError::Param(slot, value, expected) => {
                write!(
                    f,
                    "peak params slot {}: expected {}, found {}",
                    slot, expected, value
                )
            }
            PeakError::ScratchTooSmall(found, needed) => {
                write!(
                    f,
                    "peak scratch: expected at least {} f64, found {}",
                    needed, found
                )
            }
            PeakError::Part(slot, expected) => {
                write!(f, "peak part slot {}: expected {}", slot, expected)
            }
            PeakError::PartTooSmall(found, needed) => {
                write!(
                    f,
                    "peak part: expected at least {} f64, found {}",
                    needed, found
                )
            }
            PeakError::UnsupportedMode(mode) => {
                write!(
                    f,
                    "peak params slot 1: expected mode 0 (MassSpecWavelet), found {}",
                    mode
                )
            }
        }
    }
}

/// Validated detector settings; borrows the scales from the flat parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct PeakParams<'a> {
    pub scales: &'a [f64],
    pub snr: f64,
    pub ridge_length: f64,
    pub gap_th: f64,
    pub scale_range: (f64, f64),
    pub amp_th: f64,
    pub min_noise_level: f64,
    pub min_noise_relative: bool,
    pub nearby_peak: bool,
    pub nearby_win_size: f64,
    pub noise_win_size: f64,
    pub noise_quantile: f64,
    pub exclude_boundaries_size: f64,
    pub min_win_size: f64,
    pub skip_smallest_scale: bool,
    pub include_raw_level: bool,
    pub tune_in: bool,
}

fn non_negative(flat: &[f64], slot: usize) -> Result<f64, PeakError> {
    let v = flat[slot];
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(PeakError::Param(slot, v, "a finite number >= 0"))
    }
}

impl<'a> PeakParams<'a> {
    /// Parses and validates the flat layout documented at the top of this module.
    pub fn from_flat(flat: &'a [f64]) -> Result<PeakParams<'a>, PeakError> {
        if flat.len() < HEADER_LEN {
            return Err(PeakError::Param(
                flat.len(),
                flat.len() as f64,
                "at least 20 slots",
            ));
        }
        if flat[0] != LAYOUT_VERSION {
            return Err(PeakError::Param(0, flat[0], "layout version 1"));
        }
        if flat[1] != 0.0 {
            return Err(PeakError::UnsupportedMode(flat[1]));
        }
        let count = flat[19];
        if !(count >= 1.0
            && count <= MAX_SCALES as f64
            && count.fract() == 0.0
            && flat.len() == HEADER_LEN + count as usize)
        {
            return Err(PeakError::Param(
                19,
                count,
                "the number of scales following slot 19 (1..=512)",
            ));
        }
        let scales = &flat[HEADER_LEN..];
        for (i, &s) in scales.iter().enumerate() {
            if !(s.is_finite() && s > 0.0) || (i > 0 && s <= scales[i - 1]) {
                return Err(PeakError::Param(
                    HEADER_LEN + i,
                    s,
                    "positive, finite, strictly increasing scales",
                ));
            }
        }
        let (lo, hi) = (flat[5], flat[6]);
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(PeakError::Param(5, lo, "scaleRange min <= max"));
        }
        let q = flat[13];
        if !(0.0..=1.0).contains(&q) {
            return Err(PeakError::Param(13, q, "a quantile in [0, 1]"));
        }
        Ok(PeakParams {
            scales,
            snr: non_negative(flat, 2)?,
            ridge_length: non_negative(flat, 3)?,
            gap_th: non_negative(flat, 4)?,
            scale_range: (lo, hi),
            amp_th: non_negative(flat, 7)?,
            min_noise_level: non_negative(flat, 8)?,
            min_noise_relative: flat[9] != 0.0,
            nearby_peak: flat[10] != 0.0,
            nearby_win_size: non_negative(flat, 11)?,
            noise_win_size: non_negative(flat, 12)?,
            noise_quantile: q,
            exclude_boundaries_size: non_negative(flat, 14)?,
            min_win_size: non_negative(flat, 15)?,
            skip_smallest_scale: flat[16] != 0.0,
            include_raw_level: flat[17] != 0.0,
            tune_in: flat[18] != 0.0,
        })
    }

    fn raw_offset(&self) -> usize {
        if self.include_raw_level {
            1
        } else {
            0
        }
    }

    fn levels(&self) -> usize {
        self.scales.len() + self.raw_offset()
    }

    fn level_scale(&self, level: usize) -> f64 {
        if level < self.raw_offset() {
            0.0
        } else {
            self.scales[level - self.raw_offset()]
        }
    }

    /// Local-maximum window of a level (R: `max(minWinSize, as.integer(2 s + 1))`).
    fn maxima_window(&self, level: usize) -> usize {
        let w = (2.0 * self.level_scale(level) + 1.0)
            .floor()
            .max(self.min_win_size);
        (w as usize).max(1)
    }

    fn uses_fft(scale: f64) -> bool {
        scale >= FFT_FROM_SCALE.max(cwt::FFT_MIN_SCALE)
    }
}

/// Most FFT scales [`plan_groups`] plans (its work grows with their square).
const PLANNED_SCALES: usize = 64;

/// Groups the FFT scales (ascending, contiguous runs) and picks each group's block so
/// that the transforms cost least: a group costs its forward transform, `pairs * B *
/// log2 B` for blocks of `B` points transformed two at a time, plus per scale an inverse
/// that skips the stages before the wavelet's band, `pairs * B * (log2 band + 3)` (the
/// 3 covers the passes that spread the band and copy the row out). One
/// group per scale repeats forward transforms; one group for all makes small scales pay
/// the large ones' overlap; the dynamic programme weighs the two. Writes the groups and
/// returns their number, or `None` beyond [`PLANNED_SCALES`] FFT scales or
/// [`MAX_FFT_GROUPS`] groups.
fn plan_groups(n: usize, scales: &[f64], groups: &mut [FftGroup]) -> Option<usize> {
    const BLOCKS: usize = 17; // 2^6 ..= 2^22
    let first = scales
        .iter()
        .position(|&s| PeakParams::uses_fft(s))
        .unwrap_or(scales.len());
    let m = scales.len() - first;
    if m == 0 {
        return Some(0);
    }
    if m > PLANNED_SCALES {
        return None;
    }
    let block_of = |b: usize| 64usize << b;
    // The plan of a group whose largest scale is `j`, on blocks of `B`, if the block is
    // long enough for that scale's overlap (as cwt::plan_blocks requires).
    let plan = |j: usize, b: usize| -> Option<cwt::BlockPlan> {
        let block = block_of(b);
        let overlap = cwt::half_width(scales[first + j]);
        if block <= 2 * overlap + block / 8 {
            return None;
        }
        let step = block - 2 * overlap;
        Some(cwt::BlockPlan {
            block,
            overlap,
            step,
            blocks: ((n + step - 1) / step).max(1),
        })
    };
    // inverse[b][k]: prefix sums over scales of (log2 band + 1) on blocks of B.
    let mut inverse = [[0.0f64; PLANNED_SCALES + 1]; BLOCKS];
    for (b, row) in inverse.iter_mut().enumerate() {
        for k in 0..m {
            let band = cwt::band_len(scales[first + k], block_of(b));
            row[k + 1] = row[k] + (band as f64).log2() + 3.0;
        }
    }
    let mut best = [f64::INFINITY; PLANNED_SCALES + 1];
    let mut choice = [(0usize, 0usize); PLANNED_SCALES + 1];
    best[0] = 0.0;
    for j in 0..m {
        for b in 0..BLOCKS {
            let p = match plan(j, b) {
                Some(p) => p,
                None => continue,
            };
            let points = (cwt::block_pairs(&p) * p.block) as f64;
            let forward = (p.block as f64).log2();
            for i in 0..=j {
                let cost = best[i] + points * (forward + inverse[b][j + 1] - inverse[b][i]);
                if cost < best[j + 1] {
                    best[j + 1] = cost;
                    choice[j + 1] = (i, b);
                }
            }
        }
    }
    // Walk the choices back, then write the groups in order.
    let mut cuts = [0usize; PLANNED_SCALES + 1];
    let mut count = 0;
    let mut j = m;
    while j > 0 {
        cuts[count] = j;
        count += 1;
        j = choice[j].0;
    }
    if count > groups.len() {
        return None;
    }
    for g in 0..count {
        let to = cuts[count - 1 - g];
        let (from, b) = choice[to];
        groups[g] = FftGroup {
            plan: plan(to - 1, b).expect("the chosen block fits its group"),
            from: first + from,
            to: first + to,
        };
    }
    Some(count)
}

/// Groups beyond [`plan_groups`]' reach: each FFT scale's own best block, runs of
/// scales with the same block forming a group (the last group takes the rest once
/// [`MAX_FFT_GROUPS`] are used). Returns the number of groups.
fn same_block_runs(n: usize, scales: &[f64], groups: &mut [FftGroup; MAX_FFT_GROUPS]) -> usize {
    let mut group_count = 0;
    for (si, &s) in scales.iter().enumerate() {
        if !PeakParams::uses_fft(s) {
            continue;
        }
        let plan = cwt::plan_blocks(n, cwt::half_width(s));
        let extend = group_count > 0
            && (groups[group_count - 1].plan.block == plan.block || group_count == MAX_FFT_GROUPS);
        if extend {
            let g = &mut groups[group_count - 1];
            g.to = si + 1;
            g.plan = cwt::plan_blocks(n, cwt::half_width(s).max(g.plan.overlap));
        } else {
            groups[group_count] = FftGroup {
                plan,
                from: si,
                to: si + 1,
            };
            group_count += 1;
        }
    }
    group_count
}

/// Sizes of every scratch region, derived from the signal length and the parameters.
struct Layout {
    n: usize,
    levels: usize,
    pad: usize,
    xp_len: usize,
    taps_len: usize,
    groups: [FftGroup; MAX_FFT_GROUPS],
    group_count: usize,
    /// Largest block of any group (the shared twiddle table's size).
    max_block: usize,
    /// Largest `block_pairs * 2 * block` of any group (the shared block spectra).
    max_spectra: usize,
    maxima_total: usize,
    active_cap: usize,
    window: usize,
}

impl Layout {
    fn new(n: usize, params: &PeakParams) -> Layout {
        let pad = params
            .scales
            .iter()
            .map(|&s| cwt::half_width(s))
            .max()
            .unwrap_or(0);
        let taps_len = params
            .scales
            .iter()
            .map(|&s| 2 * cwt::half_width(s) + 1)
            .sum();
        let mut groups = [FftGroup::default(); MAX_FFT_GROUPS];
        let scales = params.scales;
        let group_count = match plan_groups(n, scales, &mut groups) {
            Some(count) => count,
            None => same_block_runs(n, scales, &mut groups),
        };
        let mut right = n + pad;
        let (mut max_block, mut max_spectra) = (0, 0);
        for g in &groups[..group_count] {
            let p = g.plan;
            right = right.max(p.blocks * p.step + p.overlap);
            max_block = max_block.max(p.block);
            max_spectra = max_spectra.max(cwt::block_pairs(&p) * 2 * p.block);
        }
        let mut maxima_total = 0;
        for level in 0..params.levels() {
            maxima_total += ridges::maxima_capacity(n, params.maxima_window(level));
        }
        let half = params.noise_win_size.min(n as f64) as usize;
        Layout {
            n,
            levels: params.levels(),
            pad,
            xp_len: pad + right,
            taps_len,
            groups,
            group_count,
            max_block,
            max_spectra,
            maxima_total,
            active_cap: maxima_total.min(n) + 1,
            window: (2 * half + 1).min(n),
        }
    }

    fn fft_len(&self) -> usize {
        if self.group_count == 0 {
            return 0;
        }
        // twiddles + wavelet spectrum + block spectra + work
        fft::twiddles_len(self.max_block) + self.max_block + self.max_spectra + 2 * self.max_block
    }

    fn total(&self) -> usize {
        let n = self.n;
        STATE_LEN + n + self.xp_len + self.taps_len + self.fft_len()
            + 2 * n // a row and the noise row
            + 2 * self.maxima_total
            + self.levels + 1
            + n // owner
            + 2 * self.active_cap * ridges::RIDGE_FIELDS
            + self.maxima_total * (ridges::FINISHED_FIELDS + 2) // finished, keys, flags
            + self.window
    }
}

/// Number of f64 scratch slots `detect_peaks` needs for a signal of `n` samples.
pub fn scratch_len(n: usize, params: &PeakParams) -> usize {
    if n < 3 {
        return 0;
    }
    Layout::new(n, params).total()
}

/// Splits `len` slots off the front of `buf`.
fn take<'b>(buf: &mut &'b mut [f64], len: usize) -> &'b mut [f64] {
    let all = core::mem::take(buf);
    let (head, tail) = all.split_at_mut(len);
    *buf = tail;
    head
}

/// Copies `signal` into `x`, replacing non-finite samples by linear interpolation between
/// the nearest finite neighbours (constant beyond the ends). False if none is finite.
fn fill_non_finite(signal: &[f64], x: &mut [f64]) -> bool {
    let n = signal.len();
    x.copy_from_slice(signal);
    // Usually every sample is finite: one branch-free pass over the exponent bits
    // (all ones for infinities and NaN only) says so.
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    let non_finite = x
        .iter()
        .fold(false, |any, v| any | (v.to_bits() & EXP == EXP));
    if !non_finite && n > 0 {
        return true;
    }
    let mut prev: Option<usize> = None;
    for i in 0..n {
        if !x[i].is_finite() {
            continue;
        }
        let gap_from = prev.map_or(0, |p| p + 1);
        for j in gap_from..i {
            x[j] = match prev {
                None => x[i],
                Some(p) => x[p] + (x[i] - x[p]) * (j - p) as f64 / (i - p) as f64,
            };
        }
        prev = Some(i);
    }
    match prev {
        None => false,
        Some(p) => {
            for j in p + 1..n {
                x[j] = x[p];
            }
            true
        }
    }
}

/// Where the local maxima of the levels are collected, level by level in order.
struct MaximaStore<'b> {
    pos: &'b mut [f64],
    val: &'b mut [f64],
    start: &'b mut [f64],
    stored: usize,
    max_coef: f64,
}

impl<'b> MaximaStore<'b> {
    fn push_level(&mut self, level: usize, win: usize, row: &[f64]) {
        let from = self.stored;
        let (count, row_max) = ridges::local_maxima_and_max(row, win, &mut self.pos[from..]);
        if row_max > self.max_coef {
            self.max_coef = row_max;
        }
        self.start[level] = from as f64;
        for i in from..from + count {
            self.val[i] = row[self.pos[i] as usize];
        }
        self.stored = from + count;
        self.start[level + 1] = self.stored as f64;
    }

    /// Drops maxima whose coefficient is below `threshold` (R: `localMax[wCoefs < amp.Th] <- 0`).
    fn apply_threshold(&mut self, levels: usize, threshold: f64) {
        let mut kept = 0;
        for level in 0..levels {
            let (from, to) = (self.start[level] as usize, self.start[level + 1] as usize);
            self.start[level] = kept as f64;
            for i in from..to {
                if !(self.val[i] < threshold) {
                    self.pos[kept] = self.pos[i];
                    self.val[kept] = self.val[i];
                    kept += 1;
                }
            }
        }
        self.start[levels] = kept as f64;
        self.stored = kept;
    }
}

#[allow(clippy::too_many_arguments)]
/// Coefficient at (`level`, `k`) by direct correlation, for ridge points that are not
/// local maxima and for the refinement.
fn coef_at(
    x: &[f64],
    xp: &[f64],
    pad: usize,
    taps_all: &[f64],
    tap_start: &[usize],
    raw: usize,
    level: usize,
    k: usize,
) -> f64 {
    if level < raw {
        return x[k];
    }
    let si = level - raw;
    let taps = &taps_all[tap_start[si]..tap_start[si + 1]];
    let h = (taps.len() - 1) / 2;
    let window = &xp[pad + k - h..pad + k + h + 1];
    taps.iter().zip(window.iter()).map(|(a, b)| a * b).sum()
}

/// Slots before the per-level counts in a part written by [`level_maxima`]: the first
/// level, the number of levels, their largest coefficient, and 1 if the part ends
/// with the noise row (`|row|` of the smallest scale, `n` slots), else 0.
pub const PART_HEADER: usize = 4;

/// Relative costs of the pieces of one search, in units of one FFT level (an inverse
/// transform and its local maxima, ~90-130 us on exampleMS's 37,656 samples natively):
/// measured per level and per group on exampleMS with MassSpecWavelet's scales.
const COST_FORWARD: f64 = 0.8;
const COST_RAW_LEVEL: f64 = 0.35;
/// Per tap of a direct-path scale (scale 2's 33 taps ~ 1.2 levels).
const COST_DIRECT_TAP: f64 = 0.025;
/// Tracing and selection after the levels: a base and a share per level (~5.7 with
/// MassSpecWavelet's 26 levels).
const COST_FINISH_BASE: f64 = 0.5;
const COST_FINISH_LEVEL: f64 = 0.2;
/// Handing the signal to another thread and its part back (~0.3 ms in Deno).
const COST_HANDOFF: f64 = 3.0;
/// A split must shorten the search by this fraction to be worth a second thread.
const MIN_SAVING: f64 = 0.15;

/// Whether levels `from..to` hold the smallest scale (whose row gives the noise).
fn holds_noise_row(params: &PeakParams, from: usize, to: usize) -> bool {
    let raw = params.raw_offset();
    !params.scales.is_empty() && from <= raw && raw < to
}

/// f64 slots of the part [`level_maxima`] writes for levels `from..to` of an
/// `n`-sample signal (an upper bound: the maxima found are usually far fewer).
pub fn part_len(n: usize, params: &PeakParams, from: usize, to: usize) -> usize {
    let to = to.min(params.levels());
    let from = from.min(to);
    let mut len = PART_HEADER + (to - from);
    for level in from..to {
        len += 2 * ridges::maxima_capacity(n, params.maxima_window(level));
    }
    if holds_noise_row(params, from, to) {
        len += n;
    }
    len
}

/// The first level to hand to a second thread so that both finish together: this
/// thread computes levels `..split` and then traces and selects
/// ([`detect_peaks_parts`]), the other computes `split..` ([`level_maxima`]). Returns
/// `levels` (no split) when the other thread's share would not shorten the search
/// enough to pay for the hand-off. Never below `raw + 1`: the noise row (the smallest
/// scale) is computed here.
pub fn split_level(n: usize, params: &PeakParams) -> usize {
    let levels = params.levels();
    if n < 3 {
        return levels;
    }
    let layout = Layout::new(n, params);
    let raw = params.raw_offset();
    let groups = &layout.groups[..layout.group_count];
    // cost(level) and the group of each FFT level, in order.
    let level_cost = |level: usize| -> f64 {
        if level < raw {
            return COST_RAW_LEVEL;
        }
        let s = params.scales[level - raw];
        if PeakParams::uses_fft(s) {
            1.0
        } else {
            COST_RAW_LEVEL + COST_DIRECT_TAP * (2 * cwt::half_width(s) + 1) as f64
        }
    };
    // Forward transforms a side needs: every group holding one of its levels.
    let forwards = |from: usize, to: usize| -> f64 {
        let count = groups
            .iter()
            .filter(|g| g.from + raw < to && g.to + raw > from)
            .count();
        count as f64 * COST_FORWARD
    };
    let total: f64 = (0..levels).map(level_cost).sum();
    let finish = COST_FINISH_BASE + COST_FINISH_LEVEL * levels as f64;
    let serial = total + forwards(0, levels) + finish;
    let mut best = (serial * (1.0 - MIN_SAVING), levels);
    let mut here = 0.0;
    for split in 0..levels {
        here += level_cost(split);
        let cut = split + 1;
        if cut <= raw || cut >= levels {
            continue;
        }
        let mine = here + forwards(0, cut) + finish;
        let theirs = total - here + forwards(cut, levels) + COST_HANDOFF;
        let span = mine.max(theirs);
        if span < best.0 {
            best = (span, cut);
        }
    }
    best.1
}

/// The signal, its reflection and every scale's taps: what both a part and the whole
/// search start from.
struct Prepared<'b> {
    x: &'b [f64],
    xp: &'b [f64],
    taps_all: &'b [f64],
    tap_start: [usize; MAX_SCALES + 1],
}

/// Fills `x` (non-finite samples interpolated), `xp` and the taps; `None` if no
/// sample is finite.
fn prepare<'b>(
    signal: &[f64],
    params: &PeakParams,
    layout: &Layout,
    buf: &mut &'b mut [f64],
) -> Option<Prepared<'b>> {
    let n = signal.len();
    let x = take(buf, n);
    if !fill_non_finite(signal, x) {
        return None;
    }
    let x: &[f64] = x;
    let xp = take(buf, layout.xp_len);
    cwt::fill_reflected(x, layout.pad, xp);
    // Taps of every scale, for the direct path and for coefficients computed on demand.
    let taps_all = take(buf, layout.taps_len);
    let mut tap_start = [0usize; MAX_SCALES + 1];
    for (si, &s) in params.scales.iter().enumerate() {
        tap_start[si + 1] = tap_start[si] + cwt::mexh_taps(s, &mut taps_all[tap_start[si]..]);
    }
    Some(Prepared {
        x,
        xp,
        taps_all,
        tap_start,
    })
}

/// Computes the CWT rows of levels `from..to` one at a time into `row`, keeping their
/// local maxima in `store` (and `|row|` of the smallest scale in `noise_row`).
#[allow(clippy::too_many_arguments)]
fn compute_levels(
    params: &PeakParams,
    layout: &Layout,
    prep: &Prepared,
    from: usize,
    to: usize,
    mut fft_region: &mut [f64],
    row: &mut [f64],
    noise_row: &mut [f64],
    store: &mut MaximaStore,
) {
    let n = layout.n;
    let raw = params.raw_offset();
    let scales = params.scales;
    let (xp, taps_all, tap_start) = (prep.xp, prep.taps_all, &prep.tap_start);
    if raw == 1 && from == 0 && to > 0 {
        store.push_level(0, params.maxima_window(0), prep.x);
    }
    // Scale indices of the levels asked for.
    let (s_from, s_to) = (from.max(raw) - raw, to.max(raw) - raw);
    let mut keep = |si: usize, row: &[f64], store: &mut MaximaStore| {
        if si == 0 {
            for (d, &v) in noise_row.iter_mut().zip(row.iter()) {
                *d = v.abs();
            }
        }
        store.push_level(raw + si, params.maxima_window(raw + si), row);
    };
    let first_fft = scales
        .iter()
        .position(|&s| PeakParams::uses_fft(s))
        .unwrap_or(scales.len());
    for si in s_from..s_to.min(first_fft) {
        let taps = &taps_all[tap_start[si]..tap_start[si + 1]];
        let h = (taps.len() - 1) / 2;
        cwt::correlate_direct(&xp[layout.pad - h..layout.pad + n + h], taps, row);
        keep(si, row, store);
    }
    let wanted = |g: &FftGroup| g.from.max(s_from)..g.to.min(s_to);
    if !layout.groups[..layout.group_count]
        .iter()
        .any(|g| !wanted(g).is_empty())
    {
        return;
    }
    let tw = take(&mut fft_region, fft::twiddles_len(layout.max_block));
    fft::fill_twiddles(tw);
    let gain_all = take(&mut fft_region, layout.max_block);
    let spectra = take(&mut fft_region, layout.max_spectra);
    let work = take(&mut fft_region, 2 * layout.max_block);
    for group in &layout.groups[..layout.group_count] {
        let range = wanted(group);
        if range.is_empty() {
            continue;
        }
        let plan = group.plan;
        cwt::forward_blocks(xp, layout.pad, &plan, tw, spectra);
        for si in range {
            let band = cwt::mexh_band(scales[si], plan.block, gain_all);
            cwt::inverse_rows(&plan, spectra, tw, &gain_all[..band], work, row);
            keep(si, row, store);
        }
    }
}

/// Computes levels `from..to` of `signal` (the share [`split_level`] gives each
/// thread) and writes their local maxima to `out` as a part for
/// [`detect_peaks_parts`]: `[from, m, largest coefficient, noise, m counts,
/// positions, values]`, then the noise row if `noise` is 1. `out` needs [`part_len`]
/// slots and `scratch` [`scratch_len`]. Returns the slots written (0 if no sample is
/// finite or `n < 3`: the whole search finds nothing).
pub fn level_maxima(
    signal: &[f64],
    params: &PeakParams,
    from: usize,
    to: usize,
    scratch: &mut [f64],
    out: &mut [f64],
) -> Result<usize, PeakError> {
    let n = signal.len();
    let levels = params.levels();
    if !(from < to && to <= levels) {
        return Err(PeakError::Part(0, "a non-empty range of levels"));
    }
    let needed = scratch_len(n, params);
    if scratch.len() < needed {
        return Err(PeakError::ScratchTooSmall(scratch.len(), needed));
    }
    let cap = part_len(n, params, from, to);
    if out.len() < cap {
        return Err(PeakError::PartTooSmall(out.len(), cap));
    }
    if n < 3 {
        return Ok(0);
    }
    let layout = Layout::new(n, params);
    let mut buf: &mut [f64] = scratch;
    take(&mut buf, STATE_LEN);
    let prep = match prepare(signal, params, &layout, &mut buf) {
        Some(p) => p,
        None => return Ok(0),
    };
    let fft_region = take(&mut buf, layout.fft_len());
    let row = take(&mut buf, n);
    let noise_row = take(&mut buf, n);
    let mut store = MaximaStore {
        pos: take(&mut buf, layout.maxima_total),
        val: take(&mut buf, layout.maxima_total),
        start: take(&mut buf, levels + 1),
        stored: 0,
        max_coef: f64::NEG_INFINITY,
    };
    compute_levels(
        params, &layout, &prep, from, to, fft_region, row, noise_row, &mut store,
    );
    let m = to - from;
    let noise = holds_noise_row(params, from, to);
    let (head, rest) = out.split_at_mut(PART_HEADER + m);
    head[0] = from as f64;
    head[1] = m as f64;
    head[2] = store.max_coef;
    head[3] = if noise { 1.0 } else { 0.0 };
    for level in from..to {
        head[PART_HEADER + level - from] = store.start[level + 1] - store.start[level];
    }
    let total = store.stored;
    rest[..total].copy_from_slice(&store.pos[..total]);
    rest[total..2 * total].copy_from_slice(&store.val[..total]);
    let mut len = PART_HEADER + m + 2 * total;
    if noise {
        out[len..len + n].copy_from_slice(noise_row);
        len += n;
    }
    Ok(len)
}

/// Appends the part at the start of `parts` (written by [`level_maxima`]) to
/// `store`, which holds the levels before it, copying its noise row (if any) to
/// `noise_row`; checks what it appends. `at` is the part's offset in the caller's
/// parts, for error slots. Returns the slots and the levels the part took.
fn append_part(
    store: &mut MaximaStore,
    noise_row: &mut [f64],
    parts: &[f64],
    at: usize,
    params: &PeakParams,
    from: usize,
) -> Result<(usize, usize), PeakError> {
    let n = noise_row.len();
    let levels = params.levels();
    let bad = |slot: usize, what: &'static str| PeakError::Part(at + slot, what);
    if parts.len() < PART_HEADER || parts[0] != from as f64 {
        return Err(bad(0, "the level after the previous part's"));
    }
    let m = parts[1];
    if !(m >= 1.0 && m <= (levels - from) as f64 && m.fract() == 0.0) {
        return Err(bad(1, "a number of levels within the parameters' levels"));
    }
    let m = m as usize;
    let noise = holds_noise_row(params, from, from + m);
    if parts[3] != if noise { 1.0 } else { 0.0 } {
        return Err(bad(
            3,
            "the noise row exactly in the part holding the smallest scale",
        ));
    }
    if parts.len() < PART_HEADER + m {
        return Err(bad(1, "a count for every level"));
    }
    let counts = &parts[PART_HEADER..PART_HEADER + m];
    let mut total = 0usize;
    for (i, &c) in counts.iter().enumerate() {
        let cap = ridges::maxima_capacity(n, params.maxima_window(from + i));
        if !(c >= 0.0 && c <= cap as f64 && c.fract() == 0.0) {
            return Err(bad(
                PART_HEADER + i,
                "a count of maxima within the level's capacity",
            ));
        }
        total += c as usize;
    }
    let body_at = PART_HEADER + m;
    let len = body_at + 2 * total + if noise { n } else { 0 };
    if parts.len() < len || store.stored + total > store.pos.len() {
        return Err(bad(1, "positions, values and noise row for every count"));
    }
    let (pos, val) = (
        &parts[body_at..body_at + total],
        &parts[body_at + total..body_at + 2 * total],
    );
    let mut k = 0;
    for (i, &c) in counts.iter().enumerate() {
        let level = from + i;
        store.start[level] = store.stored as f64;
        let mut last = -1.0;
        for _ in 0..c as usize {
            let p = pos[k];
            if !(p > last && p < n as f64 && p.fract() == 0.0) {
                return Err(bad(body_at + k, "increasing sample positions"));
            }
            last = p;
            store.pos[store.stored] = p;
            store.val[store.stored] = val[k];
            store.stored += 1;
            k += 1;
        }
        store.start[level + 1] = store.stored as f64;
    }
    if parts[2] > store.max_coef {
        store.max_coef = parts[2];
    }
    if noise {
        noise_row.copy_from_slice(&parts[body_at + 2 * total..len]);
    }
    Ok((len, m))
}

/// Finds peaks in `signal` (MassSpecWavelet `peakDetectionCWT`). Writes up to
/// `out.len() / 6` peaks (index, position, scale, snr, height, fwhm), sorted by index,
/// and returns how many were found. `scratch` needs `scratch_len(signal.len(), params)`
/// slots; its contents on entry do not matter.
pub fn detect_peaks(
    signal: &[f64],
    params: &PeakParams,
    scratch: &mut [f64],
    out: &mut [f64],
) -> Result<usize, PeakError> {
    let n = signal.len();
    if n < 3 {
        return Ok(0);
    }
    // One layout for both halves (it is planned, not free).
    let layout = Layout::new(n, params);
    let levels = params.levels();
    begin_in(signal, params, &layout, levels, scratch)?;
    finish_in(params, &layout, levels, &[], scratch, out)
}

/// [`detect_peaks`] with every level taken from `parts`: parts written by
/// [`level_maxima`] (on any thread) for the same signal and parameters, concatenated
/// in level order and covering every level once. The peaks are the same as without
/// parts.
pub fn detect_peaks_parts(
    signal: &[f64],
    params: &PeakParams,
    parts: &[f64],
    scratch: &mut [f64],
    out: &mut [f64],
) -> Result<usize, PeakError> {
    begin_search(signal, params, 0, scratch)?;
    finish_search(signal.len(), params, 0, parts, scratch, out)
}

/// Slots at the start of `scratch` that carry a search from [`begin_search`] to
/// [`finish_search`]: 1 if the signal has a finite sample, the maxima stored, and
/// the largest coefficient so far.
const STATE_LEN: usize = 3;

/// First half of a search: prepares `signal` and computes levels `..to` (the rest come
/// as parts to [`finish_search`], which must get the same `scratch` untouched).
pub fn begin_search(
    signal: &[f64],
    params: &PeakParams,
    to: usize,
    scratch: &mut [f64],
) -> Result<(), PeakError> {
    let n = signal.len();
    if n < 3 {
        return check_split(params, to);
    }
    begin_in(signal, params, &Layout::new(n, params), to, scratch)
}

/// `to` within the parameters' levels.
fn check_split(params: &PeakParams, to: usize) -> Result<(), PeakError> {
    if to > params.levels() {
        return Err(PeakError::Part(
            0,
            "a split level within the parameters' levels",
        ));
    }
    Ok(())
}

/// [`begin_search`] on a signal of at least 3 samples, with its layout.
fn begin_in(
    signal: &[f64],
    params: &PeakParams,
    layout: &Layout,
    to: usize,
    scratch: &mut [f64],
) -> Result<(), PeakError> {
    let n = signal.len();
    let needed = layout.total();
    if scratch.len() < needed {
        return Err(PeakError::ScratchTooSmall(scratch.len(), needed));
    }
    check_split(params, to)?;
    let mut buf: &mut [f64] = scratch;
    let state = take(&mut buf, STATE_LEN);
    let prep = match prepare(signal, params, &layout, &mut buf) {
        Some(p) => p,
        None => {
            state[0] = 0.0;
            return Ok(());
        }
    };
    let fft_region = take(&mut buf, layout.fft_len());
    let row = take(&mut buf, n);
    let noise_row = take(&mut buf, n);
    let mut store = MaximaStore {
        pos: take(&mut buf, layout.maxima_total),
        val: take(&mut buf, layout.maxima_total),
        start: take(&mut buf, layout.levels + 1),
        stored: 0,
        max_coef: f64::NEG_INFINITY,
    };
    compute_levels(
        params, &layout, &prep, 0, to, fft_region, row, noise_row, &mut store,
    );
    state[0] = 1.0;
    state[1] = store.stored as f64;
    state[2] = store.max_coef;
    Ok(())
}

/// Second half of a search begun by [`begin_search`] with levels `..to` of an
/// `n`-sample signal: appends `parts` (levels `to..`, from [`level_maxima`], in level
/// order), then traces ridges and selects peaks as [`detect_peaks`] does.
pub fn finish_search(
    n: usize,
    params: &PeakParams,
    to: usize,
    parts: &[f64],
    scratch: &mut [f64],
    out: &mut [f64],
) -> Result<usize, PeakError> {
    if n < 3 {
        return Ok(0);
    }
    finish_in(params, &Layout::new(n, params), to, parts, scratch, out)
}

/// [`finish_search`] on a signal of at least 3 samples, with its layout.
fn finish_in(
    params: &PeakParams,
    layout: &Layout,
    to: usize,
    parts: &[f64],
    scratch: &mut [f64],
    out: &mut [f64],
) -> Result<usize, PeakError> {
    let n = layout.n;
    let needed = layout.total();
    if scratch.len() < needed {
        return Err(PeakError::ScratchTooSmall(scratch.len(), needed));
    }
    let levels = layout.levels;
    let raw = params.raw_offset();
    let scales = params.scales;
    let mut buf: &mut [f64] = scratch;
    let state = take(&mut buf, STATE_LEN);
    if state[0] != 1.0 {
        return Ok(0);
    }
    // The regions `begin_search` filled, in its order.
    let x: &[f64] = take(&mut buf, n);
    let xp: &[f64] = take(&mut buf, layout.xp_len);
    let taps_all: &[f64] = take(&mut buf, layout.taps_len);
    let mut tap_start_buf = [0usize; MAX_SCALES + 1];
    for (si, &s) in scales.iter().enumerate() {
        tap_start_buf[si + 1] = tap_start_buf[si] + 2 * cwt::half_width(s) + 1;
    }
    let tap_start = &tap_start_buf[..];
    take(&mut buf, layout.fft_len() + n);
    let noise_row = take(&mut buf, n);
    let mut store = MaximaStore {
        pos: take(&mut buf, layout.maxima_total),
        val: take(&mut buf, layout.maxima_total),
        start: take(&mut buf, levels + 1),
        stored: state[1] as usize,
        max_coef: state[2],
    };
    let (mut at, mut level) = (0, to);
    while level < levels {
        let (len, m) = append_part(&mut store, noise_row, &parts[at..], at, params, level)?;
        at += len;
        level += m;
    }
    if at != parts.len() {
        return Err(PeakError::Part(at, "no slots after the last level's part"));
    }
    let noise_row: &[f64] = noise_row;
    let max_coef = store.max_coef;
    store.apply_threshold(levels, params.amp_th * max_coef);

    let mut level_scales_buf = [0.0f64; MAX_SCALES + 1];
    let level_scales = &mut level_scales_buf[..levels];
    for (level, v) in level_scales.iter_mut().enumerate() {
        *v = params.level_scale(level);
    }
    let level_scales: &[f64] = level_scales;

    let owner = take(&mut buf, n);
    owner.iter_mut().for_each(|v| *v = -1.0);
    let active_a = take(&mut buf, layout.active_cap * ridges::RIDGE_FIELDS);
    let active_b = take(&mut buf, layout.active_cap * ridges::RIDGE_FIELDS);
    let finished = take(&mut buf, layout.maxima_total * ridges::FINISHED_FIELDS);
    let keys = take(&mut buf, layout.maxima_total);
    let flags = take(&mut buf, layout.maxima_total);
    let window = take(&mut buf, layout.window);

    let (scale_lo, scale_hi) = params.scale_range;
    let in_range = |level: usize| {
        let s = level_scales[level];
        level >= raw && s >= scale_lo && s <= scale_hi
    };
    let coef =
        |level: usize, k: usize| coef_at(x, xp, layout.pad, taps_all, tap_start, raw, level, k);
    let maxima = ridges::LevelMaxima {
        pos: store.pos,
        val: store.val,
        start: store.start,
    };
    let trace_settings = ridges::TraceSettings {
        level_scales,
        skip_level: if params.skip_smallest_scale {
            Some(raw)
        } else {
            None
        },
        gap_th: params.gap_th,
        min_win: params.min_win_size,
    };
    let traced = ridges::trace_ridges(
        &maxima,
        &trace_settings,
        in_range,
        coef,
        ridges::TraceBuffers {
            active_a,
            active_b,
            owner,
            finished: &mut *finished,
        },
    );
    let max_scale = scales[scales.len() - 1];
    let select_settings = ridges::SelectSettings {
        level_scales,
        ridge_length: params.ridge_length.min(max_scale),
        snr: params.snr,
        nearby: if params.nearby_peak {
            Some(params.nearby_win_size)
        } else {
            None
        },
        noise_win: params.noise_win_size.min(n as f64) as usize,
        noise_quantile: params.noise_quantile,
        min_noise: if params.min_noise_relative {
            params.min_noise_level * max_coef
        } else {
            params.min_noise_level
        },
        exclude: params.exclude_boundaries_size.min(n as f64).floor() as usize,
        tune_in: params.tune_in,
    };
    let r = ridges::select_peaks(
        x,
        noise_row,
        finished,
        &traced,
        &select_settings,
        coef,
        ridges::SelectBuffers {
            keys,
            flags,
            window,
        },
        out,
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MassSpecWavelet defaults (see `DEFAULT_PEAK_PARAMS` in src/peaks/params.ts).
    fn default_flat(scales: &[f64]) -> Vec<f64> {
        let mut flat = vec![
            1.0,
            0.0,
            3.0,
            24.0,
            3.0,
            5.0,
            f64::INFINITY,
            0.01,
            0.01 / 3.0,
            1.0,
            1.0,
            150.0,
            500.0,
            0.95,
            75.0,
            5.0,
            1.0,
            1.0,
            0.0,
        ];
        flat.push(scales.len() as f64);
        flat.extend_from_slice(scales);
        flat
    }

    fn msw_scales() -> Vec<f64> {
        let mut s = vec![1.0];
        s.extend((1..=15).map(|i| 2.0 * i as f64));
        s.extend((0..9).map(|i| 32.0 + 4.0 * i as f64));
        s
    }

    fn run(signal: &[f64], flat: &[f64]) -> Vec<[f64; 6]> {
        let params = PeakParams::from_flat(flat).expect("valid params");
        let mut scratch = vec![f64::NAN; scratch_len(signal.len(), &params)];
        let mut out = vec![0.0; 6 * 4];
        let mut found = detect_peaks(signal, &params, &mut scratch, &mut out).expect("runs");
        if found > 4 {
            out = vec![0.0; 6 * found];
            found = detect_peaks(signal, &params, &mut scratch, &mut out).expect("runs");
        }
        (0..found)
            .map(|i| {
                [
                    out[6 * i],
                    out[6 * i + 1],
                    out[6 * i + 2],
                    out[6 * i + 3],
                    out[6 * i + 4],
                    out[6 * i + 5],
                ]
            })
            .collect()
    }

    fn gaussian(n: usize, center: f64, sigma: f64, height: f64) -> Vec<f64> {
        (0..n)
            .map(|i| height * (-(i as f64 - center).powi(2) / (2.0 * sigma * sigma)).exp())
            .collect()
    }

    #[test]
    fn planned_groups_cover_the_fft_scales_in_order_with_valid_blocks() {
        for (n, scales) in [
            (37_656, msw_scales()),
            (1_000, msw_scales()),
            (1_000_000, (1..=64).map(|s| s as f64).collect::<Vec<_>>()),
            (5_000, vec![1.0, 2.0, 4.0]),
            (5_000, vec![1.0, 3.0]),
        ] {
            let mut groups = [FftGroup::default(); MAX_FFT_GROUPS];
            let count = plan_groups(n, &scales, &mut groups).expect("planned");
            let first = scales
                .iter()
                .position(|&s| PeakParams::uses_fft(s))
                .unwrap_or(scales.len());
            let mut next = first;
            for g in &groups[..count] {
                assert_eq!(g.from, next, "contiguous");
                assert!(g.to > g.from);
                let overlap = cwt::half_width(scales[g.to - 1]);
                let p = g.plan;
                assert_eq!(p.overlap, overlap, "sized for the group's largest scale");
                assert!(p.block > 2 * overlap + p.block / 8 && p.block.is_power_of_two());
                assert_eq!(p.step, p.block - 2 * overlap);
                assert!(p.blocks * p.step >= n, "blocks cover the signal");
                next = g.to;
            }
            assert_eq!(
                next,
                scales.len().max(first),
                "every FFT scale is in a group"
            );
        }
        let many: Vec<f64> = (1..=200).map(|s| s as f64).collect();
        let mut groups = [FftGroup::default(); MAX_FFT_GROUPS];
        assert_eq!(plan_groups(10_000, &many, &mut groups), None);
    }

    #[test]
    fn flat_params_are_validated() {
        let scales = msw_scales();
        let good = default_flat(&scales);
        let p = PeakParams::from_flat(&good).unwrap();
        assert_eq!(p.scales.len(), 25);
        assert_eq!(p.scale_range, (5.0, f64::INFINITY));
        let mut bad = good.clone();
        bad[0] = 2.0;
        assert_eq!(
            PeakParams::from_flat(&bad),
            Err(PeakError::Param(0, 2.0, "layout version 1"))
        );
        let mut bad = good.clone();
        bad[21] = 1.0; // not increasing
        assert!(matches!(
            PeakParams::from_flat(&bad),
            Err(PeakError::Param(21, _, _))
        ));
        let mut bad = good.clone();
        bad[1] = 1.0;
        assert_eq!(
            PeakParams::from_flat(&bad),
            Err(PeakError::UnsupportedMode(1.0))
        );
        assert!(PeakParams::from_flat(&good[..30]).is_err());
    }

    #[test]
    fn finds_a_single_gaussian_peak() {
        let x = gaussian(1000, 500.0, 5.0, 100.0);
        let peaks = run(&x, &default_flat(&msw_scales()));
        assert_eq!(peaks.len(), 1, "{:?}", peaks);
        assert_eq!(peaks[0][0], 500.0);
        assert!((peaks[0][4] - 100.0).abs() < 1e-9);
        // FWHM of a Gaussian is 2.3548 sigma.
        assert!((peaks[0][5] - 2.3548 * 5.0).abs() < 0.3, "{}", peaks[0][5]);
    }

    #[test]
    fn tune_in_refines_an_off_grid_peak() {
        let x = gaussian(1000, 500.3, 6.0, 100.0);
        let mut flat = default_flat(&msw_scales());
        flat[18] = 1.0;
        let peaks = run(&x, &flat);
        assert_eq!(peaks.len(), 1);
        assert!((peaks[0][1] - 500.3).abs() < 0.1, "{}", peaks[0][1]);
    }

    #[test]
    fn flat_nan_and_tiny_signals_have_no_peaks() {
        let flat = default_flat(&msw_scales());
        assert!(run(&[7.0; 2000], &flat).is_empty());
        assert!(run(&[f64::NAN; 2000], &flat).is_empty());
        assert!(run(&[], &flat).is_empty());
        assert!(run(&[1.0, 2.0], &flat).is_empty());
        let mut x = gaussian(1000, 500.0, 5.0, 100.0);
        x[100] = f64::NAN;
        x[501] = f64::INFINITY;
        assert_eq!(run(&x, &flat).len(), 1);
    }

    #[test]
    fn short_scratch_is_an_error() {
        let flat = default_flat(&msw_scales());
        let params = PeakParams::from_flat(&flat).unwrap();
        let x = gaussian(500, 250.0, 5.0, 1.0);
        let mut scratch = vec![0.0; 10];
        let mut out = vec![0.0; 60];
        assert!(matches!(
            detect_peaks(&x, &params, &mut scratch, &mut out),
            Err(PeakError::ScratchTooSmall(10, _))
        ));
    }

    #[test]
    fn integer_scales_and_no_raw_level_run() {
        let scales: Vec<f64> = (1..=64).map(|s| s as f64).collect();
        let mut flat = default_flat(&scales);
        flat[17] = 0.0;
        let mut x = gaussian(3000, 1000.0, 4.0, 50.0);
        for (a, b) in x.iter_mut().zip(gaussian(3000, 2000.0, 12.0, 80.0)) {
            *a += b;
        }
        let peaks = run(&x, &flat);
        let idx: Vec<f64> = peaks.iter().map(|p| p[0]).collect();
        assert_eq!(idx, vec![1000.0, 2000.0]);
    }

    /// MassSpecWavelet's exampleMS spectrum, vendored in tests/data/exampleMS (LGPL >= 2).
    fn example_ms() -> Vec<f64> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/exampleMS/exampleMS.csv"
        );
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{}: {} (vendored test data)", path, e));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().parse().unwrap())
            .collect()
    }

    /// Indices (0-based) the TypeScript reference finds on exampleMS with the defaults.
    const EXAMPLE_MS_REFERENCE: [usize; 42] = [
        105, 142, 174, 230, 264, 325, 497, 562, 693, 1306, 1343, 1449, 1505, 2035, 2081, 2505,
        2544, 2580, 2994, 3442, 5335, 5400, 6949, 7247, 7546, 7946, 8012, 8085, 8873, 8919, 10652,
        10742, 11599, 12527, 12603, 12674, 14364, 14708, 16370, 17528, 20728, 24726,
    ];

    /// Peaks from parts covering levels `..cuts[0]`, `cuts[0]..cuts[1]`, ..., `..levels`.
    fn run_parts(signal: &[f64], flat: &[f64], cuts: &[usize]) -> Vec<[f64; 6]> {
        let params = PeakParams::from_flat(flat).expect("valid params");
        let mut scratch = vec![f64::NAN; scratch_len(signal.len(), &params)];
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(params.levels());
        let mut parts = Vec::new();
        for w in bounds.windows(2) {
            let mut part = vec![f64::NAN; part_len(signal.len(), &params, w[0], w[1])];
            let len =
                level_maxima(signal, &params, w[0], w[1], &mut scratch, &mut part).expect("part");
            parts.extend_from_slice(&part[..len]);
        }
        let mut out = vec![0.0; 6 * 512];
        let found =
            detect_peaks_parts(signal, &params, &parts, &mut scratch, &mut out).expect("runs");
        assert!(found <= 512);
        (0..found)
            .map(|i| {
                let o = &out[6 * i..6 * i + 6];
                [o[0], o[1], o[2], o[3], o[4], o[5]]
            })
            .collect()
    }

    /// Peaks of a search begun with levels `..to`, finished with a part for `to..`.
    fn run_begun(signal: &[f64], flat: &[f64], to: usize) -> Vec<[f64; 6]> {
        let params = PeakParams::from_flat(flat).expect("valid params");
        let levels = params.levels();
        let mut scratch = vec![f64::NAN; scratch_len(signal.len(), &params)];
        let mut other = vec![f64::NAN; scratch_len(signal.len(), &params)];
        let mut part = Vec::new();
        if to < levels {
            part = vec![f64::NAN; part_len(signal.len(), &params, to, levels)];
            let len = level_maxima(signal, &params, to, levels, &mut other, &mut part).unwrap();
            part.truncate(len);
        }
        begin_search(signal, &params, to, &mut scratch).expect("begins");
        let mut out = vec![0.0; 6 * 512];
        let found = finish_search(signal.len(), &params, to, &part, &mut scratch, &mut out)
            .expect("finishes");
        (0..found.min(512))
            .map(|i| {
                let o = &out[6 * i..6 * i + 6];
                [o[0], o[1], o[2], o[3], o[4], o[5]]
            })
            .collect()
    }

    #[test]
    fn parts_find_the_same_peaks_at_every_split() {
        let mut x = example_ms();
        x.truncate(9001);
        x[4000] = f64::NAN;
        for raw in [0.0, 1.0] {
            let mut flat = default_flat(&msw_scales());
            flat[17] = raw;
            let whole = run(&x, &flat);
            assert!(whole.len() > 5);
            let levels = 25 + raw as usize;
            for cut in 1..levels {
                assert_eq!(run_parts(&x, &flat, &[cut]), whole, "split at {}", cut);
                assert_eq!(run_begun(&x, &flat, cut), whole, "begun up to {}", cut);
            }
            assert_eq!(run_begun(&x, &flat, levels), whole);
            assert_eq!(run_parts(&x, &flat, &[]), whole);
            assert_eq!(run_parts(&x, &flat, &[1, 2, 9, 20]), whole);
        }
    }

    #[test]
    fn split_level_balances_and_keeps_the_noise_row_here() {
        let flat = default_flat(&msw_scales());
        let params = PeakParams::from_flat(&flat).unwrap();
        let split = split_level(37656, &params);
        assert!(split > 2 && split < 26, "{}", split);
        // Only the raw level and the noise row's: no split.
        let flat = default_flat(&[1.0]);
        let params = PeakParams::from_flat(&flat).unwrap();
        assert_eq!(split_level(37656, &params), 2);
        // A handful of small FFT levels do not pay for a hand-off.
        let flat = default_flat(&[1.0, 2.0, 4.0]);
        let params = PeakParams::from_flat(&flat).unwrap();
        assert_eq!(split_level(37656, &params), 4);
        assert_eq!(split_level(2, &params), 4);
    }

    #[test]
    fn malformed_parts_are_refused() {
        let x = gaussian(2000, 1000.0, 5.0, 100.0);
        let flat = default_flat(&msw_scales());
        let params = PeakParams::from_flat(&flat).unwrap();
        let mut scratch = vec![0.0; scratch_len(x.len(), &params)];
        let mut parts = Vec::new();
        for (from, to) in [(0, 10), (10, 26)] {
            let mut part = vec![0.0; part_len(x.len(), &params, from, to)];
            let len = level_maxima(&x, &params, from, to, &mut scratch, &mut part).unwrap();
            parts.extend_from_slice(&part[..len]);
        }
        let second = PART_HEADER + 10 + {
            let total: f64 = parts[PART_HEADER..PART_HEADER + 10].iter().sum();
            2 * total as usize + x.len()
        };
        let mut out = vec![0.0; 60];
        let mut check = |edit: &dyn Fn(&mut Vec<f64>), slot: usize| {
            let mut bad = parts.clone();
            edit(&mut bad);
            match detect_peaks_parts(&x, &params, &bad, &mut scratch, &mut out) {
                Err(PeakError::Part(s, _)) => assert_eq!(s, slot),
                other => panic!("expected a part error at slot {}, found {:?}", slot, other),
            }
        };
        check(&|p| p[0] = 1.0, 0);
        check(&|p| p[1] = 30.0, 1);
        check(&|p| p[3] = 0.0, 3);
        check(&|p| p[PART_HEADER] = 0.5, PART_HEADER);
        check(&|p| p[second] = 11.0, second);
        check(&|p| p[second + 3] = 1.0, second + 3);
        check(&|p| p.truncate(p.len() - 1), second + 1);
        check(&|p| p.push(0.0), parts.len());
        assert!(matches!(
            level_maxima(&x, &params, 5, 5, &mut scratch, &mut out),
            Err(PeakError::Part(0, _))
        ));
        assert!(matches!(
            level_maxima(&x, &params, 10, 26, &mut scratch, &mut out[..5]),
            Err(PeakError::PartTooSmall(5, _))
        ));
        let whole = detect_peaks_parts(&x, &params, &parts, &mut scratch, &mut out);
        assert_eq!(whole, Ok(1));
    }

    #[test]
    fn example_ms_matches_the_typescript_reference() {
        let x = example_ms();
        assert_eq!(x.len(), 37656);
        let peaks = run(&x, &default_flat(&msw_scales()));
        let idx: Vec<usize> = peaks.iter().map(|p| p[0] as usize).collect();
        assert_eq!(idx, EXAMPLE_MS_REFERENCE.to_vec());
    }
}
