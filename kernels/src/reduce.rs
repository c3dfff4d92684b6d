//! One-pass chunk statistics: count, NaN/Inf counts, min, max, sum and the
//! spread (exact sum of squares for integers, sum of squared deviations for
//! floats). Results are partials that the TypeScript side merges exactly
//! (integers, as BigInt) or with Chan's formula (floats).
//!
//! 8- and 16-bit integers use explicit simd128 on wasm32 (narrow lane
//! accumulators that cannot overflow inside a block, widened once per block;
//! squares by `i32x4.dot_i16x8_s`) and a scalar fallback elsewhere; 32-bit
//! integers too (exact 64-bit squares by `extmul`, summed as 32-bit halves);
//! 64-bit integers too (min and max in 64-bit lanes, the exact sum as 32-bit
//! halves, the spread with an exact two-half i64 -> f64 conversion when the
//! range allows). Floats take one pass of shifted sums: with `c` near
//! the mean, `sum(x - c)` and `sum((x - c)^2)` per block (lane sums restart
//! every block, block sums are compensated, so the error does not grow with
//! the chunk length) give the sum and `m2 = s2 - s1^2 / n` without
//! cancellation; a second pass runs only when the shift turns out far from
//! the mean compared with the spread. Only blocks holding a NaN or an
//! infinity are rescanned with masks.

/// Partial statistics of an integer chunk of at most 32-bit values. Sums are
/// exact: `sum` in i128 and `sum_sq` in u128 cannot overflow for any chunk
/// that fits in wasm32 memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntStats {
    pub count: u64,
    pub min: i64,
    pub max: i64,
    pub sum: i128,
    pub sum_sq: u128,
}

/// Partial statistics of a 64-bit integer chunk: exact sum, and the sum of
/// squared deviations from the chunk mean in f64 (an exact sum of squares
/// would overflow 128 bits).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WideIntStats {
    pub count: u64,
    pub min: i128,
    pub max: i128,
    pub sum: i128,
    pub m2: f64,
}

/// Partial statistics of a float chunk. `sum` and `m2` cover the finite
/// values only; `count` is the number of non-NaN values (finite and infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatStats {
    pub count: u64,
    pub nan_count: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub m2: f64,
}

/// Elements per block of the scalar scans: narrow accumulators are widened
/// once per block.
const BLOCK: usize = 4096;

impl IntStats {
    /// Statistics of two disjoint parts taken together.
    #[allow(dead_code)] // used by the simd128 paths only
    fn merge(self, o: IntStats) -> IntStats {
        IntStats {
            count: self.count + o.count,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
            sum_sq: self.sum_sq + o.sum_sq,
        }
    }
}

macro_rules! int_stats_scalar {
    ($name:ident, $t:ty, $acc:ty, $sq:ty) => {
        /// Exact statistics of one chunk, scalar (the reference the simd128
        /// path must match, and the path for its last few elements).
        pub fn $name(data: &[$t]) -> IntStats {
            let mut min = <$t>::MAX as i64;
            let mut max = <$t>::MIN as i64;
            let mut sum: i128 = 0;
            let mut sum_sq: u128 = 0;
            for block in data.chunks(BLOCK) {
                let mut bsum: $acc = 0;
                let mut bsq: $sq = 0;
                let mut bmin = <$t>::MAX;
                let mut bmax = <$t>::MIN;
                for &x in block {
                    bmin = if x < bmin { x } else { bmin };
                    bmax = if x > bmax { x } else { bmax };
                    bsum += x as $acc;
                    bsq += (x as i64 * x as i64) as $sq;
                }
                min = min.min(bmin as i64);
                max = max.max(bmax as i64);
                sum += bsum as i128;
                sum_sq += bsq as u128;
            }
            IntStats {
                count: data.len() as u64,
                min,
                max,
                sum,
                sum_sq,
            }
        }
    };
}

// Block sums: |x| * 4096 and x^2 * 4096 must fit the accumulator.
int_stats_scalar!(stats_u8_scalar, u8, u32, u32);
int_stats_scalar!(stats_i8_scalar, i8, i32, u32);
int_stats_scalar!(stats_u16_scalar, u16, u32, u64);
int_stats_scalar!(stats_i16_scalar, i16, i32, u64);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use int_simd::{stats_i16, stats_i8, stats_u16, stats_u8};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use {
    stats_i16_scalar as stats_i16, stats_i8_scalar as stats_i8, stats_u16_scalar as stats_u16,
    stats_u8_scalar as stats_u8,
};

/// Exact statistics of an i32 chunk (x^2 < 2^62, a block of them < 2^74: u128),
/// scalar: the reference of the simd128 scan and the path for its last elements.
pub fn stats_i32_scalar(data: &[i32]) -> IntStats {
    let mut min = i32::MAX as i64;
    let mut max = i32::MIN as i64;
    let mut sum: i128 = 0;
    let mut sum_sq: u128 = 0;
    for block in data.chunks(BLOCK) {
        let mut bsum: i64 = 0;
        let mut bsq: u128 = 0;
        let mut bmin = i32::MAX;
        let mut bmax = i32::MIN;
        for &x in block {
            bmin = bmin.min(x);
            bmax = bmax.max(x);
            bsum += x as i64;
            bsq += (x as i64 * x as i64) as u128;
        }
        min = min.min(bmin as i64);
        max = max.max(bmax as i64);
        sum += bsum as i128;
        sum_sq += bsq;
    }
    IntStats {
        count: data.len() as u64,
        min,
        max,
        sum,
        sum_sq,
    }
}

