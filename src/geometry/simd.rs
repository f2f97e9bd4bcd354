//! Run-time CPU feature checks for the SIMD kernels, as tokens: a value of
//! [`Avx2`] (or [`Avx2Fma`]) exists only once the CPU was found to support
//! those features, so holding one is the proof that a
//! `#[target_feature(enable = ...)]` function may be called.
//!
//! Every kernel with a SIMD variant also has a portable one, selected by
//! passing `None` instead of a token: that is how the tests run both on
//! every machine (the SIMD one where the CPU has it) and check that they
//! agree exactly.

/// Proof that the CPU supports AVX2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Avx2(());

impl Avx2 {
    /// `Some` when the CPU supports AVX2 (always `None` off x86-64).
    #[inline]
    pub(crate) fn detect() -> Option<Avx2> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(Avx2(()));
        }
        None
    }
}

/// Proof that the CPU supports AVX2 and FMA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Avx2Fma(());

impl Avx2Fma {
    /// `Some` when the CPU supports AVX2 and FMA (always `None` off x86-64).
    #[inline]
    pub(crate) fn detect() -> Option<Avx2Fma> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(Avx2Fma(()));
        }
        None
    }
}

/// Proof that the CPU supports AVX-512F (and the AVX2 + FMA it implies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Avx512(());

impl Avx512 {
    /// `Some` when the CPU supports AVX-512F, AVX2 and FMA (always `None`
    /// off x86-64). Setting the environment variable `PCSEG_NO_AVX512` to any
    /// value turns the AVX-512 kernels off (the AVX2 ones are used), to
    /// compare the paths on one machine.
    #[inline]
    pub(crate) fn detect() -> Option<Avx512> {
        #[cfg(target_arch = "x86_64")]
        {
            use std::sync::OnceLock;
            static FOUND: OnceLock<bool> = OnceLock::new();
            let found = *FOUND.get_or_init(|| {
                std::env::var_os("PCSEG_NO_AVX512").is_none()
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            });
            if found {
                return Some(Avx512(()));
            }
        }
        None
    }
}

/// Proof that the CPU supports AVX-512F and AVX-512BW (16-bit lanes), and
/// that `PCSEG_NO_AVX512` is not set (see [`Avx512::detect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Avx512Bw(());

impl Avx512Bw {
    /// `Some` when [`Avx512::detect`] is and the CPU also has AVX-512BW.
    #[inline]
    pub(crate) fn detect() -> Option<Avx512Bw> {
        #[cfg(target_arch = "x86_64")]
        if Avx512::detect().is_some() && std::arch::is_x86_feature_detected!("avx512bw") {
            return Some(Avx512Bw(()));
        }
        None
    }
}

/// Which build of a geometry kernel to run: the portable one, or a SIMD one
/// together with the token that proves the CPU supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) enum SimdPath {
    /// The portable build (any CPU).
    Portable,
    /// The 8-lane AVX2 build.
    Avx2(Avx2),
    /// The 16-lane AVX-512F build.
    Avx512(Avx512),
}

impl SimdPath {
    /// The widest build the CPU supports: AVX-512 (unless `PCSEG_NO_AVX512`
    /// is set, see [`Avx512::detect`]), then AVX2, then portable.
    #[inline]
    pub(crate) fn detect() -> SimdPath {
        if let Some(t) = Avx512::detect() {
            SimdPath::Avx512(t)
        } else if let Some(t) = Avx2::detect() {
            SimdPath::Avx2(t)
        } else {
            SimdPath::Portable
        }
    }

    /// Every build this CPU supports, portable first: what the tests compare.
    #[cfg(test)]
    pub(crate) fn supported() -> Vec<SimdPath> {
        let mut paths = vec![SimdPath::Portable];
        paths.extend(Avx2::detect().map(SimdPath::Avx2));
        paths.extend(Avx512::detect().map(SimdPath::Avx512));
        paths
    }
}

/// Set bits in each byte value: a table lookup is shorter than the bit
/// arithmetic `count_ones` compiles to without the POPCNT instruction (which
/// the [`Avx512`] token does not prove).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
static POPCOUNT_8: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u32).count_ones() as u8;
        i += 1;
    }
    t
};

/// Set bits in a 16-bit mask (an AVX-512 lane mask), by [`POPCOUNT_8`].
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn popcount16(m: u16) -> usize {
    POPCOUNT_8[(m & 0xff) as usize] as usize + POPCOUNT_8[(m >> 8) as usize] as usize
}
