//! The single-precision matrix product behind every linear layer, with an
//! AVX-512 micro-kernel chosen at run time.
//!
//! `c[M, N] = init + a[M, K] . B[K, N]`, all row-major and contiguous, where
//! `init` is a bias row, the old `c` (accumulate) or zero. `B` is packed once
//! per call into panels of 32 columns (`K x 32` floats each, zero padded),
//! from either layout the layers have: a PyTorch weight `w[N, K]` (forward,
//! `B = w^T`) or `w[K, N]` (the input gradient `dout . W`).
//!
//! With an [`Avx512`] token the product runs in an 8 x 32 register tile (16
//! zmm accumulators, starting from the bias, so no bias copy and no
//! zero-fill of the output); without one it goes to `matrixmultiply` through
//! ndarray (AVX2 + FMA dispatch of its own, portable otherwise). The AVX-512
//! kernel adds the K products of each output in index order with one FMA
//! each, so every output's value depends only on its row of `a` and its
//! column of `B`: the same bits for any M, any row chunking and any thread
//! count.

use super::amx::{self, Amx};
use crate::geometry::simd::Avx512;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, ArrayView2, ArrayViewMut2};
use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// Columns per packed panel (two zmm registers).
const NR: usize = 32;
/// Rows per register tile.
const MR: usize = 8;
/// Rows per cache block: the block's rows of `a` are reused for every panel.
const MC: usize = 64;

/// How the right-hand matrix is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `w[N, K]` row-major: `B = w^T` (a linear layer's forward).
    Transposed,
    /// `w[K, N]` row-major: `B = w`.
    Plain,
}

/// The starting value of each output.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Init<'a> {
    /// `c[m, n] = bias[n] + ...` (`bias` has N values).
    Bias(&'a [f32]),
    /// `c[m, n] += ...`.
    Accumulate,
}

impl<'a> Init<'a> {
    /// The bias, if any.
    fn bias(self) -> Option<&'a [f32]> {
        match self {
            Init::Bias(b) => Some(b),
            Init::Accumulate => None,
        }
    }
}

/// `B[K, N]` in panels of [`NR`] columns, zero padded to a multiple of NR.
#[derive(Debug, Clone)]
pub(crate) struct Packed<'w> {
    k: usize,
    n: usize,
    /// The panels (empty without AVX-512), packed for this call or borrowed
    /// from a [`PanelCache`].
    data: Cow<'w, [f32]>,
    /// bf16 tiles from a bf16 [`PanelCache`]: then the AMX kernel runs
    /// (see [`super::amx`]) and `data` is empty.
    tiles: Option<(&'w [u16], Amx)>,
    /// The unpacked matrix, for the fallback path.
    w: &'w [f32],
    layout: Layout,
    /// Row stride of `w` (its full width) and the first of its columns that
    /// `B` uses: a column window of a wider weight (see [`Window`]).
    ld: usize,
    off: usize,
}

/// A window of columns of a row-major weight that `B` is made of, so that
/// one linear layer's weight can be applied in column blocks (feature
/// propagation multiplies its coarse and skip inputs separately):
/// `w` has rows of `ld` values and `B` uses columns `off..off + width`,
/// where `width` is K for [`Layout::Transposed`] (`B = w[.., off..]^T`) and
/// N for [`Layout::Plain`] (`B = w[.., off..]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Row stride of the weight (its number of columns).
    pub ld: usize,
    /// First column used.
    pub off: usize,
}

impl Window {
    /// The whole weight: `ld` columns from the first.
    pub(crate) fn whole(ld: usize) -> Window {
        Window { ld, off: 0 }
    }

    /// The number of rows of `w` and the width of the window, checked
    /// against the weight's size.
    fn check(self, w: &[f32], k: usize, n: usize, layout: Layout) {
        let (rows, width) = match layout {
            Layout::Transposed => (n, k),
            Layout::Plain => (k, n),
        };
        assert!(
            self.off + width <= self.ld && w.len() == rows * self.ld,
            "gemm: weight window out of range"
        );
    }
}

