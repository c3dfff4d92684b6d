//! Local maxima, ridge lines and peak selection of MassSpecWavelet's
//! `getLocalMaximumCWT`, `getRidge` and `identifyMajorPeaks`.
//!
//! Everything works in caller-owned f64 buffers (positions are stored as exact f64
//! integers) so the kernel allocates nothing. Coefficients that are not kept (the CWT
//! rows are consumed one at a time) are recomputed on demand through a `coef_at`
//! callback; only ridge points that are not local maxima need it.

// `!(a < b)` is used on purpose where NaN must take the "reject" branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::fft::lanes::F2;

/// Upper bound of the local maxima `local_maxima_and_max` finds with window `win` in `n` samples.
pub fn maxima_capacity(n: usize, win: usize) -> usize {
    2 * (n / win.max(1) + 2)
}

/// MassSpecWavelet's sliding-window local maxima ("faster" algorithm): windows of `win`
/// samples, a second pass shifted by `win / 2`, then of two maxima closer than `win`
/// the smaller (the left one on ties) is dropped. Writes sorted positions into `out`
/// (`maxima_capacity(x.len(), win)` slots) and returns their count together with the
/// largest value of `x` (-inf if empty).
///
/// The window starts of both passes, `k win` and `k win - win / 2`, cut the signal into
/// segments of about `win / 2` samples; every window (clamped to the signal) is then one
/// segment or two adjacent ones, so each sample is read once and a window's first
/// maximum is the left segment's unless the right one's is strictly greater. Windows
/// are visited in order of their start, which yields the maxima already sorted.
pub fn local_maxima_and_max(x: &[f64], win: usize, out: &mut [f64]) -> (usize, f64) {
    let n = x.len();
    let win = win.max(1);
    let mut row_max = f64::NEG_INFINITY;
    if n == 0 {
        return (0, row_max);
    }
    let shift = win / 2;
    if shift == 0 {
        // One-sample windows never beat their own ends.
        return (0, x.iter().fold(row_max, |m, &v| if v > m { v } else { m }));
    }
    // Appends `at` unless it repeats the last one; no data-dependent branch (noisy rows
    // such as the raw signal would mispredict most of them).
    let mut m = 0usize;
    let mut last = usize::MAX; // the last position appended, kept out of memory
    let mut emit = |out: &mut [f64], at: usize, cond: bool| {
        let ok = cond & (last != at);
        out[m] = at as f64;
        m += ok as usize;
        last = if ok { at } else { last };
    };
    // Segment boundaries alternate between `k win - shift` and `k win`. The shifted
    // pass's first window is the first segment alone: (start, argmax) of the "previous
    // segment" starts as the first segment's own.
    let mut seg_start = 0usize;
    let mut next_cut = win - shift;
    let mut cut_is_shifted = true;
    let mut p_start = 0usize;
    let mut p_at = first_argmax(&x[..next_cut.min(n)]);
    loop {
        let seg_end = next_cut.min(n);
        let at = seg_start + first_argmax(&x[seg_start..seg_end]);
        row_max = if x[at] > row_max { x[at] } else { row_max };
        let best = if x[at] > x[p_at] { at } else { p_at };
        emit(
            out,
            best,
            (x[best] > x[p_start]) & (x[best] > x[seg_end - 1]),
        );
        p_start = seg_start;
        p_at = at;
        if seg_end == n {
            break;
        }
        seg_start = seg_end;
        next_cut += if cut_is_shifted { shift } else { win - shift };
        cut_is_shifted = !cut_is_shifted;
    }
    // The window starting at the last segment reaches past the end: that segment alone.
    emit(out, p_at, (x[p_at] > x[p_start]) & (x[p_at] > x[n - 1]));
    // Of two maxima closer than win drop the smaller; decisions use the merged list only.
    let mut kept = 0;
    let mut dropped_by_left = false;
    for p in 0..m {
        let a = out[p];
        let mut keep = !dropped_by_left;
        dropped_by_left = false;
        if p + 1 < m {
            let b = out[p + 1];
            let close = (b - a) < win as f64;
            let right_wins = x[a as usize] - x[b as usize] <= 0.0;
            keep &= !(close & right_wins);
            dropped_by_left = close & !right_wins;
        }
        out[kept] = a;
        kept += keep as usize;
    }
    (kept, row_max)
}

