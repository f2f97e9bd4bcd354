//! BatchNorm over points: per channel c, over all R rows (every point of every
//! cloud in the batch):
//!
//! `mean_c = sum_r x[r,c] / R`, `var_c = sum_r (x[r,c] - mean_c)^2 / R`,
//! `rstd_c = 1 / sqrt(var_c + eps)`, `xhat = (x - mean) * rstd`,
//! `out = weight * xhat + bias`.
//!
//! Training uses the batch statistics and updates the running averages
//! (`running = (1 - momentum) * running + momentum * batch`, unbiased variance,
//! as PyTorch). Inference uses the running statistics, which makes the layer a
//! per-channel affine map `out = scale * x + shift` that is folded into the
//! preceding linear layer at load time ([`BatchNorm1d::fold_into_linear`]).
//!
//! Backward (with `dxhat = dout * weight`):
//! `dinp += rstd * (dxhat - mean_r(dxhat) - xhat * mean_r(dxhat * xhat))`,
//! `dweight += sum_r dout * xhat`, `dbias += sum_r dout`.

use super::{Par, ROW_CHUNK};
use crate::model::params::{Params, TensorId, TensorKind};
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Zip};
use rayon::prelude::*;

/// A BatchNorm layer over the channel axis of `[R, C]` rows.
#[derive(Debug, Clone)]
pub struct BatchNorm1d {
    /// Scale (gamma), `[C]`.
    pub weight: TensorId,
    /// Shift (beta), `[C]`.
    pub bias: TensorId,
    /// Running mean, `[C]` (buffer).
    pub running_mean: TensorId,
    /// Running variance, `[C]` (buffer).
    pub running_var: TensorId,
    /// Channels C.
    pub channels: usize,
    /// Added to the variance.
    pub eps: f32,
    /// Weight of the batch statistic in the running average.
    pub momentum: f32,
}

/// What the backward pass needs from a training forward.
#[derive(Debug, Clone)]
pub struct BnCache {
    /// Normalised input `[R, C]`.
    pub xhat: Array2<f32>,
    /// `1 / sqrt(var + eps)` per channel.
    pub rstd: Vec<f32>,
    /// Batch mean per channel.
    pub mean: Vec<f32>,
    /// Unbiased batch variance per channel (for the running average).
    pub var_unbiased: Vec<f32>,
}

