//! Mexican-hat (Ricker) continuous wavelet transform, MassSpecWavelet's `cwt` flavour.
//!
//! At scale `s` the coefficient at sample `k` is `sum_t g_s(t) x(k + t)` for
//! `t = -h..=h`, `h = floor(8 s)`, where `g_s(t) = (psi(t / s) - mean) / sqrt(s)` and
//! `psi(x) = 2 / sqrt(3) pi^(-1/4) (1 - x^2) exp(-x^2 / 2)`. The signal is extended at
//! both ends by symmetric (edge-repeating) reflection.
//!
//! Small scales use a direct correlation (`correlate_direct`, simd128 on wasm32, scalar
//! elsewhere). Larger scales use overlap-save FFT convolution with the analytic spectrum
//! of the wavelet, `sqrt(s) psi_hat(s w)`. The signal is real and the spectrum real and
//! even, so two blocks share one complex transform (one in the real part, one in the
//! imaginary part) and come back apart. The block spectra are computed once per block
//! geometry and kept in the bit-reversed order `fft::forward` leaves them in. The
//! wavelet spectrum is zero beyond `u^2 > 80`, i.e. outside the `band_len` bins nearest
//! 0 (a few percent of the block at large scales): the inverse reads only those bins and
//! skips the transform stages that would merely spread them (`inverse_rows`), and
//! `fft::inverse_from` returns rows in natural order, so no transform ever permutes.
//! For `s >= FFT_MIN_SCALE` the analytic spectrum and the spectrum of the sampled,
//! truncated, mean-free kernel differ by < 1e-13 relative (aliasing ~
//! (2 pi s)^2 exp(-2 pi^2 s^2), truncation ~ exp(-32)).

use crate::fft;
use crate::fft::lanes::{self, F2};

/// `2 / sqrt(3) * pi^(-1/4)`.
pub const MEXH_NORM: f64 = 0.867_325_070_584_491_3;
/// Half-support of the sampled wavelet in units of the scale.
pub const MEXH_SUPPORT: f64 = 8.0;
/// Scales below this always use the direct path (the analytic spectrum would alias).
pub const FFT_MIN_SCALE: f64 = 4.0;

/// Half-width `h = floor(8 s)` of the sampled wavelet at `scale`.
pub fn half_width(scale: f64) -> usize {
    (MEXH_SUPPORT * scale).floor() as usize
}

/// Writes the `2 h + 1` taps of the mean-free wavelet at `scale` into `taps[..2h+1]`;
/// returns `2 h + 1`.
pub fn mexh_taps(scale: f64, taps: &mut [f64]) -> usize {
    let h = half_width(scale);
    let len = 2 * h + 1;
    // The wavelet is even: evaluate the right half (the `exp` is the cost), mirror it.
    for i in h..len {
        let x = (i as f64 - h as f64) / scale;
        taps[i] = MEXH_NORM * (1.0 - x * x) * (-x * x / 2.0).exp();
    }
    for i in 0..h {
        taps[i] = taps[len - 1 - i];
    }
    let mut sum = 0.0;
    for &v in taps[..len].iter() {
        sum += v;
    }
    let mean = sum / len as f64;
    let norm = 1.0 / scale.sqrt();
    for tap in taps[..len].iter_mut() {
        *tap = (*tap - mean) * norm;
    }
    len
}

/// Index into a signal of length `n` extended by symmetric reflection.
pub fn reflect_index(i: isize, n: usize) -> usize {
    let period = 2 * n as isize;
    let mut m = i % period;
    if m < 0 {
        m += period;
    }
    if (m as usize) < n {
        m as usize
    } else {
        (period - 1 - m) as usize
    }
}

/// Fills `out` with the signal extended by reflection: `out[j] = x[reflect(j - left)]`.
pub fn fill_reflected(x: &[f64], left: usize, out: &mut [f64]) {
    let n = x.len();
    // The signal itself in one copy; only the padding needs reflected indices.
    let inner_from = left.min(out.len());
    let inner_to = (left + n).min(out.len());
    out[inner_from..inner_to].copy_from_slice(&x[..inner_to - inner_from]);
    for j in (0..inner_from).chain(inner_to..out.len()) {
        out[j] = x[reflect_index(j as isize - left as isize, n)];
    }
}