/// simd128 scans of 8- and 16-bit integers over the whole chunk: min and max
/// in lanes of the element type, sums in narrow lanes that are widened to
/// 64-bit lanes once per inner block (sized so the narrow lanes cannot
/// overflow), and squares by `i32x4.dot_i16x8_s`. The last `len % 16` bytes
/// go through the scalar scan.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod int_simd {
    use super::{stats_i16_scalar, stats_i8_scalar, stats_u16_scalar, stats_u8_scalar, IntStats};
    use core::arch::wasm32::*;

    /// Vectors per inner block of the 8-bit scans: a 16-bit lane of the sum
    /// gains at most 2 * 255 (or 2 * 128 in magnitude for i8) per vector, and
    /// 128 * 510 < 2^16, 128 * 256 <= 2^15; a 32-bit lane of the squares
    /// gains at most 4 * 255^2 per vector.
    const VECS_8: usize = 128;
    /// Vectors per inner block of the 16-bit scans: a 32-bit lane of the sum
    /// gains at most 2^16 in magnitude per vector, and 2^13 * 2^16 < 2^31.
    const VECS_16: usize = 1 << 13;

    /// Loads vector `k` of the 16-byte vectors starting at `p`.
    ///
    /// # Safety
    /// The `(k + 1) * 16` bytes from `p` must lie inside one slice.
    #[inline(always)]
    unsafe fn load(p: *const u8, k: usize) -> v128 {
        v128_load(p.add(k * 16) as *const v128)
    }

    /// Sum of the two u32 lanes pairs of `v`, as two u64 lanes.
    #[inline(always)]
    fn widen_u32(v: v128) -> v128 {
        i64x2_add(u64x2_extend_low_u32x4(v), u64x2_extend_high_u32x4(v))
    }

    /// Sum of the two i32 lanes pairs of `v`, as two i64 lanes.
    #[inline(always)]
    fn widen_i32(v: v128) -> v128 {
        i64x2_add(i64x2_extend_low_i32x4(v), i64x2_extend_high_i32x4(v))
    }

    #[inline(always)]
    fn sum_i64x2(v: v128) -> i128 {
        i64x2_extract_lane::<0>(v) as i128 + i64x2_extract_lane::<1>(v) as i128
    }

    #[inline(always)]
    fn sum_u64x2(v: v128) -> u128 {
        u64x2_extract_lane::<0>(v) as u128 + u64x2_extract_lane::<1>(v) as u128
    }

    /// Lanes of `v` as an array (any bit pattern is a valid array).
    #[inline(always)]
    fn lanes<T: Copy, const N: usize>(v: v128) -> [T; N] {
        assert!(core::mem::size_of::<[T; N]>() == 16);
        // SAFETY: the sizes are equal (checked above) and T is a plain integer.
        unsafe { core::mem::transmute_copy(&v) }
    }

    // The scans read the two halves of the chunk side by side: two streams
    // keep more memory reads in flight than one (about a fifth more
    // bandwidth from DRAM on one core, measured in wasm), and the sums do not
    // depend on the order. The last odd vector and the rest go through the
    // scalar scan.

    pub fn stats_u8(data: &[u8]) -> IntStats {
        let half = data.len() / 32;
        let p = data.as_ptr();
        let low_bytes = u16x8_splat(0xff);
        let (mut mn, mut mx) = (u8x16_splat(u8::MAX), u8x16_splat(0));
        let (mut sum, mut sq) = (i64x2_splat(0), i64x2_splat(0));
        let mut k = 0;
        while k < half {
            let end = half.min(k + VECS_8 / 2);
            let (mut s, mut q) = (i16x8_splat(0), i32x4_splat(0));
            while k < end {
                // SAFETY: k < half = len / 32, so vectors k and half + k lie
                // inside `data`.
                for v in unsafe { [load(p, k), load(p, half + k)] } {
                    mn = u8x16_min(mn, v);
                    mx = u8x16_max(mx, v);
                    // Even and odd bytes as u16 lanes: a mask and a shift,
                    // cheaper than the two widening shuffles.
                    let (lo, hi) = (v128_and(v, low_bytes), u16x8_shr(v, 8));
                    s = i16x8_add(s, i16x8_add(lo, hi));
                    q = i32x4_add(
                        q,
                        i32x4_add(i32x4_dot_i16x8(lo, lo), i32x4_dot_i16x8(hi, hi)),
                    );
                }
                k += 1;
            }
            sum = i64x2_add(sum, widen_u32(u32x4_extadd_pairwise_u16x8(s)));
            sq = i64x2_add(sq, widen_u32(q));
        }
        let (mn, mx): ([u8; 16], [u8; 16]) = (lanes(mn), lanes(mx));
        let simd = IntStats {
            count: (half * 32) as u64,
            min: *mn.iter().min().unwrap() as i64,
            max: *mx.iter().max().unwrap() as i64,
            sum: sum_i64x2(sum),
            sum_sq: sum_u64x2(sq),
        };
        simd.merge(stats_u8_scalar(&data[half * 32..]))
    }

    pub fn stats_i8(data: &[i8]) -> IntStats {
        let half = data.len() / 32;
        let p = data.as_ptr() as *const u8;
        let (mut mn, mut mx) = (i8x16_splat(i8::MAX), i8x16_splat(i8::MIN));
        let (mut sum, mut sq) = (i64x2_splat(0), i64x2_splat(0));
        let mut k = 0;
        while k < half {
            let end = half.min(k + VECS_8 / 2);
            let (mut s, mut q) = (i16x8_splat(0), i32x4_splat(0));
            while k < end {
                // SAFETY: k < half = len / 32, so vectors k and half + k lie
                // inside `data`.
                for v in unsafe { [load(p, k), load(p, half + k)] } {
                    mn = i8x16_min(mn, v);
                    mx = i8x16_max(mx, v);
                    let (lo, hi) = (i16x8_shr(i16x8_shl(v, 8), 8), i16x8_shr(v, 8));
                    s = i16x8_add(s, i16x8_add(lo, hi));
                    q = i32x4_add(
                        q,
                        i32x4_add(i32x4_dot_i16x8(lo, lo), i32x4_dot_i16x8(hi, hi)),
                    );
                }
                k += 1;
            }
            sum = i64x2_add(sum, widen_i32(i32x4_extadd_pairwise_i16x8(s)));
            sq = i64x2_add(sq, widen_u32(q));
        }
        let (mn, mx): ([i8; 16], [i8; 16]) = (lanes(mn), lanes(mx));
        let simd = IntStats {
            count: (half * 32) as u64,
            min: *mn.iter().min().unwrap() as i64,
            max: *mx.iter().max().unwrap() as i64,
            sum: sum_i64x2(sum),
            sum_sq: sum_u64x2(sq),
        };
        simd.merge(stats_i8_scalar(&data[half * 32..]))
    }

    /// Scan of the first `2 * half` 16-bit vectors at `p`, lanes read as i16
    /// after xor with `bias` (0 for i16, 0x8000 for u16, which maps u16 onto
    /// i16 order-preservingly as `x - 32768`): count, min, max, sum and sum
    /// of squares of those i16.
    #[inline(always)]
    fn scan_16(p: *const u8, half: usize, bias: v128) -> IntStats {
        let (mut mn, mut mx) = (i16x8_splat(i16::MAX), i16x8_splat(i16::MIN));
        let (mut sum, mut sq_lo, mut sq_hi) = (i64x2_splat(0), i64x2_splat(0), i64x2_splat(0));
        let mut k = 0;
        while k < half {
            let end = half.min(k + VECS_16 / 2);
            let mut s = i32x4_splat(0);
            while k < end {
                // SAFETY: k < half, and the caller passes half = len / 16 of a
                // slice of 16-bit values at p: vectors k and half + k lie inside.
                for v in unsafe { [load(p, k), load(p, half + k)] } {
                    let y = v128_xor(v, bias);
                    mn = i16x8_min(mn, y);
                    mx = i16x8_max(mx, y);
                    s = i32x4_add(s, i32x4_extadd_pairwise_i16x8(y));
                    // Each lane is a^2 + b^2 <= 2^31: exact when read as u32.
                    let q = i32x4_dot_i16x8(y, y);
                    sq_lo = i64x2_add(sq_lo, u64x2_extend_low_u32x4(q));
                    sq_hi = i64x2_add(sq_hi, u64x2_extend_high_u32x4(q));
                }
                k += 1;
            }
            sum = i64x2_add(sum, widen_i32(s));
        }
        let (mn, mx): ([i16; 8], [i16; 8]) = (lanes(mn), lanes(mx));
        IntStats {
            count: (half * 16) as u64,
            min: *mn.iter().min().unwrap() as i64,
            max: *mx.iter().max().unwrap() as i64,
            sum: sum_i64x2(sum),
            sum_sq: sum_u64x2(i64x2_add(sq_lo, sq_hi)),
        }
    }

    pub fn stats_i16(data: &[i16]) -> IntStats {
        let half = data.len() / 16;
        let simd = scan_16(data.as_ptr() as *const u8, half, i16x8_splat(0));
        simd.merge(stats_i16_scalar(&data[half * 16..]))
    }

    pub fn stats_u16(data: &[u16]) -> IntStats {
        let half = data.len() / 16;
        let y = scan_16(data.as_ptr() as *const u8, half, i16x8_splat(i16::MIN));
        // Undo the bias: x = y + 2^15, so x^2 = y^2 + 2^16 y + 2^30.
        let n = y.count as i128;
        let simd = IntStats {
            count: y.count,
            min: y.min + 32768,
            max: y.max + 32768,
            sum: y.sum + (n << 15),
            sum_sq: (y.sum_sq as i128 + (y.sum << 16) + (n << 30)) as u128,
        };
        simd.merge(stats_u16_scalar(&data[half * 16..]))
    }
}

