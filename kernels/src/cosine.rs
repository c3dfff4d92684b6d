//! Spectral similarity as matchms scores it: `CosineGreedy` and `ModifiedCosineGreedy`
//! (peaks pair within a tolerance, pairs are taken greedily by the product of their
//! weights, ties as numpy's stable ascending sort reversed), over spectra in
//! caller-owned buffers; and an upper bound of the cosine score from binned spectra
//! that lets a top-k search skip library spectra that cannot enter it.
//!
//! The scores are the same floating-point operations, in the same order, as
//! `src/ms/cosine.ts` (the scalar reference, itself checked against matchms).

/// A prepared spectrum: ascending m/z, the weight `mz^p * intensity^q` of each peak,
/// the Euclidean norm of the weights, and the precursor m/z (NaN when none).
#[derive(Clone, Copy, Debug)]
pub struct Spectrum<'a> {
    pub mz: &'a [f64],
    pub weight: &'a [f64],
    pub norm: f64,
    pub precursor: f64,
}

/// Work space of one pair: candidate pairs and the peaks already matched.
pub struct PairScratch<'a> {
    pub value: &'a mut [f64],
    pub i1: &'a mut [u32],
    pub i2: &'a mut [u32],
    pub order: &'a mut [u32],
    pub used1: &'a mut [u8],
    pub used2: &'a mut [u8],
}

/// Why a pair could not be scored in the given work space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PairError {
    /// The pair has this many candidate pairs, more than the work space holds.
    TooManyPairs(usize),
    /// A spectrum has this many peaks, more than the work space's flags hold.
    TooManyPeaks(usize),
}

/// How pairs are scored and which library spectra are candidates.
#[derive(Clone, Copy, Debug)]
pub struct MatchSettings {
    /// Peaks pair when their m/z differ by at most this (Da).
    pub tolerance: f64,
    /// ModifiedCosineGreedy: also pairs shifted by the precursor difference.
    pub modified: bool,
    /// Only library spectra whose precursor m/z is within this of the query's (NaN: all).
    pub precursor_tolerance: f64,
    /// `precursor_tolerance` in ppm of the two precursors' mean (matchms
    /// `PrecursorMzMatch(tolerance_type="ppm")`), else in Da.
    pub precursor_ppm: bool,
}

/// Most bins of a [`QueryIndex`] (wider bins when the tolerance would need more).
pub const MAX_INDEX_BINS: usize = 1 << 16;

/// Where each m/z bin starts among a query's peaks: `starts[k]` is the first peak at or
/// above `origin + k * width`. Built once per query, it turns finding a library peak's
/// candidates into a lookup, so the peaks of a library spectrum are independent steps
/// instead of one merge whose every step waits on the previous comparison.
pub struct QueryIndex<'a> {
    origin: f64,
    /// 1 / bin width.
    scale: f64,
    starts: &'a [u32],
}

/// Slots a [`QueryIndex`] needs for peaks spanning `low..=high` m/z at `tolerance`.
pub fn index_bins(low: f64, high: f64, tolerance: f64) -> usize {
    let span = high - low;
    if !(span > 0.0) {
        return 2;
    }
    let width = bin_width(span, tolerance);
    ((span / width).floor() as usize + 2).min(MAX_INDEX_BINS + 2)
}

fn bin_width(span: f64, tolerance: f64) -> f64 {
    let floor = span / MAX_INDEX_BINS as f64;
    let w = if tolerance > floor { tolerance } else { floor };
    if w > 0.0 && w.is_finite() {
        w
    } else {
        1.0
    }
}