impl<'w> Packed<'w> {
    /// Pack `w` (`K * N` values in `layout`).
    ///
    /// # Panics
    ///
    /// If `w` does not hold `k * n` values.
    pub(crate) fn new(
        simd: Option<Avx512>,
        w: &'w [f32],
        k: usize,
        n: usize,
        layout: Layout,
    ) -> Packed<'w> {
        assert_eq!(w.len(), k * n, "Packed::new: weight size");
        let ld = match layout {
            Layout::Transposed => k,
            Layout::Plain => n,
        };
        Packed::window(simd, None, w, Window::whole(ld), k, n, layout)
    }

    /// Pack the column window `win` of `w` (see [`Window`]): `B` is
    /// `K x N`; with `cache`, the panels come from that slot of the cache
    /// (packed on first use, see [`Packed::cached`]).
    ///
    /// # Panics
    ///
    /// If the window does not fit `w`, or the slot is out of range.
    pub(crate) fn window(
        simd: Option<Avx512>,
        cache: Option<(&'w PanelCache, usize)>,
        w: &'w [f32],
        win: Window,
        k: usize,
        n: usize,
        layout: Layout,
    ) -> Packed<'w> {
        win.check(w, k, n, layout);
        if let Some((cache, slot)) = cache {
            // Below 16 values of K a padded 32-value tile wastes most of the
            // work: the f32 kernel is faster there (the stem).
            if let (Some(amx), true) = (cache.amx, k >= amx::MIN_K) {
                let tiles = cache.tiles[slot]
                    .get_or_init(|| amx::pack(k, n, |kk, col| element(w, layout, win, kk, col)));
                return Packed {
                    k,
                    n,
                    data: Cow::Borrowed(&[][..]),
                    tiles: Some((tiles.as_slice(), amx)),
                    w,
                    layout,
                    ld: win.ld,
                    off: win.off,
                };
            }
        }
        let data = match (simd, cache) {
            (Some(_), Some((cache, slot))) => Cow::Borrowed(
                cache.slots[slot]
                    .get_or_init(|| panels_of(w, k, n, layout, win))
                    .as_slice(),
            ),
            (Some(_), None) => Cow::Owned(panels_of(w, k, n, layout, win)),
            (None, _) => Cow::Borrowed(&[][..]),
        };
        Packed {
            k,
            n,
            data,
            tiles: None,
            w,
            layout,
            ld: win.ld,
            off: win.off,
        }
    }
}

/// The window `win` of `w` (`K x N` in `layout`) as `ceil(N / 32)` panels
/// of `K x 32` floats, zero padded.
fn panels_of(w: &[f32], k: usize, n: usize, layout: Layout, win: Window) -> Vec<f32> {
    let panels = n.div_ceil(NR);
    let mut data = vec![0f32; panels * k * NR];
    for p in 0..panels {
        let panel = &mut data[p * k * NR..(p + 1) * k * NR];
        for j in 0..NR.min(n - p * NR) {
            let col = p * NR + j;
            for kk in 0..k {
                panel[kk * NR + j] = element(w, layout, win, kk, col);
            }
        }
    }
    data
}

/// `B[kk][col]` of the window `win` of `w` in `layout`.
#[inline]
fn element(w: &[f32], layout: Layout, win: Window, kk: usize, col: usize) -> f32 {
    let Window { ld, off } = win;
    match layout {
        Layout::Transposed => w[col * ld + off + kk],
        Layout::Plain => w[kk * ld + off + col],
    }
}

/// Packed panels kept across calls, [`PanelCache::PARTS`] slots per weight
/// tensor (indexed like the parameter store; one per column block a layer
/// applies separately, see [`Window`]), filled on first use. Packing every
/// weight on every forward was a sixth of a one-cloud inference; an
/// inference network packs each once. A bf16 cache ([`PanelCache::bf16`])
/// holds AMX tiles instead, and every product through it runs in bf16.
#[derive(Debug, Clone, Default)]
pub(crate) struct PanelCache {
    slots: Vec<OnceLock<Vec<f32>>>,
    /// With `amx`: the bf16 tiles per slot.
    tiles: Vec<OnceLock<Vec<u16>>>,
    amx: Option<Amx>,
}

impl PanelCache {
    /// Column blocks per weight tensor (feature propagation's FP1 has
    /// three: coarse, stem features, input).
    pub(crate) const PARTS: usize = 3;