/// Exact statistics of a u32 chunk (x^2 needs 64 bits, a block of them 76),
/// scalar: the reference of the simd128 scan and the path for its last elements.
pub fn stats_u32_scalar(data: &[u32]) -> IntStats {
    let mut min = u32::MAX;
    let mut max = u32::MIN;
    let mut sum: i128 = 0;
    let mut sum_sq: u128 = 0;
    for block in data.chunks(BLOCK) {
        let mut bsum: u64 = 0;
        let mut bsq: u128 = 0;
        for &x in block {
            min = min.min(x);
            max = max.max(x);
            bsum += x as u64;
            bsq += (x as u64 * x as u64) as u128;
        }
        sum += bsum as i128;
        sum_sq += bsq;
    }
    IntStats {
        count: data.len() as u64,
        min: min as i64,
        max: max as i64,
        sum,
        sum_sq,
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use int32_simd::{stats_i32, stats_u32};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use {stats_i32_scalar as stats_i32, stats_u32_scalar as stats_u32};

/// simd128 scans of 32-bit integers: min and max in 32-bit lanes, the sum in
/// 64-bit lanes (a lane gains less than 2^32 per vector, and a chunk in
/// wasm32 memory has fewer than 2^30 vectors), and each exact 64-bit square
/// (`extmul`) split into its high and low 32-bit halves, summed in separate
/// 64-bit lanes that cannot overflow either; the halves are joined in u128.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod int32_simd {
    use super::{stats_i32_scalar, stats_u32_scalar, IntStats};
    use core::arch::wasm32::*;

    macro_rules! scan32 {
        ($name:ident, $t:tt, $scalar:ident, $splat:ident, $ext_lo:ident, $ext_hi:ident,
         $mul_lo:ident, $mul_hi:ident) => {
            pub fn $name(data: &[$t]) -> IntStats {
                let vecs = data.len() / 4;
                let p = data.as_ptr() as *const v128;
                let (mut mn, mut mx) = ($splat(<$t>::MAX), $splat(<$t>::MIN));
                let mut sum = i64x2_splat(0);
                let (mut sq_lo, mut sq_hi) = (i64x2_splat(0), i64x2_splat(0));
                let low_half = i64x2_splat(0xffff_ffff);
                for k in 0..vecs {
                    // SAFETY: k < len / 4, so the 16 bytes of vector k lie
                    // inside `data`; v128_load has no alignment requirement.
                    let v = unsafe { v128_load(p.add(k)) };
                    mn = scan32!(@min $t, mn, v);
                    mx = scan32!(@max $t, mx, v);
                    sum = i64x2_add(sum, i64x2_add($ext_lo(v), $ext_hi(v)));
                    for q in [$mul_lo(v, v), $mul_hi(v, v)] {
                        sq_lo = i64x2_add(sq_lo, v128_and(q, low_half));
                        sq_hi = i64x2_add(sq_hi, u64x2_shr(q, 32));
                    }
                }
                let lanes = |v: v128| -> [$t; 4] {
                    // SAFETY: four 32-bit lanes are 16 bytes; any bit pattern is valid.
                    unsafe { core::mem::transmute::<v128, [$t; 4]>(v) }
                };
                let u64s = |v: v128| u64x2_extract_lane::<0>(v) as u128 + u64x2_extract_lane::<1>(v) as u128;
                let sum = scan32!(@sum $t, sum);
                let simd = IntStats {
                    count: (vecs * 4) as u64,
                    min: *lanes(mn).iter().min().unwrap() as i64,
                    max: *lanes(mx).iter().max().unwrap() as i64,
                    sum,
                    sum_sq: (u64s(sq_hi) << 32) + u64s(sq_lo),
                };
                simd.merge($scalar(&data[vecs * 4..]))
            }
        };
        (@min i32, $a:expr, $v:expr) => { i32x4_min($a, $v) };
        (@max i32, $a:expr, $v:expr) => { i32x4_max($a, $v) };
        (@min u32, $a:expr, $v:expr) => { u32x4_min($a, $v) };
        (@max u32, $a:expr, $v:expr) => { u32x4_max($a, $v) };
        (@sum i32, $s:expr) => {
            i64x2_extract_lane::<0>($s) as i128 + i64x2_extract_lane::<1>($s) as i128
        };
        (@sum u32, $s:expr) => {
            (u64x2_extract_lane::<0>($s) as u128 + u64x2_extract_lane::<1>($s) as u128) as i128
        };
    }

    scan32!(
        stats_i32,
        i32,
        stats_i32_scalar,
        i32x4_splat,
        i64x2_extend_low_i32x4,
        i64x2_extend_high_i32x4,
        i64x2_extmul_low_i32x4,
        i64x2_extmul_high_i32x4
    );
    scan32!(
        stats_u32,
        u32,
        stats_u32_scalar,
        u32x4_splat,
        u64x2_extend_low_u32x4,
        u64x2_extend_high_u32x4,
        u64x2_extmul_low_u32x4,
        u64x2_extmul_high_u32x4
    );
}

/// Sum of squared deviations of 64-bit integers from their exact mean
/// `sum / n`, in f64 (`n > 0`). Deviations are taken exactly first: in i64
/// (wrapping, which is exact when `max - min < 2^63`, the common case, and
/// one `f64.convert_i64_s`) or else in i128.
macro_rules! wide_m2 {
    ($name:ident, $t:ty) => {
        fn $name(data: &[$t], sum: i128, min: i128, max: i128) -> f64 {
            let n = data.len() as i128;
            let mean_floor = sum.div_euclid(n);
            let frac = sum.rem_euclid(n) as f64 / n as f64;
            let mut m2 = 0.0f64;
            if max - min <= i64::MAX as i128 {
                // Every x - mean_floor lies in (-2^63, 2^63): the wrapping
                // difference read as i64 is the exact one.
                let m = mean_floor as u64;
                for block in data.chunks(BLOCK) {
                    let mut acc = 0.0f64;
                    for &x in block {
                        let d = (x as u64).wrapping_sub(m) as i64 as f64 - frac;
                        acc += d * d;
                    }
                    m2 += acc;
                }
            } else {
                for block in data.chunks(BLOCK) {
                    let mut acc = 0.0f64;
                    for &x in block {
                        let d = (x as i128 - mean_floor) as f64 - frac;
                        acc += d * d;
                    }
                    m2 += acc;
                }
            }
            m2
        }
    };
}

wide_m2!(m2_i64_scalar, i64);
wide_m2!(m2_u64_scalar, u64);

macro_rules! wide_int_stats {
    ($name:ident, $t:ty, $m2:ident) => {
        /// Statistics of one chunk of 64-bit integers, scalar: exact sum, f64
        /// spread (the reference of the simd128 path).
        pub fn $name(data: &[$t]) -> WideIntStats {
            let mut min = <$t>::MAX;
            let mut max = <$t>::MIN;
            let mut sum: i128 = 0;
            for &x in data {
                min = min.min(x);
                max = max.max(x);
                sum += x as i128;
            }
            let n = data.len();
            let (min, max) = (min as i128, max as i128);
            let m2 = if n > 0 { $m2(data, sum, min, max) } else { 0.0 };
            WideIntStats {
                count: n as u64,
                min,
                max,
                sum,
                m2,
            }
        }
    };
}

wide_int_stats!(stats_i64_scalar, i64, m2_i64_scalar);
wide_int_stats!(stats_u64_scalar, u64, m2_u64_scalar);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use int64_simd::{stats_i64, stats_u64};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use {stats_i64_scalar as stats_i64, stats_u64_scalar as stats_u64};

/// simd128 scans of 64-bit integers. First pass: min and max in 64-bit lanes
/// (`i64x2.lt`/`gt` and a bitselect; u64 is compared as i64 after flipping
/// the sign bit), and the exact sum of each value split into its high 32-bit
/// half (signed for i64, unsigned for u64) and its unsigned low half, summed
/// in separate 64-bit lanes (a lane gains less than 2^32 per vector, and a
/// chunk in wasm32 memory has fewer than 2^29 vectors), joined in i128.
/// The m2 pass has no i64 -> f64 vector conversion to use; when the range is
/// below 2^63 it forms each exact i64 deviation in lanes and converts it as
/// `f64(high half) * 2^32 + f64(low half)`, which rounds once, so each
/// squared deviation equals the scalar one (only the order of the f64 sums
/// differs: two lane sums per block). Wider ranges take the scalar i128 pass.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod int64_simd {
    use super::{
        m2_i64_scalar, m2_u64_scalar, stats_i64_scalar, stats_u64_scalar, WideIntStats, BLOCK,
    };
    use core::arch::wasm32::*;

    /// Loads vector `k` of the 16-byte vectors at `p`.
    ///
    /// # Safety
    /// The `(k + 1) * 16` bytes from `p` must lie inside one slice.
    #[inline(always)]
    unsafe fn load<T>(p: *const T, k: usize) -> v128 {
        v128_load((p as *const u8).add(k * 16) as *const v128)
    }

    /// Min, max (as i64 after xor with `bias`) and the sums of the high and
    /// low 32-bit halves of the first `vecs` vectors at `p`.
    ///
    /// # Safety
    /// `vecs * 16` bytes from `p` must lie inside one slice.
    #[inline(always)]
    unsafe fn scan(p: *const u8, vecs: usize, bias: v128, signed: bool) -> [v128; 4] {
        let (mut mn, mut mx) = (i64x2_splat(i64::MAX), i64x2_splat(i64::MIN));
        let (mut hi, mut lo) = (i64x2_splat(0), i64x2_splat(0));
        let low_half = i64x2_splat(0xffff_ffff);
        for k in 0..vecs {
            let v = load(p, k);
            let y = v128_xor(v, bias);
            mn = v128_bitselect(y, mn, i64x2_lt(y, mn));
            mx = v128_bitselect(y, mx, i64x2_gt(y, mx));
            // `signed` is a constant at each (inlined) call.
            hi = i64x2_add(
                hi,
                if signed {
                    i64x2_shr(v, 32)
                } else {
                    u64x2_shr(v, 32)
                },
            );
            lo = i64x2_add(lo, v128_and(v, low_half));
        }
        [mn, mx, hi, lo]
    }

    /// Sum of squared deviations of the first `vecs` vectors at `p` from
    /// `m + frac`, where every `x - m` fits i64 (wrapping difference).
    ///
    /// # Safety
    /// `vecs * 16` bytes from `p` must lie inside one slice.
    #[inline(always)]
    unsafe fn m2_lanes(p: *const u8, vecs: usize, m: u64, frac: f64) -> f64 {
        let (mv, fv) = (i64x2_splat(m as i64), f64x2_splat(frac));
        let two32 = f64x2_splat(4294967296.0);
        let mut m2 = 0.0f64;
        let per_block = BLOCK / 2;
        let mut k = 0;
        while k < vecs {
            let end = vecs.min(k + per_block);
            let mut acc = f64x2_splat(0.0);
            while k < end {
                let d = i64x2_sub(load(p, k), mv);
                // High halves (signed) and low halves (unsigned) of both lanes.
                let h = f64x2_convert_low_i32x4(i32x4_shuffle::<1, 3, 1, 3>(d, d));
                let l = f64x2_convert_low_u32x4(i32x4_shuffle::<0, 2, 0, 2>(d, d));
                let x = f64x2_sub(f64x2_add(f64x2_mul(h, two32), l), fv);
                acc = f64x2_add(acc, f64x2_mul(x, x));
                k += 1;
            }
            m2 += f64x2_extract_lane::<0>(acc) + f64x2_extract_lane::<1>(acc);
        }
        m2
    }

    macro_rules! scan64 {
        ($name:ident, $t:ty, $scalar:ident, $m2_scalar:ident, $bias:expr, $signed:expr) => {
            pub fn $name(data: &[$t]) -> WideIntStats {
                let vecs = data.len() / 2;
                let bias = i64x2_splat($bias);
                // SAFETY: vecs = len / 2 vectors of two 64-bit values lie inside `data`.
                let [mn, mx, hi, lo] =
                    unsafe { scan(data.as_ptr() as *const u8, vecs, bias, $signed) };
                let rest = $scalar(&data[vecs * 2..]);
                let unbias = |x: i64| (x ^ $bias) as $t as i128;
                let lanes = |v: v128| [i64x2_extract_lane::<0>(v), i64x2_extract_lane::<1>(v)];
                let halves = |v: v128| -> i128 {
                    let [a, b] = lanes(v);
                    if $signed {
                        a as i128 + b as i128
                    } else {
                        a as u64 as i128 + b as u64 as i128
                    }
                };
                let n = data.len();
                if vecs == 0 {
                    return rest;
                }
                let [mn0, mn1] = lanes(mn);
                let [mx0, mx1] = lanes(mx);
                let min = unbias(mn0.min(mn1)).min(rest.min);
                let max = unbias(mx0.max(mx1)).max(rest.max);
                let sum = (halves(hi) << 32) + halves(lo) + rest.sum;
                let m2 = if max - min <= i64::MAX as i128 {
                    let nn = n as i128;
                    let mean_floor = sum.div_euclid(nn);
                    let frac = sum.rem_euclid(nn) as f64 / n as f64;
                    let m = mean_floor as u64;
                    // SAFETY: as for the first pass.
                    let simd = unsafe { m2_lanes(data.as_ptr() as *const u8, vecs, m, frac) };
                    let mut tail = 0.0;
                    for &x in &data[vecs * 2..] {
                        let d = (x as u64).wrapping_sub(m) as i64 as f64 - frac;
                        tail += d * d;
                    }
                    simd + tail
                } else {
                    $m2_scalar(data, sum, min, max)
                };
                WideIntStats {
                    count: n as u64,
                    min,
                    max,
                    sum,
                    m2,
                }
            }
        };
    }

    scan64!(stats_i64, i64, stats_i64_scalar, m2_i64_scalar, 0, true);
    scan64!(
        stats_u64,
        u64,
        stats_u64_scalar,
        m2_u64_scalar,
        i64::MIN,
        false
    );
}

