//! The bottleneck's neighbourhood aggregation (the point-cloud analogue of
//! MobileNetV2's depthwise convolution): for centre i with neighbours
//! `j = nbr[i, k]`, k < K, and every channel c,
//!
//! `out[i, c] = max_k ( h[j, c] + sum_a (p_j[a] - q_i[a]) / r * pos_weight[a, c] )`
//!
//! where `h` is `[Nin, C]` (the expanded features of the input points),
//! `p` their positions, `q_i` the centre's position, r the ball radius and
//! `pos_weight` `[3, C]` a per-channel position term. The `[S, K, C]` grouped
//! tensor is never built: the term splits as `(h[j] + p_j W / r) - q_i W / r`,
//! so the layer computes `g = h + p W / r` once per input point and then takes
//! a gather-max over the neighbour rows of `g` for each centre.
//!
//! Backward: the max routes the gradient to the arg-max neighbour only:
//! `dh[argmax[i,c], c] += dout[i, c]`,
//! `dpos_weight[a, c] += dout[i, c] * (p_argmax[a] - q_i[a]) / r`.

use super::{Par, CHANNEL_CHUNK};
use crate::model::params::{Params, TensorId, TensorKind};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Ix2};
use rayon::prelude::*;

/// Centres per parallel work item in the forward.
pub(super) const CENTRE_CHUNK: usize = 32;

/// Gather + position term + max aggregation over K neighbours.
#[derive(Debug, Clone)]
pub struct NeighbourMax {
    /// `[3, C]` per-channel position weights.
    pub pos_weight: TensorId,
    /// Channels C.
    pub channels: usize,
    /// Radius r that scales the relative positions.
    pub radius: f32,
}

/// The neighbourhood of each centre, as row indices into the stacked input.
#[derive(Debug, Clone, Copy)]
pub struct Groups<'a> {
    /// Input point positions, Nin.
    pub pos: &'a [[f32; 3]],
    /// Centre positions, S.
    pub centres: &'a [[f32; 3]],
    /// Neighbour rows, `S * K` row-major.
    pub nbr: &'a [u32],
    /// K.
    pub k: usize,
}

impl NeighbourMax {
    /// Register `{name}.pos_weight` `[3, C]` (zeros).
    pub fn new(params: &mut Params, name: &str, channels: usize, radius: f32) -> Self {
        let pos_weight = params.add(
            &format!("{name}.pos_weight"),
            TensorKind::Param,
            Params::dyn_zeros(&[3, channels]),
        );
        NeighbourMax {
            pos_weight,
            channels,
            radius,
        }
    }

    /// Normal init with std `sqrt(2 / 3)` (fan-in 3).
    pub fn init(&self, params: &mut Params, rng: &mut Rng) {
        let std = (2.0f32 / 3.0).sqrt();
        params
            .get_mut(self.pos_weight)
            .mapv_inplace(|_| rng.normal() * std);
    }

    /// The rows of `pos_weight` divided by the radius: `W / r`, per axis.
    pub(super) fn scaled_pos_weight(&self, p: &Params) -> [Vec<f32>; 3] {
        let w = p.view2(self.pos_weight);
        let inv_r = 1.0 / self.radius;
        [0, 1, 2].map(|a| w.row(a).iter().map(|v| v * inv_r).collect())
    }