/// Index of the first maximum of a non-empty, NaN-free slice: the largest value with
/// two-lane SIMD (two accumulators, so the maxima do not all wait on each other), then
/// its first position, two lanes per comparison. The value is one of x's, so exact
/// equality finds it (0.0 and -0.0 compare equal, as `>` treats them).
#[inline(always)]
fn first_argmax(x: &[f64]) -> usize {
    let len = x.len();
    if len < 4 {
        let mut best_at = 0;
        for i in 1..len {
            best_at = if x[i] > x[best_at] { i } else { best_at };
        }
        return best_at;
    }
    let p = x.as_ptr();
    // SAFETY: every load reads lanes i, i + 1 with i + 2 <= len (len >= 4); the last
    // pair overlaps the others, which does not change a maximum.
    let best = unsafe {
        let mut m0 = F2::load(p);
        let mut m1 = F2::load(p.add(len - 2));
        let mut i = 2;
        while i + 4 <= len {
            m0 = m0.max(F2::load(p.add(i)));
            m1 = m1.max(F2::load(p.add(i + 2)));
            i += 4;
        }
        if i + 2 <= len {
            m0 = m0.max(F2::load(p.add(i)));
        }
        let [a, b] = m0.max(m1).lanes();
        if a < b {
            b
        } else {
            a
        }
    };
    let target = F2::splat(best);
    let mut i = 0;
    while i + 2 <= len {
        // SAFETY: i + 2 <= len.
        let mask = unsafe { F2::load(p.add(i)) }.eq_mask(target);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 2;
    }
    len - 1
}

/// Sorted local maxima per level: level `l` owns `pos[start[l]..start[l+1]]` and the
/// matching `val` (its coefficient).
pub struct LevelMaxima<'a> {
    pub pos: &'a [f64],
    pub val: &'a [f64],
    pub start: &'a [f64],
}

impl<'a> LevelMaxima<'a> {
    fn range(&self, level: usize) -> (usize, usize) {
        (self.start[level] as usize, self.start[level + 1] as usize)
    }
}

/// Fields of an active ridge record.
const R_POS: usize = 0;
const R_GAPS: usize = 1;
const R_TOP: usize = 2;
const R_LEN: usize = 3;
const R_CVAL: usize = 4;
const R_CLEV: usize = 5;
const R_CPOS: usize = 6;
const R_PVAL: usize = 7;
const R_PLEV: usize = 8;
const R_PPOS: usize = 9;
/// f64 slots per active ridge.
pub const RIDGE_FIELDS: usize = 10;

/// Fields of a finished ridge record.
pub const F_INDEX: usize = 0;
pub const F_LOW: usize = 1;
pub const F_TOP: usize = 2;
pub const F_VAL: usize = 3;
/// Level of the ridge maximum, or -1 if no ridge point lies in the scale range.
pub const F_LEVEL: usize = 4;
pub const F_CENTER: usize = 5;
/// f64 slots per finished ridge.
pub const FINISHED_FIELDS: usize = 6;

/// What `trace_ridges` needs besides the maxima.
pub struct TraceSettings<'a> {
    /// Scale of every level (0 for the raw signal), increasing.
    pub level_scales: &'a [f64],
    /// Level whose maxima are ignored (ridges just copy their position), if any.
    pub skip_level: Option<usize>,
    pub gap_th: f64,
    pub min_win: f64,
}

/// Buffers `trace_ridges` works in: `active_a`/`active_b` hold `RIDGE_FIELDS * cap`
/// slots with cap >= the number of maxima at all levels (and <= n suffices);
/// `owner` has n slots all equal to -1 on entry (and on return); `finished` holds
/// `FINISHED_FIELDS` slots per maximum over all levels.
pub struct TraceBuffers<'a> {
    pub active_a: &'a mut [f64],
    pub active_b: &'a mut [f64],
    pub owner: &'a mut [f64],
    pub finished: &'a mut [f64],
}

