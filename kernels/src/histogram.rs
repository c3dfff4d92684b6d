//! Histograms. 8-bit values get exact 256-bin counts; everything else is
//! binned over a fixed range `[lo, hi)` into `bins` equal bins, with values
//! below, above (or equal to `hi`) and NaN counted apart.
//!
//! Counting goes to several tables so that runs of equal values (common in EM
//! data and segmentations) do not serialise on one counter's store-to-load
//! dependency: interleaved sub-histograms for small inputs and the binned
//! path, one counter per byte pair for large 8-bit inputs (half the updates,
//! and a run is a repeated pair, counted four at a time).

/// Number of interleaved sub-histograms.
pub const WAYS: usize = 4;

/// Bytes from which `hist_u8` counts byte pairs. Measured in V8 (x86-64):
/// on data in cache the byte tables are faster (about 1.8 against 1.6 GB/s
/// on random bytes), on data streamed from DRAM the pair table is (1.5-1.7
/// against 1.0-1.3 GB/s); the crossover is past the L2 cache, at 4-8 MiB.
const PAIR_MIN_LEN: usize = 1 << 23;

/// u32 of scratch `hist_u8` needs: the byte-pair table.
pub const HIST8_SCRATCH: usize = TABLE16;

/// Exact counts of the 256 byte values of `data` into `out[..256]`
/// (overwritten). `table` is scratch for `HIST8_SCRATCH` u32.
pub fn hist_u8(data: &[u8], table: &mut [u32], out: &mut [u32]) {
    let out: &mut [u32; 256] = (&mut out[..256]).try_into().unwrap();
    if data.len() < PAIR_MIN_LEN {
        hist_u8_bytes(data, out);
    } else {
        let table: &mut [u32; TABLE16] = (&mut table[..TABLE16]).try_into().unwrap();
        hist_u8_pairs(data, table, out);
    }
}

/// Counts single bytes into four sub-histograms on the stack (fixed arrays,
/// so indexing by a byte needs no bounds check).
fn hist_u8_bytes(data: &[u8], out: &mut [u32; 256]) {
    let mut h = [[0u32; 256]; WAYS];
    let words = data.chunks_exact(8);
    let rest = words.remainder();
    for w in words {
        // Eight bytes per load; lanes alternate between the four tables.
        let mut x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        for k in 0..8 {
            h[k % WAYS][(x & 0xff) as usize] += 1;
            x >>= 8;
        }
    }
    for &x in rest {
        h[0][x as usize] += 1;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = h[0][i] + h[1][i] + h[2][i] + h[3][i];
    }
}

/// Counts little-endian byte pairs (`first | second << 8`) into `table`,
/// then folds the table into byte counts.
fn hist_u8_pairs(data: &[u8], table: &mut [u32; TABLE16], out: &mut [u32; 256]) {
    table.iter_mut().for_each(|c| *c = 0);
    let words = data.chunks_exact(8);
    let rest = words.remainder();
    for w in words {
        // One 8-byte load (an array built byte by byte would be eight).
        let x = u64::from_le_bytes(w.try_into().unwrap());
        if x == x.rotate_left(16) {
            // Four equal pairs (a run): one update instead of four that would
            // each wait for the previous one's store.
            table[(x & 0xffff) as usize] += 4;
        } else {
            table[(x & 0xffff) as usize] += 1;
            table[((x >> 16) & 0xffff) as usize] += 1;
            table[((x >> 32) & 0xffff) as usize] += 1;
            table[(x >> 48) as usize] += 1;
        }
    }
    // Row `hi` holds the pairs whose second byte is `hi`: its sum counts `hi`
    // as a second byte, and its entries, added row by row, count first bytes.
    let mut first = [0u32; 256];
    for (hi, row) in table.chunks_exact(256).enumerate() {
        let mut sum = 0u32;
        for (f, &c) in first.iter_mut().zip(row) {
            *f += c;
            sum += c;
        }
        out[hi] = sum;
    }
    for (o, f) in out.iter_mut().zip(first) {
        *o += f;
    }
    for &x in rest {
        out[x as usize] += 1;
    }
}

/// Entries of the full-value table used for 16-bit histograms.
pub const TABLE16: usize = 1 << 16;

/// u32 of scratch `count_u16` needs: one full-value table per way.
pub const COUNT16_SCRATCH: usize = 2 * TABLE16;

