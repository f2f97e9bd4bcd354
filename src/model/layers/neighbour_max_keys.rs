//! The neighbourhood aggregation of a bf16 inference network
//! ([`crate::model::Precision::Bf16`]) on 16-bit keys.
//!
//! The f32 form ([`NeighbourMax::forward_infer`]) takes, per centre and
//! channel, the max over neighbours of `g = ReLU6(h) + p W / r`; that
//! gather reads K rows of `g` per centre and is bound by the cache's
//! bandwidth. Here each value of `g` is rounded to bfloat16 (nearest, ties
//! to even, as the AMX products round their inputs) and stored as an
//! *ordered key*: a 16-bit integer whose signed order is the order of the
//! values (the bf16 bits for a positive value; for a negative one the bits
//! with the 15 magnitude bits flipped). The gather then reads half the bytes
//! and takes one integer max per 32 channels (`vpmaxsw`).
//!
//! Rounding is monotone, so the max of the rounded values is the rounded
//! max: the result is exactly `ReLU6(scale * (bf16(max_k g) - q W / r) +
//! shift)`, the f32 form with its maximum rounded to bfloat16 before the
//! centre term. The next layer (the projection) rounds its inputs to bf16
//! anyway.

use super::neighbour_max::{Groups, NeighbourMax, CENTRE_CHUNK};
use super::Par;
use crate::model::params::Params;
use ndarray::Array2;
use rayon::prelude::*;
use std::mem::MaybeUninit;

impl NeighbourMax {
    /// [`NeighbourMax::forward_infer`] for a bf16 network: the neighbour max
    /// taken on bfloat16-rounded values (see the module documentation), the
    /// rest in f32. `h` is `[Nin, C]`, as the expansion wrote it.
    pub fn forward_infer_bf16(
        &self,
        p: &Params,
        h: Array2<f32>,
        groups: Groups,
        affine: (&[f32], &[f32]),
        par: Par,
    ) -> Array2<f32> {
        self.forward_infer_bf16_on(kernels::Simd::detect(), p, h, groups, affine, par)
    }

    #[allow(clippy::too_many_arguments)]
    fn forward_infer_bf16_on(
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
        assert!(
            h.ncols() == c && affine.0.len() == c && affine.1.len() == c,
            "NeighbourMax::forward_infer_bf16: channel counts do not match"
        );
        let h = h.as_standard_layout();
        let hs = h.as_slice().expect("standard layout");
        // Every key and output value is written once, straight into
        // uninitialised memory (no zero fill).
        let mut keys: Vec<i16> = Vec::with_capacity(hs.len());
        for ((krow, hrow), pj) in keys.spare_capacity_mut()[..hs.len()]
            .chunks_exact_mut(c)
            .zip(hs.chunks_exact(c))
            .zip(groups.pos)
        {
            kernels::relu6_add_position_keys(simd, hrow, *pj, wpos, krow);
        }
        let rows = hs.len() / c;
        assert!(
            groups.pos.len() >= rows,
            "NeighbourMax::forward_infer_bf16: fewer positions than rows"
        );
        // SAFETY: the loop above wrote all `rows * c` keys.
        unsafe { keys.set_len(rows * c) };
        let keys = &keys[..];
        let s = groups.centres.len();
        let k = groups.k;
        let row = |i: usize, kbuf: &mut [i16], orow: &mut [MaybeUninit<f32>]| {
            let nb = &groups.nbr[i * k..(i + 1) * k];
            kernels::gather_max_keys(simd, keys, c, nb, kbuf);
            kernels::keys_centre_bn_relu6(simd, kbuf, groups.centres[i], wpos, affine, orow);
        };
        let mut out: Vec<f32> = Vec::with_capacity(s * c);
        let spare = &mut out.spare_capacity_mut()[..s * c];
        match par {
            Par::Rayon if s > CENTRE_CHUNK => {
                spare
                    .par_chunks_mut(CENTRE_CHUNK * c)
                    .enumerate()
                    .for_each(|(ci, o)| {
                        let mut kbuf = vec![0i16; c];
                        for (t, orow) in o.chunks_exact_mut(c).enumerate() {
                            row(ci * CENTRE_CHUNK + t, &mut kbuf, orow);
                        }
                    });
            }
            _ => {
                let mut kbuf = vec![0i16; c];
                for (i, orow) in spare.chunks_exact_mut(c).enumerate() {
                    row(i, &mut kbuf, orow);
                }
            }
        }
        // SAFETY: every centre's row of `c` values was written above.
        unsafe { out.set_len(s * c) };
        Array2::from_shape_vec((s, c), out).expect("S x C")
    }
}