/// Result of `trace_ridges`: `finished[..total]` holds `orphans` ridges that ended early
/// (in the order they ended) followed by the ridges that reached level 0.
pub struct Traced {
    pub total: usize,
    pub orphans: usize,
}

/// Running maximum of the ridge value, preferring lower levels on ties (R's `which.max`
/// over the ridge from its lowest point up).
fn offer(rec: &mut [f64], val_field: usize, value: f64, level: usize, pos: f64) {
    if rec[val_field + 1] < 0.0 || value >= rec[val_field] {
        rec[val_field] = value;
        rec[val_field + 1] = level as f64;
        rec[val_field + 2] = pos;
    }
}

fn commit_pending(rec: &mut [f64]) {
    if rec[R_PLEV] >= 0.0 && (rec[R_CLEV] < 0.0 || rec[R_PVAL] >= rec[R_CVAL]) {
        rec[R_CVAL] = rec[R_PVAL];
        rec[R_CLEV] = rec[R_PLEV];
        rec[R_CPOS] = rec[R_PPOS];
    }
    rec[R_PLEV] = -1.0;
}

fn new_ridge(rec: &mut [f64], pos: f64, level: usize, value: f64, in_range: bool) {
    rec[R_POS] = pos;
    rec[R_GAPS] = 0.0;
    rec[R_TOP] = level as f64;
    rec[R_LEN] = 1.0;
    rec[R_CLEV] = -1.0;
    rec[R_PLEV] = -1.0;
    if in_range {
        offer(rec, R_CVAL, value, level, pos);
    }
}

fn finish(dst: &mut [f64], rec: &[f64], low: usize) {
    dst[F_INDEX] = rec[R_POS];
    dst[F_LOW] = low as f64;
    dst[F_TOP] = rec[R_TOP];
    if rec[R_CLEV] >= 0.0 {
        dst[F_VAL] = rec[R_CVAL];
        dst[F_LEVEL] = rec[R_CLEV];
        dst[F_CENTER] = rec[R_CPOS];
    } else {
        dst[F_VAL] = 0.0;
        dst[F_LEVEL] = -1.0;
        dst[F_CENTER] = rec[R_POS];
    }
}