    /// `out[S, C]` from `h[Nin, C]`; when `argmax` is given it receives the
    /// arg-max row per `(centre, channel)`, `S * C` row-major (first maximum
    /// wins on ties).
    pub fn forward(
        &self,
        p: &Params,
        h: ArrayView2<f32>,
        groups: Groups,
        argmax: Option<&mut Vec<u32>>,
        par: Par,
    ) -> Array2<f32> {
        let c = self.channels;
        let [wx, wy, wz] = self.scaled_pos_weight(p);
        let wpos = [&wx[..], &wy[..], &wz[..]];
        // g = h + p W / r, once per input point.
        let h = h.as_standard_layout();
        let h = h.as_slice().expect("contiguous");
        let simd = kernels::Simd::detect();
        let mut g = vec![0f32; h.len()];
        for ((grow, hrow), pj) in g.chunks_exact_mut(c).zip(h.chunks_exact(c)).zip(groups.pos) {
            kernels::add_position(simd, grow, hrow, *pj, wpos, 1.0);
        }
        let s = groups.centres.len();
        let k = groups.k;
        let mut out = vec![0f32; s * c];
        let track = argmax.is_some();
        let mut arg = if track { vec![0u32; s * c] } else { Vec::new() };
        // Centres [i0, i0 + rows): out rows = max over neighbour rows of g,
        // minus q_i W / r. Each call writes only its own rows.
        let run = |i0: usize, o: &mut [f32], a: &mut [u32]| {
            for (t, orow) in o.chunks_exact_mut(c).enumerate() {
                let i = i0 + t;
                let nb = &groups.nbr[i * k..(i + 1) * k];
                if track {
                    kernels::gather_argmax(simd, &g, c, nb, orow, &mut a[t * c..(t + 1) * c]);
                } else {
                    kernels::gather_max(simd, &g, c, nb, orow);
                }
                kernels::add_position_inplace(orow, groups.centres[i], wpos, -1.0);
            }
        };
        match par {
            Par::Rayon if s > CENTRE_CHUNK => {
                let arg_chunks: Vec<&mut [u32]> = if track {
                    arg.chunks_mut(CENTRE_CHUNK * c).collect()
                } else {
                    (0..s.div_ceil(CENTRE_CHUNK)).map(|_| &mut [][..]).collect()
                };
                out.par_chunks_mut(CENTRE_CHUNK * c)
                    .zip(arg_chunks)
                    .enumerate()
                    .for_each(|(ci, (o, a))| run(ci * CENTRE_CHUNK, o, a));
            }
            _ => run(0, &mut out, &mut arg),
        }
        if let Some(a) = argmax {
            *a = arg;
        }
        Array2::from_shape_vec((s, c), out).expect("S x C")
    }

    /// The inference form of the whole aggregation step, fused:
    /// `out[i, c] = ReLU6(scale[c] * (max_k g[j, c] - q_i W / r) + shift[c])`
    /// with `g = ReLU6(h) + p W / r` computed in place in `h` (consumed), so
    /// neither a copy of `h` nor a pre-filled output is made, and each output
    /// row gets its centre term, BatchNorm affine and ReLU6 while it is in
    /// registers. Gives the same bits as ReLU6, [`NeighbourMax::forward`],
    /// `BatchNorm1d::forward_eval` and ReLU6 run one after the other.
    pub fn forward_infer(
        &self,
        p: &Params,
        h: Array2<f32>,
        groups: Groups,
        affine: (&[f32], &[f32]),
        par: Par,
    ) -> Array2<f32> {
        self.forward_infer_on(kernels::Simd::detect(), p, h, groups, affine, par)
    }

    #[allow(clippy::too_many_arguments)]
    fn forward_infer_on(
        &self,
        simd: kernels::Simd,
        p: &Params,
        h: Array2<f32>,
        groups: Groups,
        affine: (&[f32], &[f32]),
        par: Par,
    ) -> Array2<f32> {
        let c = self.channels;
        let [wx, wy, wz] = self.scaled_pos_weight(p);
        let wpos = [&wx[..], &wy[..], &wz[..]];
        // `h` is owned: work in it (a copy only if it is not row-major).
        let mut g = if h.is_standard_layout() {
            h
        } else {
            h.as_standard_layout().into_owned()
        };
        assert!(
            g.ncols() == c && affine.0.len() == c && affine.1.len() == c,
            "NeighbourMax::forward_infer: channel counts do not match"
        );
        let gs = g.as_slice_mut().expect("standard layout");
        for (grow, pj) in gs.chunks_exact_mut(c).zip(groups.pos) {
            kernels::relu6_add_position(simd, grow, *pj, wpos);
        }
        let g = &*gs;
        let s = groups.centres.len();
        let k = groups.k;
        let row = |i: usize, orow: &mut [f32]| {
            let nb = &groups.nbr[i * k..(i + 1) * k];
            kernels::gather_max(simd, g, c, nb, orow);
            kernels::centre_bn_relu6(simd, orow, groups.centres[i], wpos, affine);
        };
        let out = match par {
            Par::Rayon if s > CENTRE_CHUNK => {
                let mut out = vec![0f32; s * c];
                out.par_chunks_mut(CENTRE_CHUNK * c)
                    .enumerate()
                    .for_each(|(ci, o)| {
                        for (t, orow) in o.chunks_exact_mut(c).enumerate() {
                            row(ci * CENTRE_CHUNK + t, orow);
                        }
                    });
                out
            }
            _ => {
                // Rows are made in one reused buffer and appended: the
                // output is never pre-filled.
                let mut out = Vec::with_capacity(s * c);
                let mut buf = vec![0f32; c];
                for i in 0..s {
                    row(i, &mut buf);
                    out.extend_from_slice(&buf);
                }
                out
            }
        };
        Array2::from_shape_vec((s, c), out).expect("S x C")
    }

