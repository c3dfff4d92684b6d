//! Radix-2 complex FFT on split buffers (real parts and imaginary parts in separate
//! f64 slices), without bit-reversal permutation.
//!
//! The CWT only ever multiplies a spectrum pointwise by a real table, so the order of
//! the bins does not matter: `forward` is a decimation-in-frequency transform (natural
//! order in, bit-reversed order out) and `inverse` a decimation-in-time transform
//! (bit-reversed order in, natural order out). `inverse(forward(x)) == n * x`.
//!
//! No dependencies and no allocation: the caller owns the data and the twiddle table
//! (`fill_twiddles`). Lengths are powers of two. Butterflies run on [`lanes::F2`], two
//! f64 lanes (a wasm32 `simd128` vector, or a pair LLVM vectorises on the host), so the
//! algorithm is written once; both paths do the same operations in the same order.

/// Two-lane f64 vectors: wasm32 `simd128` when available, a plain pair elsewhere.
pub mod lanes {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod imp {
        use core::arch::wasm32::*;

        /// Two f64 lanes.
        #[derive(Clone, Copy)]
        pub struct F2(v128);

        impl F2 {
            #[inline(always)]
            pub fn splat(v: f64) -> F2 {
                F2(f64x2_splat(v))
            }
            /// Lanes `a`, `b`.
            #[inline(always)]
            pub fn new(a: f64, b: f64) -> F2 {
                F2(f64x2(a, b))
            }
            /// # Safety
            /// `p` and `p + 1` must be readable f64 (no alignment needed).
            #[inline(always)]
            pub unsafe fn load(p: *const f64) -> F2 {
                F2(v128_load(p as *const v128))
            }
            /// # Safety
            /// `p` and `p + 1` must be writable f64 (no alignment needed).
            #[inline(always)]
            pub unsafe fn store(self, p: *mut f64) {
                v128_store(p as *mut v128, self.0)
            }
            #[inline(always)]
            pub fn add(self, o: F2) -> F2 {
                F2(f64x2_add(self.0, o.0))
            }
            #[inline(always)]
            pub fn sub(self, o: F2) -> F2 {
                F2(f64x2_sub(self.0, o.0))
            }
            #[inline(always)]
            pub fn mul(self, o: F2) -> F2 {
                F2(f64x2_mul(self.0, o.0))
            }
            /// Lane-wise maximum that returns `self`'s lane unless `o`'s is greater.
            #[inline(always)]
            pub fn max(self, o: F2) -> F2 {
                F2(f64x2_pmax(self.0, o.0))
            }
            #[inline(always)]
            pub fn lanes(self) -> [f64; 2] {
                [
                    f64x2_extract_lane::<0>(self.0),
                    f64x2_extract_lane::<1>(self.0),
                ]
            }
            /// Bit `l` set where lane `l` of `self` equals that of `o`.
            #[inline(always)]
            pub fn eq_mask(self, o: F2) -> u32 {
                i64x2_bitmask(f64x2_eq(self.0, o.0)) as u32
            }
            /// Bit `l` set where lane `l` of `self` is less than that of `o`.
            #[inline(always)]
            pub fn lt_mask(self, o: F2) -> u32 {
                i64x2_bitmask(f64x2_lt(self.0, o.0)) as u32
            }
        }
    }

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    mod imp {
        /// Two f64 lanes.
        #[derive(Clone, Copy)]
        pub struct F2([f64; 2]);

        impl F2 {
            #[inline(always)]
            pub fn splat(v: f64) -> F2 {
                F2([v, v])
            }
            /// Lanes `a`, `b`.
            #[inline(always)]
            pub fn new(a: f64, b: f64) -> F2 {
                F2([a, b])
            }
            /// # Safety
            /// `p` and `p + 1` must be readable f64.
            #[inline(always)]
            pub unsafe fn load(p: *const f64) -> F2 {
                F2([*p, *p.add(1)])
            }
            /// # Safety
            /// `p` and `p + 1` must be writable f64.
            #[inline(always)]
            pub unsafe fn store(self, p: *mut f64) {
                *p = self.0[0];
                *p.add(1) = self.0[1];
            }
            #[inline(always)]
            pub fn add(self, o: F2) -> F2 {
                F2([self.0[0] + o.0[0], self.0[1] + o.0[1]])
            }
            #[inline(always)]
            pub fn sub(self, o: F2) -> F2 {
                F2([self.0[0] - o.0[0], self.0[1] - o.0[1]])
            }
            #[inline(always)]
            pub fn mul(self, o: F2) -> F2 {
                F2([self.0[0] * o.0[0], self.0[1] * o.0[1]])
            }
            /// Lane-wise maximum that returns `self`'s lane unless `o`'s is greater.
            #[inline(always)]
            pub fn max(self, o: F2) -> F2 {
                let pick = |a: f64, b: f64| if a < b { b } else { a };
                F2([pick(self.0[0], o.0[0]), pick(self.0[1], o.0[1])])
            }
            #[inline(always)]
            pub fn lanes(self) -> [f64; 2] {
                self.0
            }
            /// Bit `l` set where lane `l` of `self` equals that of `o`.
            #[inline(always)]
            pub fn eq_mask(self, o: F2) -> u32 {
                (self.0[0] == o.0[0]) as u32 | ((self.0[1] == o.0[1]) as u32) << 1
            }
            /// Bit `l` set where lane `l` of `self` is less than that of `o`.
            #[inline(always)]
            pub fn lt_mask(self, o: F2) -> u32 {
                (self.0[0] < o.0[0]) as u32 | ((self.0[1] < o.0[1]) as u32) << 1
            }
        }
    }