/// Statistics of an f32 chunk (accumulated in f64).
pub fn stats_f32(data: &[f32]) -> FloatStats {
    float_stats(data, |x| x as f64, shifted::scan_f32)
}

/// Statistics of an f64 chunk.
pub fn stats_f64(data: &[f64]) -> FloatStats {
    float_stats(data, |x| x, shifted::scan_f64)
}

/// Elements per block of the float scans. Lane sums restart every block, so
/// their rounding error does not grow with the chunk, and a block whose
/// unmasked sums come out non-finite is rescanned with masks.
const FLOAT_BLOCK: usize = 1024;

/// Elements the shift is estimated from.
const SHIFT_SAMPLE: usize = 256;

/// Neumaier-compensated sum.
#[derive(Clone, Copy, Debug, Default)]
pub struct Compensated {
    sum: f64,
    comp: f64,
}

impl Compensated {
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.comp += if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.sum = t;
    }

    pub fn value(self) -> f64 {
        self.sum + self.comp
    }
}

/// One pass over a float chunk with a shift `c`: over the finite values,
/// `s1 = sum(x - c)` and `s2 = sum((x - c)^2)`; min and max over the
/// non-NaN values (an infinity there is exactly what the result reports);
/// and the counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shifted {
    pub s1: Compensated,
    pub s2: Compensated,
    pub finite: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub min: f64,
    pub max: f64,
}