    /// A cache for a parameter store of `len` tensors, all slots empty.
    pub(crate) fn new(len: usize) -> PanelCache {
        PanelCache {
            slots: (0..len * Self::PARTS).map(|_| OnceLock::new()).collect(),
            tiles: Vec::new(),
            amx: None,
        }
    }

    /// A cache whose products run in bf16 on AMX tiles (inputs and weights
    /// rounded to bf16, sums in f32), except those with K below
    /// `amx::MIN_K`, which stay f32.
    pub(crate) fn bf16(len: usize, amx: Amx) -> PanelCache {
        PanelCache {
            slots: (0..len * Self::PARTS).map(|_| OnceLock::new()).collect(),
            tiles: (0..len * Self::PARTS).map(|_| OnceLock::new()).collect(),
            amx: Some(amx),
        }
    }

    /// Whether products through this cache run in bf16 (on AMX tiles).
    pub(crate) fn is_bf16(&self) -> bool {
        self.amx.is_some()
    }

    /// The slot of column block `part` of tensor `tensor`.
    ///
    /// # Panics
    ///
    /// If `part` is not below [`PanelCache::PARTS`].
    pub(crate) fn slot(tensor: usize, part: usize) -> usize {
        assert!(part < Self::PARTS, "PanelCache: column block {part}");
        tensor * Self::PARTS + part
    }
}

/// `c = init + a . B` for `a` with `c.len() / N` rows of K values.
///
/// With `simd` (which must be the token `packed` was made with) the AVX-512
/// kernel runs; otherwise matrixmultiply.
///
/// # Panics
///
/// If the sizes do not agree.
pub(crate) fn matmul(simd: Option<Avx512>, a: &[f32], packed: &Packed, init: Init, c: &mut [f32]) {
    let (k, n) = (packed.k, packed.n);
    if n == 0 {
        return;
    }
    let m = c.len() / n;
    assert!(
        c.len() == m * n && a.len() == m * k,
        "gemm::matmul: sizes do not match"
    );
    if let Init::Bias(b) = init {
        assert_eq!(b.len(), n, "gemm::matmul: bias size");
    }
    if let Some((tiles, _amx)) = packed.tiles {
        assert_eq!(tiles.len(), amx::packed_len(k, n), "gemm: bf16 tiles");
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        // SAFETY: an `Amx` token proves AMX and AVX-512F/BW are usable; the
        // sizes were checked above and `c` holds m * n initialised floats.
        unsafe {
            amx::matmul(a, m, k, tiles, n, init.bias(), c.as_mut_ptr())
        };
        return;
    }
    match simd {
        #[cfg(target_arch = "x86_64")]
        Some(_) => {
            assert_eq!(
                packed.data.len(),
                n.div_ceil(NR) * k * NR,
                "gemm: not packed"
            );
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F;
            // the sizes were checked above and `c` holds m * n floats.
            unsafe { avx512::matmul(a, m, k, packed, n, init, c.as_mut_ptr()) }
        }
        _ => matmul_fallback(a, m, packed, init, c),
    }
}

/// `c = bias + a . B` into uninitialised memory (every element is written;
/// nothing is read from `c`), so the output needs no fill first.
///
/// # Panics
///
/// If the sizes do not agree.
pub(crate) fn matmul_bias_uninit(
    simd: Option<Avx512>,
    a: &[f32],
    packed: &Packed,
    bias: &[f32],
    c: &mut [MaybeUninit<f32>],
) {
    let (k, n) = (packed.k, packed.n);
    if n == 0 {
        return;
    }
    let m = c.len() / n;
    assert!(
        c.len() == m * n && a.len() == m * k && bias.len() == n,
        "gemm::matmul_bias_uninit: sizes do not match"
    );
    if let Some((tiles, _amx)) = packed.tiles {
        assert_eq!(tiles.len(), amx::packed_len(k, n), "gemm: bf16 tiles");
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        // SAFETY: an `Amx` token proves AMX and AVX-512F/BW are usable; the
        // sizes were checked above, `c` holds m * n floats, and with a bias
        // the kernel only writes `c`.
        unsafe {
            amx::matmul(a, m, k, tiles, n, Some(bias), c.as_mut_ptr().cast::<f32>())
        };
        return;
    }
    match simd {
        #[cfg(target_arch = "x86_64")]
        Some(_) => {
            assert_eq!(
                packed.data.len(),
                n.div_ceil(NR) * k * NR,
                "gemm: not packed"
            );
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F;
            // the sizes were checked above, `c` holds m * n floats, and with
            // a bias the kernel only writes `c` (raw-pointer writes to
            // uninitialised memory are allowed).
            unsafe {
                avx512::matmul(
                    a,
                    m,
                    k,
                    packed,
                    n,
                    Init::Bias(bias),
                    c.as_mut_ptr().cast::<f32>(),
                )
            }
        }
        _ => {
            for row in c.chunks_exact_mut(n) {
                for (d, &b) in row.iter_mut().zip(bias) {
                    d.write(b);
                }
            }
            // SAFETY: every element was initialised just above, and
            // `MaybeUninit<f32>` has the layout of `f32`.
            let c: &mut [f32] = unsafe { &mut *(c as *mut [MaybeUninit<f32>] as *mut [f32]) };
            matmul_fallback(a, m, packed, Init::Accumulate, c);
        }
    }
}