/// MassSpecWavelet `getRidge`, from the top level down to level 0, keeping per ridge
/// only its position, gap count, extent and running maximum over the levels for which
/// `in_range(level)` holds (values of non-maximum points come from `coef_at`).
///
/// Deviations from the R code: when several ridges reach the same maximum the shorter
/// ones are dropped (R also appends an unrelated ridge to its orphan list there, an
/// indexing slip); and a level reached with no active ridge starts new ridges from its
/// maxima.
pub fn trace_ridges<R, C>(
    maxima: &LevelMaxima,
    settings: &TraceSettings,
    in_range: R,
    coef_at: C,
    buffers: TraceBuffers,
) -> Traced
where
    R: Fn(usize) -> bool,
    C: Fn(usize, usize) -> f64,
{
    let TraceBuffers {
        mut active_a,
        mut active_b,
        owner,
        finished,
    } = buffers;
    let levels = settings.level_scales.len();
    let mut active = 0usize;
    let mut orphans = 0usize;
    for level in (0..levels).rev() {
        let scale = settings.level_scales[level];
        let (lo, hi) = maxima.range(level);
        let here = &maxima.pos[lo..hi];
        let here_val = &maxima.val[lo..hi];
        let ranged = in_range(level);
        if settings.skip_level == Some(level) && level != levels - 1 {
            for r in 0..active {
                let rec = &mut active_a[r * RIDGE_FIELDS..(r + 1) * RIDGE_FIELDS];
                rec[R_LEN] += 1.0;
                if ranged {
                    let v = coef_at(level, rec[R_POS] as usize);
                    let field = if rec[R_GAPS] > 0.0 { R_PVAL } else { R_CVAL };
                    offer(rec, field, v, level, rec[R_POS]);
                }
            }
            continue;
        }
        if active == 0 {
            for (i, (&p, &v)) in here.iter().zip(here_val.iter()).enumerate() {
                new_ridge(
                    &mut active_a[i * RIDGE_FIELDS..(i + 1) * RIDGE_FIELDS],
                    p,
                    level,
                    v,
                    ranged,
                );
            }
            active = here.len();
            continue;
        }
        let win = settings.min_win.max(2.0 * scale + 1.0);
        // Connect every ridge to the nearest maximum within +-win, or carry it over a gap.
        let mut kept = 0usize;
        for r in 0..active {
            let (src, dst_base) = (r * RIDGE_FIELDS, kept * RIDGE_FIELDS);
            if kept != r {
                active_a.copy_within(src..src + RIDGE_FIELDS, dst_base);
            }
            let rec = &mut active_a[dst_base..dst_base + RIDGE_FIELDS];
            let at = rec[R_POS];
            let from = here.partition_point(|&p| p < at - win);
            let mut best = -1.0f64;
            let mut best_val = 0.0;
            for (i, &p) in here[from..].iter().enumerate() {
                if p > at + win {
                    break;
                }
                if best < 0.0 || (p - at).abs() < (best - at).abs() {
                    best = p;
                    best_val = here_val[from + i];
                }
            }
            if best < 0.0 {
                let gaps = rec[R_GAPS];
                if gaps > settings.gap_th && scale >= 2.0 {
                    let dst =
                        &mut finished[orphans * FINISHED_FIELDS..(orphans + 1) * FINISHED_FIELDS];
                    finish(dst, rec, level + gaps as usize + 1);
                    orphans += 1;
                    continue;
                }
                rec[R_GAPS] = gaps + 1.0;
                rec[R_LEN] += 1.0;
                if ranged {
                    offer(rec, R_PVAL, coef_at(level, at as usize), level, at);
                }
            } else {
                rec[R_POS] = best;
                rec[R_GAPS] = 0.0;
                rec[R_LEN] += 1.0;
                commit_pending(rec);
                if ranged {
                    offer(rec, R_CVAL, best_val, level, best);
                }
            }
            kept += 1;
        }
        // Of ridges that reached the same position keep the longest (first on ties).
        for r in 0..kept {
            let rec = &active_a[r * RIDGE_FIELDS..(r + 1) * RIDGE_FIELDS];
            let p = rec[R_POS] as usize;
            let o = owner[p];
            if o < 0.0 || rec[R_LEN] > active_a[o as usize * RIDGE_FIELDS + R_LEN] {
                owner[p] = r as f64;
            }
        }
        let mut next = 0usize;
        for r in 0..kept {
            let src = &active_a[r * RIDGE_FIELDS..(r + 1) * RIDGE_FIELDS];
            if owner[src[R_POS] as usize] == r as f64 {
                active_b[next * RIDGE_FIELDS..(next + 1) * RIDGE_FIELDS].copy_from_slice(src);
                next += 1;
            }
        }
        if scale >= 2.0 {
            for (&p, &v) in here.iter().zip(here_val.iter()) {
                if owner[p as usize] < 0.0 {
                    new_ridge(
                        &mut active_b[next * RIDGE_FIELDS..(next + 1) * RIDGE_FIELDS],
                        p,
                        level,
                        v,
                        ranged,
                    );
                    next += 1;
                }
            }
        }
        for r in 0..kept {
            owner[active_a[r * RIDGE_FIELDS + R_POS] as usize] = -1.0;
        }
        core::mem::swap(&mut active_a, &mut active_b);
        active = next;
    }
    for r in 0..active {
        let rec = &mut active_a[r * RIDGE_FIELDS..(r + 1) * RIDGE_FIELDS];
        commit_pending(rec);
        let i = orphans + r;
        finish(
            &mut finished[i * FINISHED_FIELDS..(i + 1) * FINISHED_FIELDS],
            rec,
            0,
        );
    }
    Traced {
        total: orphans + active,
        orphans,
    }
}

/// Rank (0-based) of the lower order statistic R's type-7 quantile `p` of `len > 0`
/// values interpolates from.
pub fn quantile_low_rank(len: usize, p: f64) -> usize {
    (((len - 1) as f64 * p).floor() as usize).min(len - 1)
}