/// Counts every 16-bit value of `data` into `table` (two interleaved
/// full-value tables, `COUNT16_SCRATCH` u32), indexed by the value's bits
/// xor `bias` (0x8000 for int16, so the index order is the value order; 0
/// for uint16). Returns the smallest and largest index seen; only entries
/// `lo..=hi` of each table are written (zeroed first, then counted), so the
/// caller folds `table[i] + table[TABLE16 + i]` over that range into its
/// bins. An empty `data` returns `(1, 0)`.
///
/// Finding the range first costs a fast SIMD-friendly pass and saves
/// clearing and folding 65536 entries per chunk when the values span a few
/// thousand (EM data); the two tables keep runs of equal values from
/// serialising on one counter.
pub fn count_u16(data: &[u16], bias: u16, table: &mut [u32]) -> (usize, usize) {
    let (lo, hi) = data.iter().fold((u16::MAX, 0u16), |(lo, hi), &x| {
        let b = x ^ bias;
        (lo.min(b), hi.max(b))
    });
    if data.is_empty() {
        return (1, 0);
    }
    let (lo, hi) = (lo as usize, hi as usize);
    let (t0, t1) = table[..COUNT16_SCRATCH].split_at_mut(TABLE16);
    let t0: &mut [u32; TABLE16] = t0.try_into().unwrap();
    let t1: &mut [u32; TABLE16] = t1.try_into().unwrap();
    t0[lo..=hi].iter_mut().for_each(|c| *c = 0);
    t1[lo..=hi].iter_mut().for_each(|c| *c = 0);
    let pairs = data.chunks_exact(2);
    let rest = pairs.remainder();
    for p in pairs {
        t0[(p[0] ^ bias) as usize] += 1;
        t1[(p[1] ^ bias) as usize] += 1;
    }
    for &x in rest {
        t0[(x ^ bias) as usize] += 1;
    }
    (lo, hi)
}

/// Counts outside the bins, written after the `bins` counts.
pub const EXTRA: usize = 3;

macro_rules! hist_range {
    ($name:ident, $t:ty) => {
        /// Counts of `data` in `bins` equal bins over `[lo, hi)`, written to
        /// `out[..bins]`, then below-range, at-or-above-range and NaN counts
        /// in `out[bins..bins + 3]`. `sub` is scratch for `WAYS * (bins + 3)`.
        pub fn $name(data: &[$t], lo: f64, hi: f64, bins: usize, sub: &mut [u32], out: &mut [u32]) {
            let width = bins + EXTRA;
            let sub = &mut sub[..WAYS * width];
            sub.iter_mut().for_each(|c| *c = 0);
            let scale = bins as f64 / (hi - lo);
            let below = bins;
            let above = bins + 1;
            let nan = bins + 2;
            let index = |x: f64| -> usize {
                if x != x {
                    nan
                } else if x < lo {
                    below
                } else if x >= hi {
                    above
                } else {
                    // Rounding can put a value just under `hi` at `bins`.
                    let i = ((x - lo) * scale) as usize;
                    if i >= bins {
                        bins - 1
                    } else {
                        i
                    }
                }
            };
            let quads = data.chunks_exact(WAYS);
            let rest = quads.remainder();
            for q in quads {
                sub[index(q[0] as f64)] += 1;
                sub[width + index(q[1] as f64)] += 1;
                sub[2 * width + index(q[2] as f64)] += 1;
                sub[3 * width + index(q[3] as f64)] += 1;
            }
            for &x in rest {
                sub[index(x as f64)] += 1;
            }
            for (i, o) in out[..width].iter_mut().enumerate() {
                *o = sub[i] + sub[width + i] + sub[2 * width + i] + sub[3 * width + i];
            }
        }
    };
}

hist_range!(hist_i16, i16);
hist_range!(hist_u16, u16);
hist_range!(hist_i32, i32);
hist_range!(hist_u32, u32);
hist_range!(hist_i64, i64);
hist_range!(hist_u64, u64);
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
hist_range!(hist_f32, f32);
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
hist_range!(hist_f64, f64);
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::{hist_f32, hist_f64};