    pub use imp::F2;

    /// `dst.copy_from_slice(src)` two lanes at a time: without the bulk-memory feature
    /// a wasm32 `memcpy` is a slow generic loop.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn copy(dst: &mut [f64], src: &[f64]) {
        assert!(
            dst.len() == src.len(),
            "copy between slices of different lengths"
        );
        let len = dst.len();
        let (d, s) = (dst.as_mut_ptr(), src.as_ptr());
        let mut i = 0;
        while i + 2 <= len {
            // SAFETY: i + 2 <= len and both slices hold len f64.
            unsafe { F2::load(s.add(i)).store(d.add(i)) };
            i += 2;
        }
        if i < len {
            dst[i] = src[i];
        }
    }

    /// Sets every element of `dst` to `value`, two lanes at a time (see [`copy`]).
    pub fn fill(dst: &mut [f64], value: f64) {
        let len = dst.len();
        let v = F2::splat(value);
        let d = dst.as_mut_ptr();
        let mut i = 0;
        while i + 2 <= len {
            // SAFETY: i + 2 <= len.
            unsafe { v.store(d.add(i)) };
            i += 2;
        }
        if i < len {
            dst[i] = value;
        }
    }
}

use lanes::F2;

/// Number of f64 slots of the twiddle table for a transform of `n` points.
pub fn twiddles_len(n: usize) -> usize {
    2 * n
}

/// Fills the twiddle table of an `n`-point transform (`tw.len() == 2 n`): cosines in
/// `tw[..n]`, sines in `tw[n..]`. For every stage half-length `h = 1, 2, .., n/2` the `h`
/// factors `exp(-i pi j / h)` sit contiguously at index `h + j`.
///
/// Only the first eighth of the circle calls `cos`/`sin`: the rest of the largest stage
/// follows by the exact symmetries `cos(pi/2 - a) = sin(a)` and `cos(pi - a) = -cos(a)`,
/// and stage `h` is every `(n/2)/h`-th factor of the largest (the same angle: scaling
/// by a power of two is exact).
pub fn fill_twiddles(tw: &mut [f64]) {
    let n = tw.len() / 2;
    let (re, im) = tw.split_at_mut(n);
    if n == 0 {
        return;
    }
    re[0] = 1.0;
    im[0] = 0.0;
    if n == 1 {
        return;
    }
    let top = n / 2; // the largest stage's half-length
    let (tr, ti) = (&mut re[top..], &mut im[top..]);
    // j in 0..=top/4: angle -pi j / top in [-pi/4, 0].
    let eighth = top / 4;
    for j in 0..=eighth.min(top - 1) {
        let angle = -core::f64::consts::PI * (j as f64) / (top as f64);
        tr[j] = angle.cos();
        ti[j] = angle.sin();
    }
    if top >= 4 {
        // j in (top/4, top/2]: with k = top/2 - j, cos = sin(pi k / top), sin = -cos(pi k / top).
        for j in eighth + 1..=top / 2 {
            let k = top / 2 - j;
            tr[j] = -ti[k];
            ti[j] = -tr[k];
        }
        // j in (top/2, top): with k = top - j, cos = -cos(pi k / top), sin = sin(-pi k / top).
        for j in top / 2 + 1..top {
            let k = top - j;
            tr[j] = -tr[k];
            ti[j] = ti[k];
        }
    } else {
        for j in eighth + 1..top {
            let angle = -core::f64::consts::PI * (j as f64) / (top as f64);
            tr[j] = angle.cos();
            ti[j] = angle.sin();
        }
    }
    let mut h = top / 2;
    while h >= 1 {
        let stride = top / h;
        for j in 0..h {
            re[h + j] = re[top + j * stride];
            im[h + j] = im[top + j * stride];
        }
        h /= 2;
    }
}