/// Number of `values` below `bound`, two lanes at a time.
pub fn count_below(values: &[f64], bound: f64) -> usize {
    let len = values.len();
    let p = values.as_ptr();
    let b = F2::splat(bound);
    let mut count = 0u32;
    let mut i = 0;
    while i + 2 <= len {
        // SAFETY: i + 2 <= len.
        let mask = unsafe { F2::load(p.add(i)) }.lt_mask(b);
        count += (mask & 1) + (mask >> 1);
        i += 2;
    }
    if i < len && values[i] < bound {
        count += 1;
    }
    count as usize
}

/// R's default (type 7) quantile of `values`, reordering them.
pub fn quantile_type7(values: &mut [f64], p: f64) -> f64 {
    let len = values.len();
    if len == 0 {
        return f64::NAN;
    }
    let h = (len - 1) as f64 * p;
    let lo = quantile_low_rank(len, p);
    let cmp = |a: &f64, b: &f64| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal);
    let (_, &mut low, right) = values.select_nth_unstable_by(lo, cmp);
    if lo + 1 >= len {
        return low;
    }
    let high = right.iter().fold(f64::INFINITY, |m, &v| m.min(v));
    low + (h - lo as f64) * (high - low)
}

/// Vertex offset of the parabola through (-1, a), (0, b), (1, c), clamped to +-0.5.
pub fn parabolic_offset(a: f64, b: f64, c: f64) -> f64 {
    let curvature = a - 2.0 * b + c;
    if !(curvature < 0.0) {
        return 0.0;
    }
    (0.5 * (a - c) / curvature).clamp(-0.5, 0.5)
}

/// Full width at half of the height of `x[index]` above the minimum within
/// +-max(2, ceil(3 scale)) samples, with linear interpolation of the crossings.
pub fn half_max_width(x: &[f64], index: usize, scale: f64) -> f64 {
    let n = x.len();
    let radius = 2usize.max((3.0 * scale).ceil() as usize);
    let from = index.saturating_sub(radius);
    let to = (index + radius).min(n - 1);
    let base = x[from..=to].iter().fold(f64::INFINITY, |m, &v| m.min(v));
    let top = x[index];
    if !(top > base) {
        return 0.0;
    }
    let half = base + (top - base) / 2.0;
    let mut left = from as f64;
    let mut i = index;
    while i > from {
        if x[i - 1] <= half {
            left = (i - 1) as f64 + (half - x[i - 1]) / (x[i] - x[i - 1]);
            break;
        }
        i -= 1;
    }
    let mut right = to as f64;
    let mut i = index;
    while i < to {
        if x[i + 1] <= half {
            right = i as f64 + (x[i] - half) / (x[i] - x[i + 1]);
            break;
        }
        i += 1;
    }
    right - left
}

/// What `select_peaks` needs besides the ridges.
pub struct SelectSettings<'a> {
    pub level_scales: &'a [f64],
    /// Smallest top scale of a "long" ridge (already capped at the largest scale).
    pub ridge_length: f64,
    pub snr: f64,
    /// Half-width of the nearbyPeak neighbourhood, if enabled.
    pub nearby: Option<f64>,
    pub noise_win: usize,
    pub noise_quantile: f64,
    /// Absolute lower bound of the noise level.
    pub min_noise: f64,
    pub exclude: usize,
    pub tune_in: bool,
}

/// Buffers of `select_peaks`: `keys` and `flags` hold one slot per ridge, `window`
/// `2 noise_win + 1` slots (or n, whichever is smaller).
pub struct SelectBuffers<'a> {
    pub keys: &'a mut [f64],
    pub flags: &'a mut [f64],
    pub window: &'a mut [f64],
}

/// Peak record width in `out`: index, position, scale, snr, height, fwhm.
pub const PEAK_FIELDS: usize = 6;

