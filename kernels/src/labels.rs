//! Label counting for segmentations: the distinct non-zero labels of a chunk
//! and their voxel counts. Runs of equal labels (segmentations are spatially
//! coherent) are collapsed first, then sorted and merged, so the output is
//! one (label, count) pair per distinct label, ascending.
//!
//! On wasm32 with simd128 the end of each run is found a vector at a time
//! (16 bytes of labels compared with the run's label splatted, the first
//! mismatch read from the lane bitmask); the scalar scan is the reference
//! and the fallback elsewhere. Both give the same runs, so the same output.

/// A label type: an unsigned integer of 8 to 64 bits.
pub trait Label: Copy + Into<u64> + PartialEq {
    /// The end of the run of `data[i]` that starts at `i` (`i < data.len()`):
    /// the first index after `i` whose value differs, or `data.len()`.
    fn run_end(data: &[Self], i: usize) -> usize;
}

/// The end of the run starting at `i`, one element at a time.
#[inline(always)]
fn run_end_scalar<T: PartialEq + Copy>(data: &[T], i: usize) -> usize {
    let v = data[i];
    let mut j = i + 1;
    while j < data.len() && data[j] == v {
        j += 1;
    }
    j
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
macro_rules! label_type {
    ($t:ty, $splat:ident, $eq:ident, $bitmask:ident) => {
        impl Label for $t {
            #[inline(always)]
            fn run_end(data: &[$t], i: usize) -> usize {
                run_end_scalar(data, i)
            }
        }
    };
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
macro_rules! label_type {
    ($t:ty, $splat:ident, $eq:ident, $bitmask:ident) => {
        impl Label for $t {
            #[inline(always)]
            fn run_end(data: &[$t], i: usize) -> usize {
                use core::arch::wasm32::*;
                const LANES: usize = 16 / core::mem::size_of::<$t>();
                const FULL: u32 = (1 << LANES) - 1;
                let v = $splat(data[i]);
                let p = data.as_ptr();
                let mut j = i + 1;
                while j + LANES <= data.len() {
                    // SAFETY: j + LANES <= len: the vector of LANES values at j
                    // lies inside `data`; v128_load needs no alignment.
                    let eq = $eq(unsafe { v128_load(p.add(j) as *const v128) }, v);
                    let same = $bitmask(eq) as u32;
                    if same != FULL {
                        return j + (!same).trailing_zeros() as usize;
                    }
                    j += LANES;
                }
                while j < data.len() && data[j] == data[i] {
                    j += 1;
                }
                j
            }
        }
    };
}

label_type!(u8, u8x16_splat, i8x16_eq, i8x16_bitmask);
label_type!(u16, u16x8_splat, i16x8_eq, i16x8_bitmask);
label_type!(u32, u32x4_splat, i32x4_eq, i32x4_bitmask);
label_type!(u64, u64x2_splat, i64x2_eq, i64x2_bitmask);

/// Writes one `(label, count)` pair per distinct non-zero value of `data`
/// into `labels`/`counts` (ascending labels) and returns how many there are.
/// `labels` and `counts` must hold `data.len()` entries in the worst case;
/// they double as the scratch for the run list.
pub fn label_counts<T: Label>(data: &[T], labels: &mut [u64], counts: &mut [u64]) -> usize {
    count_runs(data, labels, counts, T::run_end)
}

/// `label_counts` with the scalar run scan: the reference of the simd128 one.
#[allow(dead_code)] // used by the tests
pub fn label_counts_scalar<T: Label>(data: &[T], labels: &mut [u64], counts: &mut [u64]) -> usize {
    count_runs(data, labels, counts, run_end_scalar)
}

/// Lists the non-zero runs that `run_end` finds as (label, length) pairs,
/// then merges them.
#[inline(always)]
fn count_runs<T: Label>(
    data: &[T],
    labels: &mut [u64],
    counts: &mut [u64],
    run_end: impl Fn(&[T], usize) -> usize,
) -> usize {
    let mut runs = 0usize;
    let mut i = 0;
    while i < data.len() {
        let j = run_end(data, i);
        let v: u64 = data[i].into();
        if v != 0 {
            labels[runs] = v;
            counts[runs] = (j - i) as u64;
            runs += 1;
        }
        i = j;
    }
    merge_runs(labels, counts, runs)
}

/// Sorts the first `runs` (label, count) pairs by label and merges equal
/// labels; returns how many distinct labels remain.
fn merge_runs(labels: &mut [u64], counts: &mut [u64], runs: usize) -> usize {
    if runs == 0 {
        return 0;
    }
    // Sort runs by label (pairs move together), then merge equal labels.
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    let sorted = labels[..runs].windows(2).all(|w| w[0] <= w[1]);
    if !sorted {
        pairs.reserve_exact(runs);
        for k in 0..runs {
            pairs.push((labels[k], counts[k]));
        }
        pairs.sort_unstable_by_key(|p| p.0);
        for (k, p) in pairs.iter().enumerate() {
            labels[k] = p.0;
            counts[k] = p.1;
        }
    }
    let mut n = 0usize;
    for k in 0..runs {
        if n > 0 && labels[n - 1] == labels[k] {
            counts[n - 1] += counts[k];
        } else {
            labels[n] = labels[k];
            counts[n] = counts[k];
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_nonzero_labels() {
        let data: [u32; 9] = [0, 5, 5, 2, 0, 5, 9, 9, 2];
        let mut l = [0u64; 9];
        let mut c = [0u64; 9];
        let n = label_counts(&data, &mut l, &mut c);
        assert_eq!(&l[..n], &[2, 5, 9]);
        assert_eq!(&c[..n], &[2, 3, 2]);
    }

    #[test]
    fn runs_of_every_length_match_the_scalar_scan() {
        let mut data: Vec<u64> = Vec::new();
        for len in 1..40u64 {
            let label = [0, len, u64::MAX, (1 << 32) | len][len as usize % 4];
            data.extend(std::iter::repeat(label).take(len as usize));
        }
        for start in 0..5 {
            let d = &data[start..];
            let (mut l1, mut c1) = (vec![0u64; d.len()], vec![0u64; d.len()]);
            let (mut l2, mut c2) = (vec![0u64; d.len()], vec![0u64; d.len()]);
            let n1 = label_counts(d, &mut l1, &mut c1);
            let n2 = label_counts_scalar(d, &mut l2, &mut c2);
            assert_eq!((&l1[..n1], &c1[..n1]), (&l2[..n2], &c2[..n2]));
            let total: u64 = c1[..n1].iter().sum();
            assert_eq!(total, d.iter().filter(|&&x| x != 0).count() as u64);
        }
    }
}