impl Shifted {
    fn new() -> Shifted {
        Shifted {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Shifted::default()
        }
    }

    /// Adds one value, with masks (the scalar path).
    #[inline(always)]
    fn push(&mut self, x: f64, c: f64) {
        if x.is_finite() {
            let d = x - c;
            self.s1.add(d);
            self.s2.add(d * d);
            self.finite += 1;
        } else if x.is_nan() {
            self.nan += 1;
        } else if x > 0.0 {
            self.pos_inf += 1;
        } else {
            self.neg_inf += 1;
        }
        // A NaN compares false and leaves both unchanged.
        self.min = if x < self.min { x } else { self.min };
        self.max = if x > self.max { x } else { self.max };
    }
}

/// The shift: the mean of the finite values among the first `SHIFT_SAMPLE`,
/// else the first finite value, else 0. Any finite shift gives the same
/// result up to rounding; one near the mean keeps `s1` small, so that
/// `s2 - s1^2 / n` does not cancel.
fn pick_shift<T: Copy>(data: &[T], get: impl Fn(T) -> f64) -> f64 {
    let mut sum = 0.0;
    let mut k = 0u32;
    for &x in data.iter().take(SHIFT_SAMPLE) {
        let x = get(x);
        if x.is_finite() {
            sum += x;
            k += 1;
        }
    }
    let mean = sum / k as f64;
    if k > 0 && mean.is_finite() {
        return mean;
    }
    data.iter()
        .map(|&x| get(x))
        .find(|x| x.is_finite())
        .unwrap_or(0.0)
}