#[allow(clippy::too_many_arguments)]
/// MassSpecWavelet `identifyMajorPeaks` on traced ridges, plus height, FWHM and the
/// optional sub-sample refinement. Writes up to `out.len() / 6` peaks sorted by index
/// and returns how many were found (which may exceed the capacity).
pub fn select_peaks<C>(
    x: &[f64],
    noise_row: &[f64],
    finished: &[f64],
    traced: &Traced,
    settings: &SelectSettings,
    coef_at: C,
    buffers: SelectBuffers,
    out: &mut [f64],
) -> usize
where
    C: Fn(usize, usize) -> f64,
{
    let n = x.len();
    let total = traced.total;
    let survivors = total - traced.orphans;
    let SelectBuffers {
        keys,
        flags,
        window,
    } = buffers;
    // R orders ridges by index with survivors before orphans on ties (a stable order).
    let span = (total + 1) as f64;
    for i in 0..total {
        let seq = if i < traced.orphans {
            survivors + i
        } else {
            i - traced.orphans
        };
        keys[i] = finished[i * FINISHED_FIELDS + F_INDEX] * span + seq as f64;
    }
    let keys = &mut keys[..total];
    keys.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
    let record = |key: f64| -> &[f64] {
        let seq = (key % span) as usize;
        let i = if seq < survivors {
            traced.orphans + seq
        } else {
            seq - survivors
        };
        &finished[i * FINISHED_FIELDS..(i + 1) * FINISHED_FIELDS]
    };
    for (a, &key) in keys.iter().enumerate() {
        let rec = record(key);
        flags[a] = if settings.level_scales[rec[F_TOP] as usize] >= settings.ridge_length {
            1.0
        } else {
            0.0
        };
    }
    if let Some(radius) = settings.nearby {
        // A ridge is accepted if a long ridge lies within +-radius of its index.
        let mut last_long = f64::NEG_INFINITY;
        for a in 0..total {
            let idx = record(keys[a])[F_INDEX];
            if flags[a] >= 1.0 {
                last_long = idx;
            } else if idx - last_long <= radius {
                flags[a] = 0.5;
            }
        }
        let mut next_long = f64::INFINITY;
        for a in (0..total).rev() {
            let idx = record(keys[a])[F_INDEX];
            if flags[a] >= 1.0 {
                next_long = idx;
            } else if next_long - idx <= radius {
                flags[a] = 0.5;
            }
        }
    }
    let capacity = out.len() / PEAK_FIELDS;
    let mut found = 0usize;
    for a in 0..total {
        if flags[a] <= 0.0 {
            continue;
        }
        let rec = record(keys[a]);
        let index = rec[F_INDEX] as usize;
        if settings.exclude > 0 && (index < settings.exclude || index + settings.exclude >= n) {
            continue;
        }
        // noise >= min_noise, so value / min_noise bounds the SNR from above (division
        // is monotone): ridges that fail even that need no noise quantile.
        if settings.min_noise > 0.0 && !(rec[F_VAL] / settings.min_noise > settings.snr) {
            continue;
        }
        let from = index.saturating_sub(settings.noise_win);
        let to = (index + settings.noise_win).min(n - 1);
        if rec[F_VAL] > 0.0 {
            // noise >= the quantile >= order statistic `lo` of the window, so if that
            // is at least `bound` the SNR is at most `snr` (the factor covers the
            // roundings of both divisions): counting needs no sort.
            let lo = quantile_low_rank(to - from + 1, settings.noise_quantile);
            let bound = rec[F_VAL] / settings.snr * (1.0 + 1e-9);
            if count_below(&noise_row[from..=to], bound) <= lo {
                continue;
            }
        }
        let win = &mut window[..to - from + 1];
        crate::fft::lanes::copy(win, &noise_row[from..=to]);
        let noise = quantile_type7(win, settings.noise_quantile).max(settings.min_noise);
        let snr = rec[F_VAL] / noise;
        if !(snr > settings.snr) {
            continue;
        }
        let level = rec[F_LEVEL];
        let scale = if level >= 0.0 {
            settings.level_scales[level as usize]
        } else {
            settings.level_scales[rec[F_LOW] as usize]
        };
        let mut position = index as f64;
        if settings.tune_in && level >= 0.0 && scale > 0.0 {
            let center = rec[F_CENTER] as usize;
            if center >= 1 && center + 1 < n {
                let lv = level as usize;
                let offset = parabolic_offset(
                    coef_at(lv, center - 1),
                    coef_at(lv, center),
                    coef_at(lv, center + 1),
                );
                position = index as f64 + offset;
            }
        }
        if found < capacity {
            let dst = &mut out[found * PEAK_FIELDS..(found + 1) * PEAK_FIELDS];
            dst[0] = index as f64;
            dst[1] = position;
            dst[2] = scale;
            dst[3] = snr;
            dst[4] = x[index];
            dst[5] = half_max_width(x, index, if scale > 0.0 { scale } else { 1.0 });
        }
        found += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maxima_of(x: &[f64], win: usize) -> Vec<usize> {
        let mut out = vec![0.0; maxima_capacity(x.len(), win)];
        let (m, _) = local_maxima_and_max(x, win, &mut out);
        out[..m].iter().map(|&p| p as usize).collect()
    }

    #[test]
    fn count_below_matches_a_filter_at_lengths_around_the_lane_width() {
        for len in 0..9 {
            let v: Vec<f64> = (0..len).map(|i| ((i * 5) % 7) as f64).collect();
            for &bound in &[-1.0, 0.0, 3.0, 3.5, 6.0, 7.0, f64::INFINITY] {
                let expected = v.iter().filter(|&&x| x < bound).count();
                assert_eq!(
                    count_below(&v, bound),
                    expected,
                    "len={} bound={}",
                    len,
                    bound
                );
            }
        }
    }

    #[test]
    fn the_low_rank_bounds_the_type7_quantile_from_below() {
        for len in 1..40usize {
            for &p in &[0.0, 0.3, 0.5, 0.95, 1.0] {
                let mut v: Vec<f64> = (0..len).map(|i| ((i * 17) % 23) as f64).collect();
                let mut sorted = v.clone();
                sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let low = sorted[quantile_low_rank(len, p)];
                let q = quantile_type7(&mut v, p);
                assert!(q >= low, "len={} p={}", len, p);
            }
        }
    }

    #[test]
    fn local_maxima_finds_isolated_peaks_and_drops_close_smaller_ones() {
        let x = [0.0, 1.0, 5.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(maxima_of(&x, 5), vec![2]);
        let y = [
            0.0, 3.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0,
        ];
        assert_eq!(maxima_of(&y, 5), vec![3, 11]);
    }

    #[test]
    fn local_maxima_handles_tiny_and_flat_inputs() {
        assert!(maxima_of(&[], 5).is_empty());
        assert!(maxima_of(&[1.0], 5).is_empty());
        assert!(maxima_of(&[1.0, 2.0], 5).is_empty());
        assert!(maxima_of(&[3.0; 17], 5).is_empty());
        // A one-sample window never beats its own ends (as in R).
        assert!(maxima_of(&[0.0, 2.0, 0.0], 1).is_empty());
        assert_eq!(maxima_of(&[0.0, 2.0, 0.0], 3), vec![1]);
    }

    /// Position of the first maximum of `x[clamp(start..start+win)]` if it exceeds both
    /// (clamped) window ends. Clamping repeats `x[0]` before the signal and `x[n-1]` after
    /// it; those copies can never be a *first* strict maximum, so the window reduces to the
    /// contiguous range `x[max(start, 0)..min(start + win, n)]`.
    fn window_max(x: &[f64], start: isize, win: usize) -> Option<usize> {
        let n = x.len() as isize;
        let first = start.max(0);
        let end = (start + win as isize).min(n);
        if first >= end {
            return None;
        }
        let (first, last) = (first as usize, end as usize - 1);
        let at = first + first_argmax(&x[first..=last]);
        let best = x[at];
        if best > x[first] && best > x[last] {
            Some(at)
        } else {
            None
        }
    }

    /// The original clamped-index scan, to check the fast path against.
    fn window_max_naive(x: &[f64], start: isize, win: usize) -> Option<usize> {
        let n = x.len() as isize;
        let end = start + win as isize;
        let mut best = f64::NEG_INFINITY;
        let mut best_at = 0usize;
        for k in start..end {
            let k2 = k.max(0).min(n - 1) as usize;
            if x[k2] > best {
                best = x[k2];
                best_at = k2;
            }
        }
        let first = start.max(0);
        if first >= n {
            return None;
        }
        let last = (end.min(n) - 1) as usize;
        if best > x[first as usize] && best > x[last] {
            Some(best_at)
        } else {
            None
        }
    }

    /// The original two-pass algorithm.
    fn local_maxima_two_pass(x: &[f64], win: usize) -> Vec<usize> {
        let n = x.len();
        let win = win.max(1);
        let mut found = Vec::new();
        let mut start = 0isize;
        while start < n as isize {
            found.extend(window_max_naive(x, start, win));
            start += win as isize;
        }
        let shift = (win / 2) as isize;
        let mut start = -shift;
        while start < n as isize + shift {
            found.extend(window_max_naive(x, start, win));
            start += win as isize;
        }
        found.sort_unstable();
        found.dedup();
        // R marks on the merged list, so a maximum dropped by its left neighbour can
        // still drop its right one; reproduce that order exactly.
        let mut kept = Vec::new();
        let mut dropped_by_left = false;
        for p in 0..found.len() {
            let mut keep = !dropped_by_left;
            dropped_by_left = false;
            if p + 1 < found.len() && found[p + 1] - found[p] < win {
                if x[found[p]] - x[found[p + 1]] <= 0.0 {
                    keep = false;
                } else {
                    dropped_by_left = true;
                }
            }
            if keep {
                kept.push(found[p]);
            }
        }
        kept
    }

    #[test]
    fn one_scan_local_maxima_match_the_two_pass_algorithm() {
        let mut state = 5u64;
        for &n in &[1usize, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 65, 200, 1000] {
            // Noise with many ties, noise without, and a smooth wave with plateaus.
            for &levels in &[3u64, 1000, 0] {
                let x: Vec<f64> = (0..n)
                    .map(|i| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(7);
                        if levels == 0 {
                            (50.0 * (i as f64 * 0.07).sin()).round()
                        } else {
                            ((state >> 40) % levels) as f64
                        }
                    })
                    .collect();
                for win in (1..=20usize).chain([33, 65, 129]) {
                    assert_eq!(
                        maxima_of(&x, win),
                        local_maxima_two_pass(&x, win),
                        "n={} win={} x={:?}",
                        n,
                        win,
                        x
                    );
                    let (_, row_max) =
                        local_maxima_and_max(&x, win, &mut vec![0.0; maxima_capacity(n, win)]);
                    assert_eq!(row_max, x.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
                }
            }
        }
    }

    #[test]
    fn window_max_matches_the_clamped_scan_at_every_offset() {
        let mut state = 17u64;
        for &n in &[1usize, 2, 3, 7, 8, 9, 16, 17, 40] {
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    // Few distinct values, so ties are common.
                    ((state >> 60) % 5) as f64 - 2.0
                })
                .collect();
            for win in 1..=12usize {
                for start in -(win as isize)..(n as isize + win as isize) {
                    assert_eq!(
                        window_max(&x, start, win),
                        window_max_naive(&x, start, win),
                        "n={} win={} start={}",
                        n,
                        win,
                        start
                    );
                }
            }
        }
    }

    #[test]
    fn quantile_matches_r_type_7() {
        let mut v = [4.0, 1.0, 3.0, 2.0, 5.0];
        assert!((quantile_type7(&mut v, 0.95) - 4.8).abs() < 1e-12);
        let mut w = [7.0];
        assert_eq!(quantile_type7(&mut w, 0.95), 7.0);
        let mut u = [1.0, 2.0];
        assert!((quantile_type7(&mut u, 0.1) - 1.1).abs() < 1e-12);
    }

    #[test]
    fn half_max_width_of_a_triangle() {
        let x = [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0];
        assert!((half_max_width(&x, 5, 2.0) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn parabola_vertex() {
        assert_eq!(parabolic_offset(1.0, 2.0, 1.0), 0.0);
        assert!((parabolic_offset(1.0, 2.0, 1.5) - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(parabolic_offset(1.0, 1.0, 1.0), 0.0);
    }
}
