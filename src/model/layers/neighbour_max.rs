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
const CENTRE_CHUNK: usize = 32;

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
        let w = p.view2(self.pos_weight);
        let inv_r = 1.0 / self.radius;
        let wx: Vec<f32> = w.row(0).iter().map(|v| v * inv_r).collect();
        let wy: Vec<f32> = w.row(1).iter().map(|v| v * inv_r).collect();
        let wz: Vec<f32> = w.row(2).iter().map(|v| v * inv_r).collect();
        let wpos = [&wx[..], &wy[..], &wz[..]];
        // g = h + p W / r, once per input point.
        let h = h.as_standard_layout();
        let h = h.as_slice().expect("contiguous");
        let mut g = vec![0f32; h.len()];
        for ((grow, hrow), pj) in g.chunks_exact_mut(c).zip(h.chunks_exact(c)).zip(groups.pos) {
            kernels::add_position(grow, hrow, *pj, wpos, 1.0);
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
                    kernels::gather_argmax(&g, c, nb, orow, &mut a[t * c..(t + 1) * c]);
                } else {
                    kernels::gather_max(&g, c, nb, orow);
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
mod kernels {
    const B: usize = 32;

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

    macro_rules! dispatch {
        ($name:ident, $body:ident, $avx:ident, ($($arg:ident: $ty:ty),*)) => {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn $avx($($arg: $ty),*) {
                $body($($arg),*)
            }

            pub(super) fn $name($($arg: $ty),*) {
                #[cfg(target_arch = "x86_64")]
                {
                    if std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                    {
                        // SAFETY: the CPU supports the features $avx was compiled for.
                        return unsafe { $avx($($arg),*) };
                    }
                }
                $body($($arg),*)
            }
        };
    }

    dispatch!(gather_max, gather_max_body, gather_max_avx2, (g: &[f32], c: usize, nb: &[u32], out: &mut [f32]));
    /// Max and first arg-max over the neighbour rows `nb` of `g` (row width
    /// `c`), per channel; AVX2 blends when the CPU has them.
    pub(super) fn gather_argmax(g: &[f32], c: usize, nb: &[u32], out: &mut [f32], arg: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // Every row read below must lie inside `g` (checked once
                // here; the intrinsics then read without bounds checks).
                let rows = g.len() / c.max(1);
                assert!(
                    out.len() >= c && arg.len() >= c && nb.iter().all(|&j| (j as usize) < rows),
                    "gather_argmax: neighbour row out of range"
                );
                // SAFETY: AVX2 is available; every row index is < rows, so
                // each load `g[j * c + c0 .. j * c + c0 + 32]` with
                // c0 + 32 <= c stays in bounds, and the stores stay within
                // `out[..c]`, `arg[..c]`.
                let done = unsafe { gather_argmax_blend(g, c, nb, out, arg) };
                if done < c {
                    tail_argmax(g, c, nb, done, out, arg);
                }
                return;
            }
        }
        gather_argmax_body(g, c, nb, out, arg)
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
    /// # Safety
    ///
    /// AVX2 must be available, every `nb[k] < g.len() / c`, `nb` non-empty,
    /// `out.len() >= c`, `arg.len() >= c`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn gather_argmax_blend(
        g: &[f32],
        c: usize,
        nb: &[u32],
        out: &mut [f32],
        arg: &mut [u32],
    ) -> usize {
        use std::arch::x86_64::*;
        const W: usize = 32;
        let gp = g.as_ptr();
        let mut c0 = 0;
        while c0 + W <= c {
            let j0 = nb[0];
            let p0 = gp.add(j0 as usize * c + c0);
            let mut a = [
                _mm256_loadu_ps(p0),
                _mm256_loadu_ps(p0.add(8)),
                _mm256_loadu_ps(p0.add(16)),
                _mm256_loadu_ps(p0.add(24)),
            ];
            let j0v = _mm256_castsi256_ps(_mm256_set1_epi32(j0 as i32));
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
            c0 += W;
        }
        c0
    }
    dispatch!(
        add_position,
        add_position_body,
        add_position_avx2,
        (out: &mut [f32], base: &[f32], p: [f32; 3], w: [&[f32]; 3], sign: f32)
    );

    /// `row = row + sign * p . w` in place.
    pub(super) fn add_position_inplace(row: &mut [f32], p: [f32; 3], w: [&[f32]; 3], sign: f32) {
        let (px, py, pz) = (p[0] * sign, p[1] * sign, p[2] * sign);
        for (((o, &x), &y), &z) in row.iter_mut().zip(w[0]).zip(w[1]).zip(w[2]) {
            *o += px * x + py * y + pz * z;
        }
    }
}