/// `n * c` as a compensated sum of two products, the first exact: `c` is
/// split into its top 23 significant bits (times n < 2^30 fits 53 bits) and
/// the rest.
fn add_n_times(acc: &mut Compensated, n: u64, c: f64) {
    let hi = f64::from_bits(c.to_bits() & !((1u64 << 30) - 1));
    acc.add(n as f64 * hi);
    acc.add(n as f64 * (c - hi));
}

/// Statistics of a float chunk in one pass of shifted sums (a second only
/// when the shift turns out far from the mean compared with the spread).
fn float_stats<T: Copy>(
    data: &[T],
    get: impl Fn(T) -> f64 + Copy,
    scan: fn(&[T], f64) -> Shifted,
) -> FloatStats {
    let n = data.len() as u64;
    let c = pick_shift(data, get);
    let mut r = scan(data, c);
    let mut shift = c;
    let finite = r.finite as f64;
    if r.finite > 0 {
        let s1 = r.s1.value();
        let s2 = r.s2.value();
        // s1^2 / n is the part of s2 due to the shift; when it dominates, the
        // difference would lose digits: rescan about the mean found.
        let c2 = c + s1 / finite;
        if s2.is_finite() && (s1 / finite) * s1 > 0.5 * s2 && c2.is_finite() && c2 != c {
            r = scan(data, c2);
            shift = c2;
        }
    }
    let (mut sum, mut m2) = (0.0, 0.0);
    if r.finite > 0 {
        // Like the reference's compensated sum, s1 turns NaN once a partial
        // sum overflows; s2 only ever overflows to +Inf, kept as such.
        let s1 = r.s1.value();
        let s2 = if r.s2.sum == f64::INFINITY {
            f64::INFINITY
        } else {
            r.s2.value()
        };
        let mut total = r.s1;
        add_n_times(&mut total, r.finite, shift);
        sum = total.value();
        let d = s2 - (s1 / finite) * s1;
        m2 = if s2 == f64::INFINITY && !s1.is_nan() {
            f64::INFINITY
        } else if d < 0.0 {
            0.0
        } else {
            d
        };
    }
    let all_nan = r.nan == n;
    FloatStats {
        count: n - r.nan,
        nan_count: r.nan,
        pos_inf: r.pos_inf,
        neg_inf: r.neg_inf,
        min: if all_nan { f64::NAN } else { r.min },
        max: if all_nan { f64::NAN } else { r.max },
        sum,
        m2,
    }
}

/// The shifted scans: simd128 on wasm32, scalar elsewhere. Each block is
/// first summed without masks (a non-finite value then shows as a
/// non-finite sum); only such blocks are summed again with masks.
mod shifted {
    use super::{Shifted, FLOAT_BLOCK};