/// Per-channel sums over the rows of `x` of `f(value, channel)`, in f64,
/// chunk partials added in chunk order (deterministic for any thread count).
fn column_sums(x: ArrayView2<f32>, par: Par, f: impl Fn(f32, usize) -> f64 + Sync) -> Vec<f64> {
    let c = x.ncols();
    let chunk_sum = |rows: ArrayView2<f32>| {
        let mut acc = vec![0f64; c];
        for row in rows.rows() {
            for (j, (a, &v)) in acc.iter_mut().zip(row).enumerate() {
                *a += f(v, j);
            }
        }
        acc
    };
    let partials: Vec<Vec<f64>> = match par {
        Par::Rayon => x
            .axis_chunks_iter(Axis(0), ROW_CHUNK)
            .into_par_iter()
            .map(chunk_sum)
            .collect(),
        Par::Serial => x
            .axis_chunks_iter(Axis(0), ROW_CHUNK)
            .map(chunk_sum)
            .collect(),
    };
    let mut total = vec![0f64; c];
    for p in partials {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}

/// Two-input version of [`column_sums`]: sums of `f(a, b, channel)`.
fn column_sums2(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    par: Par,
    f: impl Fn(f32, f32, usize) -> f64 + Sync,
) -> Vec<f64> {
    let c = a.ncols();
    let chunk_sum = |(ra, rb): (ArrayView2<f32>, ArrayView2<f32>)| {
        let mut acc = vec![0f64; c];
        for (row_a, row_b) in ra.rows().into_iter().zip(rb.rows()) {
            for (j, ((s, &va), &vb)) in acc.iter_mut().zip(row_a).zip(row_b).enumerate() {
                *s += f(va, vb, j);
            }
        }
        acc
    };
    let partials: Vec<Vec<f64>> = match par {
        Par::Rayon => a
            .axis_chunks_iter(Axis(0), ROW_CHUNK)
            .into_par_iter()
            .zip(b.axis_chunks_iter(Axis(0), ROW_CHUNK))
            .map(chunk_sum)
            .collect(),
        Par::Serial => a
            .axis_chunks_iter(Axis(0), ROW_CHUNK)
            .zip(b.axis_chunks_iter(Axis(0), ROW_CHUNK))
            .map(chunk_sum)
            .collect(),
    };
    let mut total = vec![0f64; c];
    for p in partials {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}

/// `f(row of x, row index)` on every row of `x`, rows split in fixed chunks.
fn map_rows(x: ArrayViewMut2<f32>, par: Par, f: impl Fn(&mut [f32], usize) + Sync) {
    let mut x = x;
    let run = |(ci, mut rows): (usize, ArrayViewMut2<f32>)| {
        for (r, mut row) in rows.rows_mut().into_iter().enumerate() {
            f(
                row.as_slice_mut().expect("contiguous rows"),
                ci * ROW_CHUNK + r,
            );
        }
    };
    match par {
        Par::Rayon => x
            .axis_chunks_iter_mut(Axis(0), ROW_CHUNK)
            .into_par_iter()
            .enumerate()
            .for_each(run),
        Par::Serial => x
            .axis_chunks_iter_mut(Axis(0), ROW_CHUNK)
            .enumerate()
            .for_each(run),
    }
}

impl BatchNorm1d {
    /// Register `{name}.weight` (ones), `{name}.bias` (zeros),
    /// `{name}.running_mean` (zeros), `{name}.running_var` (ones).
    pub fn new(params: &mut Params, name: &str, channels: usize, eps: f32, momentum: f32) -> Self {
        let ones = || ndarray::ArrayD::ones(ndarray::IxDyn(&[channels]));
        let weight = params.add(&format!("{name}.weight"), TensorKind::Param, ones());
        let bias = params.add(
            &format!("{name}.bias"),
            TensorKind::Param,
            Params::dyn_zeros(&[channels]),
        );
        let running_mean = params.add(
            &format!("{name}.running_mean"),
            TensorKind::Buffer,
            Params::dyn_zeros(&[channels]),
        );
        let running_var = params.add(&format!("{name}.running_var"), TensorKind::Buffer, ones());
        BatchNorm1d {
            weight,
            bias,
            running_mean,
            running_var,
            channels,
            eps,
            momentum,
        }
    }

    /// Training forward, in place on `x` `[R, C]` (R >= 1): normalise with the
    /// batch statistics, then scale and shift. Returns the cache for
    /// [`BatchNorm1d::backward`] and [`BatchNorm1d::update_running`].
    pub fn forward_train(&self, p: &Params, x: &mut Array2<f32>, par: Par) -> BnCache {
        let r = x.nrows().max(1) as f64;
        let mean: Vec<f64> = column_sums(x.view(), par, |v, _| v as f64)
            .into_iter()
            .map(|s| s / r)
            .collect();
        let sq = column_sums(x.view(), par, |v, j| {
            let d = v as f64 - mean[j];
            d * d
        });
        let var: Vec<f64> = sq.iter().map(|s| s / r).collect();
        let rstd: Vec<f32> = var
            .iter()
            .map(|v| (1.0 / (v + self.eps as f64).sqrt()) as f32)
            .collect();
        let meanf: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        map_rows(x.view_mut(), par, |row, _| {
            for ((v, m), s) in row.iter_mut().zip(&meanf).zip(&rstd) {
                *v = (*v - m) * s;
            }
        });
        let xhat = x.clone();
        let g = p.view1(self.weight);
        let b = p.view1(self.bias);
        let (g, b) = (g.as_slice().expect("1-D"), b.as_slice().expect("1-D"));
        map_rows(x.view_mut(), par, |row, _| {
            for ((v, gg), bb) in row.iter_mut().zip(g).zip(b) {
                *v = *v * gg + bb;
            }
        });
        let unbias = if r > 1.0 { r / (r - 1.0) } else { 1.0 };
        BnCache {
            xhat,
            rstd,
            mean: meanf,
            var_unbiased: var.iter().map(|v| (v * unbias) as f32).collect(),
        }
    }

    /// Blend the batch statistics of `cache` into the running averages.
    pub fn update_running(&self, p: &mut Params, cache: &BnCache) {
        let m = self.momentum;
        for (rm, &bm) in p.view1_mut(self.running_mean).iter_mut().zip(&cache.mean) {
            *rm = (1.0 - m) * *rm + m * bm;
        }
        for (rv, &bv) in p
            .view1_mut(self.running_var)
            .iter_mut()
            .zip(&cache.var_unbiased)
        {
            *rv = (1.0 - m) * *rv + m * bv;
        }
    }

    /// The inference map as `out = scale * x + shift`, per channel.
    pub fn affine(&self, p: &Params) -> (Array1<f32>, Array1<f32>) {
        let g = p.view1(self.weight);
        let b = p.view1(self.bias);
        let rm = p.view1(self.running_mean);
        let rv = p.view1(self.running_var);
        let scale = Zip::from(&g)
            .and(&rv)
            .map_collect(|&g, &v| g / (v + self.eps).sqrt());
        let shift = Zip::from(&b)
            .and(&rm)
            .and(&scale)
            .map_collect(|&b, &m, &s| b - m * s);
        (scale, shift)
    }

    /// Inference forward with the running statistics, in place on `[R, C]`.
    pub fn forward_eval(&self, p: &Params, x: ArrayViewMut2<f32>) {
        let (scale, shift) = self.affine(p);
        let mut x = x;
        for mut row in x.rows_mut() {
            Zip::from(&mut row)
                .and(&scale)
                .and(&shift)
                .for_each(|v, &s, &t| *v = *v * s + t);
        }
    }

    /// Fold this layer (inference statistics) into the linear layer before
    /// it: `W' = scale * W` (per output row), `b' = scale * b + shift`.
    /// `weight` is `[C, Cin]`, `bias` `[C]`, both modified in place.
    pub fn fold_into_linear(
        &self,
        p: &Params,
        weight: &mut ndarray::ArrayViewMut2<f32>,
        bias: &mut ndarray::ArrayViewMut1<f32>,
    ) {
        let (scale, shift) = self.affine(p);
        for (mut row, &s) in weight.rows_mut().into_iter().zip(&scale) {
            row *= s;
        }
        Zip::from(bias)
            .and(&scale)
            .and(&shift)
            .for_each(|b, &s, &t| *b = *b * s + t);
    }

    /// `dinp += d(out)/d(inp)^T dout` with batch statistics; accumulates
    /// `dweight`, `dbias` into `grads`. `dout`, `dinp` are `[R, C]`.
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        cache: &BnCache,
        dout: ArrayView2<f32>,
        dinp: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let r = dout.nrows().max(1) as f64;
        let g = p.view1(self.weight);
        let g = g.as_slice().expect("1-D");
        // sum_r dout and sum_r dout * xhat, per channel.
        let sum_d = column_sums(dout, par, |v, _| v as f64);
        let sum_dx = column_sums2(dout, cache.xhat.view(), par, |d, x, _| d as f64 * x as f64);
        for (dg, s) in grads.view1_mut(self.weight).iter_mut().zip(&sum_dx) {
            *dg += *s as f32;
        }
        for (db, s) in grads.view1_mut(self.bias).iter_mut().zip(&sum_d) {
            *db += *s as f32;
        }
        // dxhat = dout * g; mean_r(dxhat) = g * sum_d / R; mean_r(dxhat*xhat) = g * sum_dx / R.
        let k: Vec<f32> = (0..self.channels).map(|c| g[c] * cache.rstd[c]).collect();
        let m1: Vec<f32> = sum_d.iter().map(|s| (s / r) as f32).collect();
        let m2: Vec<f32> = sum_dx.iter().map(|s| (s / r) as f32).collect();
        let xhat = &cache.xhat;
        map_rows(dinp, par, |row, ri| {
            let d = dout.row(ri);
            let x = xhat.row(ri);
            for (c, v) in row.iter_mut().enumerate() {
                *v += k[c] * (d[c] - m1[c] - x[c] * m2[c]);
            }
        });
    }
}