/// True if `n` is a power of two >= 1.
pub fn is_power_of_two(n: usize) -> bool {
    n != 0 && n & (n - 1) == 0
}

/// Reorders `re` and `im` (same power-of-two length) by bit-reversed index (tests use
/// it to compare with a natural-order DFT).
#[cfg(test)]
pub fn bit_reverse_permute(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0usize;
    for i in 0..n {
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
        let mut bit = n >> 1;
        while bit != 0 && j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
    }
}

/// Checks the lengths; returns `n` and the cosine and sine halves of `tw`.
fn check<'t>(re: &[f64], im: &[f64], tw: &'t [f64]) -> (usize, &'t [f64], &'t [f64]) {
    let n = re.len();
    let big = tw.len() / 2;
    assert!(
        is_power_of_two(n) && is_power_of_two(big),
        "fft length {} is not a power of two",
        n
    );
    assert!(
        im.len() == n && tw.len() == 2 * big && big >= n,
        "fft data has {} + {} slots and twiddles for {}, expected {} each and >= {}",
        re.len(),
        im.len(),
        big,
        n,
        n
    );
    let (twr, twi) = tw.split_at(big);
    (n, &twr[..n], &twi[..n])
}

/// Forward DFT (`exp(-i ...)`) of `re + i im` in place, natural order in, bit-reversed
/// order out. `tw` comes from `fill_twiddles` for any power of two >= `n = re.len()`
/// (the entries of a smaller transform are a prefix of each half of a larger table).
///
/// # Panics
/// If the lengths disagree or are not a power of two.
pub fn forward(re: &mut [f64], im: &mut [f64], tw: &[f64]) {
    let (n, twr, twi) = check(re, im, tw);
    let mut h = n / 2;
    while h >= 2 {
        dif_stage(re, im, &twr[h..2 * h], &twi[h..2 * h]);
        h /= 2;
    }
    if n >= 2 {
        pairs_stage(re, im);
    }
}

/// Inverse DFT (`exp(+i ...)`, not divided by n) of `re + i im` in place, bit-reversed
/// order in, natural order out. Only tests call the whole transform: the CWT starts
/// mid-way with [`inverse_from`].
///
/// # Panics
/// If the lengths disagree or are not a power of two.
#[cfg(test)]
pub fn inverse(re: &mut [f64], im: &mut [f64], tw: &[f64]) {
    inverse_from(re, im, tw, 1);
}

/// The inverse transform's stages of half-length `first`, `2 first`, .., `n / 2`: what
/// is left of [`inverse`] once every aligned run of `first` slots already holds the
/// `first`-point inverse DFT of its (bit-reversed) inputs, in natural order. With
/// `first == 1` this is the whole [`inverse`].
///
/// # Panics
/// If the lengths disagree or are not a power of two, or `first` is not a power of
/// two <= `n`.
pub fn inverse_from(re: &mut [f64], im: &mut [f64], tw: &[f64], first: usize) {
    let (n, twr, twi) = check(re, im, tw);
    assert!(
        is_power_of_two(first) && first <= n,
        "inverse_from: first stage {} of a {}-point transform",
        first,
        n
    );
    let mut h = first;
    if h == 1 && n >= 2 {
        pairs_stage(re, im);
        h = 2;
    }
    // Two stages per pass while possible: half the memory traffic.
    while 4 * h <= n {
        dit_stage_pair(re, im, twr, twi, h);
        h *= 4;
    }
    if 2 * h <= n {
        dit_stage(re, im, &twr[h..2 * h], &twi[h..2 * h]);
    }
}