impl<'a> QueryIndex<'a> {
    /// Indexes the ascending `mz` into `starts` (at least [`index_bins`] slots).
    pub fn build(mz: &[f64], tolerance: f64, starts: &'a mut [u32]) -> QueryIndex<'a> {
        let (low, high) = match (mz.first(), mz.last()) {
            (Some(&l), Some(&h)) if l.is_finite() && h.is_finite() => (l, h),
            _ => (0.0, 0.0),
        };
        let bins = index_bins(low, high, tolerance);
        let width = bin_width(high - low, tolerance);
        let starts = &mut starts[..bins];
        let mut j = 0usize;
        for (k, start) in starts.iter_mut().enumerate() {
            let edge = low + k as f64 * width;
            while j < mz.len() && mz[j] < edge {
                j += 1;
            }
            *start = j as u32;
        }
        QueryIndex {
            origin: low,
            scale: 1.0 / width,
            starts,
        }
    }

    /// A peak position at or before the first peak `>= x` (one bin of slack for the
    /// rounding of `x`).
    #[inline(always)]
    fn at_or_before(&self, x: f64) -> usize {
        // Truncation is the floor for the positions that matter (negatives and NaN go
        // to bin 0, beyond the last bin to the last).
        let k = ((x - self.origin) * self.scale) as isize - 1;
        let k = if k > 0 { k as usize } else { 0 };
        self.starts[k.min(self.starts.len() - 1)] as usize
    }
}

/// Appends the pairs `(i, j)` with `|a.mz[i] - (b.mz[j] + shift)| <= tolerance` in the
/// order matchms collects them (by `i`, then `j`); counts past the work space without
/// writing. `index` is `b`'s [`QueryIndex`]: each `i` looks its window up and then
/// decides with the same comparisons as matchms, `b.mz[j] + shift` against
/// `a.mz[i] -+ tolerance`.
fn collect(
    a: &Spectrum,
    b: &Spectrum,
    index: &QueryIndex,
    shift: f64,
    tolerance: f64,
    s: &mut PairScratch,
    n: &mut usize,
) {
    let (am, bm) = (a.mz, b.mz);
    let cap = s.value.len();
    for i in 0..am.len() {
        let lo = am[i] - tolerance;
        let hi = am[i] + tolerance;
        let mut j = index.at_or_before(lo - shift);
        while j < bm.len() && bm[j] + shift < lo {
            j += 1;
        }
        while j < bm.len() && !(bm[j] + shift > hi) {
            if *n < cap {
                s.i1[*n] = i as u32;
                s.i2[*n] = j as u32;
                s.value[*n] = a.weight[i] * b.weight[j];
            }
            *n += 1;
            j += 1;
        }
    }
}

/// matchms' greedy score of `a` (the reference) against `b` (the query): the score and
/// the number of matched peak pairs. The flags of `s` must be clear (they are again on
/// return).
///
/// # Errors
/// When the work space holds fewer candidate pairs or peak flags than the pair needs.
pub fn greedy(
    a: &Spectrum,
    b: &Spectrum,
    index: &QueryIndex,
    settings: &MatchSettings,
    s: &mut PairScratch,
) -> Result<(f64, usize), PairError> {
    let peaks = a.mz.len().max(b.mz.len());
    if peaks > s.used1.len().min(s.used2.len()) {
        return Err(PairError::TooManyPeaks(peaks));
    }
    let tolerance = settings.tolerance;
    let mut n = 0usize;
    collect(a, b, index, 0.0, tolerance, s, &mut n);
    if settings.modified {
        let shift = a.precursor - b.precursor;
        if shift.abs() > tolerance {
            collect(a, b, index, shift, tolerance, s, &mut n);
        }
    }
    if n > s.value.len() {
        return Err(PairError::TooManyPairs(n));
    }
    if n == 0 {
        return Ok((0.0, 0));
    }
    let value = &s.value[..n];
    let order = &mut s.order[..n];
    for (k, o) in order.iter_mut().enumerate() {
        *o = k as u32;
    }
    // numpy's argsort(kind="mergesort")[::-1]: descending value, ties by descending
    // position; a total order, so an unstable sort gives the same sequence.
    order.sort_unstable_by(|&x, &y| {
        value[y as usize]
            .partial_cmp(&value[x as usize])
            .unwrap_or(core::cmp::Ordering::Equal)
            .then(y.cmp(&x))
    });
    let mut score = 0.0;
    let mut matched = 0usize;
    for &m in order.iter() {
        let (p, q) = (s.i1[m as usize] as usize, s.i2[m as usize] as usize);
        if s.used1[p] != 0 || s.used2[q] != 0 {
            continue;
        }
        score += value[m as usize];
        s.used1[p] = 1;
        s.used2[q] = 1;
        matched += 1;
    }
    for k in 0..n {
        s.used1[s.i1[k] as usize] = 0;
        s.used2[s.i2[k] as usize] = 0;
    }
    Ok((score / (a.norm * b.norm), matched))
}

/// Whether library spectrum `a` is a candidate for query `b`: both have a precursor
/// when the score or the precursor window needs one, and it is within the window.
pub fn is_candidate(a: &Spectrum, b: &Spectrum, settings: &MatchSettings) -> bool {
    let window = !settings.precursor_tolerance.is_nan();
    if (settings.modified || window) && (a.precursor.is_nan() || b.precursor.is_nan()) {
        return false;
    }
    if !window {
        return true;
    }
    let (n1, n2) = (a.precursor, b.precursor);
    if settings.precursor_ppm {
        // matchms number_matching_ppm: abs(n1 - n2) / mean * 1e6 <= tolerance.
        let mean = (n1 + n2) / 2.0;
        (n1 - n2).abs() / mean * 1e6 <= settings.precursor_tolerance
    } else {
        (n1 - n2).abs() <= settings.precursor_tolerance
    }
}

/// A library laid out flat: spectrum `k` owns peaks `offsets[k]..offsets[k + 1]` of
/// `mz` and `weight`, and `norm[k]`, `precursor[k]`.
#[derive(Clone, Copy, Debug)]
pub struct Library<'a> {
    pub mz: &'a [f64],
    pub weight: &'a [f64],
    pub offsets: &'a [f64],
    pub norm: &'a [f64],
    pub precursor: &'a [f64],
}