/// The key kernels: portable bodies, the AVX-512 builds chosen at run time.
mod kernels {
    use crate::geometry::simd::Avx512Bw;
    use std::mem::MaybeUninit;

    /// Which builds to run: AVX-512BW where the CPU has it (token), else
    /// the portable bodies.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Simd {
        pub(super) avx512bw: Option<Avx512Bw>,
    }

    impl Simd {
        /// The portable kernels only.
        #[cfg(test)]
        pub(super) const PORTABLE: Simd = Simd { avx512bw: None };

        /// Everything this CPU supports.
        pub(super) fn detect() -> Simd {
            Simd {
                avx512bw: Avx512Bw::detect(),
            }
        }
    }

    /// The ordered key of `v` rounded to bfloat16 (nearest, ties to even,
    /// by the integer rounding the AMX input conversion uses; the inputs are
    /// finite): signed order of keys is the order of the rounded values (-0
    /// sorts just below +0).
    #[inline(always)]
    pub(super) fn key(v: f32) -> i16 {
        let u = v.to_bits();
        let b = (u.wrapping_add(0x7fff + ((u >> 16) & 1)) >> 16) as u16;
        (b ^ ((((b as i16) >> 15) as u16) & 0x7fff)) as i16
    }

    /// The value of a key (the inverse of [`key`] on rounded values).
    #[inline(always)]
    pub(super) fn value(k: i16) -> f32 {
        let b = (k as u16) ^ (((k >> 15) as u16) & 0x7fff);
        f32::from_bits((b as u32) << 16)
    }

    #[inline(always)]
    fn relu6_add_position_keys_body(
        h: &[f32],
        p: [f32; 3],
        w: [&[f32]; 3],
        out: &mut [MaybeUninit<i16>],
    ) {
        assert!(out.len() == h.len(), "relu6_add_position_keys: sizes");
        let (px, py, pz) = (p[0], p[1], p[2]);
        for ((((o, &e), &x), &y), &z) in out.iter_mut().zip(h).zip(w[0]).zip(w[1]).zip(w[2]) {
            let b = e.clamp(0.0, 6.0);
            o.write(key(b + px * x + py * y + pz * z));
        }
    }

    #[inline(always)]
    fn gather_max_keys_body(g: &[i16], c: usize, nb: &[u32], out: &mut [i16]) {
        let r0 = nb[0] as usize * c;
        out[..c].copy_from_slice(&g[r0..r0 + c]);
        for &j in &nb[1..] {
            let r = j as usize * c;
            for (o, &v) in out[..c].iter_mut().zip(&g[r..r + c]) {
                *o = (*o).max(v);
            }
        }
    }

    #[inline(always)]
    fn keys_centre_bn_relu6_body(
        keys: &[i16],
        q: [f32; 3],
        w: [&[f32]; 3],
        st: (&[f32], &[f32]),
        out: &mut [MaybeUninit<f32>],
    ) {
        assert!(out.len() == keys.len(), "keys_centre_bn_relu6: sizes");
        let (px, py, pz) = (-q[0], -q[1], -q[2]);
        for ((((((o, &kv), &x), &y), &z), &sc), &sh) in out
            .iter_mut()
            .zip(keys)
            .zip(w[0])
            .zip(w[1])
            .zip(w[2])
            .zip(st.0)
            .zip(st.1)
        {
            let v = value(kv) + (px * x + py * y + pz * z);
            o.write((v * sc + sh).clamp(0.0, 6.0));
        }
    }

    /// [`relu6_add_position_keys_body`] in AVX-512 intrinsics, 16 channels
    /// at a time: the same operations in the same order (separate multiplies
    /// and adds), so the same keys.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn relu6_add_position_keys_avx512(
        h: &[f32],
        p: [f32; 3],
        w: [&[f32]; 3],
        out: &mut [MaybeUninit<i16>],
    ) {
        use std::arch::x86_64::*;
        let n = out.len();
        assert!(
            h.len() == n && w.iter().all(|r| r.len() >= n),
            "relu6_add_position_keys: sizes"
        );
        let (zero, six) = (_mm512_setzero_ps(), _mm512_set1_ps(6.0));
        let [px, py, pz] = p.map(|v| _mm512_set1_ps(v));
        let (one, half) = (_mm512_set1_epi32(1), _mm512_set1_epi32(0x7fff));
        let mut c = 0;
        while c < n {
            let len = (n - c).min(16);
            let mask = ((1u32 << len) - 1) as u16;
            // SAFETY: `len` values from `c` lie inside `h`, each row of `w`
            // and `out` (asserted above); the masked loads and store touch
            // only those.
            unsafe {
                let e = _mm512_maskz_loadu_ps(mask, h.as_ptr().add(c));
                // max(0, e) is `0 > e ? 0 : e` and min(6, b) `6 < b ? 6 : b`:
                // `clamp`'s results, -0 and NaN included.
                let b = _mm512_min_ps(six, _mm512_max_ps(zero, e));
                let x = _mm512_maskz_loadu_ps(mask, w[0].as_ptr().add(c));
                let y = _mm512_maskz_loadu_ps(mask, w[1].as_ptr().add(c));
                let z = _mm512_maskz_loadu_ps(mask, w[2].as_ptr().add(c));
                let v = _mm512_add_ps(
                    _mm512_add_ps(_mm512_add_ps(b, _mm512_mul_ps(px, x)), _mm512_mul_ps(py, y)),
                    _mm512_mul_ps(pz, z),
                );
                let u = _mm512_castps_si512(v);
                let lsb = _mm512_and_si512(_mm512_srli_epi32::<16>(u), one);
                let r = _mm512_srli_epi32::<16>(_mm512_add_epi32(u, _mm512_add_epi32(half, lsb)));
                // Flip the magnitude bits of negative values (bit 15 set).
                let neg = _mm512_srai_epi32::<31>(_mm512_slli_epi32::<16>(r));
                let k = _mm512_xor_si512(r, _mm512_and_si512(neg, half));
                _mm512_mask_cvtepi32_storeu_epi16(out.as_mut_ptr().add(c).cast(), mask, k);
            }
            c += len;
        }
    }

    /// [`keys_centre_bn_relu6_body`] compiled for AVX-512BW.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn keys_centre_bn_relu6_avx512(
        keys: &[i16],
        q: [f32; 3],
        w: [&[f32]; 3],
        st: (&[f32], &[f32]),
        out: &mut [MaybeUninit<f32>],
    ) {
        keys_centre_bn_relu6_body(keys, q, w, st, out)
    }

    /// [`gather_max_keys_body`] with AVX-512BW, neighbour by neighbour: up
    /// to 512 channels of running maxima (32 per register) stay in 16 zmm
    /// registers while each neighbour's row is read once.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn gather_max_keys_avx512(g: &[i16], c: usize, nb: &[u32], out: &mut [i16]) {
        assert!(out.len() >= c && !nb.is_empty(), "gather_max_keys: sizes");
        assert!(
            nb.iter().all(|&j| (j as usize + 1) * c <= g.len()),
            "gather_max_keys: neighbour out of range"
        );
        let mut c0 = 0;
        while c - c0 >= 512 {
            // SAFETY: every neighbour row holds channels c0..c0 + 512 (checked
            // above), as does `out`.
            unsafe { gather_keys_zmm::<16>(g, c, c0, nb, out) };
            c0 += 512;
        }
        // SAFETY: as above, for the whole 32-key vectors left.
        unsafe {
            match (c - c0) / 32 {
                0 => {}
                1 => gather_keys_zmm::<1>(g, c, c0, nb, out),
                2 => gather_keys_zmm::<2>(g, c, c0, nb, out),
                3 => gather_keys_zmm::<3>(g, c, c0, nb, out),
                4 => gather_keys_zmm::<4>(g, c, c0, nb, out),
                5 => gather_keys_zmm::<5>(g, c, c0, nb, out),
                6 => gather_keys_zmm::<6>(g, c, c0, nb, out),
                7 => gather_keys_zmm::<7>(g, c, c0, nb, out),
                8 => gather_keys_zmm::<8>(g, c, c0, nb, out),
                9 => gather_keys_zmm::<9>(g, c, c0, nb, out),
                10 => gather_keys_zmm::<10>(g, c, c0, nb, out),
                11 => gather_keys_zmm::<11>(g, c, c0, nb, out),
                12 => gather_keys_zmm::<12>(g, c, c0, nb, out),
                13 => gather_keys_zmm::<13>(g, c, c0, nb, out),
                14 => gather_keys_zmm::<14>(g, c, c0, nb, out),
                _ => gather_keys_zmm::<15>(g, c, c0, nb, out),
            }
        }
        c0 += (c - c0) / 32 * 32;
        for ch in c0..c {
            let mut m = g[nb[0] as usize * c + ch];
            for &j in &nb[1..] {
                m = m.max(g[j as usize * c + ch]);
            }
            out[ch] = m;
        }
    }

    /// Channels `c0..c0 + 32 V` of [`gather_max_keys_avx512`] in `V`
    /// registers.
    ///
    /// # Safety
    ///
    /// AVX-512F and BW available; `nb` not empty, and every neighbour's row
    /// of `g` (width `c`) and `out` hold channels `c0..c0 + 32 V`.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn gather_keys_zmm<const V: usize>(
        g: &[i16],
        c: usize,
        c0: usize,
        nb: &[u32],
        out: &mut [i16],
    ) {
        use std::arch::x86_64::*;
        let gp = g.as_ptr();
        // SAFETY: per this function's contract, each row pointer plus 32 V
        // keys stays inside `g`, and `out` holds them too.
        unsafe {
            let first = gp.add(nb[0] as usize * c + c0);
            let mut acc = [_mm512_setzero_si512(); V];
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm512_loadu_si512(first.add(32 * v).cast());
            }
            for &j in &nb[1..] {
                let row = gp.add(j as usize * c + c0);
                for (v, a) in acc.iter_mut().enumerate() {
                    *a = _mm512_max_epi16(_mm512_loadu_si512(row.add(32 * v).cast()), *a);
                }
            }
            for (v, a) in acc.iter().enumerate() {
                _mm512_storeu_si512(out.as_mut_ptr().add(c0 + 32 * v).cast(), *a);
            }
        }
    }

    /// `out = key(ReLU6(h) + p . w)` per channel (every element written).
    pub(super) fn relu6_add_position_keys(
        simd: Simd,
        h: &[f32],
        p: [f32; 3],
        w: [&[f32]; 3],
        out: &mut [MaybeUninit<i16>],
    ) {
        match simd.avx512bw {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512Bw` token proves the CPU supports AVX-512F and BW.
            Some(_) => unsafe { relu6_add_position_keys_avx512(h, p, w, out) },
            _ => relu6_add_position_keys_body(h, p, w, out),
        }
    }

    /// Max over the neighbour rows `nb` of the keys `g` (row width `c`),
    /// per channel.
    pub(super) fn gather_max_keys(simd: Simd, g: &[i16], c: usize, nb: &[u32], out: &mut [i16]) {
        match simd.avx512bw {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512Bw` token proves the CPU supports AVX-512F and BW.
            Some(_) => unsafe { gather_max_keys_avx512(g, c, nb, out) },
            _ => gather_max_keys_body(g, c, nb, out),
        }
    }

    /// `out = ReLU6(scale * (value(keys) - q . w) + shift)` per channel
    /// (every element written).
    pub(super) fn keys_centre_bn_relu6(
        simd: Simd,
        keys: &[i16],
        q: [f32; 3],
        w: [&[f32]; 3],
        st: (&[f32], &[f32]),
        out: &mut [MaybeUninit<f32>],
    ) {
        match simd.avx512bw {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx512Bw` token proves the CPU supports AVX-512F and BW.
            Some(_) => unsafe { keys_centre_bn_relu6_avx512(keys, q, w, st, out) },
            _ => keys_centre_bn_relu6_body(keys, q, w, st, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kernels::{self, key, value, Simd};
    use crate::model::amx::{from_bf16, to_bf16};
    use crate::model::layers::neighbour_max::test_case::random_case;
    use crate::model::layers::{Par, Relu6};
    use crate::rng::Rng;
    use std::mem::MaybeUninit;

    /// Keys sort as the bf16 values they stand for, and decode to them.
    #[test]
    fn keys_are_ordered_as_the_rounded_values() {
        let mut rng = Rng::new(5);
        let mut vals: Vec<f32> = vec![0.0, -0.0, 1.0, -1.0, 6.0, 1e-30, -1e-30, 3.0e38, -3.0e38];
        vals.extend((0..4000).map(|i| rng.normal() * [1e-3, 1.0, 1e3][i % 3]));
        vals.extend([f32::INFINITY, f32::NEG_INFINITY]);
        for &v in &vals {
            let r = from_bf16(to_bf16(v));
            assert_eq!(value(key(v)), r, "{v}");
        }
        for &a in &vals {
            let b = vals[(a.to_bits() % vals.len() as u32) as usize];
            let (ra, rb) = (from_bf16(to_bf16(a)), from_bf16(to_bf16(b)));
            if ra < rb {
                assert!(key(a) < key(b), "{a} {b}");
            } else if ra > rb {
                assert!(key(a) > key(b), "{a} {b}");
            }
        }
        assert!(key(-0.0) < key(0.0));
    }

    /// The key aggregation equals the f32 one with its maximum rounded to
    /// bf16 before the centre term, bit for bit, on every kernel path this
    /// CPU has (and the portable one), for channel counts around the
    /// 32-key vectors and the 512-key register block.
    #[test]
    fn key_aggregation_is_the_f32_max_rounded_to_bf16() {
        let mut rng = Rng::new(29);
        for (c, nin, s, k) in [
            (192usize, 300usize, 70usize, 32usize),
            (33, 40, 9, 5),
            (768, 129, 40, 64),
            (1000, 50, 3, 7),
            (1536, 129, 1, 129),
        ] {
            let case = random_case(&mut rng, c, nin, s, k);
            let (p, agg, h, groups) = (&case.params, &case.agg, &case.h, case.groups());
            let (pos, centres, nbr) = (&case.pos, &case.centres, &case.nbr);
            let (scale, shift) = (&case.scale, &case.shift);
            // The f32 steps with an identity affine give max_k g - q W / r;
            // rebuild max_k g by the same gather on the f32 path instead.
            let mut e = h.clone();
            Relu6.forward(e.view_mut());
            let [wx, wy, wz] = agg.scaled_pos_weight(p);
            let mut want = Vec::with_capacity(s * c);
            for i in 0..s {
                let nb = &nbr[i * k..(i + 1) * k];
                for ch in 0..c {
                    let g = |j: u32| {
                        let (pj, j) = (pos[j as usize], j as usize);
                        e[[j, ch]] + pj[0] * wx[ch] + pj[1] * wy[ch] + pj[2] * wz[ch]
                    };
                    let m = nb.iter().map(|&j| g(j)).fold(f32::NEG_INFINITY, f32::max);
                    let q = centres[i];
                    let v =
                        from_bf16(to_bf16(m)) + (-q[0] * wx[ch] + -q[1] * wy[ch] + -q[2] * wz[ch]);
                    want.push((v * scale[ch] + shift[ch]).clamp(0.0, 6.0).to_bits());
                }
            }
            for simd in [Simd::PORTABLE, Simd::detect()] {
                let par = if c == 192 { Par::Rayon } else { Par::Serial };
                let got =
                    agg.forward_infer_bf16_on(simd, p, h.clone(), groups, (scale, shift), par);
                let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want, "c {c} k {k} simd {simd:?}");
            }
            // The kernels on their own, SIMD against portable.
            let enc = |simd| {
                let mut out = vec![MaybeUninit::new(0i16); c];
                let hrow = h.row(1).to_vec();
                kernels::relu6_add_position_keys(simd, &hrow, pos[1], [&wx, &wy, &wz], &mut out);
                // SAFETY: every element was initialised (to 0, then by the kernel).
                out.iter()
                    .map(|v| unsafe { v.assume_init() })
                    .collect::<Vec<i16>>()
            };
            assert_eq!(enc(Simd::detect()), enc(Simd::PORTABLE), "keys c {c}");
            let keys: Vec<i16> = e.iter().map(|&v| key(v)).collect();
            let (mut a, mut b) = (vec![0i16; c], vec![1i16; c]);
            kernels::gather_max_keys(Simd::detect(), &keys, c, &nbr[..k], &mut a);
            kernels::gather_max_keys(Simd::PORTABLE, &keys, c, &nbr[..k], &mut b);
            assert_eq!(a, b, "gather_max_keys c {c}");
        }
    }
}