/// `out[k] = sum_t taps[t] * xp[k + t]`.
///
/// # Panics
/// If `xp.len() + 1 < out.len() + taps.len()`.
pub fn correlate_direct(xp: &[f64], taps: &[f64], out: &mut [f64]) {
    assert!(
        xp.len() + 1 >= out.len() + taps.len(),
        "correlate_direct: input of {} samples is too short for {} outputs and {} taps",
        xp.len(),
        out.len(),
        taps.len()
    );
    if taps.is_empty() {
        out.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    let done = correlate_blocks(xp, taps, out);
    for k in done..out.len() {
        let mut acc = 0.0;
        for (t, &w) in taps.iter().enumerate() {
            acc += w * xp[k + t];
        }
        out[k] = acc;
    }
}

/// Outputs in blocks of 8; returns how many outputs it wrote (a multiple of 8).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn correlate_blocks(xp: &[f64], taps: &[f64], out: &mut [f64]) -> usize {
    use core::arch::wasm32::*;
    let blocks = out.len() / 8;
    let src = xp.as_ptr();
    let dst = out.as_mut_ptr();
    for b in 0..blocks {
        let k = 8 * b;
        let mut acc = [f64x2_splat(0.0); 4];
        for (t, &w) in taps.iter().enumerate() {
            let wv = f64x2_splat(w);
            // SAFETY: k + 7 < out.len() and t < taps.len(), and the assert in
            // correlate_direct gives out.len() + taps.len() - 1 <= xp.len(), so the eight
            // values read from k + t .. k + t + 8 are inside xp. wasm v128 loads need no
            // alignment.
            unsafe {
                let p = src.add(k + t);
                acc[0] = f64x2_add(acc[0], f64x2_mul(wv, v128_load(p as *const v128)));
                acc[1] = f64x2_add(acc[1], f64x2_mul(wv, v128_load(p.add(2) as *const v128)));
                acc[2] = f64x2_add(acc[2], f64x2_mul(wv, v128_load(p.add(4) as *const v128)));
                acc[3] = f64x2_add(acc[3], f64x2_mul(wv, v128_load(p.add(6) as *const v128)));
            }
        }
        // SAFETY: k + 8 <= out.len(), so the four 2-lane stores stay inside out.
        unsafe {
            let q = dst.add(k);
            v128_store(q as *mut v128, acc[0]);
            v128_store(q.add(2) as *mut v128, acc[1]);
            v128_store(q.add(4) as *mut v128, acc[2]);
            v128_store(q.add(6) as *mut v128, acc[3]);
        }
    }
    blocks * 8
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn correlate_blocks(xp: &[f64], taps: &[f64], out: &mut [f64]) -> usize {
    let blocks = out.len() / 8;
    for b in 0..blocks {
        let k = 8 * b;
        let mut acc = [0.0f64; 8];
        for (t, &w) in taps.iter().enumerate() {
            let window = &xp[k + t..k + t + 8];
            for lane in 0..8 {
                acc[lane] += w * window[lane];
            }
        }
        out[k..k + 8].copy_from_slice(&acc);
    }
    blocks * 8
}

/// Largest `u^2` at which the analytic spectrum is kept: beyond it `u^2 exp(-u^2 / 2)`
/// is below 4e-16 of its peak, so the bin is set to exactly 0 (and costs no `exp`).
const SPECTRUM_CUTOFF_U2: f64 = 80.0;

/// Bit-reversed position of `k` in a transform of `2^bits` points.
fn bit_reversed(k: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        k.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Bins of the wavelet spectrum kept at `scale` on a `block`-point grid: the smallest
/// power of two `K <= block` with every bin `f` where `u^2 <= SPECTRUM_CUTOFF_U2` in
/// `-K/2 < f < K/2` (or `block` itself).
pub fn band_len(scale: f64, block: usize) -> usize {
    let reach = SPECTRUM_CUTOFF_U2.sqrt() * block as f64 / (2.0 * core::f64::consts::PI * scale);
    let top = reach.floor() as usize; // largest bin that can be non-zero
    let mut band = 2usize;
    while band < 2 * (top + 1) && band < block {
        band <<= 1;
    }
    band.min(block)
}

/// Analytic spectrum of the wavelet at `scale` on the `K = band_len(scale, block)`
/// bins that can be non-zero, divided by `block` (the inverse FFT's normalisation), in
/// the order [`inverse_rows`] reads them: `gain[g]` belongs to bin `bitrev_K(g)` if
/// that is below `K/2` (even `g`), else to bin `bitrev_K(g) - K` (odd `g`; with
/// `K == block` simply bin `bitrev(g)`). The value is `sqrt(s) psi_hat(s w) / block`,
/// `w = 2 pi |f| / block`, `psi_hat(u) = MEXH_NORM sqrt(2 pi) u^2 exp(-u^2 / 2)`, and
/// exactly 0 where `u^2 > SPECTRUM_CUTOFF_U2`. Returns `K`.
///
/// # Panics
/// If `block` is not a power of two or `gain` holds fewer than `K` slots.
pub fn mexh_band(scale: f64, block: usize, gain: &mut [f64]) -> usize {
    assert!(
        fft::is_power_of_two(block),
        "spectrum length must be a power of two"
    );
    let band = band_len(scale, block);
    let bits = band.trailing_zeros();
    let amp = scale.sqrt() * MEXH_NORM * (2.0 * core::f64::consts::PI).sqrt() / block as f64;
    for (g, v) in gain[..band].iter_mut().enumerate() {
        let k = bit_reversed(g, bits);
        let f = if band == block {
            k.min(block - k)
        } else if k < band / 2 {
            k
        } else {
            band - k
        };
        let u = scale * 2.0 * core::f64::consts::PI * f as f64 / block as f64;
        let u2 = u * u;
        *v = if f == 0 || u2 > SPECTRUM_CUTOFF_U2 {
            0.0
        } else {
            amp * u2 * (-u2 / 2.0).exp()
        };
    }
    band
}

/// Block geometry of the overlap-save FFT path.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockPlan {
    /// FFT length (power of two).
    pub block: usize,
    /// Samples discarded at each end of a block (largest FFT half-width).
    pub overlap: usize,
    /// Valid outputs per block, `block - 2 overlap`.
    pub step: usize,
    /// Number of blocks covering the signal.
    pub blocks: usize,
}

/// Chooses the power-of-two block that minimises `blocks * block * log2(block)`.
pub fn plan_blocks(n: usize, overlap: usize) -> BlockPlan {
    let mut best: Option<(f64, BlockPlan)> = None;
    let mut block = 64usize;
    while block <= (1 << 22) {
        if block > 2 * overlap + block / 8 {
            let step = block - 2 * overlap;
            let blocks = (n + step - 1) / step.max(1);
            let blocks = blocks.max(1);
            let cost = (blocks * block) as f64 * (block as f64).log2();
            if !matches!(best, Some((c, _)) if c <= cost) {
                best = Some((
                    cost,
                    BlockPlan {
                        block,
                        overlap,
                        step,
                        blocks,
                    },
                ));
            }
            if blocks == 1 {
                break;
            }
        }
        block <<= 1;
    }
    best.map(|(_, p)| p)
        .expect("a block size up to 2^22 fits any overlap used here")
}

/// Blocks transformed together: block `2q` in the real part, `2q + 1` in the imaginary
/// part of transform `q`. The wavelet spectrum is real and even, so multiplying by it and
/// transforming back keeps the two blocks' rows apart (real part, imaginary part).
pub fn block_pairs(plan: &BlockPlan) -> usize {
    (plan.blocks + 1) / 2
}

/// Forward FFT of the reflected signal `xp` (signal sample 0 at `xp[left]`), two blocks
/// per transform (see [`block_pairs`]), into `spectra` (`block_pairs * 2 * block` slots:
/// per pair the real parts, then the imaginary parts, in bit-reversed bin order). `tw`
/// is a twiddle table for any power of two >= `block`.
///
/// # Panics
/// If `left < overlap` or `xp` does not extend `step * blocks + overlap` samples past
/// `left`.
pub fn forward_blocks(xp: &[f64], left: usize, plan: &BlockPlan, tw: &[f64], spectra: &mut [f64]) {
    assert!(
        left >= plan.overlap,
        "reflection padding shorter than the FFT overlap"
    );
    let block = plan.block;
    for q in 0..block_pairs(plan) {
        let start = left + 2 * q * plan.step - plan.overlap;
        let dst = &mut spectra[q * 2 * block..(q + 1) * 2 * block];
        let (re, im) = dst.split_at_mut(block);
        lanes::copy(re, &xp[start..start + block]);
        if 2 * q + 1 < plan.blocks {
            let next = start + plan.step;
            assert!(
                next + block <= xp.len(),
                "reflection padding too short on the right"
            );
            lanes::copy(im, &xp[next..next + block]);
        } else {
            assert!(
                start + block <= xp.len(),
                "reflection padding too short on the right"
            );
            lanes::fill(im, 0.0);
        }
        fft::forward(re, im, tw);
    }
}

/// The CWT row at one scale from the block spectra: `gain` holds the `band` values
/// [`mexh_band`] wrote for this block size. Writes `n = out.len()` coefficients.
/// `work` needs `2 * block` slots.
///
/// Only the `band` bins near 0 are non-zero, so the first `log2(block / band)` stages
/// of the inverse transform see one non-zero input per run of `block / band` slots:
/// their output is that input spread over the run (times a rotation for negative
/// bins). That spread and the next stage are computed here in one pass, and the
/// inverse resumes after them.
pub fn inverse_rows(
    plan: &BlockPlan,
    spectra: &[f64],
    tw: &[f64],
    gain: &[f64],
    work: &mut [f64],
    out: &mut [f64],
) {
    let n = out.len();
    let block = plan.block;
    let band = gain.len();
    assert!(
        fft::is_power_of_two(band) && band <= block && band >= 2 && block >= 2,
        "band of {} bins in a {}-point block",
        band,
        block
    );
    assert!(spectra.len() >= block_pairs(plan) * 2 * block);
    let run = block / band;
    let (twr, twi) = tw.split_at(tw.len() / 2);
    let (wr, wi) = work[..2 * block].split_at_mut(block);
    for q in 0..block_pairs(plan) {
        let (sr, si) = spectra[q * 2 * block..(q + 1) * 2 * block].split_at(block);
        if run == 1 {
            for p in 0..block {
                wr[p] = sr[p] * gain[p];
                wi[p] = si[p] * gain[p];
            }
        } else {
            // Runs g (even: bin bitrev(g) >= 0, first in its run, spread as a constant)
            // and g + 1 (odd: bin bitrev(g + 1) - K < 0, last in its run, spread turning
            // by exp(-2 pi i j / run)) go straight through the inverse stage of
            // half-length `run`, whose twiddle conj(exp(-i pi j / run)) combines with
            // that turn into exp(-i pi j / run) = tw[run + j].
            let (stage_r, stage_i) = (&twr[run..2 * run], &twi[run..2 * run]);
            let mut g = 0;
            while g < band {
                let base = g * run;
                let last = base + 2 * run - 1;
                let (ge, go) = (gain[g], gain[g + 1]);
                let (er, ei) = (F2::splat(sr[base] * ge), F2::splat(si[base] * ge));
                let (or, oi) = (F2::splat(sr[last] * go), F2::splat(si[last] * go));
                let mut j = 0;
                while j < run {
                    // SAFETY: j + 2 <= run = stage_r.len() = stage_i.len() (run even), and
                    // base + run + j + 2 <= base + 2 run <= block.
                    unsafe {
                        let (w_r, w_i) = (
                            F2::load(stage_r.as_ptr().add(j)),
                            F2::load(stage_i.as_ptr().add(j)),
                        );
                        let tr = or.mul(w_r).sub(oi.mul(w_i));
                        let ti = or.mul(w_i).add(oi.mul(w_r));
                        er.add(tr).store(wr.as_mut_ptr().add(base + j));
                        ei.add(ti).store(wi.as_mut_ptr().add(base + j));
                        er.sub(tr).store(wr.as_mut_ptr().add(base + run + j));
                        ei.sub(ti).store(wi.as_mut_ptr().add(base + run + j));
                    }
                    j += 2;
                }
                g += 2;
            }
        }
        fft::inverse_from(wr, wi, tw, if run == 1 { 1 } else { 2 * run });
        for (b, part) in [(2 * q, &*wr), (2 * q + 1, &*wi)] {
            if b >= plan.blocks {
                break;
            }
            let first = b * plan.step;
            let count = plan.step.min(n - first);
            lanes::copy(
                &mut out[first..first + count],
                &part[plan.overlap..plan.overlap + count],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64;
                100.0 * (-(t - 0.4 * n as f64).powi(2) / 50.0).exp() + 0.01 * t + (0.37 * t).sin()
            })
            .collect()
    }

    fn direct_row(x: &[f64], scale: f64) -> Vec<f64> {
        let n = x.len();
        let mut taps = vec![0.0; 2 * half_width(scale) + 1];
        let len = mexh_taps(scale, &mut taps);
        let h = (len - 1) / 2;
        let mut xp = vec![0.0; n + 2 * h];
        fill_reflected(x, h, &mut xp);
        let mut out = vec![0.0; n];
        correlate_direct(&xp, &taps[..len], &mut out);
        out
    }

    #[test]
    fn taps_are_mean_free_and_symmetric() {
        for &s in &[1.0, 1.5, 2.0, 7.0, 64.0] {
            let mut taps = vec![0.0; 2 * half_width(s) + 1];
            let len = mexh_taps(s, &mut taps);
            let sum: f64 = taps[..len].iter().sum();
            assert!(sum.abs() < 1e-12);
            for i in 0..len {
                assert!((taps[i] - taps[len - 1 - i]).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn reflection_repeats_the_edge_sample() {
        let x = [1.0, 2.0, 3.0];
        let mut out = [0.0; 9];
        fill_reflected(&x, 3, &mut out);
        assert_eq!(out, [3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0, 1.0]);
    }

    #[test]
    fn direct_correlation_matches_naive_sum_at_lengths_around_the_block_width() {
        for &n in &[0usize, 1, 7, 8, 9, 15, 16, 17, 33] {
            for &taps_len in &[1usize, 2, 3, 17] {
                let xp: Vec<f64> = (0..n + taps_len)
                    .map(|i| ((i * 37) % 11) as f64 - 5.0)
                    .collect();
                let taps: Vec<f64> = (0..taps_len).map(|i| (i as f64 * 0.3).cos()).collect();
                let mut out = vec![0.0; n];
                correlate_direct(&xp[..n + taps_len - 1], &taps, &mut out);
                for k in 0..n {
                    let expected: f64 = (0..taps_len).map(|t| taps[t] * xp[k + t]).sum();
                    assert!(
                        (out[k] - expected).abs() < 1e-12,
                        "n={} taps={} k={}",
                        n,
                        taps_len,
                        k
                    );
                }
            }
        }
    }

    /// Rows of the FFT path at `scales`, all with the block geometry of `overlap`.
    fn fft_rows(x: &[f64], overlap: usize, scales: &[f64]) -> Vec<Vec<f64>> {
        let n = x.len();
        let plan = plan_blocks(n, overlap);
        let left = overlap;
        let mut xp = vec![0.0; left + plan.blocks * plan.step + overlap + plan.block];
        fill_reflected(x, left, &mut xp);
        let mut tw = vec![0.0; fft::twiddles_len(plan.block)];
        fft::fill_twiddles(&mut tw);
        let mut spectra = vec![0.0; block_pairs(&plan) * 2 * plan.block];
        forward_blocks(&xp, left, &plan, &tw, &mut spectra);
        let mut work = vec![0.0; 2 * plan.block];
        let mut gain = vec![0.0; plan.block];
        scales
            .iter()
            .map(|&s| {
                let band = mexh_band(s, plan.block, &mut gain);
                let mut row = vec![0.0; n];
                inverse_rows(&plan, &spectra, &tw, &gain[..band], &mut work, &mut row);
                row
            })
            .collect()
    }

    #[test]
    fn fft_path_matches_direct_path() {
        // Odd and even block counts, bands from the whole block down to block / 32.
        for &n in &[100usize, 1000, 5003, 20000] {
            let x = signal(n);
            let scales = [4.0, 5.5, 9.0, 13.0, 20.0, 40.0, 64.0];
            for &overlap in &[half_width(64.0), 2 * half_width(64.0)] {
                let rows = fft_rows(&x, overlap, &scales);
                for (row, &s) in rows.iter().zip(scales.iter()) {
                    let expected = direct_row(&x, s);
                    let peak = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    for k in 0..n {
                        assert!(
                            (row[k] - expected[k]).abs() < 1e-10 * peak,
                            "n={} s={} k={}: {} vs {}",
                            n,
                            s,
                            k,
                            row[k],
                            expected[k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_band_holds_every_bin_above_the_cutoff() {
        for &block in &[64usize, 512, 4096, 8192] {
            for &s in &[4.0, 4.5, 7.0, 11.0, 23.0, 46.0, 64.0, 300.0] {
                let band = band_len(s, block);
                assert!(fft::is_power_of_two(band) && band <= block);
                if band < block {
                    // The first bin outside the band is beyond the cutoff.
                    let u = s * 2.0 * core::f64::consts::PI * (band / 2) as f64 / block as f64;
                    assert!(u * u > SPECTRUM_CUTOFF_U2, "block={} s={}", block, s);
                }
            }
        }
    }

    #[test]
    fn plan_covers_the_signal() {
        for &(n, overlap) in &[(1usize, 32usize), (37656, 512), (37656, 32), (100, 512)] {
            let p = plan_blocks(n, overlap);
            assert!(p.step * p.blocks >= n);
            assert_eq!(p.step + 2 * p.overlap, p.block);
        }
    }
}