    /// `dh[argmax[i,c], c] += dout[i,c]` and the position-weight gradient.
    /// `dout` is `[S, C]`, `dh` `[Nin, C]`, `argmax` from the forward.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        grads: &mut Params,
        groups: Groups,
        argmax: &[u32],
        dout: ArrayView2<f32>,
        dh: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let c = self.channels;
        let inv_r = 1.0 / self.radius;
        let s = groups.centres.len();
        let dout = dout.as_standard_layout();
        let dout = dout.as_slice().expect("contiguous");
        assert!(
            argmax.len() == s * c && dout.len() == s * c && dh.ncols() == c,
            "NeighbourMax::backward: shapes do not match"
        );
        let nin = dh.nrows();
        assert!(
            argmax
                .iter()
                .all(|&j| (j as usize) < nin.min(groups.pos.len())),
            "NeighbourMax::backward: arg-max row out of range"
        );
        let mut dh_std = dh;
        let dh_slice = dh_std
            .as_slice_mut()
            .expect("NeighbourMax::backward: dh must be contiguous");
        let dh_ptr = SendPtr(dh_slice.as_mut_ptr());
        let mut dw = grads
            .get_mut(self.pos_weight)
            .view_mut()
            .into_dimensionality::<Ix2>()
            .expect("2-D");
        // Task for channels [c0, c1): owns columns c0..c1 of dh and of dw,
        // visits the centres in order (the same sums for any thread count).
        let task = |c0: usize, c1: usize| -> [Vec<f32>; 3] {
            let w = c1 - c0;
            let mut acc = [vec![0f32; w], vec![0f32; w], vec![0f32; w]];
            let dhp = dh_ptr;
            for (i, q) in groups.centres.iter().enumerate() {
                let d = &dout[i * c + c0..i * c + c1];
                let am = &argmax[i * c + c0..i * c + c1];
                for t in 0..w {
                    let j = am[t] as usize;
                    // SAFETY: j < nin (checked above) and c0 + t < c, so the
                    // element is inside dh; tasks own disjoint column ranges,
                    // so no two threads touch the same element.
                    unsafe { *dhp.0.add(j * c + c0 + t) += d[t] };
                    let pj = groups.pos[j];
                    for a in 0..3 {
                        acc[a][t] += d[t] * (pj[a] - q[a]) * inv_r;
                    }
                }
            }
            acc
        };
        let chunks: Vec<(usize, usize)> = (0..c)
            .step_by(CHANNEL_CHUNK)
            .map(|c0| (c0, (c0 + CHANNEL_CHUNK).min(c)))
            .collect();
        let parts: Vec<[Vec<f32>; 3]> = match par {
            Par::Rayon if c > CHANNEL_CHUNK => {
                chunks.par_iter().map(|&(c0, c1)| task(c0, c1)).collect()
            }
            _ => chunks.iter().map(|&(c0, c1)| task(c0, c1)).collect(),
        };
        for (&(c0, _), part) in chunks.iter().zip(parts) {
            for (a, col) in part.iter().enumerate() {
                for (t, v) in col.iter().enumerate() {
                    dw[[a, c0 + t]] += v;
                }
            }
        }
    }
}

/// A raw pointer that may cross threads; used where tasks write provably
/// disjoint elements of one buffer (column ranges of a row-major matrix).
#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: only used for writes to disjoint elements, see the uses.
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}

/// The hot loops, compiled twice: for AVX2 (chosen at run time when the CPU
/// has it) and for the baseline target. Channel loops run over fixed blocks
/// of 32 floats so the running maxima stay in registers across neighbours.
/// Every operation rounds as in the portable code (multiplies and adds stay
/// separate: Rust never contracts them into FMAs), so both builds give the
/// same bits; the tests below check that.
mod kernels {
    use crate::geometry::simd::{Avx2, Avx2Fma, Avx512};

    const B: usize = 32;

