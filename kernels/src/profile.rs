//! Axis profiles: per output cell, the sum, count (non-NaN), max and min of
//! the chunk elements that map to it. Reduced axes have output stride 0.
//! Chunks of any order are walked through their element strides; the rank is
//! padded to 4 by the caller.
//!
//! On wasm32 with simd128 the two contiguous cases take explicit vector code
//! (64-bit integers and the strided cases stay scalar; the scalar kernels
//! are the reference and the fallback elsewhere):
//! - inner axis reduced (`out_stride[3] == 0`, `stride[3] == 1`): each row is
//!   accumulated in f64x2 lanes (two sets, for four values per step) and
//!   the lanes are joined at the end of the row. Counts, maxima and minima
//!   are exact, and so are integer sums while partial sums stay below 2^53;
//!   a float row sum is added in another order than the scalar loop, so it
//!   can differ from it by rounding (at most about `2 n` ulps of the sum of
//!   the magnitudes over a row of `n`). When a row's largest (or smallest)
//!   value is a zero of both signs, which of the equal zeros is kept can
//!   differ.
//! - inner axis kept (`out_stride[3] == 1`, `stride[3] == 1`): two cells per
//!   step, updated elementwise in f64x2; every result equals the scalar one.

/// The four accumulators, each `cells` long, updated in place.
pub struct ProfileOut<'a> {
    pub sum: &'a mut [f64],
    pub count: &'a mut [f64],
    pub max: &'a mut [f64],
    pub min: &'a mut [f64],
}

impl ProfileOut<'_> {
    /// Adds a reduced row (its sum, count, max and min) to cell `o`.
    #[inline(always)]
    fn add_row(&mut self, o: usize, s: f64, c: f64, mx: f64, mn: f64) {
        self.sum[o] += s;
        self.count[o] += c;
        if mx > self.max[o] {
            self.max[o] = mx;
        }
        if mn < self.min[o] {
            self.min[o] = mn;
        }
    }
}