/// simd128 binning of floats: the bin of two values at a time is computed in
/// f64x2 lanes, then each is counted with a scalar increment. Counts go to
/// `WAYS` sub-histograms laid out as `[below, bin 0, .., bin bins-1, above,
/// NaN]`, which makes every case one integer adjustment of the clamped bin.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{EXTRA, WAYS};
    use core::arch::wasm32::*;

    /// 2^52: adding it to an integer-valued f64 in [0, 2^52) leaves that
    /// integer in the low mantissa bits.
    const MAGIC: f64 = 4_503_599_627_370_496.0;

    struct Binner {
        lo: v128,
        hi: v128,
        scale: v128,
        top: v128,
        zero: v128,
        /// `MAGIC + 2 +` the offset of the sub-histogram of each lane, for the
        /// first and the second vector of a group.
        magic: [v128; 2],
        lo_s: f64,
        hi_s: f64,
        scale_s: f64,
        bins: usize,
    }

    impl Binner {
        fn new(lo: f64, hi: f64, bins: usize) -> Binner {
            let width = (bins + EXTRA) as f64;
            let scale = bins as f64 / (hi - lo);
            let m = MAGIC + 2.0;
            // SAFETY (both): reading locals. Volatile so that LLVM treats these
            // as unknown: with the constant 0 it rewrites pmax(0, t) into a long
            // NaN-propagating max, and it recomputes the offsets in the loop.
            let zero = unsafe { core::ptr::read_volatile(&0.0) };
            let magic = unsafe {
                core::ptr::read_volatile(&[
                    f64x2(m, m + width),
                    f64x2(m + 2.0 * width, m + 3.0 * width),
                ])
            };
            Binner {
                lo: f64x2_splat(lo),
                hi: f64x2_splat(hi),
                scale: f64x2_splat(scale),
                top: f64x2_splat((bins - 1) as f64),
                zero: f64x2_splat(zero),
                magic,
                lo_s: lo,
                hi_s: hi,
                scale_s: scale,
                bins,
            }
        }

        /// Indices (low 32 bits of each 64-bit lane) of the two values in `x`,
        /// always below `WAYS * (bins + EXTRA)`.
        #[inline(always)]
        fn index(&self, x: v128, magic: v128) -> v128 {
            let t = f64x2_mul(f64x2_sub(x, self.lo), self.scale);
            // Clamped to [0, bins - 1] whatever t is: pmin(top, t) is `t < top ?
            // t : top`, so a NaN becomes bins - 1, and pmax(0, c) is `0 < c ? c
            // : 0`. In range this is the reference's min(bins - 1, floor(t)).
            let c = f64x2_pmax(self.zero, f64x2_pmin(self.top, t));
            // floor(c) + 2 + offset, then: -1 below `hi` (in range: the bin
            // after `below`), -1 more below `lo` (to `below`, as t <= 0 there),
            // +1 for NaN (clamped to bins - 1: from `above` to `NaN`). NaN is
            // tested on t: a test on x LLVM moves before the f32 widening, where
            // it costs a mask shuffle.
            let j = f64x2_add(f64x2_floor(c), magic);
            let j = i64x2_add(j, f64x2_lt(x, self.hi));
            let j = i64x2_add(j, f64x2_lt(x, self.lo));
            i64x2_sub(j, f64x2_ne(t, t))
        }

        /// The same index for one value, in sub-histogram 0.
        #[inline(always)]
        fn index_scalar(&self, x: f64) -> usize {
            if x != x {
                self.bins + 2
            } else if x < self.lo_s {
                0
            } else if x >= self.hi_s {
                self.bins + 1
            } else {
                let i = ((x - self.lo_s) * self.scale_s) as usize;
                i.min(self.bins - 1) + 1
            }
        }
    }

    /// Counts of `sub`'s `WAYS` sub-histograms in the output layout (bins,
    /// then below, above, NaN).
    fn fold(sub: &[u32], bins: usize, out: &mut [u32]) {
        let width = bins + EXTRA;
        let total = |i: usize| (0..WAYS).map(|w| sub[w * width + i]).sum::<u32>();
        for (i, o) in out[..bins].iter_mut().enumerate() {
            *o = total(i + 1);
        }
        out[bins] = total(0);
        out[bins + 1] = total(bins + 1);
        out[bins + 2] = total(bins + 2);
    }

    /// Counts the two indices of `j` from `Binner::index`.
    #[inline(always)]
    fn count(sub: &mut [u32], j: v128) {
        let (a, b) = (
            u32x4_extract_lane::<0>(j) as usize,
            u32x4_extract_lane::<2>(j) as usize,
        );
        debug_assert!(a < sub.len() && b < sub.len());
        // SAFETY: `Binner::index` clamps the bin before offsetting it, so both
        // indices are below WAYS * (bins + EXTRA) = sub.len().
        unsafe {
            *sub.get_unchecked_mut(a) += 1;
            *sub.get_unchecked_mut(b) += 1;
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

    pub fn hist_f64(data: &[f64], lo: f64, hi: f64, bins: usize, sub: &mut [u32], out: &mut [u32]) {
        let sub = &mut sub[..WAYS * (bins + EXTRA)];
        sub.iter_mut().for_each(|c| *c = 0);
        let b = Binner::new(lo, hi, bins);
        let groups = data.len() / 4;
        let p = data.as_ptr();
        for k in 0..groups {
            // SAFETY: 4k + 3 < data.len(): both vectors lie inside `data`.
            let (x, y) = unsafe { (load(p, 2 * k), load(p, 2 * k + 1)) };
            count(sub, b.index(x, b.magic[0]));
            count(sub, b.index(y, b.magic[1]));
        }
        for &x in &data[groups * 4..] {
            sub[b.index_scalar(x)] += 1;
        }
        fold(sub, bins, out);
    }

    pub fn hist_f32(data: &[f32], lo: f64, hi: f64, bins: usize, sub: &mut [u32], out: &mut [u32]) {
        let sub = &mut sub[..WAYS * (bins + EXTRA)];
        sub.iter_mut().for_each(|c| *c = 0);
        let b = Binner::new(lo, hi, bins);
        let groups = data.len() / 4;
        let p = data.as_ptr() as *const u64;
        for k in 0..groups {
            // Each pair loaded as the low half of a vector and widened (a high
            // half moved down would cost a shuffle V8 compiles badly).
            // SAFETY: 4k + 3 < data.len(): both pairs lie inside `data`.
            let (x, y) = unsafe {
                (
                    f64x2_promote_low_f32x4(v128_load64_zero(p.add(2 * k))),
                    f64x2_promote_low_f32x4(v128_load64_zero(p.add(2 * k + 1))),
                )
            };
            count(sub, b.index(x, b.magic[0]));
            count(sub, b.index(y, b.magic[1]));
        }
        for &x in &data[groups * 4..] {
            sub[b.index_scalar(x as f64)] += 1;
        }
        fold(sub, bins, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u8_counts_every_value() {
        let data: Vec<u8> = (0..1031u32).map(|i| (i % 256) as u8).collect();
        let mut sub = vec![0u32; HIST8_SCRATCH];
        let mut out = vec![0u32; 256];
        hist_u8(&data, &mut sub, &mut out);
        assert_eq!(out.iter().sum::<u32>(), 1031);
        assert_eq!(out[0], 5);
        assert_eq!(out[7], 4);
    }

    #[test]
    fn u8_pair_counts_match_byte_counts() {
        // Random bytes, a constant run, a two-byte pattern and an odd tail.
        let mut seed = 7u32;
        let mut data: Vec<u8> = (0..PAIR_MIN_LEN + 13)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 24) as u8
            })
            .collect();
        data[1000..5000].iter_mut().for_each(|x| *x = 9);
        data[7001..9000]
            .iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = [3, 250][i % 2]);
        for len in [PAIR_MIN_LEN, PAIR_MIN_LEN + 1, PAIR_MIN_LEN + 13] {
            let mut want = [0u32; 256];
            data[..len].iter().for_each(|&x| want[x as usize] += 1);
            let mut table = vec![1u32; HIST8_SCRATCH];
            let mut out = vec![0u32; 256];
            hist_u8(&data[..len], &mut table, &mut out);
            assert_eq!(out, want.to_vec(), "len {len}");
        }
    }

    #[test]
    fn range_bins_and_outliers() {
        let data = [-1.0f64, 0.0, 0.5, 0.99999, 1.0, f64::NAN, 2.0];
        let mut sub = vec![0u32; WAYS * 5];
        let mut out = vec![0u32; 5];
        hist_f64(&data, 0.0, 1.0, 2, &mut sub, &mut out);
        assert_eq!(out, [1, 2, 1, 2, 1]);
    }
}