    /// Scalar scan, also the reference for the simd128 one.
    #[allow(dead_code)]
    pub fn scan_scalar<T: Copy>(data: &[T], c: f64, get: impl Fn(T) -> f64) -> Shifted {
        let mut r = Shifted::new();
        for block in data.chunks(FLOAT_BLOCK) {
            let (mut s1, mut s2) = (0.0, 0.0);
            for &x in block {
                let x = get(x);
                let d = x - c;
                s1 += d;
                s2 += d * d;
                r.min = if x < r.min { x } else { r.min };
                r.max = if x > r.max { x } else { r.max };
            }
            if s1.is_finite() && s2.is_finite() {
                r.s1.add(s1);
                r.s2.add(s2);
                r.finite += block.len() as u64;
            } else {
                for &x in block {
                    r.push(get(x), c);
                }
            }
        }
        r
    }

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    pub fn scan_f32(data: &[f32], c: f64) -> Shifted {
        scan_scalar(data, c, |x| x as f64)
    }

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    pub fn scan_f64(data: &[f64], c: f64) -> Shifted {
        scan_scalar(data, c, |x| x)
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub use simd::{scan_f32, scan_f64};

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod simd {
        use super::super::{Shifted, FLOAT_BLOCK};
        use core::arch::wasm32::*;
        use core::ptr::read_volatile;

        #[inline(always)]
        fn hsum(v: v128) -> f64 {
            f64x2_extract_lane::<0>(v) + f64x2_extract_lane::<1>(v)
        }

        /// Masked sums of one f64x2 vector into the slow-path accumulators.
        #[derive(Clone, Copy)]
        struct Masked {
            s1: v128,
            s2: v128,
            finite: v128,
            nan: v128,
            pos_inf: v128,
        }

        impl Masked {
            #[inline(always)]
            fn new() -> Masked {
                let z = i64x2_splat(0);
                Masked {
                    s1: z,
                    s2: z,
                    finite: z,
                    nan: z,
                    pos_inf: z,
                }
            }

            #[inline(always)]
            fn step(&mut self, x: v128, c: v128) {
                let inf = f64x2_splat(f64::INFINITY);
                let fin = f64x2_lt(f64x2_abs(x), inf);
                let d = v128_and(f64x2_sub(x, c), fin);
                self.s1 = f64x2_add(self.s1, d);
                self.s2 = f64x2_add(self.s2, f64x2_mul(d, d));
                // A true lane is all ones (-1): subtracting counts it.
                self.finite = i64x2_sub(self.finite, fin);
                self.nan = i64x2_sub(self.nan, f64x2_ne(x, x));
                self.pos_inf = i64x2_sub(self.pos_inf, f64x2_eq(x, inf));
            }

            /// Adds these sums of `len` values into `r`.
            fn finish(self, len: usize, r: &mut Shifted) {
                let count =
                    |v: v128| (i64x2_extract_lane::<0>(v) + i64x2_extract_lane::<1>(v)) as u64;
                let (finite, nan, pos_inf) =
                    (count(self.finite), count(self.nan), count(self.pos_inf));
                r.s1.add(hsum(self.s1));
                r.s2.add(hsum(self.s2));
                r.finite += finite;
                r.nan += nan;
                r.pos_inf += pos_inf;
                r.neg_inf += len as u64 - finite - nan - pos_inf;
            }
        }

        /// Loads vector `k` of the 16-byte vectors at `p`.
        ///
        /// # Safety
        /// The `(k + 1) * 16` bytes from `p` must lie inside one slice.
        #[inline(always)]
        unsafe fn load<T>(p: *const T, k: usize) -> v128 {
            v128_load((p as *const u8).add(k * 16) as *const v128)
        }

        /// Adds a block's unmasked sums into `r`, or, when they are not finite
        /// (the block holds a NaN or an infinity, or a square overflowed),
        /// rescans it with masks. Returns whether the unmasked sums were used.
        #[inline(always)]
        fn finish_block(
            r: &mut Shifted,
            len: usize,
            s1: v128,
            s2: v128,
            rescan: impl FnOnce(&mut Masked),
        ) -> bool {
            let (b1, b2) = (hsum(s1), hsum(s2));
            if b1.is_finite() && b2.is_finite() {
                r.s1.add(b1);
                r.s2.add(b2);
                r.finite += len as u64;
                true
            } else {
                let mut m = Masked::new();
                rescan(&mut m);
                m.finish(len, r);
                false
            }
        }

        // As the integer scans, these read the two halves of the chunk side by
        // side (two memory streams); a block is a piece of each half.

        pub fn scan_f64(data: &[f64], c: f64) -> Shifted {
            let mut r = Shifted::new();
            let cv = f64x2_splat(c);
            let (inf, ninf) = (f64x2_splat(f64::INFINITY), f64x2_splat(f64::NEG_INFINITY));
            let (mut mn, mut mx) = (inf, ninf);
            // Halves of whole 4-element groups; the rest goes through `push`.
            let m = data.len() / 8 * 4;
            let (a, b) = (&data[..m], &data[m..2 * m]);
            for (ba, bb) in a.chunks(FLOAT_BLOCK / 2).zip(b.chunks(FLOAT_BLOCK / 2)) {
                let (pa, pb) = (ba.as_ptr(), bb.as_ptr());
                let zero = f64x2_splat(0.0);
                let (mut s1, mut s2) = (zero, zero);
                let (mut mn0, mut mn1, mut mx0, mut mx1) = (inf, inf, ninf, ninf);
                for k in 0..ba.len() / 4 {
                    // SAFETY: 4k + 3 < ba.len() = bb.len(): the vectors lie inside
                    // `ba` and `bb`.
                    let pairs = unsafe {
                        [
                            (load(pa, 2 * k), load(pa, 2 * k + 1)),
                            (load(pb, 2 * k), load(pb, 2 * k + 1)),
                        ]
                    };
                    for (x, y) in pairs {
                        // pmin(x, m) is `m < x ? m : x`: one instruction, but a NaN
                        // x replaces m. Such a block has a NaN sum and is rescanned.
                        mn0 = f64x2_pmin(x, mn0);
                        mn1 = f64x2_pmin(y, mn1);
                        mx0 = f64x2_pmax(mx0, x);
                        mx1 = f64x2_pmax(mx1, y);
                        let (dx, dy) = (f64x2_sub(x, cv), f64x2_sub(y, cv));
                        s1 = f64x2_add(s1, f64x2_add(dx, dy));
                        s2 = f64x2_add(s2, f64x2_add(f64x2_mul(dx, dx), f64x2_mul(dy, dy)));
                    }
                }
                let fast = finish_block(&mut r, 2 * ba.len(), s1, s2, |m| {
                    (mn0, mx0) = (inf, ninf);
                    for part in [ba, bb] {
                        let p = part.as_ptr();
                        for k in 0..part.len() / 2 {
                            // SAFETY: 2k + 1 < part.len().
                            let x = unsafe { load(p, k) };
                            m.step(x, cv);
                            // pmin(m, x) is `x < m ? x : m`: a NaN x leaves m.
                            mn0 = f64x2_pmin(mn0, x);
                            mx0 = f64x2_pmax(mx0, x);
                        }
                    }
                });
                if !fast {
                    mn1 = inf;
                    mx1 = ninf;
                }
                mn = f64x2_pmin(f64x2_pmin(mn, mn0), mn1);
                mx = f64x2_pmax(f64x2_pmax(mx, mx0), mx1);
            }
            r.min = f64x2_extract_lane::<0>(mn).min(f64x2_extract_lane::<1>(mn));
            r.max = f64x2_extract_lane::<0>(mx).max(f64x2_extract_lane::<1>(mx));
            for &x in &data[2 * m..] {
                r.push(x, c);
            }
            r
        }

        pub fn scan_f32(data: &[f32], c: f64) -> Shifted {
            let mut r = Shifted::new();
            let cv = f64x2_splat(c);
            let (inf, ninf) = (f32x4_splat(f32::INFINITY), f32x4_splat(f32::NEG_INFINITY));
            let (mut mn, mut mx) = (inf, ninf);
            // Halves of whole 8-element groups; the rest goes through `push`.
            let m = data.len() / 16 * 8;
            let (a, b) = (&data[..m], &data[m..2 * m]);
            for (ba, bb) in a.chunks(FLOAT_BLOCK / 2).zip(b.chunks(FLOAT_BLOCK / 2)) {
                let (pa, pb) = (ba.as_ptr() as *const u64, bb.as_ptr() as *const u64);
                // The same addresses, read back through a volatile load so that
                // LLVM cannot see they are `pa` and `pb`: it would otherwise turn
                // the pair loads below into shuffles of the vector loads from
                // these, and moving a high half down costs several instructions
                // in V8.
                // SAFETY: reading locals.
                let (qa, qb) = unsafe {
                    (
                        read_volatile(&(pa as usize)) as *const v128,
                        read_volatile(&(pb as usize)) as *const v128,
                    )
                };
                let zero = f64x2_splat(0.0);
                let (mut s1, mut s2) = (zero, zero);
                let (mut mn0, mut mn1, mut mx0, mut mx1) = (inf, inf, ninf, ninf);
                for k in 0..ba.len() / 8 {
                    for (p, q) in [(pa, qa), (pb, qb)] {
                        // SAFETY: 8k + 7 < ba.len() = bb.len(): both vectors lie
                        // inside `ba` (or `bb`).
                        let (x, y) =
                            unsafe { (v128_load(q.add(2 * k)), v128_load(q.add(2 * k + 1))) };
                        // As in `scan_f64`: a NaN may reset the min, and is rescanned.
                        mn0 = f32x4_pmin(x, mn0);
                        mn1 = f32x4_pmin(y, mn1);
                        mx0 = f32x4_pmax(mx0, x);
                        mx1 = f32x4_pmax(mx1, y);
                        // Each pair of f32 loaded as the low half of a vector and
                        // widened (V8 folds the load into the conversion).
                        // SAFETY: as above, the four pairs are those of x and y.
                        let pair = |j: usize| unsafe {
                            let v = f64x2_promote_low_f32x4(v128_load64_zero(p.add(4 * k + j)));
                            f64x2_sub(v, cv)
                        };
                        let (x0, x1, y0, y1) = (pair(0), pair(1), pair(2), pair(3));
                        s1 = f64x2_add(s1, f64x2_add(f64x2_add(x0, x1), f64x2_add(y0, y1)));
                        let qx = f64x2_add(f64x2_mul(x0, x0), f64x2_mul(x1, x1));
                        let qy = f64x2_add(f64x2_mul(y0, y0), f64x2_mul(y1, y1));
                        s2 = f64x2_add(s2, f64x2_add(qx, qy));
                    }
                }
                let fast = finish_block(&mut r, 2 * ba.len(), s1, s2, |m| {
                    (mn0, mx0) = (inf, ninf);
                    for part in [ba, bb] {
                        let p = part.as_ptr();
                        for k in 0..part.len() / 4 {
                            // SAFETY: 4k + 3 < part.len().
                            let v = unsafe { load(p, k) };
                            let hi = i32x4_shuffle::<2, 3, 0, 1>(v, v);
                            m.step(f64x2_promote_low_f32x4(v), cv);
                            m.step(f64x2_promote_low_f32x4(hi), cv);
                            // pmin(m, v) is `v < m ? v : m`: a NaN v leaves m.
                            mn0 = f32x4_pmin(mn0, v);
                            mx0 = f32x4_pmax(mx0, v);
                        }
                    }
                });
                if !fast {
                    mn1 = inf;
                    mx1 = ninf;
                }
                mn = f32x4_pmin(f32x4_pmin(mn, mn0), mn1);
                mx = f32x4_pmax(f32x4_pmax(mx, mx0), mx1);
            }
            let lanes = |v: v128| {
                [
                    f32x4_extract_lane::<0>(v),
                    f32x4_extract_lane::<1>(v),
                    f32x4_extract_lane::<2>(v),
                    f32x4_extract_lane::<3>(v),
                ]
            };
            r.min = lanes(mn)
                .iter()
                .fold(f64::INFINITY, |m, &x| m.min(x as f64));
            r.max = lanes(mx)
                .iter()
                .fold(f64::NEG_INFINITY, |m, &x| m.max(x as f64));
            for &x in &data[2 * m..] {
                r.push(x as f64, c);
            }
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u8_stats_are_exact() {
        let v: Vec<u8> = (0..10_000u32).map(|i| (i * 37 % 256) as u8).collect();
        let s = stats_u8(&v);
        assert_eq!(s.count, 10_000);
        assert_eq!(s.min, 0);
        assert_eq!(s.max, 255);
        assert_eq!(s.sum, v.iter().map(|&x| x as i128).sum::<i128>());
        assert_eq!(
            s.sum_sq,
            v.iter().map(|&x| (x as u128) * (x as u128)).sum::<u128>()
        );
    }

    #[test]
    fn i16_handles_extremes_and_empty() {
        let s = stats_i16(&[i16::MIN, i16::MAX, -1]);
        assert_eq!((s.min, s.max, s.sum), (-32768, 32767, -2));
        let e = stats_i16(&[]);
        assert_eq!(e.count, 0);
    }

    #[test]
    fn f64_skips_nan_and_counts_inf() {
        let s = stats_f64(&[1.0, f64::NAN, 3.0, f64::INFINITY, f64::NEG_INFINITY]);
        assert_eq!((s.count, s.nan_count, s.pos_inf, s.neg_inf), (4, 1, 1, 1));
        assert_eq!(s.sum, 4.0);
        assert_eq!(s.m2, 2.0);
        assert_eq!((s.min, s.max), (f64::NEG_INFINITY, f64::INFINITY));
    }

    #[test]
    fn f64_spread_at_a_large_offset_is_exact_to_1e_12() {
        // 1e9 + k / 2^20: exact values, so the exact spread follows from i128 sums.
        let ks: Vec<i64> = (0..100_003i64)
            .map(|i| (i * 7_919 % 6_000_001) - 3_000_000)
            .collect();
        let data: Vec<f64> = ks.iter().map(|&k| 1e9 + k as f64 / 1_048_576.0).collect();
        let (n, sk, skk) = (
            ks.len() as i128,
            ks.iter().map(|&k| k as i128).sum::<i128>(),
            ks.iter().map(|&k| (k as i128) * (k as i128)).sum::<i128>(),
        );
        let m2 = (n * skk - sk * sk) as f64 / n as f64 / (1u64 << 40) as f64;
        let s = stats_f64(&data);
        assert!(((s.m2 - m2) / m2).abs() < 1e-12, "{} vs {}", s.m2, m2);
        let sum = 1e9 * n as f64 + sk as f64 / 1_048_576.0;
        assert!(((s.sum - sum) / sum).abs() < 1e-15);
    }

    #[test]
    fn constant_and_far_shifted_chunks() {
        let s = stats_f32(&[2.5f32; 3000]);
        assert_eq!((s.sum, s.m2, s.min, s.max), (7500.0, 0.0, 2.5, 2.5));
        // The first values (the shift) far from the rest: rescanned about the mean.
        let mut v = vec![1e6f64; 5000];
        v[..300].iter_mut().for_each(|x| *x = 0.0);
        v[4000] += 1.0;
        let s = stats_f64(&v);
        let mean = (4700.0 * 1e6 + 1.0) / 5000.0;
        let want: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
        assert!(((s.m2 - want) / want).abs() < 1e-12);
    }

    #[test]
    fn wide_m2_in_i64_matches_the_i128_deviations() {
        // A range just under 2^63 takes the i64 deviations; the same values
        // through i128 (forced by passing a wider range) give the same m2.
        let v: Vec<i64> = (0..5_001i64)
            .map(|i| i64::MIN / 2 + (i * 1_000_003 % 7_919) * (1 << 50))
            .collect();
        let s = stats_i64(&v);
        assert!(s.max - s.min <= i64::MAX as i128);
        let wide = m2_i64_scalar(&v, s.sum, i64::MIN as i128, i64::MAX as i128);
        assert_eq!(s.m2, wide);
        let u: Vec<u64> = v.iter().map(|&x| (x as u64) ^ (1 << 63)).collect();
        let t = stats_u64(&u);
        assert_eq!(t.m2, m2_u64_scalar(&u, t.sum, 0, u64::MAX as i128));
        assert_eq!(stats_i64(&[i64::MIN, i64::MAX]).m2, 2.0 * 2f64.powi(126));
    }

    #[test]
    fn u64_sum_is_exact_beyond_2_pow_64() {
        let s = stats_u64(&[u64::MAX, u64::MAX, 1]);
        assert_eq!(s.sum, 2 * (u64::MAX as i128) + 1);
        assert_eq!(s.max, u64::MAX as i128);
        assert_eq!(s.min, 1);
    }
}