impl<'a> Library<'a> {
    /// Number of spectra.
    pub fn len(&self) -> usize {
        self.norm.len()
    }

    /// Spectrum `k`.
    pub fn get(&self, k: usize) -> Spectrum<'a> {
        let (from, to) = (self.offsets[k] as usize, self.offsets[k + 1] as usize);
        Spectrum {
            mz: &self.mz[from..to],
            weight: &self.weight[from..to],
            norm: self.norm[k],
            precursor: self.precursor[k],
        }
    }

    /// Checks the layout: `offsets` has `len + 1` non-decreasing whole numbers from 0 to
    /// the number of peaks; every array is as long as it must be.
    pub fn check(&self) -> Result<(), &'static str> {
        let count = self.norm.len();
        if self.precursor.len() != count || self.offsets.len() != count + 1 {
            return Err("one norm, one precursor and one offset per spectrum, plus a last offset");
        }
        if self.weight.len() != self.mz.len() {
            return Err("one weight per peak");
        }
        let mut last = 0.0;
        for (k, &o) in self.offsets.iter().enumerate() {
            let first_ok = k > 0 || o == 0.0;
            if !(first_ok && o >= last && o.fract() == 0.0 && o <= self.mz.len() as f64) {
                return Err("offsets rising from 0 to the number of peaks");
            }
            last = o;
        }
        if last != self.mz.len() as f64 {
            return Err("offsets rising from 0 to the number of peaks");
        }
        Ok(())
    }
}

/// Scores `query` against the library spectra listed in `list` (indices) from position
/// `from` on: `score[p]` and `matched[p]` for list position `p` (matched -1 and score
/// NaN for a spectrum that is not a candidate). Returns the positions done: all of
/// `list.len()`, or fewer with the error of the first pair that did not fit.
pub fn score_list(
    library: &Library,
    query: &Spectrum,
    settings: &MatchSettings,
    list: &[f64],
    from: usize,
    s: &mut PairScratch,
    starts: &mut [u32],
    score: &mut [f64],
    matched: &mut [f64],
) -> Result<usize, (usize, PairError)> {
    let index = QueryIndex::build(query.mz, settings.tolerance, starts);
    // The flags come from the caller's work space: clear them (each pair clears its own).
    s.used1.fill(0);
    s.used2.fill(0);
    for p in from..list.len() {
        let a = library.get(list[p] as usize);
        if !is_candidate(&a, query, settings) {
            score[p] = f64::NAN;
            matched[p] = -1.0;
            continue;
        }
        match greedy(&a, query, &index, settings, s) {
            Ok((v, m)) => {
                score[p] = v;
                matched[p] = m as f64;
            }
            Err(e) => return Err((p, e)),
        }
    }
    Ok(list.len())
}

// ---- The binned bound and the top-k search ------------------------------------------------

/// Most bins of the bound's m/z grid (wider bins beyond: a looser, still valid bound).
pub const MAX_BOUND_BINS: usize = 1 << 18;