/// The `h = 1` stage (twiddle 1) of either direction: `(a, b) -> (a + b, a - b)`.
fn pairs_stage(re: &mut [f64], im: &mut [f64]) {
    for v in [re, im] {
        for p in v.chunks_exact_mut(2) {
            let (a, b) = (p[0], p[1]);
            p[0] = a + b;
            p[1] = a - b;
        }
    }
}

/// One decimation-in-frequency stage of half-length `h = wr.len() >= 2`:
/// `a' = a + b`, `b' = (a - b) w`.
fn dif_stage(re: &mut [f64], im: &mut [f64], wr: &[f64], wi: &[f64]) {
    let h = wr.len();
    let n = re.len();
    assert!(h >= 2 && h % 2 == 0 && n % (2 * h) == 0 && im.len() == n && wi.len() == h);
    let (pr, pi) = (re.as_mut_ptr(), im.as_mut_ptr());
    let mut g = 0;
    while g < n {
        let mut j = 0;
        while j < h {
            // SAFETY: g + 2h <= n and j + 2 <= h (h even), so the two lanes at g + j
            // and g + h + j lie inside re and im, and those at j inside wr and wi.
            unsafe {
                let (a, b) = (g + j, g + h + j);
                let (ar, ai) = (F2::load(pr.add(a)), F2::load(pi.add(a)));
                let (br, bi) = (F2::load(pr.add(b)), F2::load(pi.add(b)));
                let (w_r, w_i) = (F2::load(wr.as_ptr().add(j)), F2::load(wi.as_ptr().add(j)));
                ar.add(br).store(pr.add(a));
                ai.add(bi).store(pi.add(a));
                let (dr, di) = (ar.sub(br), ai.sub(bi));
                dr.mul(w_r).sub(di.mul(w_i)).store(pr.add(b));
                dr.mul(w_i).add(di.mul(w_r)).store(pi.add(b));
            }
            j += 2;
        }
        g += 2 * h;
    }
}

/// `(b r + i b i) * conj(w)`.
#[inline(always)]
fn mul_conj(br: F2, bi: F2, w_r: F2, w_i: F2) -> (F2, F2) {
    (br.mul(w_r).add(bi.mul(w_i)), bi.mul(w_r).sub(br.mul(w_i)))
}

/// One decimation-in-time inverse stage of half-length `h = wr.len() >= 2`:
/// `t = b conj(w)`, `a' = a + t`, `b' = a - t`.
fn dit_stage(re: &mut [f64], im: &mut [f64], wr: &[f64], wi: &[f64]) {
    let h = wr.len();
    let n = re.len();
    assert!(h >= 2 && h % 2 == 0 && n % (2 * h) == 0 && im.len() == n && wi.len() == h);
    let (pr, pi) = (re.as_mut_ptr(), im.as_mut_ptr());
    let mut g = 0;
    while g < n {
        let mut j = 0;
        while j < h {
            // SAFETY: as in `dif_stage`.
            unsafe {
                let (a, b) = (g + j, g + h + j);
                let (ar, ai) = (F2::load(pr.add(a)), F2::load(pi.add(a)));
                let (br, bi) = (F2::load(pr.add(b)), F2::load(pi.add(b)));
                let (w_r, w_i) = (F2::load(wr.as_ptr().add(j)), F2::load(wi.as_ptr().add(j)));
                let (tr, ti) = mul_conj(br, bi, w_r, w_i);
                ar.add(tr).store(pr.add(a));
                ai.add(ti).store(pi.add(a));
                ar.sub(tr).store(pr.add(b));
                ai.sub(ti).store(pi.add(b));
            }
            j += 2;
        }
        g += 2 * h;
    }
}