macro_rules! profile {
    ($name:ident, $t:ty) => {
        /// Accumulates the `extent` region of `data` (element `stride`s) into
        /// `out` at offsets given by `out_stride` (0 on reduced axes), scalar:
        /// the reference of the simd128 paths and the fallback elsewhere.
        pub fn $name(
            data: &[$t],
            extent: [usize; 4],
            stride: [usize; 4],
            out_stride: [usize; 4],
            out: &mut ProfileOut,
        ) {
            for i0 in 0..extent[0] {
                for i1 in 0..extent[1] {
                    for i2 in 0..extent[2] {
                        let base = i0 * stride[0] + i1 * stride[1] + i2 * stride[2];
                        let obase = i0 * out_stride[0] + i1 * out_stride[1] + i2 * out_stride[2];
                        if out_stride[3] == 0 {
                            let (mut s, mut c, mut mx, mut mn) =
                                (0.0f64, 0.0f64, f64::NEG_INFINITY, f64::INFINITY);
                            if stride[3] == 1 {
                                for &v in &data[base..base + extent[3]] {
                                    let x = v as f64;
                                    if x == x {
                                        s += x;
                                        c += 1.0;
                                        mx = if x > mx { x } else { mx };
                                        mn = if x < mn { x } else { mn };
                                    }
                                }
                            } else {
                                for i3 in 0..extent[3] {
                                    let x = data[base + i3 * stride[3]] as f64;
                                    if x == x {
                                        s += x;
                                        c += 1.0;
                                        mx = if x > mx { x } else { mx };
                                        mn = if x < mn { x } else { mn };
                                    }
                                }
                            }
                            out.add_row(obase, s, c, mx, mn);
                        } else {
                            for i3 in 0..extent[3] {
                                let x = data[base + i3 * stride[3]] as f64;
                                let o = obase + i3 * out_stride[3];
                                if x == x {
                                    out.sum[o] += x;
                                    out.count[o] += 1.0;
                                    if x > out.max[o] {
                                        out.max[o] = x;
                                    }
                                    if x < out.min[o] {
                                        out.min[o] = x;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
}

profile!(profile_u8_scalar, u8);
profile!(profile_i8_scalar, i8);
profile!(profile_u16_scalar, u16);
profile!(profile_i16_scalar, i16);
profile!(profile_u32_scalar, u32);
profile!(profile_i32_scalar, i32);
profile!(profile_u64_scalar, u64);
profile!(profile_i64_scalar, i64);
profile!(profile_f32_scalar, f32);
profile!(profile_f64_scalar, f64);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::{
    profile_f32, profile_f64, profile_i16, profile_i32, profile_i8, profile_u16, profile_u32,
    profile_u8,
};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use {
    profile_f32_scalar as profile_f32, profile_f64_scalar as profile_f64,
    profile_i16_scalar as profile_i16, profile_i32_scalar as profile_i32,
    profile_i8_scalar as profile_i8, profile_u16_scalar as profile_u16,
    profile_u32_scalar as profile_u32, profile_u8_scalar as profile_u8,
};
pub use {profile_i64_scalar as profile_i64, profile_u64_scalar as profile_u64};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::*;
    use core::arch::wasm32::*;
    use core::ptr::read_unaligned;

    /// An element type whose pairs widen to f64x2.
    pub trait Pair: Copy {
        /// Elements `p[0]` and `p[1]` as the two lanes of an f64x2 (exact),
        /// and a mask of the lanes that are not NaN (all ones, or zero).
        ///
        /// # Safety
        /// Both elements must lie inside one slice (no alignment needed).
        unsafe fn pair(p: *const Self) -> (v128, v128);
        fn to_f64(self) -> f64;
    }

    macro_rules! pair {
        ($t:ty, |$p:ident| $widen:expr) => {
            impl Pair for $t {
                #[inline(always)]
                unsafe fn pair($p: *const $t) -> (v128, v128) {
                    $widen
                }
                #[inline(always)]
                fn to_f64(self) -> f64 {
                    self as f64
                }
            }
        };
    }

    /// Integers are never NaN.
    const ALL: v128 = i64x2(-1, -1);

    pair!(f64, |p| {
        let x = v128_load(p as *const v128);
        (x, f64x2_eq(x, x))
    });
    // The mask is taken on the f32 lanes and widened: written as
    // `f64x2_eq` of the promoted values, LLVM narrows the compare back to
    // f32 and widens its result with a shuffle and two shifts.
    pair!(f32, |p| {
        let v = v128_load64_zero(p as *const u64);
        (
            f64x2_promote_low_f32x4(v),
            i64x2_extend_low_i32x4(f32x4_eq(v, v)),
        )
    });
    pair!(i32, |p| {
        (
            f64x2_convert_low_i32x4(v128_load64_zero(p as *const u64)),
            ALL,
        )
    });
    pair!(u32, |p| {
        (
            f64x2_convert_low_u32x4(v128_load64_zero(p as *const u64)),
            ALL,
        )
    });
    pair!(i16, |p| {
        let v = i32x4_extend_low_i16x8(v128_load32_zero(p as *const u32));
        (f64x2_convert_low_i32x4(v), ALL)
    });
    pair!(u16, |p| {
        let v = u32x4_extend_low_u16x8(v128_load32_zero(p as *const u32));
        (f64x2_convert_low_i32x4(v), ALL)
    });
    pair!(i8, |p| {
        let v = u16x8_splat(read_unaligned(p as *const u16));
        let w = i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(v));
        (f64x2_convert_low_i32x4(w), ALL)
    });
    pair!(u8, |p| {
        let v = u16x8_splat(read_unaligned(p as *const u16));
        let w = u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(v));
        (f64x2_convert_low_i32x4(w), ALL)
    });

    /// Sum, non-NaN count, max and min of one contiguous row, four values
    /// per step in two sets of f64x2 lanes. `pmax(m, x)` is `m < x ? x : m`,
    /// so a NaN `x` leaves `m` as the scalar `if x > m` does; NaN lanes add
    /// +0.0 to the (+0.0-based) sums.
    #[inline(always)]
    fn row_reduced<T: Pair>(row: &[T]) -> (f64, f64, f64, f64) {
        let steps = row.len() / 4;
        let p = row.as_ptr();
        let (zero, none) = (f64x2_splat(0.0), i64x2_splat(0));
        let (inf, ninf) = (f64x2_splat(f64::INFINITY), f64x2_splat(f64::NEG_INFINITY));
        let (mut s0, mut s1, mut c0, mut c1) = (zero, zero, none, none);
        let (mut mx0, mut mx1, mut mn0, mut mn1) = (ninf, ninf, inf, inf);
        for k in 0..steps {
            // SAFETY: 4k + 3 < row.len(): both pairs lie inside `row`.
            let ((x, mx), (y, my)) = unsafe { (T::pair(p.add(4 * k)), T::pair(p.add(4 * k + 2))) };
            s0 = f64x2_add(s0, v128_and(x, mx));
            s1 = f64x2_add(s1, v128_and(y, my));
            // A true lane is all ones (-1): subtracting counts it.
            c0 = i64x2_sub(c0, mx);
            c1 = i64x2_sub(c1, my);
            mx0 = f64x2_pmax(mx0, x);
            mx1 = f64x2_pmax(mx1, y);
            mn0 = f64x2_pmin(mn0, x);
            mn1 = f64x2_pmin(mn1, y);
        }
        let s = f64x2_add(s0, s1);
        let c = i64x2_add(c0, c1);
        let (mx, mn) = (f64x2_pmax(mx0, mx1), f64x2_pmin(mn0, mn1));
        let mut sum = f64x2_extract_lane::<0>(s) + f64x2_extract_lane::<1>(s);
        let mut count = (i64x2_extract_lane::<0>(c) + i64x2_extract_lane::<1>(c)) as f64;
        let (mut max, mut min) = (f64x2_extract_lane::<0>(mx), f64x2_extract_lane::<0>(mn));
        let (max1, min1) = (f64x2_extract_lane::<1>(mx), f64x2_extract_lane::<1>(mn));
        max = if max1 > max { max1 } else { max };
        min = if min1 < min { min1 } else { min };
        for &v in &row[steps * 4..] {
            let x = v.to_f64();
            if x == x {
                sum += x;
                count += 1.0;
                max = if x > max { x } else { max };
                min = if x < min { x } else { min };
            }
        }
        (sum, count, max, min)
    }

    /// Adds one contiguous row into the cells of equal length slices of the
    /// accumulators, two cells per step: the same operations per cell as the
    /// scalar loop (NaN lanes keep the old sum and count by bitselect).
    #[inline(always)]
    fn row_kept<T: Pair>(
        row: &[T],
        sum: &mut [f64],
        count: &mut [f64],
        max: &mut [f64],
        min: &mut [f64],
    ) {
        let n = row.len();
        assert!(sum.len() == n && count.len() == n && max.len() == n && min.len() == n);
        let p = row.as_ptr();
        let (ps, pc) = (sum.as_mut_ptr(), count.as_mut_ptr());
        let (px, pn) = (max.as_mut_ptr(), min.as_mut_ptr());
        let one = f64x2_splat(1.0);
        for k in 0..n / 2 {
            // SAFETY: 2k + 1 < n, the length of `row` and of each accumulator
            // slice (asserted above); the four slices are distinct borrows.
            unsafe {
                let (x, m) = T::pair(p.add(2 * k));
                let (s, c, hi, lo) = (
                    ps.add(2 * k) as *mut v128,
                    pc.add(2 * k) as *mut v128,
                    px.add(2 * k) as *mut v128,
                    pn.add(2 * k) as *mut v128,
                );
                let (so, co) = (v128_load(s), v128_load(c));
                v128_store(s, v128_bitselect(f64x2_add(so, x), so, m));
                v128_store(c, v128_bitselect(f64x2_add(co, one), co, m));
                v128_store(hi, f64x2_pmax(v128_load(hi), x));
                v128_store(lo, f64x2_pmin(v128_load(lo), x));
            }
        }
        if n % 2 == 1 {
            let x = row[n - 1].to_f64();
            if x == x {
                sum[n - 1] += x;
                count[n - 1] += 1.0;
                if x > max[n - 1] {
                    max[n - 1] = x;
                }
                if x < min[n - 1] {
                    min[n - 1] = x;
                }
            }
        }
    }

    /// The profile kernel: contiguous rows by vectors, the rest by `scalar`.
    #[inline(always)]
    fn profile<T: Pair>(
        data: &[T],
        extent: [usize; 4],
        stride: [usize; 4],
        out_stride: [usize; 4],
        out: &mut ProfileOut,
        scalar: fn(&[T], [usize; 4], [usize; 4], [usize; 4], &mut ProfileOut),
    ) {
        if stride[3] != 1 || out_stride[3] > 1 {
            return scalar(data, extent, stride, out_stride, out);
        }
        let e3 = extent[3];
        for i0 in 0..extent[0] {
            for i1 in 0..extent[1] {
                for i2 in 0..extent[2] {
                    let base = i0 * stride[0] + i1 * stride[1] + i2 * stride[2];
                    let o = i0 * out_stride[0] + i1 * out_stride[1] + i2 * out_stride[2];
                    let row = &data[base..base + e3];
                    if out_stride[3] == 0 {
                        let (s, c, mx, mn) = row_reduced(row);
                        out.add_row(o, s, c, mx, mn);
                    } else {
                        row_kept(
                            row,
                            &mut out.sum[o..o + e3],
                            &mut out.count[o..o + e3],
                            &mut out.max[o..o + e3],
                            &mut out.min[o..o + e3],
                        );
                    }
                }
            }
        }
    }

    macro_rules! simd_profile {
        ($name:ident, $scalar:ident, $t:ty) => {
            /// The simd128 profile kernel of this type (see the module doc).
            pub fn $name(
                data: &[$t],
                extent: [usize; 4],
                stride: [usize; 4],
                out_stride: [usize; 4],
                out: &mut ProfileOut,
            ) {
                profile(data, extent, stride, out_stride, out, $scalar);
            }
        };
    }

    simd_profile!(profile_u8, profile_u8_scalar, u8);
    simd_profile!(profile_i8, profile_i8_scalar, i8);
    simd_profile!(profile_u16, profile_u16_scalar, u16);
    simd_profile!(profile_i16, profile_i16_scalar, i16);
    simd_profile!(profile_u32, profile_u32_scalar, u32);
    simd_profile!(profile_i32, profile_i32_scalar, i32);
    simd_profile!(profile_f32, profile_f32_scalar, f32);
    simd_profile!(profile_f64, profile_f64_scalar, f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_profile_of_a_2x3_block() {
        // shape [2, 3] (padded to [1, 1, 2, 3]); keep axis 0 -> 2 cells.
        let data = [1u8, 2, 3, 4, 5, 6];
        let (mut s, mut c, mut mx, mut mn) = (
            vec![0.0; 2],
            vec![0.0; 2],
            vec![f64::NEG_INFINITY; 2],
            vec![f64::INFINITY; 2],
        );
        let mut out = ProfileOut {
            sum: &mut s,
            count: &mut c,
            max: &mut mx,
            min: &mut mn,
        };
        profile_u8(&data, [1, 1, 2, 3], [0, 0, 3, 1], [0, 0, 1, 0], &mut out);
        assert_eq!(s, [6.0, 15.0]);
        assert_eq!(c, [3.0, 3.0]);
        assert_eq!(mx, [3.0, 6.0]);
        assert_eq!(mn, [1.0, 4.0]);
    }
}