/// Width of the bound's bins for `tolerance` on m/z up to `max_mz`: a hair wider than the
/// tolerance, so that two m/z within it fall in the same or adjacent bins whatever the
/// rounding of their quotients.
pub fn bound_width(tolerance: f64, max_mz: f64) -> f64 {
    let floor = max_mz / (MAX_BOUND_BINS - 4) as f64;
    let w = tolerance * (1.0 + 1e-9);
    let w = if w > floor { w } else { floor };
    if w > 0.0 && w.is_finite() {
        w
    } else {
        1.0
    }
}

#[inline(always)]
fn bin_of(mz: f64, width: f64) -> usize {
    let k = (mz / width) as isize; // truncation: the floor for the m/z that exist
    if k > 0 {
        (k as usize).min(MAX_BOUND_BINS - 3)
    } else {
        0
    }
}

/// Per library peak `p` (of `n`), its bin `units[p]` and its `weight / norm`
/// `units[n + p]` (0 for a spectrum whose norm is 0; NaN for every peak of a spectrum
/// with a negative or non-finite weight, which the bound does not cover, so that its
/// pairs are always scored). Returns the highest bin.
pub fn library_units(library: &Library, width: f64, units: &mut [f64]) -> usize {
    let n = library.mz.len();
    let mut top = 0;
    let (bins, unit) = units.split_at_mut(n);
    for k in 0..library.len() {
        let s = library.get(k);
        let from = library.offsets[k] as usize;
        let covered = bounded_weights(s.weight);
        for (i, (&mz, &w)) in s.mz.iter().zip(s.weight.iter()).enumerate() {
            let b = bin_of(mz, width);
            top = top.max(b);
            bins[from + i] = b as f64;
            unit[from + i] = if !covered {
                f64::NAN
            } else if s.norm > 0.0 {
                w / s.norm
            } else {
                0.0
            };
        }
    }
    top
}

/// Whether the bound covers these weights: all finite and non-negative (a product of
/// two negative weights would be a positive pair the bound does not see).
fn bounded_weights(weight: &[f64]) -> bool {
    weight.iter().all(|&w| w >= 0.0 && w.is_finite())
}

/// The query spread over the grid: `spread[b]` is the sum of `weight / norm` of the
/// query's peaks in bins `b - 1..=b + 1`, for every bin up to `limit` (which is 0, as
/// are all bins beyond it).
pub struct Spread<'a> {
    limit: usize,
    spread: &'a [f64],
}