/// matrixmultiply through ndarray.
fn matmul_fallback(a: &[f32], m: usize, packed: &Packed, init: Init, c: &mut [f32]) {
    let (k, n) = (packed.k, packed.n);
    let a = ArrayView2::from_shape((m, k), a).expect("M x K");
    let mut cv = ArrayViewMut2::from_shape((m, n), c).expect("M x N");
    if let Init::Bias(b) = init {
        for mut row in cv.rows_mut() {
            row.as_slice_mut().expect("row").copy_from_slice(b);
        }
    }
    let (ld, off) = (packed.ld, packed.off);
    match packed.layout {
        Layout::Transposed => {
            let w = ArrayView2::from_shape((n, ld), packed.w).expect("N x ld");
            let w = w.slice(s![.., off..off + k]);
            general_mat_mul(1.0, &a, &w.t(), 1.0, &mut cv);
        }
        Layout::Plain => {
            let w = ArrayView2::from_shape((k, ld), packed.w).expect("K x ld");
            let w = w.slice(s![.., off..off + n]);
            general_mat_mul(1.0, &a, &w, 1.0, &mut cv);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Init, Packed, MC, MR, NR};
    use std::arch::x86_64::*;

    /// The AVX-512 product.
    ///
    /// # Safety
    ///
    /// AVX-512F must be available; `a.len() == m * k`, `c` points to
    /// `m * n` writable floats (initialised when `init` is
    /// [`Init::Accumulate`]), `packed` holds `ceil(n / 32)` panels of
    /// `k * 32` floats and a bias has `n` values.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn matmul(
        a: &[f32],
        m: usize,
        k: usize,
        packed: &Packed,
        n: usize,
        init: Init,
        c: *mut f32,
    ) {
        let panels = n.div_ceil(NR);
        let mut r0 = 0;
        while r0 < m {
            let r1 = (r0 + MC).min(m);
            for p in 0..panels {
                let cols = NR.min(n - p * NR);
                let lo = cols.min(16);
                let hi = cols - lo;
                let masks = [((1u32 << lo) - 1) as u16, ((1u32 << hi) - 1) as u16];
                let panel = &packed.data[p * k * NR..(p + 1) * k * NR];
                let mut r = r0;
                while r < r1 {
                    let rows = MR.min(r1 - r);
                    let ap = &a[r * k..(r + rows) * k];
                    // SAFETY: r < m and p * 32 < n, so the offset is inside
                    // the m * n floats behind `c`.
                    let cp = unsafe { c.add(r * n + p * NR) };
                    let bias = match init {
                        Init::Bias(b) => Some(&b[p * NR..p * NR + cols]),
                        Init::Accumulate => None,
                    };
                    // SAFETY: AVX-512F is enabled in this function; the slice
                    // arguments are sized as `tile` states (rows of `a` with k
                    // values) and `cp` is column p*32 of row r: `rows` rows of
                    // stride n lie below it inside `c`, of which the `cols`
                    // masked columns are read (accumulate) and written.
                    unsafe {
                        match rows {
                            8 => tile::<8>(ap, k, panel, bias, masks, cp, n),
                            7 => tile::<7>(ap, k, panel, bias, masks, cp, n),
                            6 => tile::<6>(ap, k, panel, bias, masks, cp, n),
                            5 => tile::<5>(ap, k, panel, bias, masks, cp, n),
                            4 => tile::<4>(ap, k, panel, bias, masks, cp, n),
                            3 => tile::<3>(ap, k, panel, bias, masks, cp, n),
                            2 => tile::<2>(ap, k, panel, bias, masks, cp, n),
                            _ => tile::<1>(ap, k, panel, bias, masks, cp, n),
                        }
                    }
                    r += rows;
                }
            }
            r0 = r1;
        }
    }

    /// One `R x 32` tile: `c[r, j] = init + sum_kk a[r, kk] * panel[kk, j]`
    /// for the columns in `masks` (low 16, high 16).
    ///
    /// # Safety
    ///
    /// AVX-512F must be available. `a` holds `R * k` values, `panel`
    /// `k * 32`, `bias` (if any) the tile's masked columns, and `cp` points
    /// to R rows of stride `ldc` whose masked columns may be written (and
    /// are initialised when there is no bias: they are read then).
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize>(
        a: &[f32],
        k: usize,
        panel: &[f32],
        bias: Option<&[f32]>,
        masks: [u16; 2],
        cp: *mut f32,
        ldc: usize,
    ) {
        debug_assert!(a.len() == R * k && panel.len() == k * NR);
        let ap = a.as_ptr();
        let bp = panel.as_ptr();
        // SAFETY: the pointer offsets stay inside the slices per
        // this function's contract: a[r * k + kk] with r < R, kk < k;
        // panel[kk * 32 + 0..32]; masked loads/stores of c touch only the
        // columns in `masks` of rows r < R (stride ldc); the bias is read
        // with the same masks from its start.
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); 2]; R];
            match bias {
                Some(b) => {
                    let b0 = _mm512_maskz_loadu_ps(masks[0], b.as_ptr());
                    let b1 = _mm512_maskz_loadu_ps(masks[1], b.as_ptr().add(16));
                    for row in acc.iter_mut() {
                        *row = [b0, b1];
                    }
                }
                None => {
                    for (r, row) in acc.iter_mut().enumerate() {
                        let p = cp.add(r * ldc);
                        *row = [
                            _mm512_maskz_loadu_ps(masks[0], p),
                            _mm512_maskz_loadu_ps(masks[1], p.add(16)),
                        ];
                    }
                }
            }
            for kk in 0..k {
                let b0 = _mm512_loadu_ps(bp.add(kk * NR));
                let b1 = _mm512_loadu_ps(bp.add(kk * NR + 16));
                for (r, row) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*ap.add(r * k + kk));
                    row[0] = _mm512_fmadd_ps(av, b0, row[0]);
                    row[1] = _mm512_fmadd_ps(av, b1, row[1]);
                }
            }
            for (r, row) in acc.iter().enumerate() {
                let p = cp.add(r * ldc);
                _mm512_mask_storeu_ps(p, masks[0], row[0]);
                _mm512_mask_storeu_ps(p.add(16), masks[1], row[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The obviously correct product, in f64, with the sum of the terms'
    /// magnitudes (the scale of the rounding error).
    #[allow(clippy::too_many_arguments)]
    fn naive(
        a: &[f32],
        w: &[f32],
        m: usize,
        k: usize,
        n: usize,
        layout: Layout,
        bias: Option<&[f32]>,
        c0: &[f32],
    ) -> Vec<(f64, f64)> {
        let mut c = vec![(0f64, 0f64); m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = match bias {
                    Some(b) => b[j] as f64,
                    None => c0[i * n + j] as f64,
                };
                let mut mag = s.abs();
                for kk in 0..k {
                    let bv = match layout {
                        Layout::Transposed => w[j * k + kk],
                        Layout::Plain => w[kk * n + j],
                    };
                    let t = a[i * k + kk] as f64 * bv as f64;
                    s += t;
                    mag += t.abs();
                }
                c[i * n + j] = (s, mag);
            }
        }
        c
    }

    /// Within f32 rounding of a K-term sum (a term left out or counted
    /// twice is ~1/K of the magnitude, far above this).
    fn close(got: &[f32], want: &[(f64, f64)], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (&g, &(w, mag))) in got.iter().zip(want).enumerate() {
            let tol = 1e-5 * (1e-3 + mag);
            assert!(
                ((g as f64) - w).abs() <= tol,
                "{what}: element {i}: {g} vs {w}"
            );
        }
    }

    /// Every path this CPU supports (the AVX-512 kernel where present, the
    /// matrixmultiply fallback always) against the f64 triple loop, for the
    /// network's shapes and odd sizes around the 8 x 32 tiles, both layouts
    /// and both starting values; and the paths against each other.
    #[test]
    fn every_path_matches_the_triple_loop() {
        let mut rng = Rng::new(3);
        let shapes = [
            (1, 1, 1),
            (3, 5, 7),
            (9, 6, 32),
            (17, 33, 50),
            (65, 64, 31),
            (70, 118, 64),
            (130, 128, 33),
            (8, 512, 256),
            (7, 3, 65),
        ];
        let paths: Vec<Option<Avx512>> = match Avx512::detect() {
            Some(t) => vec![None, Some(t)],
            None => vec![None],
        };
        for &(m, k, n) in &shapes {
            for layout in [Layout::Transposed, Layout::Plain] {
                let a: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
                let w: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
                let bias: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
                let c0: Vec<f32> = (0..m * n).map(|_| rng.normal()).collect();
                let want_b = naive(&a, &w, m, k, n, layout, Some(&bias), &c0);
                let want_acc = naive(&a, &w, m, k, n, layout, None, &c0);
                let mut outs = Vec::new();
                for &simd in &paths {
                    let what = format!("{m}x{k}x{n} {layout:?} simd {}", simd.is_some());
                    let packed = Packed::new(simd, &w, k, n, layout);
                    let mut c = vec![f32::NAN; m * n];
                    matmul(simd, &a, &packed, Init::Bias(&bias), &mut c);
                    close(&c, &want_b, &format!("{what} bias"));
                    let mut u = vec![std::mem::MaybeUninit::<f32>::uninit(); m * n];
                    matmul_bias_uninit(simd, &a, &packed, &bias, &mut u);
                    // SAFETY: `matmul_bias_uninit` writes every element.
                    let u: Vec<f32> = u.iter().map(|v| unsafe { v.assume_init() }).collect();
                    assert_eq!(u, c, "{what}: uninit output");
                    let mut c2 = c0.clone();
                    matmul(simd, &a, &packed, Init::Accumulate, &mut c2);
                    close(&c2, &want_acc, &format!("{what} accumulate"));
                    outs.push(c);
                }
                if outs.len() == 2 {
                    let want: Vec<(f64, f64)> = outs[0]
                        .iter()
                        .zip(&want_b)
                        .map(|(&v, &(_, mag))| (v as f64, mag))
                        .collect();
                    close(
                        &outs[1],
                        &want,
                        &format!("{m}x{k}x{n}: AVX-512 vs fallback"),
                    );
                }
            }
        }
    }

    /// Panels from a [`PanelCache`] (first use packs, later uses borrow)
    /// give the same bits as panels packed for the call, on every path; a
    /// slot serves one weight only.
    #[test]
    fn cached_panels_give_the_same_bits_as_packing_per_call() {
        let mut rng = Rng::new(5);
        let (m, k, n) = (40, 37, 70);
        let a: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
        let w: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
        let w2: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
        let bias: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        for simd in [None, Avx512::detect()] {
            let cache = PanelCache::new(2);
            let mut want = vec![0f32; m * n];
            let fresh = Packed::new(simd, &w, k, n, Layout::Transposed);
            matmul(simd, &a, &fresh, Init::Bias(&bias), &mut want);
            for _ in 0..2 {
                let slot = Some((&cache, PanelCache::slot(1, 0)));
                let packed =
                    Packed::window(simd, slot, &w, Window::whole(k), k, n, Layout::Transposed);
                let mut got = vec![f32::NAN; m * n];
                matmul(simd, &a, &packed, Init::Bias(&bias), &mut got);
                assert_eq!(got, want, "simd {}", simd.is_some());
            }
            // Another weight in another slot is packed on its own.
            let mut want2 = vec![0f32; m * n];
            let fresh2 = Packed::new(simd, &w2, k, n, Layout::Transposed);
            matmul(simd, &a, &fresh2, Init::Bias(&bias), &mut want2);
            let slot2 = Some((&cache, PanelCache::slot(0, 2)));
            let packed2 =
                Packed::window(simd, slot2, &w2, Window::whole(k), k, n, Layout::Transposed);
            let mut got2 = vec![0f32; m * n];
            matmul(simd, &a, &packed2, Init::Bias(&bias), &mut got2);
            assert_eq!(got2, want2);
            assert_ne!(got2, want);
        }
    }

    /// A column window of a wider weight multiplies as a copy of those
    /// columns would, in both layouts, on every path the CPU has (the same
    /// bits: the window only changes where the panels are read from).
    #[test]
    fn a_column_window_is_the_product_with_its_columns() {
        let mut rng = Rng::new(9);
        let (m, rows, ld) = (19, 45, 70);
        let (off, width) = (23, 33);
        let w: Vec<f32> = (0..rows * ld).map(|_| rng.normal()).collect();
        let copy: Vec<f32> = (0..rows)
            .flat_map(|r| w[r * ld + off..r * ld + off + width].to_vec())
            .collect();
        let win = Window { ld, off };
        for simd in [None, Avx512::detect()] {
            // Transposed: B = w[.., off..]^T is width x rows (K x N).
            let a: Vec<f32> = (0..m * width).map(|_| rng.normal()).collect();
            let (mut got, mut want) = (vec![0.5f32; m * rows], vec![0.5f32; m * rows]);
            let packed = Packed::window(simd, None, &w, win, width, rows, Layout::Transposed);
            matmul(simd, &a, &packed, Init::Accumulate, &mut got);
            let whole = Packed::new(simd, &copy, width, rows, Layout::Transposed);
            matmul(simd, &a, &whole, Init::Accumulate, &mut want);
            assert_eq!(got, want, "transposed, simd {}", simd.is_some());
            let exact = naive(
                &a,
                &copy,
                m,
                width,
                rows,
                Layout::Transposed,
                None,
                &vec![0.5; m * rows],
            );
            for (g, (e, mag)) in got.iter().zip(&exact) {
                assert!(
                    (*g as f64 - e).abs() <= 1e-5 * mag.max(1.0),
                    "{g} against {e}"
                );
            }
            // Plain: B = w[.., off..] is rows x width (K x N).
            let a: Vec<f32> = (0..m * rows).map(|_| rng.normal()).collect();
            let (mut got, mut want) = (vec![0f32; m * width], vec![0f32; m * width]);
            let packed = Packed::window(simd, None, &w, win, rows, width, Layout::Plain);
            matmul(simd, &a, &packed, Init::Accumulate, &mut got);
            let whole = Packed::new(simd, &copy, rows, width, Layout::Plain);
            matmul(simd, &a, &whole, Init::Accumulate, &mut want);
            assert_eq!(got, want, "plain, simd {}", simd.is_some());
        }
    }

    /// The AVX-512 kernel gives the same bits for a row whatever rows come
    /// with it (tile and block position), so row chunking cannot change a
    /// result.
    #[test]
    fn avx512_rows_do_not_depend_on_the_batch() {
        let Some(simd) = Avx512::detect() else {
            eprintln!("no AVX-512 on this CPU: nothing to compare");
            return;
        };
        let mut rng = Rng::new(4);
        let (m, k, n) = (150, 70, 45);
        let a: Vec<f32> = (0..m * k).map(|_| rng.normal()).collect();
        let w: Vec<f32> = (0..k * n).map(|_| rng.normal()).collect();
        let bias: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        let packed = Packed::new(Some(simd), &w, k, n, Layout::Transposed);
        let mut whole = vec![0f32; m * n];
        matmul(Some(simd), &a, &packed, Init::Bias(&bias), &mut whole);
        for r0 in [0usize, 3, 64, 149] {
            for r1 in [r0 + 1, (r0 + 9).min(m), m] {
                let mut part = vec![0f32; (r1 - r0) * n];
                matmul(
                    Some(simd),
                    &a[r0 * k..r1 * k],
                    &packed,
                    Init::Bias(&bias),
                    &mut part,
                );
                assert_eq!(part, whole[r0 * n..r1 * n], "rows {r0}..{r1}");
            }
        }
    }
}
