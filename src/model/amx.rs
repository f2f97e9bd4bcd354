//! bf16 matrix products on Intel AMX tiles, chosen at run time
//! (`--precision bf16`; see [`crate::model::Precision`]).
//!
//! `c[M, N] = init + bf16(a) . bf16(B)`: the inputs and the weights are
//! rounded to bfloat16 (round to nearest, ties to even), their products are
//! summed in f32 by `tdpbf16ps`, 16 x 16 f32 results per tile, 32 values of
//! K per instruction. One core does about 3 TFLOP/s this way against about
//! 0.13 in f32 with AVX-512 FMAs, so the network's products stop being the
//! larger part of a forward.
//!
//! The weight `B` is packed once (an inference network keeps it in its
//! panel cache) into 1 KB tiles in AMX's pair layout. Each
//! call converts 32 rows of `a` at a time to bf16 and computes 32 x 32
//! blocks of `c` in four accumulator tiles (tmm0-3), with two tiles of `a`
//! (tmm4-5) and two of `B` (tmm6-7). Accumulators start from the bias (one
//! bias row loaded with stride 0) or from `c`; tiles that stick out of `c`
//! (the last rows or columns) go through a 16 x 16 scratch block.
//!
//! Linux only: a process must ask the kernel for the tile state
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM)`, Linux 5.16 and later) before its first
//! tile instruction; [`Amx::detect`] does that once.

/// Rows of a tile, and f32 columns of an accumulator tile.
const TILE: usize = 16;
/// K values per tile of `a` (64 bytes of bf16 per row).
const KT: usize = 32;
/// u16 values per packed weight tile (16 rows of 32 bf16).
const TILE_LEN: usize = TILE * KT;
/// Smallest K worth a bf16 product: below it the padding to 32 wastes most
/// of a tile, and the f32 kernel is faster (the stem's K of 6).
pub(crate) const MIN_K: usize = 16;

/// Proof that the CPU has AMX-TILE, AMX-BF16 and AVX-512F/BW and that the
/// kernel lets this process use the tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) struct Amx(());

impl Amx {
    /// `Some` when AMX bf16 products can run in this process (detected, and
    /// the tile state granted, once). Setting the environment variable
    /// `PCSEG_NO_AMX` to any value reports `None`.
    pub(crate) fn detect() -> Option<Amx> {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            use std::sync::OnceLock;
            static FOUND: OnceLock<bool> = OnceLock::new();
            if *FOUND.get_or_init(x86::enable) {
                return Some(Amx(()));
            }
        }
        None
    }
}

/// `x` rounded to bfloat16 (nearest, ties to even), as its 16 bits. NaN
/// stays a (quiet) NaN.
pub(crate) fn to_bf16(x: f32) -> u16 {
    if x.is_nan() {
        return 0x7fc0;
    }
    let b = x.to_bits();
    ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

/// The f32 value of bfloat16 bits.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn from_bf16(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

/// `B` (`K x N`, its element `(kk, col)` given by `b`) as bf16 tiles: for
/// each 16-column tile `t` and each 32-value chunk `ch` of K, 16 rows of 32
/// bf16 whose row `r` holds, for each column `j`, the pair
/// `B[32 ch + 2 r][16 t + j]`, `B[32 ch + 2 r + 1][16 t + j]`. Zero padded
/// to whole tiles.
pub(crate) fn pack(k: usize, n: usize, b: impl Fn(usize, usize) -> f32) -> Vec<u16> {
    let chunks = k.div_ceil(KT);
    let tiles = n.div_ceil(TILE);
    let mut out = vec![0u16; tiles * chunks * TILE_LEN];
    for col in 0..n {
        let (t, j) = (col / TILE, col % TILE);
        for kk in 0..k {
            let (ch, r, e) = (kk / KT, (kk % KT) / 2, kk % 2);
            out[(t * chunks + ch) * TILE_LEN + r * KT + j * 2 + e] = to_bf16(b(kk, col));
        }
    }
    out
}

/// The length [`pack`] gives for `B` of `k x n`.
pub(crate) fn packed_len(k: usize, n: usize) -> usize {
    n.div_ceil(TILE) * k.div_ceil(KT) * TILE_LEN
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) use x86::matmul;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod x86 {
    use super::{KT, TILE, TILE_LEN};
    use std::arch::asm;
    use std::arch::x86_64::*;

    /// Ask for the tile state after checking CPUID (leaf 7: AMX-BF16 is EDX
    /// bit 22, AMX-TILE bit 24).
    pub(super) fn enable() -> bool {
        if std::env::var_os("PCSEG_NO_AMX").is_some()
            || !std::arch::is_x86_feature_detected!("avx512f")
            || !std::arch::is_x86_feature_detected!("avx512bw")
        {
            return false;
        }
        let leaf7 = __cpuid_count(7, 0);
        if leaf7.edx & (1 << 22) == 0 || leaf7.edx & (1 << 24) == 0 {
            return false;
        }
        const SYS_ARCH_PRCTL: i64 = 158;
        const ARCH_REQ_XCOMP_PERM: i64 = 0x1023;
        const XFEATURE_XTILEDATA: i64 = 18;
        let ret: i64;
        // SAFETY: arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) only changes
        // which extended states the kernel will save for this process; it
        // returns an error code on kernels or CPUs without AMX. The syscall
        // instruction clobbers rcx and r11.
        unsafe {
            asm!(
                "syscall",
                inlateout("rax") SYS_ARCH_PRCTL => ret,
                in("rdi") ARCH_REQ_XCOMP_PERM,
                in("rsi") XFEATURE_XTILEDATA,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        ret == 0
    }

    /// The tile configuration (palette 1): all eight tiles 16 rows of 64
    /// bytes.
    #[repr(C, align(64))]
    struct TileConfig {
        palette: u8,
        start_row: u8,
        reserved: [u8; 14],
        colsb: [u16; 16],
        rows: [u8; 16],
    }

    impl TileConfig {
        fn full() -> TileConfig {
            let mut cfg = TileConfig {
                palette: 1,
                start_row: 0,
                reserved: [0; 14],
                colsb: [0; 16],
                rows: [0; 16],
            };
            for t in 0..8 {
                cfg.colsb[t] = 64;
                cfg.rows[t] = TILE as u8;
            }
            cfg
        }
    }

    /// Load accumulator tile `idx` (0-3) from `p`, rows `stride` bytes
    /// apart (0: the same row 16 times).
    ///
    /// # Safety
    ///
    /// Tiles configured; 16 rows of 64 bytes readable at `p + r * stride`.
    #[inline(always)]
    unsafe fn load_acc(idx: usize, p: *const f32, stride: usize) {
        // SAFETY: per this function's contract.
        unsafe {
            match idx {
                0 => {
                    asm!("tileloadd tmm0, [{0} + {1}]", in(reg) p, in(reg) stride, options(nostack, readonly))
                }
                1 => {
                    asm!("tileloadd tmm1, [{0} + {1}]", in(reg) p, in(reg) stride, options(nostack, readonly))
                }
                2 => {
                    asm!("tileloadd tmm2, [{0} + {1}]", in(reg) p, in(reg) stride, options(nostack, readonly))
                }
                _ => {
                    asm!("tileloadd tmm3, [{0} + {1}]", in(reg) p, in(reg) stride, options(nostack, readonly))
                }
            }
        }
    }

    /// Store accumulator tile `idx` (0-3) to `p`, rows `stride` bytes apart.
    ///
    /// # Safety
    ///
    /// Tiles configured; 16 rows of 64 bytes writable at `p + r * stride`.
    #[inline(always)]
    unsafe fn store_acc(idx: usize, p: *mut f32, stride: usize) {
        // SAFETY: per this function's contract.
        unsafe {
            match idx {
                0 => {
                    asm!("tilestored [{0} + {1}], tmm0", in(reg) p, in(reg) stride, options(nostack))
                }
                1 => {
                    asm!("tilestored [{0} + {1}], tmm1", in(reg) p, in(reg) stride, options(nostack))
                }
                2 => {
                    asm!("tilestored [{0} + {1}], tmm2", in(reg) p, in(reg) stride, options(nostack))
                }
                _ => {
                    asm!("tilestored [{0} + {1}], tmm3", in(reg) p, in(reg) stride, options(nostack))
                }
            }
        }
    }

    /// The K loop of one block: `mt` row tiles of `a` (at `a0`, the second
    /// 16 rows later) times `nt` column tiles of `B` (at `b0`, the second
    /// `chunks` tiles later), into accumulators `2 i + j`.
    ///
    /// # Safety
    ///
    /// Tiles configured; `a0` holds `16 * mt` rows of `kp = 32 * chunks`
    /// bf16 and `b0` `nt * chunks` packed tiles.
    #[inline(always)]
    unsafe fn k_loop(
        mt: usize,
        nt: usize,
        a0: *const u16,
        kp: usize,
        b0: *const u16,
        chunks: usize,
    ) {
        let sa = kp * 2;
        let a1 = a0.wrapping_add(TILE * kp);
        let b1 = b0.wrapping_add(chunks * TILE_LEN);
        // SAFETY: per this function's contract: chunk `ch` of row tile i is
        // at a_i + 32 ch (rows kp apart), of column tile j at b_j + ch * 512.
        unsafe {
            match (mt, nt) {
                (2, 2) => {
                    for ch in 0..chunks {
                        asm!(
                            "tileloadd tmm4, [{a0} + {sa}]",
                            "tileloadd tmm5, [{a1} + {sa}]",
                            "tileloadd tmm6, [{b0} + {sb}]",
                            "tileloadd tmm7, [{b1} + {sb}]",
                            "tdpbf16ps tmm0, tmm4, tmm6",
                            "tdpbf16ps tmm1, tmm4, tmm7",
                            "tdpbf16ps tmm2, tmm5, tmm6",
                            "tdpbf16ps tmm3, tmm5, tmm7",
                            a0 = in(reg) a0.add(ch * KT),
                            a1 = in(reg) a1.add(ch * KT),
                            b0 = in(reg) b0.add(ch * TILE_LEN),
                            b1 = in(reg) b1.add(ch * TILE_LEN),
                            sa = in(reg) sa,
                            sb = in(reg) 64usize,
                            options(nostack, readonly),
                        );
                    }
                }
                (2, _) => {
                    for ch in 0..chunks {
                        asm!(
                            "tileloadd tmm4, [{a0} + {sa}]",
                            "tileloadd tmm5, [{a1} + {sa}]",
                            "tileloadd tmm6, [{b0} + {sb}]",
                            "tdpbf16ps tmm0, tmm4, tmm6",
                            "tdpbf16ps tmm2, tmm5, tmm6",
                            a0 = in(reg) a0.add(ch * KT),
                            a1 = in(reg) a1.add(ch * KT),
                            b0 = in(reg) b0.add(ch * TILE_LEN),
                            sa = in(reg) sa,
                            sb = in(reg) 64usize,
                            options(nostack, readonly),
                        );
                    }
                }
                (_, 2) => {
                    for ch in 0..chunks {
                        asm!(
                            "tileloadd tmm4, [{a0} + {sa}]",
                            "tileloadd tmm6, [{b0} + {sb}]",
                            "tileloadd tmm7, [{b1} + {sb}]",
                            "tdpbf16ps tmm0, tmm4, tmm6",
                            "tdpbf16ps tmm1, tmm4, tmm7",
                            a0 = in(reg) a0.add(ch * KT),
                            b0 = in(reg) b0.add(ch * TILE_LEN),
                            b1 = in(reg) b1.add(ch * TILE_LEN),
                            sa = in(reg) sa,
                            sb = in(reg) 64usize,
                            options(nostack, readonly),
                        );
                    }
                }
                _ => {
                    for ch in 0..chunks {
                        asm!(
                            "tileloadd tmm4, [{a0} + {sa}]",
                            "tileloadd tmm6, [{b0} + {sb}]",
                            "tdpbf16ps tmm0, tmm4, tmm6",
                            a0 = in(reg) a0.add(ch * KT),
                            b0 = in(reg) b0.add(ch * TILE_LEN),
                            sa = in(reg) sa,
                            sb = in(reg) 64usize,
                            options(nostack, readonly),
                        );
                    }
                }
            }
        }
    }

    /// Rows `a[rows, k]` rounded to bf16 into `out` (`pad_rows` rows of
    /// `kp` values): columns from k and rows from `rows` are zero. Rounds as
    /// [`super::to_bf16`] does (NaN aside).
    ///
    /// # Safety
    ///
    /// AVX-512F/BW available; `a.len() == rows * k`, `out.len() >=
    /// pad_rows * kp`, `rows <= pad_rows`, `k <= kp`.
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn convert_rows(
        a: &[f32],
        rows: usize,
        k: usize,
        kp: usize,
        pad_rows: usize,
        out: &mut [u16],
    ) {
        debug_assert!(a.len() == rows * k && out.len() >= pad_rows * kp && k <= kp);
        let one = _mm512_set1_epi32(1);
        let half = _mm512_set1_epi32(0x7fff);
        for r in 0..rows {
            let src = &a[r * k..(r + 1) * k];
            let dst = &mut out[r * kp..(r + 1) * kp];
            let mut c = 0;
            while c < k {
                let len = (k - c).min(16);
                let mask = ((1u32 << len) - 1) as u16;
                // SAFETY: `len` values from `c` lie inside `src` and `dst`;
                // the masked load and store touch only those.
                unsafe {
                    let x = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, src.as_ptr().add(c)));
                    let lsb = _mm512_and_si512(_mm512_srli_epi32::<16>(x), one);
                    let r16 =
                        _mm512_srli_epi32::<16>(_mm512_add_epi32(x, _mm512_add_epi32(half, lsb)));
                    _mm512_mask_cvtepi32_storeu_epi16(dst.as_mut_ptr().add(c).cast(), mask, r16);
                }
                c += len;
            }
            dst[k..].fill(0);
        }
        out[rows * kp..pad_rows * kp].fill(0);
    }

    /// The AMX product `c = bias + bf16(a) . B` (or `c += ...` without a
    /// bias) with `B` packed by [`super::pack`].
    ///
    /// # Safety
    ///
    /// [`super::Amx`] detected (so AMX, AVX-512F/BW and the tile state are
    /// available); `a.len() == m * k`, `tiles.len() == packed_len(k, n)`,
    /// `c` points to `m * n` writable floats (initialised when there is no
    /// bias) and a bias has `n` values.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(crate) unsafe fn matmul(
        a: &[f32],
        m: usize,
        k: usize,
        tiles: &[u16],
        n: usize,
        bias: Option<&[f32]>,
        c: *mut f32,
    ) {
        let chunks = k.div_ceil(KT);
        let kp = chunks * KT;
        let ntiles = n.div_ceil(TILE);
        debug_assert_eq!(tiles.len(), super::packed_len(k, n));
        let mut abuf = vec![0u16; 2 * TILE * kp];
        let bias: Option<Vec<f32>> = bias.map(|b| {
            let mut v = vec![0f32; ntiles * TILE];
            v[..n].copy_from_slice(b);
            v
        });
        let mut scratch = [0f32; TILE * TILE];
        let cfg = TileConfig::full();
        // SAFETY: AMX is available (caller's contract); the configuration is
        // a valid palette-1 layout.
        unsafe { asm!("ldtilecfg [{0}]", in(reg) &cfg, options(nostack, readonly)) };
        let mut rb = 0;
        while rb < m {
            let rows = (m - rb).min(2 * TILE);
            let mt = rows.div_ceil(TILE);
            // SAFETY: AVX-512F/BW available; the slice holds rows * k values
            // and abuf 32 rows of kp.
            unsafe {
                convert_rows(
                    &a[rb * k..(rb + rows) * k],
                    rows,
                    k,
                    kp,
                    mt * TILE,
                    &mut abuf,
                )
            };
            let mut t0 = 0;
            while t0 < ntiles {
                let nt = (ntiles - t0).min(2);
                for i in 0..mt {
                    for j in 0..nt {
                        let idx = 2 * i + j;
                        let (r0, col0) = (rb + TILE * i, (t0 + j) * TILE);
                        let (tr, tc) = ((m - r0).min(TILE), (n - col0).min(TILE));
                        // SAFETY: the bias row has ntiles * 16 values; a whole
                        // tile of c (16 rows from r0, 16 columns from col0)
                        // lies inside its m x n floats, which are initialised
                        // when accumulating; the scratch block is 16 x 16.
                        unsafe {
                            match &bias {
                                Some(b) => load_acc(idx, b.as_ptr().add(col0), 0),
                                None if tr == TILE && tc == TILE => {
                                    load_acc(idx, c.add(r0 * n + col0), n * 4)
                                }
                                None => {
                                    scratch.fill(0.0);
                                    for r in 0..tr {
                                        for q in 0..tc {
                                            scratch[r * TILE + q] = *c.add((r0 + r) * n + col0 + q);
                                        }
                                    }
                                    load_acc(idx, scratch.as_ptr(), TILE * 4);
                                }
                            }
                        }
                    }
                }
                // SAFETY: abuf holds mt * 16 rows of kp bf16; the packed
                // weight holds `chunks` tiles per column tile, nt from t0.
                unsafe {
                    k_loop(
                        mt,
                        nt,
                        abuf.as_ptr(),
                        kp,
                        tiles.as_ptr().add(t0 * chunks * TILE_LEN),
                        chunks,
                    )
                };
                for i in 0..mt {
                    for j in 0..nt {
                        let idx = 2 * i + j;
                        let (r0, col0) = (rb + TILE * i, (t0 + j) * TILE);
                        let (tr, tc) = ((m - r0).min(TILE), (n - col0).min(TILE));
                        // SAFETY: as for the loads: whole tiles lie inside c,
                        // partial ones go through the scratch block and only
                        // their tr x tc part is written to c.
                        unsafe {
                            if tr == TILE && tc == TILE {
                                store_acc(idx, c.add(r0 * n + col0), n * 4);
                            } else {
                                store_acc(idx, scratch.as_mut_ptr(), TILE * 4);
                                for r in 0..tr {
                                    for q in 0..tc {
                                        *c.add((r0 + r) * n + col0 + q) = scratch[r * TILE + q];
                                    }
                                }
                            }
                        }
                    }
                }
                t0 += nt;
            }
            rb += rows;
        }
        // SAFETY: AMX available; releases this thread's tile state.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn rounding_to_bf16_is_nearest_with_ties_to_even() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even
        // mantissa (1); 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and
        // 1 + 2^-6 (even).
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(to_bf16(1.0 + 2f32.powi(-8)), 0x3f80);
        assert_eq!(to_bf16(1.0 + 3.0 * 2f32.powi(-8)), 0x3f82);
        assert_eq!(to_bf16(1.0 + 2f32.powi(-8) + 2f32.powi(-20)), 0x3f81);
        assert_eq!(to_bf16(-2.5), 0xc020);
        assert_eq!(to_bf16(0.0), 0);
        assert_eq!(from_bf16(to_bf16(3.140625)), 3.140625);
        assert!(from_bf16(to_bf16(f32::NAN)).is_nan());
        let mut rng = Rng::new(3);
        for _ in 0..10_000 {
            let x = rng.normal() * 100.0;
            let y = from_bf16(to_bf16(x));
            assert!((x - y).abs() <= x.abs() * 2f32.powi(-8), "{x} -> {y}");
        }
    }

    /// `init + bf16(a) . bf16(B)` in f64, with the sum of magnitudes.
    fn reference(
        a: &[f32],
        w: &[f32],
        m: usize,
        k: usize,
        n: usize,
        init: &[f32],
    ) -> Vec<(f64, f64)> {
        let r = |x: f32| from_bf16(to_bf16(x)) as f64;
        (0..m * n)
            .map(|i| {
                let (row, col) = (i / n, i % n);
                let mut s = init[i] as f64;
                let mut mag = s.abs();
                for kk in 0..k {
                    // w is [N, K] (a linear layer's weight, B = w^T).
                    let t = r(a[row * k + kk]) * r(w[col * k + kk]);
                    s += t;
                    mag += t.abs();
                }
                (s, mag)
            })
            .collect()
    }

    #[test]
    fn amx_products_match_the_rounded_f64_products() {
        let Some(_amx) = Amx::detect() else {
            eprintln!("skipped: this CPU or system has no AMX");
            return;
        };
        let mut rng = Rng::new(11);
        // The network's layer shapes, and odd ones (partial row and column
        // tiles, K not a multiple of 32, one row).
        let shapes = [
            (2048, 6, 48),
            (512, 96, 384),
            (128, 768, 192),
            (2048, 96, 128),
            (2048, 128, 50),
            (37, 45, 23),
            (1, 7, 3),
            (16, 32, 16),
            (33, 64, 17),
        ];
        for &(m, k, n) in &shapes {
            let a: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
            let w: Vec<f32> = (0..n * k).map(|_| rng.normal() * 0.3).collect();
            let bias: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
            let old: Vec<f32> = (0..m * n).map(|_| rng.normal()).collect();
            // w is [N, K] (a linear layer's weight, B = w^T).
            let tiles = pack(k, n, |kk, col| w[col * k + kk]);
            for accumulate in [false, true] {
                let mut c = if accumulate {
                    old.clone()
                } else {
                    vec![f32::NAN; m * n]
                };
                let init = if accumulate { None } else { Some(&bias[..]) };
                // SAFETY: AMX detected; sizes as matmul requires.
                unsafe { matmul(&a, m, k, &tiles, n, init, c.as_mut_ptr()) };
                let start: Vec<f32> = match accumulate {
                    true => old.clone(),
                    false => (0..m * n).map(|i| bias[i % n]).collect(),
                };
                let want = reference(&a, &w, m, k, n, &start);
                for (i, (&g, &(v, mag))) in c.iter().zip(&want).enumerate() {
                    // f32 sums of exact products: a few ulps of the magnitude.
                    let tol = 1e-5 * mag + 1e-6;
                    assert!(
                        ((g as f64) - v).abs() <= tol,
                        "{m}x{k}x{n} accumulate {accumulate}: c[{i}] = {g}, want {v}"
                    );
                }
            }
        }
    }

    #[test]
    fn packed_tiles_hold_pairs_of_k_per_column() {
        let (k, n) = (40, 21);
        let b = |kk: usize, col: usize| (kk * 100 + col) as f32;
        let tiles = pack(k, n, b);
        assert_eq!(tiles.len(), packed_len(k, n));
        assert_eq!(
            tiles.len(),
            2 * 2 * TILE_LEN,
            "2 column tiles x 2 chunks of K"
        );
        for kk in 0..64 {
            for col in 0..32 {
                let (t, j, ch, r, e) = (col / 16, col % 16, kk / 32, (kk % 32) / 2, kk % 2);
                let want = if kk < k && col < n {
                    to_bf16(b(kk, col))
                } else {
                    0
                };
                let at = (t * 2 + ch) * TILE_LEN + r * 32 + j * 2 + e;
                assert_eq!(tiles[at], want, "k {kk} column {col}");
            }
        }
    }
}