impl<'a> Spread<'a> {
    /// Builds the spread of `query` in `work` (at least [`MAX_BOUND_BINS`] slots; the
    /// bins up to the library's `top_bin` and the query's last bin, plus two, are written).
    pub fn build(query: &Spectrum, width: f64, top_bin: usize, work: &'a mut [f64]) -> Spread<'a> {
        let query_top = query.mz.last().map_or(0, |&mz| bin_of(mz, width));
        let limit = top_bin.max(query_top).min(MAX_BOUND_BINS - 3) + 2;
        for v in work[..=limit].iter_mut() {
            *v = 0.0;
        }
        if !query.mz.is_empty() && query.norm > 0.0 {
            for (&mz, &w) in query.mz.iter().zip(query.weight.iter()) {
                work[bin_of(mz, width)] += w / query.norm;
            }
            // In place: each bin takes its neighbours' sums (bins beyond stay 0).
            let lo = bin_of(query.mz[0], width).saturating_sub(1);
            let hi = query_top + 1;
            let mut before = 0.0;
            for b in lo..=hi {
                let here = work[b];
                work[b] = before + here + work[b + 1];
                before = here;
            }
        }
        Spread {
            limit,
            spread: work,
        }
    }

    #[inline(always)]
    fn at(&self, b: usize) -> f64 {
        self.spread[b.min(self.limit)]
    }
}

/// An upper bound of the cosine score of library spectrum `k` against the query whose
/// spread is `q`: every matched pair (i, j) has `j` in the bins around `i`'s, and each
/// peak is matched once, so `S <= sum_i w_i / |a| * spread[bin(i)]` (times `|b|`). For
/// the modified cosine, the pairs shifted by the precursor difference add the same sum
/// taken at the shifted bins (two of them cover the shift's rounding). The products
/// are summed in two-lane vectors, four peaks per step; the lookups are scalar.
pub fn cosine_bound(
    library: &Library,
    units: &[f64],
    k: usize,
    q: &Spread,
    shift: Option<f64>,
    width: f64,
) -> f64 {
    use crate::fft::lanes::F2;
    let n = library.mz.len();
    let (from, to) = (library.offsets[k] as usize, library.offsets[k + 1] as usize);
    let bins = &units[from..to];
    let unit = &units[n + from..n + to];
    let len = to - from;
    let (mut acc0, mut acc1) = (F2::splat(0.0), F2::splat(0.0));
    let mut p = 0;
    while p + 4 <= len {
        let s0 = F2::new(q.at(bins[p] as usize), q.at(bins[p + 1] as usize));
        let s1 = F2::new(q.at(bins[p + 2] as usize), q.at(bins[p + 3] as usize));
        // SAFETY: p + 4 <= len = unit.len().
        unsafe {
            acc0 = acc0.add(F2::load(unit.as_ptr().add(p)).mul(s0));
            acc1 = acc1.add(F2::load(unit.as_ptr().add(p + 2)).mul(s1));
        }
        p += 4;
    }
    let [x, y] = acc0.add(acc1).lanes();
    let mut bound = x + y;
    while p < len {
        bound += unit[p] * q.at(bins[p] as usize);
        p += 1;
    }
    if let Some(shift) = shift {
        let mz = &library.mz[from..to];
        let mut shifted = 0.0;
        for (i, &m) in mz.iter().enumerate() {
            let b = bin_of(m - shift, width);
            shifted += unit[i] * (q.at(b) + q.at(b + 1));
        }
        bound += shifted;
    }
    bound
}

/// What a top-k search found: hits as `(list position, score, matched)` best first, and
/// how many pairs it scored exactly.
#[derive(Debug, Default)]
pub struct TopHits {
    pub found: usize,
    pub scored: usize,
}

/// Work space of [`top_hits`]: one key per listed library spectrum, and the query's
/// spread.
pub struct TopScratch<'a> {
    pub keys: &'a mut [u64],
    pub spread: &'a mut [f64],
}

/// Bits of a list position in a sort key (lists are at most this long).
pub const KEY_POSITION_BITS: u32 = 20;

/// A sort key: the bound rounded up to 44 bits (the bits of a non-negative f64 order as
/// integers), then the list position. 0 for a bound that is not positive (no pair can
/// score); a NaN bound (a NaN weight) counts as infinite, so its pair is scored.
fn bound_key(bound: f64, p: usize) -> u64 {
    let low = (1u64 << KEY_POSITION_BITS) - 1;
    let bound = if bound.is_nan() { f64::INFINITY } else { bound };
    if !(bound > 0.0) {
        return 0;
    }
    let bits = bound.to_bits();
    let rounded_up = if bound.is_infinite() {
        bits
    } else {
        bits + low
    } >> KEY_POSITION_BITS;
    (rounded_up << KEY_POSITION_BITS) | p as u64
}

/// The bound a key holds (at least the bound it was made from).
fn key_bound(key: u64) -> f64 {
    f64::from_bits(key >> KEY_POSITION_BITS << KEY_POSITION_BITS)
}