    /// Which builds of the kernels to run: the SIMD ones whose CPU features
    /// are present (tokens), the portable ones for `None`.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Simd {
        /// For [`gather_argmax`].
        pub(super) avx2: Option<Avx2>,
        /// For [`gather_max`] and [`add_position`].
        pub(super) avx2_fma: Option<Avx2Fma>,
        /// For [`gather_max`] and the fused inference steps.
        pub(super) avx512: Option<Avx512>,
    }

    impl Simd {
        /// The portable kernels only.
        #[cfg(test)]
        pub(super) const PORTABLE: Simd = Simd {
            avx2: None,
            avx2_fma: None,
            avx512: None,
        };

        /// Everything this CPU supports.
        pub(super) fn detect() -> Simd {
            Simd {
                avx2: Avx2::detect(),
                avx2_fma: Avx2Fma::detect(),
                avx512: Avx512::detect(),
            }
        }
    }

    #[inline(always)]
    fn add_position_body(out: &mut [f32], base: &[f32], p: [f32; 3], w: [&[f32]; 3], sign: f32) {
        let (px, py, pz) = (p[0] * sign, p[1] * sign, p[2] * sign);
        for ((((o, &b), &x), &y), &z) in out.iter_mut().zip(base).zip(w[0]).zip(w[1]).zip(w[2]) {
            *o = b + px * x + py * y + pz * z;
        }
    }

    #[inline(always)]
    fn gather_max_body(g: &[f32], c: usize, nb: &[u32], out: &mut [f32]) {
        let mut c0 = 0;
        while c0 + B <= c {
            let j0 = nb[0] as usize * c + c0;
            let mut acc: [f32; B] = g[j0..j0 + B].try_into().expect("block");
            for &j in &nb[1..] {
                let r = j as usize * c + c0;
                let row: &[f32; B] = g[r..r + B].try_into().expect("block");
                for t in 0..B {
                    acc[t] = if row[t] > acc[t] { row[t] } else { acc[t] };
                }
            }
            out[c0..c0 + B].copy_from_slice(&acc);
            c0 += B;
        }
        for ch in c0..c {
            let mut m = g[nb[0] as usize * c + ch];
            for &j in &nb[1..] {
                let v = g[j as usize * c + ch];
                m = if v > m { v } else { m };
            }
            out[ch] = m;
        }
    }

    #[inline(always)]
    fn gather_argmax_body(g: &[f32], c: usize, nb: &[u32], out: &mut [f32], arg: &mut [u32]) {
        let mut c0 = 0;
        while c0 + B <= c {
            let j0 = nb[0];
            let r0 = j0 as usize * c + c0;
            let mut acc: [f32; B] = g[r0..r0 + B].try_into().expect("block");
            let mut am = [j0; B];
            for &j in &nb[1..] {
                let r = j as usize * c + c0;
                let row: &[f32; B] = g[r..r + B].try_into().expect("block");
                for t in 0..B {
                    let gt = row[t] > acc[t];
                    acc[t] = if gt { row[t] } else { acc[t] };
                    am[t] = if gt { j } else { am[t] };
                }
            }
            out[c0..c0 + B].copy_from_slice(&acc);
            arg[c0..c0 + B].copy_from_slice(&am);
            c0 += B;
        }
        tail_argmax(g, c, nb, c0, out, arg);
    }

    /// [`gather_max_body`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn gather_max_avx2(g: &[f32], c: usize, nb: &[u32], out: &mut [f32]) {
        gather_max_body(g, c, nb, out)
    }

    /// [`gather_max_body`] with AVX-512F, neighbour by neighbour: up to 256
    /// channels of running maxima stay in 16 zmm registers while each
    /// neighbour's row is read once, front to back (the block-by-block order
    /// of the body fetches every row in 32-float pieces at different times;
    /// as rows of a neighbourhood lie anywhere in the level, that order waited
    /// on the cache). `_mm512_max_ps(row, acc)` is `row > acc ? row : acc`,
    /// the body's comparison, so the bits are the same.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn gather_max_avx512(g: &[f32], c: usize, nb: &[u32], out: &mut [f32]) {
        assert!(out.len() >= c && !nb.is_empty(), "gather_max: sizes");
        assert!(
            nb.iter().all(|&j| (j as usize + 1) * c <= g.len()),
            "gather_max: neighbour out of range"
        );
        let mut c0 = 0;
        while c - c0 >= 256 {
            // SAFETY: every neighbour row holds channels c0..c0 + 256 (checked
            // above), as does `out`.
            unsafe { gather_max_zmm::<16>(g, c, c0, nb, out) };
            c0 += 256;
        }
        // SAFETY: as above, for the whole 16-float vectors left.
        unsafe {
            match (c - c0) / 16 {
                0 => {}
                1 => gather_max_zmm::<1>(g, c, c0, nb, out),
                2 => gather_max_zmm::<2>(g, c, c0, nb, out),
                3 => gather_max_zmm::<3>(g, c, c0, nb, out),
                4 => gather_max_zmm::<4>(g, c, c0, nb, out),
                5 => gather_max_zmm::<5>(g, c, c0, nb, out),
                6 => gather_max_zmm::<6>(g, c, c0, nb, out),
                7 => gather_max_zmm::<7>(g, c, c0, nb, out),
                8 => gather_max_zmm::<8>(g, c, c0, nb, out),
                9 => gather_max_zmm::<9>(g, c, c0, nb, out),
                10 => gather_max_zmm::<10>(g, c, c0, nb, out),
                11 => gather_max_zmm::<11>(g, c, c0, nb, out),
                12 => gather_max_zmm::<12>(g, c, c0, nb, out),
                13 => gather_max_zmm::<13>(g, c, c0, nb, out),
                14 => gather_max_zmm::<14>(g, c, c0, nb, out),
                _ => gather_max_zmm::<15>(g, c, c0, nb, out),
            }
        }
        c0 += (c - c0) / 16 * 16;
        for ch in c0..c {
            let mut m = g[nb[0] as usize * c + ch];
            for &j in &nb[1..] {
                let v = g[j as usize * c + ch];
                m = if v > m { v } else { m };
            }
            out[ch] = m;
        }
    }

    /// Channels `c0..c0 + 16 V` of [`gather_max_avx512`] in `V` registers.
    ///
    /// # Safety
    ///
    /// AVX-512F available; `nb` not empty, and every neighbour's row of `g`
    /// (width `c`) and `out` hold channels `c0..c0 + 16 V`.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn gather_max_zmm<const V: usize>(
        g: &[f32],
        c: usize,
        c0: usize,
        nb: &[u32],
        out: &mut [f32],
    ) {
        use std::arch::x86_64::*;
        let gp = g.as_ptr();
        // SAFETY: per this function's contract, each row pointer plus
        // 16 V floats stays inside `g`, and `out` holds them too.
        unsafe {
            let first = gp.add(nb[0] as usize * c + c0);
            let mut acc = [_mm512_setzero_ps(); V];
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm512_loadu_ps(first.add(16 * v));
            }
            for &j in &nb[1..] {
                let row = gp.add(j as usize * c + c0);
                for (v, a) in acc.iter_mut().enumerate() {
                    *a = _mm512_max_ps(_mm512_loadu_ps(row.add(16 * v)), *a);
                }
            }
            for (v, a) in acc.iter().enumerate() {
                _mm512_storeu_ps(out.as_mut_ptr().add(c0 + 16 * v), *a);
            }
        }
    }

    /// Max over the neighbour rows `nb` of `g` (row width `c`), per channel.
    pub(super) fn gather_max(simd: Simd, g: &[f32], c: usize, nb: &[u32], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if simd.avx512.is_some() {
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F.
            return unsafe { gather_max_avx512(g, c, nb, out) };
        }
        match simd.avx2_fma {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx2Fma` token proves the CPU supports AVX2 and
            // FMA, the only requirement of `gather_max_avx2`.
            Some(_) => unsafe { gather_max_avx2(g, c, nb, out) },
            _ => gather_max_body(g, c, nb, out),
        }
    }

    /// Max and first arg-max over the neighbour rows `nb` of `g` (row width
    /// `c`), per channel; AVX2 blends when `simd` has AVX2.
    pub(super) fn gather_argmax(
        simd: Simd,
        g: &[f32],
        c: usize,
        nb: &[u32],
        out: &mut [f32],
        arg: &mut [u32],
    ) {
        match simd.avx2 {
            #[cfg(target_arch = "x86_64")]
            Some(_) => {
                // SAFETY: an `Avx2` token proves the CPU supports AVX2, the
                // only requirement of `gather_argmax_blend`.
                let done = unsafe { gather_argmax_blend(g, c, nb, out, arg) };
                tail_argmax(g, c, nb, done, out, arg);
            }
            _ => gather_argmax_body(g, c, nb, out, arg),
        }
    }

    /// Scalar arg-max of channels `c0..c`.
    fn tail_argmax(g: &[f32], c: usize, nb: &[u32], c0: usize, out: &mut [f32], arg: &mut [u32]) {
        for ch in c0..c {
            let mut m = g[nb[0] as usize * c + ch];
            let mut a = nb[0];
            for &j in &nb[1..] {
                let v = g[j as usize * c + ch];
                if v > m {
                    m = v;
                    a = j;
                }
            }
            out[ch] = m;
            arg[ch] = a;
        }
    }

    /// Channels in blocks of 32 (four independent compare/blend chains, so
    /// the loop is not latency bound); returns the first channel not done.
    /// Strict `>` keeps the first maximum, as the scalar code.
    ///
    /// # Panics
    ///
    /// If a neighbour row is outside `g`, `nb` is empty, or `out` or `arg`
    /// holds fewer than `c` values.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn gather_argmax_blend(
        g: &[f32],
        c: usize,
        nb: &[u32],
        out: &mut [f32],
        arg: &mut [u32],
    ) -> usize {
        use std::arch::x86_64::*;
        const W: usize = 32;
        // Every row read below must lie inside `g` (checked once here; the
        // intrinsics then read without bounds checks).
        let rows = g.len() / c.max(1);
        assert!(
            out.len() >= c && arg.len() >= c && nb.iter().all(|&j| (j as usize) < rows),
            "gather_argmax: neighbour row out of range"
        );
        let gp = g.as_ptr();
        let mut c0 = 0;
        while c0 + W <= c {
            let j0 = nb[0];
            let j0v = _mm256_castsi256_ps(_mm256_set1_epi32(j0 as i32));
            // SAFETY: this covers all pointer arithmetic, loads and stores
            // below. Every row index `j` in `nb` is < `rows` (asserted
            // above), so `j * c + c0 + W <= rows * c <= g.len()` with
            // `c0 + W <= c`: the 32 floats read from `j * c + c0` lie inside
            // `g`; the 32 stored at `c0` lie inside `out[..c]` and `arg[..c]`.
            unsafe {
                let p0 = gp.add(j0 as usize * c + c0);
                let mut a = [
                    _mm256_loadu_ps(p0),
                    _mm256_loadu_ps(p0.add(8)),
                    _mm256_loadu_ps(p0.add(16)),
                    _mm256_loadu_ps(p0.add(24)),
                ];
                let mut m = [j0v; 4];
                for &j in &nb[1..] {
                    let p = gp.add(j as usize * c + c0);
                    let jv = _mm256_castsi256_ps(_mm256_set1_epi32(j as i32));
                    for t in 0..4 {
                        let r = _mm256_loadu_ps(p.add(8 * t));
                        let gt = _mm256_cmp_ps::<_CMP_GT_OQ>(r, a[t]);
                        a[t] = _mm256_blendv_ps(a[t], r, gt);
                        m[t] = _mm256_blendv_ps(m[t], jv, gt);
                    }
                }
                let op = out.as_mut_ptr().add(c0);
                let ap = arg.as_mut_ptr().add(c0) as *mut f32;
                for t in 0..4 {
                    _mm256_storeu_ps(op.add(8 * t), a[t]);
                    _mm256_storeu_ps(ap.add(8 * t), m[t]);
                }
            }
            c0 += W;
        }
        c0
    }

    /// [`add_position_body`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn add_position_avx2(out: &mut [f32], base: &[f32], p: [f32; 3], w: [&[f32]; 3], sign: f32) {
        add_position_body(out, base, p, w, sign)
    }

    /// `out = base + sign * p . w`, per channel.
    pub(super) fn add_position(
        simd: Simd,
        out: &mut [f32],
        base: &[f32],
        p: [f32; 3],
        w: [&[f32]; 3],
        sign: f32,
    ) {
        match simd.avx2_fma {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx2Fma` token proves the CPU supports AVX2 and
            // FMA, the only requirement of `add_position_avx2`.
            Some(_) => unsafe { add_position_avx2(out, base, p, w, sign) },
            _ => add_position_body(out, base, p, w, sign),
        }
    }

    #[inline(always)]
    fn relu6_add_position_body(row: &mut [f32], p: [f32; 3], w: [&[f32]; 3]) {
        let (px, py, pz) = (p[0], p[1], p[2]);
        for (((o, &x), &y), &z) in row.iter_mut().zip(w[0]).zip(w[1]).zip(w[2]) {
            let b = o.clamp(0.0, 6.0);
            *o = b + px * x + py * y + pz * z;
        }
    }

    #[inline(always)]
    fn centre_bn_relu6_body(row: &mut [f32], q: [f32; 3], w: [&[f32]; 3], st: (&[f32], &[f32])) {
        let (px, py, pz) = (-q[0], -q[1], -q[2]);
        for (((((o, &x), &y), &z), &sc), &sh) in row
            .iter_mut()
            .zip(w[0])
            .zip(w[1])
            .zip(w[2])
            .zip(st.0)
            .zip(st.1)
        {
            let v = *o + (px * x + py * y + pz * z);
            *o = (v * sc + sh).clamp(0.0, 6.0);
        }
    }

    /// [`relu6_add_position_body`] compiled for AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn relu6_add_position_avx512(row: &mut [f32], p: [f32; 3], w: [&[f32]; 3]) {
        relu6_add_position_body(row, p, w)
    }

    /// [`centre_bn_relu6_body`] compiled for AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn centre_bn_relu6_avx512(row: &mut [f32], q: [f32; 3], w: [&[f32]; 3], st: (&[f32], &[f32])) {
        centre_bn_relu6_body(row, q, w, st)
    }

    /// `row = ReLU6(row) + p . w` in place (the same bits as ReLU6, then
    /// [`add_position`] with sign 1).
    pub(super) fn relu6_add_position(simd: Simd, row: &mut [f32], p: [f32; 3], w: [&[f32]; 3]) {
        match simd.avx512 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F.
            Some(_) => unsafe { relu6_add_position_avx512(row, p, w) },
            _ => relu6_add_position_body(row, p, w),
        }
    }

    /// `row = ReLU6(scale * (row - q . w) + shift)` in place (the same bits
    /// as [`add_position_inplace`] with sign -1, the BN affine, ReLU6).
    pub(super) fn centre_bn_relu6(
        simd: Simd,
        row: &mut [f32],
        q: [f32; 3],
        w: [&[f32]; 3],
        st: (&[f32], &[f32]),
    ) {
        match simd.avx512 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F.
            Some(_) => unsafe { centre_bn_relu6_avx512(row, q, w, st) },
            _ => centre_bn_relu6_body(row, q, w, st),
        }
    }

    /// `row = row + sign * p . w` in place.
    pub(super) fn add_position_inplace(row: &mut [f32], p: [f32; 3], w: [&[f32]; 3], sign: f32) {
        let (px, py, pz) = (p[0] * sign, p[1] * sign, p[2] * sign);
        for (((o, &x), &y), &z) in row.iter_mut().zip(w[0]).zip(w[1]).zip(w[2]) {
            *o += px * x + py * y + pz * z;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kernels::{self, Simd};
    use crate::rng::Rng;

    /// Random features with ties (quantised values), infinities and a
    /// neighbour list with repeats, as ball query pads them.
    fn case(rng: &mut Rng, rows: usize, c: usize, k: usize) -> (Vec<f32>, Vec<u32>) {
        let g: Vec<f32> = (0..rows * c)
            .map(|i| match i % 97 {
                0 => f32::NEG_INFINITY,
                1 => f32::INFINITY,
                _ => (rng.normal() * 4.0).round() / 4.0,
            })
            .collect();
        let mut nb: Vec<u32> = (0..k).map(|_| rng.below(rows) as u32).collect();
        if k > 2 {
            nb[k - 1] = nb[0];
        }
        (g, nb)
    }

    /// The SIMD builds (where the CPU has them) and the portable ones give
    /// the same bits, for channel counts around the 32-float blocks.
    #[test]
    fn simd_kernels_equal_portable() {
        let simd = Simd::detect();
        let portable = Simd::PORTABLE;
        let mut rng = Rng::new(17);
        for c in [
            1usize, 7, 31, 32, 33, 64, 95, 128, 192, 200, 256, 300, 384, 527,
        ] {
            for k in [1usize, 2, 3, 16, 33] {
                let rows = 50;
                let (g, nb) = case(&mut rng, rows, c, k);
                let (mut a, mut b) = (vec![0f32; c], vec![1f32; c]);
                kernels::gather_max(simd, &g, c, &nb, &mut a);
                kernels::gather_max(portable, &g, c, &nb, &mut b);
                assert_eq!(a, b, "gather_max c {c} k {k}");
                let (mut ai, mut bi) = (vec![0u32; c], vec![1u32; c]);
                kernels::gather_argmax(simd, &g, c, &nb, &mut a, &mut ai);
                kernels::gather_argmax(portable, &g, c, &nb, &mut b, &mut bi);
                assert_eq!(a, b, "gather_argmax max c {c} k {k}");
                assert_eq!(ai, bi, "gather_argmax arg c {c} k {k}");
                let w: Vec<Vec<f32>> = (0..3)
                    .map(|_| (0..c).map(|_| rng.normal()).collect())
                    .collect();
                let w = [&w[0][..], &w[1][..], &w[2][..]];
                let p = [rng.normal(), rng.normal(), rng.normal()];
                for sign in [1.0, -1.0] {
                    kernels::add_position(simd, &mut a, &g[..c], p, w, sign);
                    kernels::add_position(portable, &mut b, &g[..c], p, w, sign);
                    assert_eq!(
                        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "add_position c {c}"
                    );
                }
            }
        }
    }

    /// The fused inference step equals ReLU6, the unfused forward, the BN
    /// affine and ReLU6 one after the other, bit for bit, on every kernel
    /// path this CPU has (and the portable one).
    #[test]
    fn fused_inference_equals_the_unfused_steps() {
        use super::test_case::random_case;
        use crate::model::layers::{Par, Relu6};
        use ndarray::Array2;
        let mut rng = Rng::new(23);
        for (c, nin, s, k) in [
            (128usize, 300usize, 70usize, 32usize),
            (33, 40, 9, 5),
            (512, 129, 1, 129),
        ] {
            let case = random_case(&mut rng, c, nin, s, k);
            let (p, agg, h, groups) = (&case.params, &case.agg, &case.h, case.groups());
            let (scale, shift) = (&case.scale, &case.shift);
            let mut e = h.clone();
            Relu6.forward(e.view_mut());
            let mut want = agg.forward(p, e.view(), groups, None, Par::Serial);
            for mut row in want.rows_mut() {
                for ((v, &sc), &sh) in row.iter_mut().zip(scale).zip(shift) {
                    *v = *v * sc + sh;
                }
            }
            Relu6.forward(want.view_mut());
            let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            for simd in [Simd::PORTABLE, Simd::detect()] {
                let par = if c == 128 { Par::Rayon } else { Par::Serial };
                let got = agg.forward_infer_on(simd, p, h.clone(), groups, (scale, shift), par);
                assert_eq!(bits(&got), bits(&want), "c {c} k {k} simd {simd:?}");
            }
        }
    }
}

/// A random aggregation case shared by the tests of the f32 and key forms.
#[cfg(test)]
pub(super) mod test_case {
    use super::{Groups, NeighbourMax};
    use crate::model::params::Params;
    use crate::rng::Rng;
    use ndarray::Array2;

    /// A layer of `c` channels with random position weights, `nin` input
    /// rows (with repeated values 7.5 and -1 among the normals), `s`
    /// centres of `k` random neighbours (the last repeating the first, as
    /// ball query pads) and a random BN affine.
    pub(in crate::model::layers) struct Case {
        pub params: Params,
        pub agg: NeighbourMax,
        pub h: Array2<f32>,
        pub pos: Vec<[f32; 3]>,
        pub centres: Vec<[f32; 3]>,
        pub nbr: Vec<u32>,
        pub k: usize,
        pub scale: Vec<f32>,
        pub shift: Vec<f32>,
    }

    impl Case {
        /// The neighbourhoods as the layer takes them.
        pub fn groups(&self) -> Groups<'_> {
            Groups {
                pos: &self.pos,
                centres: &self.centres,
                nbr: &self.nbr,
                k: self.k,
            }
        }
    }

    /// See [`Case`].
    pub(in crate::model::layers) fn random_case(
        rng: &mut Rng,
        c: usize,
        nin: usize,
        s: usize,
        k: usize,
    ) -> Case {
        let mut params = Params::new();
        let agg = NeighbourMax::new(&mut params, "agg", c, 0.3);
        agg.init(&mut params, rng);
        let h = Array2::from_shape_fn((nin, c), |(i, j)| match (i * c + j) % 53 {
            0 => 7.5,
            1 => -1.0,
            _ => rng.normal() * 3.0,
        });
        let mut point = || [rng.normal(), rng.normal(), rng.normal()];
        let pos: Vec<[f32; 3]> = (0..nin).map(|_| point()).collect();
        let centres: Vec<[f32; 3]> = (0..s).map(|_| point()).collect();
        let mut nbr: Vec<u32> = (0..s * k).map(|_| rng.below(nin) as u32).collect();
        nbr[k - 1] = nbr[0];
        let scale: Vec<f32> = (0..c).map(|_| rng.normal()).collect();
        let shift: Vec<f32> = (0..c).map(|_| rng.normal()).collect();
        Case {
            params,
            agg,
            h,
            pos,
            centres,
            nbr,
            k,
            scale,
            shift,
        }
    }
}