/// The inverse stages of half-lengths `h` and `2 h` fused into one pass over the data
/// (same arithmetic as two `dit_stage` calls). `twr`/`twi` are the whole tables.
fn dit_stage_pair(re: &mut [f64], im: &mut [f64], twr: &[f64], twi: &[f64], h: usize) {
    let n = re.len();
    assert!(h >= 2 && h % 2 == 0 && n % (4 * h) == 0 && im.len() == n && twr.len() >= 4 * h);
    assert!(twi.len() == twr.len());
    let (pr, pi) = (re.as_mut_ptr(), im.as_mut_ptr());
    let (w1r, w1i) = (twr[h..].as_ptr(), twi[h..].as_ptr());
    let (w2r, w2i) = (twr[2 * h..].as_ptr(), twi[2 * h..].as_ptr());
    let mut g = 0;
    while g < n {
        let mut j = 0;
        while j < h {
            // SAFETY: g + 4h <= n and j + 2 <= h, so the lanes at g + j + {0,1,2,3} h lie
            // inside re and im; the twiddles read are twr[h + j ..= 3h + j + 1] (and the
            // same in twi), inside the tables of n >= 4h entries (asserted).
            unsafe {
                let i0 = g + j;
                let (i1, i2, i3) = (i0 + h, i0 + 2 * h, i0 + 3 * h);
                let (a_r, a_i) = (F2::load(w1r.add(j)), F2::load(w1i.add(j)));
                let (x0r, x0i) = (F2::load(pr.add(i0)), F2::load(pi.add(i0)));
                let (x1r, x1i) = (F2::load(pr.add(i1)), F2::load(pi.add(i1)));
                let (x2r, x2i) = (F2::load(pr.add(i2)), F2::load(pi.add(i2)));
                let (x3r, x3i) = (F2::load(pr.add(i3)), F2::load(pi.add(i3)));
                // Stage h: (x0, x1) and (x2, x3) with w_h^j.
                let (t1r, t1i) = mul_conj(x1r, x1i, a_r, a_i);
                let (y0r, y0i) = (x0r.add(t1r), x0i.add(t1i));
                let (y1r, y1i) = (x0r.sub(t1r), x0i.sub(t1i));
                let (t3r, t3i) = mul_conj(x3r, x3i, a_r, a_i);
                let (y2r, y2i) = (x2r.add(t3r), x2i.add(t3i));
                let (y3r, y3i) = (x2r.sub(t3r), x2i.sub(t3i));
                // Stage 2h: (y0, y2) with w_2h^j and (y1, y3) with w_2h^(j+h).
                let (b_r, b_i) = (F2::load(w2r.add(j)), F2::load(w2i.add(j)));
                let (u2r, u2i) = mul_conj(y2r, y2i, b_r, b_i);
                y0r.add(u2r).store(pr.add(i0));
                y0i.add(u2i).store(pi.add(i0));
                y0r.sub(u2r).store(pr.add(i2));
                y0i.sub(u2i).store(pi.add(i2));
                let (c_r, c_i) = (F2::load(w2r.add(j + h)), F2::load(w2i.add(j + h)));
                let (u3r, u3i) = mul_conj(y3r, y3i, c_r, c_i);
                y1r.add(u3r).store(pr.add(i1));
                y1i.add(u3i).store(pi.add(i1));
                y1r.sub(u3r).store(pr.add(i3));
                y1i.sub(u3i).store(pi.add(i3));
            }
            j += 2;
        }
        g += 4 * h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiddles_match_cos_and_sin_at_every_stage() {
        for bits in 0..15 {
            let n = 1usize << bits;
            let mut tw = vec![f64::NAN; twiddles_len(n)];
            fill_twiddles(&mut tw);
            let (re, im) = tw.split_at(n);
            assert_eq!((re[0], im[0]), (1.0, 0.0));
            let mut h = 1;
            while h < n {
                for j in 0..h {
                    let angle = -core::f64::consts::PI * j as f64 / h as f64;
                    assert!(
                        (re[h + j] - angle.cos()).abs() < 1e-15,
                        "n {} h {} j {}",
                        n,
                        h,
                        j
                    );
                    assert!(
                        (im[h + j] - angle.sin()).abs() < 1e-15,
                        "n {} h {} j {}",
                        n,
                        h,
                        j
                    );
                }
                h *= 2;
            }
        }
    }

    fn naive_dft(re: &[f64], im: &[f64], inverse: bool) -> (Vec<f64>, Vec<f64>) {
        let n = re.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        let mut out_re = vec![0.0; n];
        let mut out_im = vec![0.0; n];
        for k in 0..n {
            let (mut sr, mut si) = (0.0, 0.0);
            for t in 0..n {
                let angle = sign * 2.0 * core::f64::consts::PI * ((k * t) % n) as f64 / n as f64;
                let (c, s) = (angle.cos(), angle.sin());
                sr += re[t] * c - im[t] * s;
                si += re[t] * s + im[t] * c;
            }
            out_re[k] = sr;
            out_im[k] = si;
        }
        (out_re, out_im)
    }

    fn pseudo_random(len: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            })
            .collect()
    }

    #[test]
    fn matches_naive_dft_at_every_small_power_of_two() {
        for log in 0..10 {
            let n = 1usize << log;
            let re = pseudo_random(n, 7 + log as u64);
            let im = pseudo_random(n, 70 + log as u64);
            let mut tw = vec![0.0; twiddles_len(n)];
            fill_twiddles(&mut tw);
            // Forward: natural in, bit-reversed out.
            let (mut yr, mut yi) = (re.clone(), im.clone());
            forward(&mut yr, &mut yi, &tw);
            bit_reverse_permute(&mut yr, &mut yi);
            let (er, ei) = naive_dft(&re, &im, false);
            // Inverse: bit-reversed in, natural out.
            let (mut zr, mut zi) = (re.clone(), im.clone());
            bit_reverse_permute(&mut zr, &mut zi);
            inverse(&mut zr, &mut zi, &tw);
            let (ir, ii) = naive_dft(&re, &im, true);
            for k in 0..n {
                let tol = 1e-9 * n as f64;
                assert!(
                    (yr[k] - er[k]).abs() < tol && (yi[k] - ei[k]).abs() < tol,
                    "n={}",
                    n
                );
                assert!(
                    (zr[k] - ir[k]).abs() < tol && (zi[k] - ii[k]).abs() < tol,
                    "n={}",
                    n
                );
            }
        }
    }

    #[test]
    fn inverse_of_forward_is_n_times_identity() {
        for &n in &[2usize, 4, 8, 4096, 8192] {
            let re = pseudo_random(n, 3);
            let im = pseudo_random(n, 4);
            let mut tw = vec![0.0; twiddles_len(n)];
            fill_twiddles(&mut tw);
            let (mut yr, mut yi) = (re.clone(), im.clone());
            forward(&mut yr, &mut yi, &tw);
            inverse(&mut yr, &mut yi, &tw);
            for k in 0..n {
                assert!((yr[k] / n as f64 - re[k]).abs() < 1e-12);
                assert!((yi[k] / n as f64 - im[k]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn a_larger_twiddle_table_serves_smaller_transforms() {
        let mut big = vec![0.0; twiddles_len(1024)];
        fill_twiddles(&mut big);
        for &n in &[16usize, 256] {
            let mut small = vec![0.0; twiddles_len(n)];
            fill_twiddles(&mut small);
            let re = pseudo_random(n, 11);
            let im = pseudo_random(n, 12);
            let (mut ar, mut ai) = (re.clone(), im.clone());
            let (mut br, mut bi) = (re.clone(), im.clone());
            forward(&mut ar, &mut ai, &small);
            forward(&mut br, &mut bi, &big);
            inverse(&mut ar, &mut ai, &small);
            inverse(&mut br, &mut bi, &big);
            assert_eq!(ar, br);
            assert_eq!(ai, bi);
        }
    }

    #[test]
    #[should_panic(expected = "not a power of two")]
    fn rejects_non_power_of_two() {
        let tw = vec![0.0; 12];
        let mut re = vec![0.0; 6];
        let mut im = vec![0.0; 6];
        forward(&mut re, &mut im, &tw);
    }
}