/// The `top` best library spectra of `list` for `query` (by score, then list position),
/// with at least `min_matched` matched peaks and a score above 0; the same hits as
/// scoring every pair, but pairs whose bound is below the `top`-th score found so far
/// (by more than rounding) are not scored. Writes `3 * found` slots of `hits`. `list`
/// holds at most `2^KEY_POSITION_BITS` positions.
#[allow(clippy::too_many_arguments)]
pub fn top_hits(
    library: &Library,
    units: &[f64],
    width: f64,
    top_bin: usize,
    query: &Spectrum,
    settings: &MatchSettings,
    list: &[f64],
    top: usize,
    min_matched: usize,
    t: &mut TopScratch,
    s: &mut PairScratch,
    starts: &mut [u32],
    hits: &mut [f64],
) -> Result<TopHits, PairError> {
    let m = list.len();
    let spread = Spread::build(query, width, top_bin, t.spread);
    // A query the bound does not cover has every candidate scored (NaN sorts first).
    let query_covered = bounded_weights(query.weight);
    for p in 0..m {
        let k = list[p] as usize;
        let a = library.get(k);
        t.keys[p] = if is_candidate(&a, query, settings) {
            let shift = a.precursor - query.precursor;
            let shifted = settings.modified && shift.abs() > settings.tolerance;
            let bound = if query_covered {
                cosine_bound(
                    library,
                    units,
                    k,
                    &spread,
                    if shifted { Some(shift) } else { None },
                    width,
                )
            } else {
                f64::NAN
            };
            bound_key(bound, p)
        } else {
            0
        };
    }
    // Descending bound (the order among equal bounds does not matter: a pair is skipped
    // only when its bound is below the k-th score).
    let keys = &mut t.keys[..m];
    keys.sort_unstable_by(|a, b| b.cmp(a));
    let index = QueryIndex::build(query.mz, settings.tolerance, starts);
    s.used1.fill(0);
    s.used2.fill(0);
    let mut result = TopHits::default();
    if top == 0 {
        return Ok(result);
    }
    for &key in keys.iter() {
        if key == 0 {
            break; // no pair can score (or not a candidate): neither can the rest
        }
        let bound = key_bound(key);
        let p = (key & ((1u64 << KEY_POSITION_BITS) - 1)) as u32;
        if result.found == top {
            // Rounding of the score and of the bound is far below this margin.
            let kth = hits[3 * (top - 1) + 1];
            if bound * (1.0 + 1e-6) + 1e-12 < kth {
                break;
            }
        }
        let a = library.get(list[p as usize] as usize);
        let (score, matched) = greedy(&a, query, &index, settings, s)?;
        result.scored += 1;
        if matched < min_matched || !(score > 0.0) {
            continue;
        }
        // Insert (p, score) among the hits: by score descending, then position ascending.
        let better = |at: usize| {
            let (hs, hp) = (hits[3 * at + 1], hits[3 * at]);
            score > hs || (score == hs && (p as f64) < hp)
        };
        let mut at = result.found;
        while at > 0 && better(at - 1) {
            at -= 1;
        }
        if at >= top {
            continue;
        }
        let last = result.found.min(top - 1);
        let mut i = last;
        while i > at {
            hits.copy_within(3 * (i - 1)..3 * i, 3 * i);
            i -= 1;
        }
        hits[3 * at] = p as f64;
        hits[3 * at + 1] = score;
        hits[3 * at + 2] = matched as f64;
        if result.found < top {
            result.found += 1;
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(
        cap: usize,
        peaks: usize,
    ) -> (Vec<f64>, Vec<u32>, Vec<u32>, Vec<u32>, Vec<u8>, Vec<u8>) {
        (
            vec![0.0; cap],
            vec![0; cap],
            vec![0; cap],
            vec![0; cap],
            vec![0; peaks],
            vec![0; peaks],
        )
    }

    fn score(
        a: &Spectrum,
        b: &Spectrum,
        settings: &MatchSettings,
    ) -> Result<(f64, usize), PairError> {
        let mut starts = vec![0u32; MAX_INDEX_BINS + 2];
        let index = QueryIndex::build(b.mz, settings.tolerance, &mut starts);
        let (mut v, mut i1, mut i2, mut o, mut u1, mut u2) = scratch(64, 64);
        let mut s = PairScratch {
            value: &mut v,
            i1: &mut i1,
            i2: &mut i2,
            order: &mut o,
            used1: &mut u1,
            used2: &mut u2,
        };
        greedy(a, b, &index, settings, &mut s)
    }

    const COSINE: MatchSettings = MatchSettings {
        tolerance: 0.1,
        modified: false,
        precursor_tolerance: f64::NAN,
        precursor_ppm: false,
    };

    fn spectrum<'a>(mz: &'a [f64], weight: &'a [f64], precursor: f64) -> Spectrum<'a> {
        let norm = weight.iter().map(|w| w * w).sum::<f64>().sqrt();
        Spectrum {
            mz,
            weight,
            norm,
            precursor,
        }
    }

    #[test]
    fn cosine_of_the_matchms_example() {
        let a = spectrum(&[100.0, 200.0, 300.0], &[1.0, 2.0, 1.0], f64::NAN);
        let b = spectrum(&[100.05, 200.0, 400.0], &[1.0, 2.0, 5.0], f64::NAN);
        let (s, m) = score(&a, &b, &COSINE).unwrap();
        assert_eq!(m, 2);
        assert!((s - 5.0 / (6f64.sqrt() * 30f64.sqrt())).abs() < 1e-15);
        // Greedy: the larger product wins a shared peak.
        let a = spectrum(&[100.0, 100.08], &[1.0, 3.0], f64::NAN);
        let b = spectrum(&[100.04], &[2.0], f64::NAN);
        let (s, m) = score(&a, &b, &COSINE).unwrap();
        assert_eq!(m, 1);
        assert!((s - 6.0 / (10f64.sqrt() * 2.0)).abs() < 1e-15);
    }

    #[test]
    fn modified_cosine_pairs_shifted_peaks() {
        let a = spectrum(&[100.0, 250.0], &[1.0, 1.0], 300.0);
        let b = spectrum(&[100.0, 230.0], &[1.0, 1.0], 280.0);
        let modified = MatchSettings {
            modified: true,
            ..COSINE
        };
        assert_eq!(score(&a, &b, &modified).unwrap().1, 2);
        assert_eq!(score(&a, &b, &COSINE).unwrap().1, 1);
    }

    #[test]
    fn empty_spectra_and_small_work_spaces() {
        let a = spectrum(&[], &[], f64::NAN);
        let b = spectrum(&[100.0], &[1.0], f64::NAN);
        assert_eq!(score(&a, &b, &COSINE).unwrap(), (0.0, 0));
        let many: Vec<f64> = (0..100).map(|k| 100.0 + 0.001 * k as f64).collect();
        let w = vec![1.0; 100];
        let a = spectrum(&many, &w, f64::NAN);
        assert_eq!(score(&a, &a, &COSINE), Err(PairError::TooManyPeaks(100)));
        let (mut v, mut i1, mut i2, mut o, mut u1, mut u2) = scratch(64, 128);
        let mut s = PairScratch {
            value: &mut v,
            i1: &mut i1,
            i2: &mut i2,
            order: &mut o,
            used1: &mut u1,
            used2: &mut u2,
        };
        let mut starts = vec![0u32; MAX_INDEX_BINS + 2];
        let index = QueryIndex::build(a.mz, COSINE.tolerance, &mut starts);
        assert_eq!(
            greedy(&a, &a, &index, &COSINE, &mut s),
            Err(PairError::TooManyPairs(10_000))
        );
    }

    /// A little xorshift generator (the tests need no crate).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A random library of related spectra (shared fragments, shifted copies, noise).
    fn random_library(rng: &mut Rng, count: usize) -> Vec<(Vec<f64>, Vec<f64>, f64)> {
        let base: Vec<f64> = (0..40).map(|_| 100.0 + 900.0 * rng.next()).collect();
        (0..count)
            .map(|_| {
                let precursor = 400.0 + 600.0 * rng.next();
                let mut peaks: Vec<(f64, f64)> = Vec::new();
                let n = (rng.next() * 60.0) as usize;
                for _ in 0..n {
                    let mz = if rng.next() < 0.5 {
                        base[(rng.next() * 40.0) as usize] + 0.08 * (rng.next() - 0.5)
                    } else if rng.next() < 0.5 {
                        precursor - 300.0 * rng.next()
                    } else {
                        50.0 + 1500.0 * rng.next()
                    };
                    // Ties: some weights repeat exactly.
                    let w = if rng.next() < 0.2 {
                        1.0
                    } else {
                        (100.0 * rng.next()).round()
                    };
                    peaks.push((mz, w));
                }
                peaks.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
                let mz = peaks.iter().map(|p| p.0).collect();
                let w = peaks.iter().map(|p| p.1).collect();
                (
                    mz,
                    w,
                    if rng.next() < 0.1 {
                        f64::NAN
                    } else {
                        precursor
                    },
                )
            })
            .collect()
    }

    #[test]
    fn top_hits_equal_scoring_every_pair() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let spectra = random_library(&mut rng, 160);
        let (mut mz, mut weight, mut offsets, mut norm, mut precursor) =
            (vec![], vec![], vec![0.0], vec![], vec![]);
        for (m, w, p) in &spectra[..120] {
            mz.extend_from_slice(m);
            weight.extend_from_slice(w);
            offsets.push(mz.len() as f64);
            norm.push(w.iter().map(|x| x * x).sum::<f64>().sqrt());
            precursor.push(*p);
        }
        let library = Library {
            mz: &mz,
            weight: &weight,
            offsets: &offsets,
            norm: &norm,
            precursor: &precursor,
        };
        library.check().unwrap();
        let list: Vec<f64> = (0..120).rev().map(|k| k as f64).collect();
        let mut starts = vec![0u32; MAX_INDEX_BINS + 2];
        let (mut v, mut i1, mut i2, mut o, mut u1, mut u2) = scratch(8192, 256);
        // A work space as the caller hands it: not clear.
        u1.fill(7);
        u2.fill(7);
        let mut s = PairScratch {
            value: &mut v,
            i1: &mut i1,
            i2: &mut i2,
            order: &mut o,
            used1: &mut u1,
            used2: &mut u2,
        };
        let (mut keys, mut spread) = (vec![0u64; 120], vec![f64::NAN; MAX_BOUND_BINS]);
        let mut pruned = 0;
        for (qm, qw, qp) in &spectra[120..] {
            let qnorm = qw.iter().map(|x| x * x).sum::<f64>().sqrt();
            let query = Spectrum {
                mz: qm,
                weight: qw,
                norm: qnorm,
                precursor: *qp,
            };
            for settings in [
                COSINE,
                MatchSettings {
                    modified: true,
                    ..COSINE
                },
                MatchSettings {
                    precursor_tolerance: 150.0,
                    ..COSINE
                },
                MatchSettings {
                    tolerance: 0.02,
                    precursor_tolerance: 2e5,
                    precursor_ppm: true,
                    modified: true,
                },
            ] {
                let width = bound_width(settings.tolerance, 2000.0);
                let mut units = vec![0.0; 2 * mz.len()];
                let top_bin = library_units(&library, width, &mut units);
                let (mut score, mut matched) = (vec![0.0; 120], vec![0.0; 120]);
                score_list(
                    &library,
                    &query,
                    &settings,
                    &list,
                    0,
                    &mut s,
                    &mut starts,
                    &mut score,
                    &mut matched,
                )
                .unwrap();
                for (top, min_matched) in [(1, 1), (3, 1), (10, 3), (200, 1)] {
                    let mut expected: Vec<(usize, f64, f64)> = (0..120)
                        .filter(|&p| matched[p] >= min_matched as f64 && score[p] > 0.0)
                        .map(|p| (p, score[p], matched[p]))
                        .collect();
                    expected.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap().then(a.0.cmp(&b.0)));
                    expected.truncate(top);
                    let mut t = TopScratch {
                        keys: &mut keys,
                        spread: &mut spread,
                    };
                    let mut hits = vec![0.0; 3 * top];
                    let found = top_hits(
                        &library,
                        &units,
                        width,
                        top_bin,
                        &query,
                        &settings,
                        &list,
                        top,
                        min_matched,
                        &mut t,
                        &mut s,
                        &mut starts,
                        &mut hits,
                    )
                    .unwrap();
                    let got: Vec<(usize, f64, f64)> = (0..found.found)
                        .map(|h| (hits[3 * h] as usize, hits[3 * h + 1], hits[3 * h + 2]))
                        .collect();
                    assert_eq!(
                        got, expected,
                        "{:?} top {} min {}",
                        settings, top, min_matched
                    );
                    pruned += 120 - found.scored;
                }
            }
        }
        assert!(pruned > 1000, "the bound skipped only {} pairs", pruned);
    }

    #[test]
    fn precursor_windows_in_da_and_ppm() {
        let a = spectrum(&[100.0], &[1.0], 500.0);
        let b = spectrum(&[100.0], &[1.0], 500.004);
        let da = MatchSettings {
            precursor_tolerance: 0.005,
            ..COSINE
        };
        assert!(is_candidate(&a, &b, &da));
        let ppm = MatchSettings {
            precursor_tolerance: 5.0,
            precursor_ppm: true,
            ..COSINE
        };
        assert!(!is_candidate(&a, &b, &ppm)); // 8 ppm
        let none = spectrum(&[100.0], &[1.0], f64::NAN);
        assert!(!is_candidate(&none, &b, &da));
        assert!(is_candidate(&none, &b, &COSINE));
    }
}
