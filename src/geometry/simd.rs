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
